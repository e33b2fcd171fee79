/**
 * Turns what better-sqlite3 (or Kysely over it) throws into a `StoreError`.
 * The SQLite store calls this exactly once per failure, at its boundary.
 *
 * @since 0.1.0
 */
import {
  concurrencyError,
  storeFailure,
  storeUnavailable,
  type StoreError
} from '../../errors/EventfoldError.js'
import { UnsafeNotificationId } from '../notification-id.js'
import { ForeignTransaction } from './sqlite-driver.js'

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** The unique key on (originator_id, originator_version), or the notification id. */
const CONFLICT = new Set(['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE'])

/** Worth retrying later: another writer holds the lock, or the file cannot be opened (extended codes too). */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN)(_|$)/

/** better-sqlite3 and Kysely say so in messages, without a code, once closed. */
const CLOSED = /database connection is not open|driver has already been destroyed/i

const codeOf = (cause: unknown): string | undefined =>
  typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
    ? cause.code
    : undefined

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * Classifies a SQLite failure: a broken unique key is a `ConcurrencyError`
 * naming `originatorIds` (computed only then), a busy, unopenable or closed
 * database is `StoreUnavailable`, and anything else is `StoreFailure`; a
 * notification id past 2^53 - 1 is one that says only that.
 *
 * @category utils
 * @since 0.1.0
 */
export const classifySqliteError =
  (originatorIds: () => ReadonlyArray<string> = () => []) =>
  (cause: unknown): StoreError => {
    const code = codeOf(cause)
    const message = messageOf(cause)
    // Another's transaction on the same database: nothing was written, and a retry once it ends can succeed.
    if (cause instanceof ForeignTransaction) return storeUnavailable(message, cause)
    if (cause instanceof UnsafeNotificationId) return storeFailure(message, cause)
    if (code !== undefined && CONFLICT.has(code)) return concurrencyError(`a version exists already: ${message}`, originatorIds())
    if ((code !== undefined && UNAVAILABLE.test(code)) || CLOSED.test(message)) return storeUnavailable(`SQLite is unavailable: ${message}`, cause)
    return storeFailure(`SQLite refused the statement: ${message}`, cause)
  }
