/**
 * Classifies what mysql2 (or Kysely over it) throws into store errors. This is
 * the only place a MySQL driver exception is looked at.
 *
 * @since 0.1.0
 */
import { UnsafeNotificationId } from '../notification-id.js'
import { duplicateOn, type BrokenKey } from '../table-check.js'
import type { TableKeys } from './mysql-schema.js'
import {
  concurrencyError,
  storeFailure,
  storeUnavailable,
  type StoreError
} from '../../errors/EventfoldError.js'

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

// The server or the network went away, or refused us for now: retrying later
// may succeed.
const UNAVAILABLE = new Set([
  // node.js sockets and DNS
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  // the server
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_NORMAL_SHUTDOWN',
  'ER_SHUTDOWN_COMPLETE',
  'ER_ABORTING_CONNECTION',
  'ER_NEW_ABORTING_CONNECTION',
  'ER_NET_READ_ERROR',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_ERROR_ON_WRITE',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_SESSION_WAS_KILLED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_HOST_IS_BLOCKED',
  // a lock held elsewhere for longer than innodb_lock_wait_timeout
  'ER_LOCK_WAIT_TIMEOUT',
  // MySQL's max_execution_time ran out
  'ER_QUERY_TIMEOUT'
])

// mysql2's own errors without a code: a pool that was ended, and one whose
// queue of waiting calls is full (its queueLimit option). Both pass.
const UNAVAILABLE_MESSAGE = /^(Pool is closed|Queue limit reached)\.?$/

// Server error numbers mysql2 has no name for (its table is MySQL's): MariaDB's
// ER_CONNECTION_KILLED, and its ER_STATEMENT_TIMEOUT (max_statement_time ran
// out, as a lock wait does with ER_LOCK_WAIT_TIMEOUT: nothing was written).
const UNAVAILABLE_ERRNO = new Set([1927, 1969])

interface DriverError {
  readonly code?: unknown
  readonly errno?: unknown
  readonly fatal?: unknown
  readonly message?: unknown
}

const asDriverError = (error: unknown): DriverError =>
  typeof error === 'object' && error !== null ? (error as DriverError) : {}

const messageOf = (error: unknown): string => {
  const e = asDriverError(error)
  const message = typeof e.message === 'string' ? e.message : String(error)
  return typeof e.code === 'string' && !message.startsWith(e.code) ? `${e.code}: ${message}` : message
}

/**
 * Whether an error means the connection or the server is gone, rather than
 * that a statement failed.
 *
 * @category utils
 * @since 0.1.0
 */
export const isUnavailable = (error: unknown): boolean => {
  const { code, errno, fatal, message } = asDriverError(error)
  if (typeof code === 'string' && UNAVAILABLE.has(code)) return true
  if (code === undefined && typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true
  if (typeof errno === 'number' && UNAVAILABLE_ERRNO.has(errno)) return true
  // mysql2 marks errors that killed the connection as fatal; a fatal server
  // error (ER_ACCESS_DENIED_ERROR at handshake) is a setting to fix, not an outage.
  return fatal === true && !(typeof code === 'string' && code.startsWith('ER_'))
}

/**
 * Classifies a driver exception: a duplicate `(originator_id,
 * originator_version)` is a `ConcurrencyError` naming `originatorIds`, and so
 * is a deadlock (the server rolled the transaction back for a concurrent one:
 * nothing was written, and a retry after loading again may succeed); a lost
 * or refused connection, a lock waited for too long, a closed pool or a full
 * queue is `StoreUnavailable`; anything else is `StoreFailure`. A duplicate
 * notification id is a `StoreFailure` too: it means rows were written behind
 * the sequence's back, and retrying the save would not help. So is a
 * notification id past 2^53 - 1, read or about to be given out.
 *
 * Which key a duplicate entry broke decides between the two: with the
 * table's `keys` (found at opening), by their names; without them, as on
 * the table eventfold creates, whose primary key is the id. So is a
 * statement timeout (MariaDB's `max_statement_time`, MySQL's
 * `max_execution_time`), like a lock wait that ran out.
 *
 * @category utils
 * @since 0.1.0
 */
export const classifyMysqlError =
  (originatorIds: ReadonlyArray<string> = [], keys?: TableKeys) =>
  (error: unknown): StoreError => {
    const { code } = asDriverError(error)
    const message = messageOf(error)
    if (error instanceof UnsafeNotificationId) return storeFailure(message, error)
    if (code === 'ER_DUP_ENTRY') {
      // The key is named last ('… for key 'db.name'' on MySQL 8); the entry before it is the caller's data.
      const key = /for key '(?:[^']*\.)?([^'.]*)'$/i.exec(message)?.[1]?.toLowerCase() ?? ''
      // Without the table's keys, eventfold's own: the primary key is the id.
      const broken: BrokenKey =
        keys === undefined
          ? key === 'primary' ? 'id' : 'version'
          : keys.versionKeys.includes(key) ? 'version' : keys.idKeys.includes(key) ? 'id' : 'other'
      return duplicateOn(broken, message, error, originatorIds)
    }
    if (code === 'ER_LOCK_DEADLOCK') {
      return concurrencyError(`the server rolled the save back for a concurrent transaction, and nothing was written: ${message}`, originatorIds)
    }
    return isUnavailable(error) ? storeUnavailable(message, error) : storeFailure(message, error)
  }
