/**
 * The hot reads every store shares: an originator's items and a page of the
 * log, checked, compiled (see `select-compiler.ts`), run and mapped in plain
 * promise steps. fp-ts's combinators cost more per call than this work, and a
 * load or a log page runs it thousands of times a second.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type { CompiledQuery, Kysely } from 'kysely'
import type { InvalidArgument, StoreError } from '../errors/EventfoldError.js'
import type { ArgumentRules } from './arguments.js'
import type { ItemBounds } from './select-compiler.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import type { ItemDecoder, ListItemsOptions, Notification, Position, RawNotification, RecordManager, RecordsDatabase, StoredEvent } from './RecordManager.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Runs a compiled select and turns its rows into a result with `fromRows`
 * (see {@link eachRow} and {@link decodeRows}). If the select fails, `orElse`
 * may answer in its place (a read made again another way); where it returns
 * `undefined`, the failure is the result.
 *
 * @category model
 * @since 0.1.0
 */
export type RowReader = <R, Err, A>(
  query: () => CompiledQuery,
  fromRows: (rows: ReadonlyArray<R>) => E.Either<Err, A>,
  orElse?: (error: StoreError) => Promise<E.Either<StoreError | Err, A>> | undefined
) => Promise<E.Either<StoreError | Err, A>>

/**
 * How a store reads the items of one originator within checked bounds, each
 * item handed to `decode`.
 *
 * @category model
 * @since 0.1.0
 */
export type ItemRead = <Err, A>(
  originatorId: string,
  bounds: ItemBounds,
  decode: ItemDecoder<Err, A>
) => Promise<E.Either<StoreError | Err, ReadonlyArray<A>>>

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/** The originator id, then the bounds, checked with the store's rules. */
const checked = (
  rules: Pick<ArgumentRules, 'validateOriginatorId' | 'validateListOptions'>,
  originatorId: string,
  options: ListItemsOptions | undefined
): E.Either<InvalidArgument, ItemBounds> => {
  const id = rules.validateOriginatorId(originatorId)
  return E.isLeft(id) ? id : rules.validateListOptions(options)
}

/**
 * Rows to a result that cannot fail: each row mapped by `toA`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const eachRow =
  <R, A>(toA: (row: R) => A) =>
  (rows: ReadonlyArray<R>): E.Either<never, Array<A>> =>
    E.right(rows.map(toA))

/**
 * Rows to a result that fails with the first row `decode` refuses.
 *
 * @category constructors
 * @since 0.1.0
 */
export const decodeRows =
  <R, Err, A>(decode: (row: R) => E.Either<Err, A>) =>
  (rows: ReadonlyArray<R>): E.Either<Err, ReadonlyArray<A>> =>
    // fp-ts's array traversal is a loop that stops at the first Left.
    E.traverseArray(decode)(rows)

/**
 * A {@link RowReader} over `db` whose every failure of its own is a `Left` of
 * `classify`: compiling (a caller's Kysely plugins may throw), running, and
 * a `fromRows` that throws. It never throws or rejects. `run` runs the
 * compiled query; by default Kysely's executor does.
 *
 * @category constructors
 * @since 0.1.0
 */
export const rowReader =
  (
    db: Kysely<RecordsDatabase>,
    classify: (error: unknown) => StoreError,
    run?: (query: CompiledQuery) => Promise<ReadonlyArray<unknown>>
  ): RowReader => {
    const failed = (error: unknown): E.Either<StoreError, never> => E.left(classify(error))
    const mapped = <R, Err, A>(rows: ReadonlyArray<R>, fromRows: (rows: ReadonlyArray<R>) => E.Either<Err, A>): E.Either<StoreError | Err, A> => {
      try {
        return fromRows(rows)
      } catch (error) {
        return failed(error)
      }
    }
    return <R, Err, A>(
      query: () => CompiledQuery,
      fromRows: (rows: ReadonlyArray<R>) => E.Either<Err, A>,
      orElse?: (error: StoreError) => Promise<E.Either<StoreError | Err, A>> | undefined
    ): Promise<E.Either<StoreError | Err, A>> => {
      // The fallback sits on the failure path, so a read that succeeds takes no promise step for it.
      const fail =
        orElse === undefined
          ? failed
          : (error: unknown): E.Either<StoreError, never> | Promise<E.Either<StoreError | Err, A>> => {
              const left = classify(error)
              return orElse(left) ?? E.left(left)
            }
      // One promise step either way, which also catches: a load runs this once per aggregate.
      try {
        return run === undefined
          ? db.executeQuery<R>(query()).then((result) => mapped(result.rows, fromRows), fail)
          : run(query()).then((rows) => mapped(rows as ReadonlyArray<R>, fromRows), fail)
      } catch (error) {
        return Promise.resolve(failed(error))
      }
    }
  }

/**
 * `listItems`: checks the originator id and the bounds with the store's
 * rules, in that order, then reads.
 *
 * @category constructors
 * @since 0.1.0
 */
export const listItemsWith =
  (
    rules: Pick<ArgumentRules, 'validateOriginatorId' | 'validateListOptions'>,
    read: (originatorId: string, bounds: ItemBounds) => Promise<E.Either<StoreError, ReadonlyArray<StoredEvent>>>
  ): RecordManager['listItems'] =>
  (originatorId, options) =>
  () => {
    const bounds = checked(rules, originatorId, options)
    return E.isLeft(bounds) ? Promise.resolve(bounds) : read(originatorId, bounds.right)
  }

/**
 * `decodeItems`: the same checks as {@link listItemsWith}, then reads.
 *
 * @category constructors
 * @since 0.1.0
 */
export const decodeItemsWith =
  (rules: Pick<ArgumentRules, 'validateOriginatorId' | 'validateListOptions'>, read: ItemRead): NonNullable<RecordManager['decodeItems']> =>
  (originatorId, options, decode) =>
  () => {
    const bounds = checked(rules, originatorId, options)
    return E.isLeft(bounds) ? Promise.resolve(bounds) : read(originatorId, bounds.right, decode)
  }

/**
 * `selectNotifications`: parses the position with the store's own cursor
 * format and checks the limit, in that order, then reads.
 *
 * @category constructors
 * @since 0.1.0
 */
export const selectNotificationsWith =
  <After, N extends RawNotification = Notification>(
    parsePosition: (position: Position) => E.Either<InvalidArgument, After>,
    rules: Pick<ArgumentRules, 'validateLimit'>,
    read: (after: After, limit: number) => Promise<E.Either<StoreError, ReadonlyArray<N>>>
  ) =>
  (position: Position, limit: number): TaskEither<StoreError, ReadonlyArray<N>> =>
  () => {
    const after = parsePosition(position)
    if (E.isLeft(after)) return Promise.resolve(after)
    const valid = rules.validateLimit(limit)
    if (E.isLeft(valid)) return Promise.resolve(valid)
    return read(after.right, limit)
  }
