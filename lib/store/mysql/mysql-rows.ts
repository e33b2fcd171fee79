/**
 * The pure half of the MySQL store: checks on what callers pass in, cursors,
 * and the mapping between rows and stored events.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { invalidArgument, type InvalidArgument } from '../../errors/EventfoldError.js'
import type { ListItemsOptions, Notification, Position, StoredEvent } from '../RecordManager.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A row as mysql2 returns it. Numbers may come back as strings when the
 * caller's pool sets `bigNumberStrings`, and bytes as a `Buffer`.
 *
 * @category model
 * @since 0.1.0
 */
export interface MysqlRow {
  readonly id: number | string | bigint
  readonly originator_id: string
  readonly originator_version: number | string | bigint
  readonly topic: string
  readonly state: Uint8Array
}

/**
 * The longest originator id or topic, in characters (code points), as MySQL
 * counts them.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_NAME_LENGTH = 255

/**
 * The largest version an `INT UNSIGNED` column holds.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_VERSION = 4_294_967_295

// -------------------------------------------------------------------------------------
// validation
// -------------------------------------------------------------------------------------

// A lone surrogate cannot be encoded in utf8mb4: mysql2 would send U+FFFD, and
// two different ids would collide.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const checkName = (what: string, s: unknown): string | undefined => {
  if (typeof s !== 'string' || s.length === 0) return `${what} must be a non-empty string`
  if (LONE_SURROGATE.test(s)) return `${what} contains a lone UTF-16 surrogate`
  const length = [...s].length
  return length > MAX_NAME_LENGTH ? `${what} is ${length} characters long; at most ${MAX_NAME_LENGTH}` : undefined
}

const isVersion = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= MAX_VERSION

/**
 * Checks the items of a save: non-empty ids and topics of at most 255
 * characters, integer versions from 0 to 2^32 − 1, and bytes for the state.
 *
 * @category validation
 * @since 0.1.0
 */
export const validateItems = (
  items: ReadonlyArray<StoredEvent>
): E.Either<InvalidArgument, ReadonlyArray<StoredEvent>> => {
  for (const [i, item] of items.entries()) {
    const problem =
      checkName('originatorId', item.originatorId) ??
      checkName('topic', item.topic) ??
      (isVersion(item.originatorVersion)
        ? undefined
        : `originatorVersion must be an integer from 0 to ${MAX_VERSION}, got ${String(item.originatorVersion)}`) ??
      (item.state instanceof Uint8Array ? undefined : 'state must be a Uint8Array')
    if (problem !== undefined) return E.left(invalidArgument(`item ${i}: ${problem}`))
  }
  return E.right(items)
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0

/**
 * Checks the filters of `listItems`: versions and the limit are non-negative
 * integers.
 *
 * @category validation
 * @since 0.1.0
 */
export const validateListOptions = (options: ListItemsOptions): E.Either<InvalidArgument, ListItemsOptions> => {
  for (const key of ['gt', 'lte', 'limit'] as const) {
    const value = options[key]
    if (value !== undefined && !isCount(value)) {
      return E.left(invalidArgument(`${key} must be a non-negative integer, got ${String(value)}`))
    }
  }
  return E.right(options)
}

/**
 * Checks a page size: a non-negative integer.
 *
 * @category validation
 * @since 0.1.0
 */
export const validateLimit = (limit: number): E.Either<InvalidArgument, number> =>
  isCount(limit) ? E.right(limit) : E.left(invalidArgument(`limit must be a non-negative integer, got ${String(limit)}`))

/**
 * Checks the bounds of a notification range: integers.
 *
 * @category validation
 * @since 0.1.0
 */
export const validateRange = (
  start: number,
  end: number
): E.Either<InvalidArgument, { readonly start: number; readonly end: number }> =>
  Number.isSafeInteger(start) && Number.isSafeInteger(end)
    ? E.right({ start, end })
    : E.left(invalidArgument(`a notification range needs integer bounds, got [${String(start)}, ${String(end)}]`))

// -------------------------------------------------------------------------------------
// cursors
// -------------------------------------------------------------------------------------

/**
 * The cursor after notification `id`: its id in decimal.
 *
 * @category cursors
 * @since 0.1.0
 */
export const positionAfter = (id: number): Position => String(id)

/**
 * The last notification id a position stands after: 0 for the start.
 *
 * @category cursors
 * @since 0.1.0
 */
export const parsePosition = (position: Position): E.Either<InvalidArgument, number> => {
  if (position === '') return E.right(0)
  const id = Number(position)
  return /^(0|[1-9][0-9]*)$/.test(position) && Number.isSafeInteger(id)
    ? E.right(id)
    : E.left(invalidArgument(`not a MySQL log position: ${JSON.stringify(position).slice(0, 80)}`))
}

// -------------------------------------------------------------------------------------
// mapping
// -------------------------------------------------------------------------------------

// A view, not a copy: mysql2 gives every value its own slice of the packet.
const bytes = (b: Uint8Array): Uint8Array =>
  b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

/**
 * The bytes mysql2 should send: a `Buffer` over the same memory, which it
 * escapes as a hex literal.
 *
 * @category mapping
 * @since 0.1.0
 */
export const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/**
 * A row as a stored event, with plain numbers and a plain `Uint8Array`.
 *
 * @category mapping
 * @since 0.1.0
 */
export const toStoredEvent = (row: MysqlRow): StoredEvent => ({
  originatorId: row.originator_id,
  originatorVersion: Number(row.originator_version),
  topic: row.topic,
  state: bytes(row.state)
})

/**
 * A row as an entry of the notification log.
 *
 * @category mapping
 * @since 0.1.0
 */
export const toNotification = (row: MysqlRow): Notification => {
  const id = Number(row.id)
  return { ...toStoredEvent(row), id, position: positionAfter(id) }
}
