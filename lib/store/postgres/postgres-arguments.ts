/**
 * The PostgreSQL store's argument checks (the shared rules of
 * `../arguments.ts` with PostgreSQL's limits), so that a bad argument is an
 * `InvalidArgument` before it reaches the server, and the reading and writing
 * of its positions, which are its own.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type { InvalidArgument } from '../../errors/EventfoldError.js'
import { argumentRules, invalidPosition, type StoreLimits } from '../arguments.js'
import { START, type Position } from '../RecordManager.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A PostgreSQL log position: the transaction id (`xid8`, kept as its decimal
 * text, as it may exceed 2^53) and the notification id of the last
 * notification read. `undefined` is START.
 *
 * @category model
 * @since 0.1.0
 */
export type XidPosition = { readonly transactionId: string; readonly id: string } | undefined

// -------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------

/**
 * The highest `integer` PostgreSQL stores: the largest version.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_VERSION = 2 ** 31 - 1

/**
 * PostgreSQL's limits: versions fit an `integer`; an originator id, with its
 * version, must fit one entry of the unique B-tree index (2704 bytes), so ids
 * (and topics, alike) are at most 512 code points, 2048 bytes of UTF-8.
 *
 * @category constants
 * @since 0.1.0
 */
export const POSTGRES_LIMITS: StoreLimits = { maxVersion: MAX_VERSION, maxNameLength: 512 }

/**
 * The shared argument rules at PostgreSQL's limits (list bounds beyond
 * 2^31 - 1 are clamped to it).
 *
 * @category constants
 * @since 0.1.0
 */
export const POSTGRES_RULES = argumentRules(POSTGRES_LIMITS)

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** Both parts fit their types: an unsigned 64-bit xid8 and a positive bigint id. */
const POSITION = /^(0|[1-9][0-9]{0,19})\/([1-9][0-9]{0,18})$/
const MAX_XID8 = 2n ** 64n - 1n
const MAX_BIGINT = 2n ** 63n - 1n

/**
 * Reads a position: `''` (START), or `"<transaction id>/<notification id>"`
 * as written by {@link formatPosition}.
 *
 * @category utils
 * @since 0.1.0
 */
export const parsePosition = (position: Position): E.Either<InvalidArgument, XidPosition> => {
  if (position === START) return E.right(undefined)
  const match = typeof position === 'string' ? POSITION.exec(position) : null
  const [, transactionId, id] = match ?? []
  return transactionId !== undefined && id !== undefined && BigInt(transactionId) <= MAX_XID8 && BigInt(id) <= MAX_BIGINT
    ? E.right({ transactionId, id })
    : E.left(invalidPosition(position))
}

/**
 * Writes the position just after a notification.
 *
 * @category utils
 * @since 0.1.0
 */
export const formatPosition = (transactionId: string, id: number): Position => `${transactionId}/${id}`
