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
import type { Notification, Position, RecordManager, RecordsDatabase, StoredEvent } from './RecordManager.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Runs a compiled select and maps its rows.
 *
 * @category model
 * @since 0.1.0
 */
export type RowReader = <R, A>(query: () => CompiledQuery, toA: (row: R) => A) => Promise<E.Either<StoreError, Array<A>>>

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A {@link RowReader} over `db` whose every failure is a `Left` of `classify`:
 * compiling (a caller's Kysely plugins may throw), running, and mapping a row.
 * It never throws or rejects. `run` runs the compiled query; by default
 * Kysely's executor does.
 *
 * @category constructors
 * @since 0.1.0
 */
export const rowReader =
  (
    db: Kysely<RecordsDatabase>,
    classify: (error: unknown) => StoreError,
    run?: (query: CompiledQuery) => Promise<ReadonlyArray<unknown>>
  ): RowReader =>
  <R, A>(query: () => CompiledQuery, toA: (row: R) => A): Promise<E.Either<StoreError, Array<A>>> => {
    try {
      // One promise step either way: a load runs this once per aggregate.
      const read: Promise<E.Either<StoreError, Array<A>>> =
        run === undefined
          ? db.executeQuery<R>(query()).then((result) => E.right(result.rows.map(toA)))
          : run(query()).then((rows) => E.right((rows as ReadonlyArray<R>).map(toA)))
      return read.catch((error: unknown) => E.left(classify(error)))
    } catch (error) {
      return Promise.resolve(E.left(classify(error)))
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
    const id = rules.validateOriginatorId(originatorId)
    if (E.isLeft(id)) return Promise.resolve(id)
    const bounds = rules.validateListOptions(options)
    if (E.isLeft(bounds)) return Promise.resolve(bounds)
    return read(originatorId, bounds.right)
  }

/**
 * `selectNotifications`: parses the position with the store's own cursor
 * format and checks the limit, in that order, then reads.
 *
 * @category constructors
 * @since 0.1.0
 */
export const selectNotificationsWith =
  <After>(
    parsePosition: (position: Position) => E.Either<InvalidArgument, After>,
    rules: Pick<ArgumentRules, 'validateLimit'>,
    read: (after: After, limit: number) => Promise<E.Either<StoreError, ReadonlyArray<Notification>>>
  ): RecordManager['selectNotifications'] =>
  (position, limit) =>
  () => {
    const after = parsePosition(position)
    if (E.isLeft(after)) return Promise.resolve(after)
    const valid = rules.validateLimit(limit)
    if (E.isLeft(valid)) return Promise.resolve(valid)
    return read(after.right, limit)
  }
