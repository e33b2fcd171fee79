/**
 * The application layer's check of an originator id from untyped code,
 * shared by the event store and the repository. Internal: not exported from
 * the package.
 *
 * @since 0.1.0
 */
import { invalidArgument, type InvalidArgument } from '../errors/EventfoldError.js'

/**
 * The application layer's own check of an id from untyped code, before any
 * store's rules.
 *
 * @category utils
 * @since 0.1.0
 */
export const isOriginatorId = (id: unknown): id is string => typeof id === 'string' && id.length > 0

/**
 * What an id that fails {@link isOriginatorId} gets.
 *
 * @category utils
 * @since 0.1.0
 */
export const notAnOriginatorId = (): InvalidArgument => invalidArgument('the originator id must be a non-empty string')
