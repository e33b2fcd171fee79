/**
 * Turns what postgres.js (or Kysely over it, or node-postgres behind a
 * caller's Kysely) throws into a `StoreError`. The PostgreSQL store calls this
 * exactly once per failure, at its boundary.
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
import { duplicateOn, isVersionKey, type BrokenKey } from '../table-check.js'

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** SQLSTATE unique_violation: the key on (originator_id, originator_version). */
const UNIQUE_VIOLATION = '23505'

/**
 * SQLSTATE deadlock_detected and serialization_failure: the server rolled the
 * transaction back because of a concurrent one. Two saves of the same new
 * aggregates given in opposite orders each wait for a row the other inserted,
 * and one of them is chosen to fail; it lost the race for those versions as
 * surely as a unique violation says.
 */
const CONFLICT = new Set(['40P01', '40001'])

/** postgres.js's own codes, and Node's socket codes, for a connection that failed or went away. */
const LOST = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // admin_shutdown, crash_shutdown, cannot_connect_now (the server is starting or stopping)
  '57P01',
  '57P02',
  '57P03'
])

/**
 * The server refused for now, not for good: a lock or statement timeout
 * (nothing was written), too many connections, or out of some resource
 * (class 53). A retry later may succeed, as after a lost connection.
 */
const BUSY = new Set(['55P03', '57014'])

/** node-postgres says so only in messages; Kysely too, once destroyed. */
const LOST_MESSAGE = /Connection terminated|driver has already been destroyed/i

const codeOf = (cause: unknown): string | undefined =>
  typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
    ? cause.code
    : undefined

/** Bytes that are not UTF-8 (22021), or text the database's encoding cannot hold (22P05). */
const NOT_TEXT = new Set(['22021', '22P05'])

/**
 * Whether `cause` is the server refusing to read bytes as text: they are not
 * UTF-8, or the database's encoding has no place for some character.
 *
 * @category utils
 * @since 0.1.0
 */
export const isNotText = (cause: unknown): boolean => NOT_TEXT.has(codeOf(cause) ?? '')

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * The columns of the unique key a violation broke, from its detail (`Key
 * (originator_id, originator_version)=(…) already exists.`), lower case; or
 * undefined where the driver gave no detail.
 */
const keyColumnsOf = (cause: unknown): ReadonlyArray<string> | undefined => {
  const detail = typeof cause === 'object' && cause !== null && 'detail' in cause && typeof cause.detail === 'string' ? cause.detail : undefined
  const columns = detail === undefined ? undefined : /^Key \(([^)]*)\)=/.exec(detail)?.[1]
  return columns?.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase())
}

/**
 * Whether `cause` means the connection failed or was lost (rather than that
 * the server refused a statement). Node reports a refused connection to a
 * host with several addresses as an `AggregateError`, so its members count.
 *
 * @category utils
 * @since 0.1.0
 */
export const isConnectionLoss = (cause: unknown): boolean => {
  const code = codeOf(cause)
  if (code !== undefined && (LOST.has(code) || code.startsWith('08'))) return true
  if (cause instanceof AggregateError) return cause.errors.some(isConnectionLoss)
  return LOST_MESSAGE.test(messageOf(cause))
}

/**
 * Classifies a PostgreSQL failure: a broken version key (`23505` on
 * `(originator_id, originator_version)`), a deadlock (`40P01`) or a
 * serialization failure (`40001`) is a `ConcurrencyError` naming
 * `originatorIds` (computed only then): nothing was written, and a retry
 * after loading again may succeed. Another unique key broken (a notification
 * id taken) is a `StoreFailure`. A failed or lost connection, a lock or
 * statement timeout (`55P03`, `57014`) and a lack of resources (class `53`,
 * too many connections among them) are `StoreUnavailable`; anything else is
 * `StoreFailure`.
 *
 * @category utils
 * @since 0.1.0
 */
export const classifyPostgresError =
  (originatorIds: () => ReadonlyArray<string> = () => []) =>
  (cause: unknown): StoreError => {
    const message = messageOf(cause)
    if (cause instanceof UnsafeNotificationId) return storeFailure(message, cause)
    const code = codeOf(cause)
    if (code === UNIQUE_VIOLATION) {
      const columns = keyColumnsOf(cause)
      // Without a detail to say which key, the one eventfold's saves can break.
      const broken: BrokenKey =
        columns === undefined || isVersionKey(columns) ? 'version' : columns.length === 1 && columns[0] === 'id' ? 'id' : 'other'
      return duplicateOn(broken, message, cause, broken === 'version' ? originatorIds() : [])
    }
    if (code !== undefined && CONFLICT.has(code)) {
      return concurrencyError(`the server rolled the save back for a concurrent transaction, and nothing was written: ${message}`, originatorIds())
    }
    if (isConnectionLoss(cause)) return storeUnavailable(`PostgreSQL is unavailable: ${message}`, cause)
    if (code !== undefined && (BUSY.has(code) || code.startsWith('53'))) return storeUnavailable(`PostgreSQL refused for now: ${message}`, cause)
    return storeFailure(`PostgreSQL refused the statement: ${message}`, cause)
  }
