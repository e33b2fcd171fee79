/**
 * The check the application makes of a kind from untyped code before it asks
 * the kind anything: the types rule out null or a stray value, plain
 * JavaScript does not.
 *
 * @since 0.1.0
 */
import { invalidArgument, type InvalidArgument } from '../errors/EventfoldError.js'
import type { AnyKind } from '../kind/AggregateKind.js'

/** Whether `kind` can be asked what it owns: a kind, not null or a stray value from untyped code. */
export const isKind = (kind: unknown): kind is AnyKind =>
  typeof kind === 'object' && kind !== null && typeof (kind as { owns?: unknown }).owns === 'function'

/** The error for a value {@link isKind} refuses. */
export const notAKind = (kind: unknown): InvalidArgument =>
  invalidArgument(`not an aggregate kind: ${typeof kind === 'object' && kind !== null ? 'an object without owns()' : String(kind)}`)
