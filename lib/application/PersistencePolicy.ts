/**
 * Which aggregate kinds' events an application writes. The seed's
 * `persist_event_type`: the default persists none, so an application writes
 * only what it was told to.
 *
 * @since 0.1.0
 */
import type { AnyKind } from '../kind/AggregateKind.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The persistence policy: which kinds' events `save` writes.
 *
 * @category model
 * @since 0.1.0
 */
export interface PersistencePolicy {
  /** The names of the kinds whose events are written. */
  readonly kinds: ReadonlySet<string>
  /** Whether events of this kind are written. */
  readonly persists: (kindName: string) => boolean
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A policy that writes the events of the given kinds, and of no others.
 *
 * @category constructors
 * @since 0.1.0
 */
export const persistencePolicy = (kinds: ReadonlyArray<AnyKind> = []): PersistencePolicy => {
  const names: ReadonlySet<string> = new Set(kinds.map((kind) => kind.name))
  return { kinds: names, persists: (kindName) => names.has(kindName) }
}
