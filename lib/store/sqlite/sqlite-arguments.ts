/**
 * Cheap checks on what callers hand the SQLite store, so that a bad argument
 * is an `InvalidArgument` rather than a row SQLite would quietly accept.
 *
 * Nothing here is specific to SQLite; it lives beside the store that uses it.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { invalidArgument, type InvalidArgument } from '../../errors/EventfoldError.js'
import { START, type ListItemsOptions, type Position, type StoredEvent } from '../RecordManager.js'

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0

/**
 * Accepts items with non-empty string ids and topics, safe integer versions
 * of at least 0, and byte states.
 *
 * @category utils
 * @since 0.1.0
 */
export const validateItems = (items: ReadonlyArray<StoredEvent>): E.Either<InvalidArgument, ReadonlyArray<StoredEvent>> => {
  for (const [i, e] of items.entries()) {
    if (typeof e !== 'object' || e === null) return E.left(invalidArgument(`item ${i} is not a stored event`))
    if (typeof e.originatorId !== 'string' || e.originatorId.length === 0)
      return E.left(invalidArgument(`item ${i}: the originator id must be a non-empty string`))
    if (!isCount(e.originatorVersion))
      return E.left(invalidArgument(`item ${i}: version ${String(e.originatorVersion)} is not an integer from 0 to 2^53 - 1`))
    if (typeof e.topic !== 'string' || e.topic.length === 0)
      return E.left(invalidArgument(`item ${i}: the topic must be a non-empty string`))
    if (!(e.state instanceof Uint8Array)) return E.left(invalidArgument(`item ${i}: the state must be a Uint8Array`))
  }
  return E.right(items)
}

/**
 * Accepts integer bounds and a limit of at least 0.
 *
 * @category utils
 * @since 0.1.0
 */
export const validateListOptions = (options: ListItemsOptions): E.Either<InvalidArgument, ListItemsOptions> => {
  if (typeof options !== 'object' || options === null) return E.left(invalidArgument('list options must be an object'))
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

const ID = /^(0|[1-9][0-9]{0,15})$/

/**
 * Reads a notification-id position: `''` (START) is 0, otherwise the decimal
 * id of the last notification read.
 *
 * @category utils
 * @since 0.1.0
 */
export const parseIdPosition = (position: Position): E.Either<InvalidArgument, number> => {
  if (typeof position !== 'string') return E.left(invalidArgument('a position is a string'))
  if (position === START) return E.right(0)
  const id = ID.test(position) ? Number(position) : Number.NaN
  return Number.isSafeInteger(id)
    ? E.right(id)
    : E.left(invalidArgument(`position ${JSON.stringify(position.slice(0, 40))} is not a notification position`))
}
