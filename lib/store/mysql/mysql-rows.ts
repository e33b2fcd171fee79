/**
 * The pure half of the MySQL store: checks on what callers pass in, cursors,
 * and the mapping between rows and stored events.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { InvalidArgument } from '../../errors/EventfoldError.js'
import { argumentRules, idPosition, parseIdPosition, type StoreLimits } from '../arguments.js'
import { notificationIdOf } from '../notification-id.js'
import type { Notification, Position, StoredEvent } from '../RecordManager.js'

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
 * counts them: the columns are `VARCHAR(255)`.
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

/**
 * MySQL's limits, for the shared argument rules.
 *
 * @category constants
 * @since 0.1.0
 */
export const MYSQL_LIMITS: StoreLimits = { maxVersion: MAX_VERSION, maxNameLength: MAX_NAME_LENGTH }

/**
 * The shared argument rules at MySQL's limits.
 *
 * @category constants
 * @since 0.1.0
 */
export const MYSQL_RULES = argumentRules(MYSQL_LIMITS)

// -------------------------------------------------------------------------------------
// validation
// -------------------------------------------------------------------------------------

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
  pipe(
    MYSQL_RULES.validateIdRange(start, end),
    E.map(([start, end]) => ({ start, end }))
  )

// -------------------------------------------------------------------------------------
// cursors
// -------------------------------------------------------------------------------------

/**
 * The cursor after notification `id`: its id in decimal.
 *
 * @category cursors
 * @since 0.1.0
 */
export const positionAfter = (id: number): Position => idPosition(id)

/**
 * The last notification id a position stands after: 0 for the start.
 *
 * @category cursors
 * @since 0.1.0
 */
export const parsePosition = (position: Position): E.Either<InvalidArgument, number> => parseIdPosition(position)

// -------------------------------------------------------------------------------------
// mapping
// -------------------------------------------------------------------------------------

/**
 * The bytes mysql2 should send: a `Buffer` over the same memory, which it
 * escapes as a hex literal.
 *
 * @category mapping
 * @since 0.1.0
 */
export const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/**
 * A row as a stored event, with plain numbers; the state is the `Buffer` (a
 * `Uint8Array`) mysql2 read.
 *
 * @category mapping
 * @since 0.1.0
 */
export const toStoredEvent = (row: MysqlRow): StoredEvent => ({
  originatorId: row.originator_id,
  originatorVersion: Number(row.originator_version),
  topic: row.topic,
  // mysql2 gives each value a Buffer (a Uint8Array) over its own slice of the packet.
  state: row.state
})

/**
 * A row as an entry of the notification log.
 *
 * @category mapping
 * @since 0.1.0
 */
export const toNotification = (row: MysqlRow): Notification => {
  // Past 2^53 - 1 a number is another id (see notification-id.ts).
  const id = notificationIdOf(row.id)
  // One literal: spreading a stored event into it cost more than decoding the event.
  return {
    originatorId: row.originator_id,
    originatorVersion: Number(row.originator_version),
    topic: row.topic,
    state: row.state,
    id,
    position: positionAfter(id)
  }
}
