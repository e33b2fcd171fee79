/**
 * The SQLite store's argument checks: the shared rules of `../arguments.ts`
 * with SQLite's limits, so that a bad argument is an `InvalidArgument` (the
 * same one as on the other stores) rather than a row SQLite would quietly
 * accept.
 *
 * @since 0.1.0
 */
import { argumentRules, type StoreLimits } from '../arguments.js'

// -------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------

/**
 * SQLite's limits. Its `integer` holds any safe integer, and its `text` any
 * length up to a gigabyte; ids and topics are still held to PostgreSQL's 512
 * code points, so that an application developed on SQLite (the default
 * store) does not meet new refusals when it moves to a server.
 *
 * @category constants
 * @since 0.1.0
 */
export const SQLITE_LIMITS: StoreLimits = { maxVersion: Number.MAX_SAFE_INTEGER, maxNameLength: 512 }

/**
 * The shared argument rules at SQLite's limits.
 *
 * @category constants
 * @since 0.1.0
 */
export const SQLITE_RULES = argumentRules(SQLITE_LIMITS)

export {
  /**
   * Reads a notification-id position: `''` (START) is 0, otherwise the
   * decimal id of the last notification read.
   *
   * @category utils
   * @since 0.1.0
   */
  parseIdPosition
} from '../arguments.js'
