/**
 * Cheap checks on what callers hand the PostgreSQL store, so that a bad
 * argument is an `InvalidArgument` before it reaches the server, and the
 * reading and writing of positions.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { invalidArgument, type InvalidArgument } from '../../errors/EventfoldError.js'
import { START, type ListItemsOptions, type Position, type StoredEvent } from '../RecordManager.js'

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

/**
 * The highest `integer` PostgreSQL stores: the largest version.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_VERSION = 2 ** 31 - 1

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0

/** A PostgreSQL `text` cannot hold U+0000; the server would refuse it with a less helpful error. */
const isText = (s: unknown): s is string => typeof s === 'string' && s.length > 0 && !s.includes('\u0000')

const show = (s: unknown): string => (typeof s === 'string' ? JSON.stringify(s.slice(0, 40)) : String(s))

/**
 * Accepts items with non-empty ids and topics free of NUL characters, integer
 * versions from 0 to 2^31 - 1, and byte states.
 *
 * @category utils
 * @since 0.1.0
 */
export const validateItems = (items: ReadonlyArray<StoredEvent>): E.Either<InvalidArgument, ReadonlyArray<StoredEvent>> => {
  for (const [i, e] of items.entries()) {
    if (!isText(e.originatorId))
      return E.left(invalidArgument(`item ${i}: the originator id ${show(e.originatorId)} must be a non-empty string without NUL`))
    if (!isCount(e.originatorVersion) || e.originatorVersion > MAX_VERSION)
      return E.left(invalidArgument(`item ${i}: version ${String(e.originatorVersion)} is not an integer from 0 to 2^31 - 1`))
    if (!isText(e.topic))
      return E.left(invalidArgument(`item ${i}: the topic ${show(e.topic)} must be a non-empty string without NUL`))
    if (!(e.state instanceof Uint8Array)) return E.left(invalidArgument(`item ${i}: the state must be a Uint8Array`))
  }
  return E.right(items)
}

/**
 * Accepts an originator id PostgreSQL can compare with a stored one.
 *
 * @category utils
 * @since 0.1.0
 */
export const validateOriginatorId = (id: string): E.Either<InvalidArgument, string> =>
  isText(id) ? E.right(id) : E.left(invalidArgument(`the originator id ${show(id)} must be a non-empty string without NUL`))

/**
 * Accepts integer bounds and a limit of at least 0.
 *
 * @category utils
 * @since 0.1.0
 */
export const validateListOptions = (options: ListItemsOptions): E.Either<InvalidArgument, ListItemsOptions> => {
  const { gt, lte, limit } = options
  if (gt !== undefined && !Number.isSafeInteger(gt)) return E.left(invalidArgument(`gt ${gt} is not an integer`))
  if (lte !== undefined && !Number.isSafeInteger(lte)) return E.left(invalidArgument(`lte ${lte} is not an integer`))
  if (limit !== undefined && !isCount(limit)) return E.left(invalidArgument(`limit ${limit} is not an integer of at least 0`))
  return E.right(options)
}

/**
 * Accepts a limit of at least 0.
 *
 * @category utils
 * @since 0.1.0
 */
export const validateLimit = (limit: number): E.Either<InvalidArgument, number> =>
  isCount(limit) ? E.right(limit) : E.left(invalidArgument(`limit ${limit} is not an integer of at least 0`))

/**
 * Accepts two integer ids.
 *
 * @category utils
 * @since 0.1.0
 */
export const validateIdRange = (start: number, end: number): E.Either<InvalidArgument, readonly [number, number]> =>
  Number.isSafeInteger(start) && Number.isSafeInteger(end)
    ? E.right([start, end])
    : E.left(invalidArgument(`the range [${start}, ${end}] does not have integer ends`))

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
    : E.left(invalidArgument(`position ${show(position)} is not a PostgreSQL position ("<transaction id>/<notification id>")`))
}

/**
 * Writes the position just after a notification.
 *
 * @category utils
 * @since 0.1.0
 */
export const formatPosition = (transactionId: string, id: number): Position => `${transactionId}/${id}`
