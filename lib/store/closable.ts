/**
 * One rule for every store: once `close()` has been called, every method
 * answers `StoreUnavailable`, whether the store owned its connection (and
 * destroyed it) or borrowed the caller's (and left it open).
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { storeUnavailable, type StoreError } from '../errors/EventfoldError.js'
import type { RecordManager } from './RecordManager.js'

/**
 * Wraps a record manager so that a task run after `close()` answers
 * `StoreUnavailable` instead of reaching the connection. The check happens
 * when the task runs, not when it is built.
 *
 * @category combinators
 * @since 0.1.0
 */
export const closable = (records: RecordManager): RecordManager => {
  let closed = false
  const gone = (): Promise<E.Either<StoreError, never>> =>
    Promise.resolve(E.left(storeUnavailable(`the ${records.dialect} record manager is closed`, undefined)))
  const guard =
    <Args extends ReadonlyArray<unknown>, A>(f: (...args: Args) => TE.TaskEither<StoreError, A>) =>
    (...args: Args): TE.TaskEither<StoreError, A> =>
    () =>
      closed ? gone() : f(...args)()
  const { decodeItems, selectRawNotifications } = records
  const guardedDecode: NonNullable<RecordManager['decodeItems']> | undefined =
    decodeItems === undefined ? undefined : (originatorId, options, decode) => () => (closed ? gone() : decodeItems(originatorId, options, decode)())
  return {
    ...records,
    insertItems: guard(records.insertItems),
    listItems: guard(records.listItems),
    ...(guardedDecode === undefined ? {} : { decodeItems: guardedDecode }),
    ...(selectRawNotifications === undefined ? {} : { selectRawNotifications: guard(selectRawNotifications) }),
    selectNotifications: guard(records.selectNotifications),
    selectNotificationRange: guard(records.selectNotificationRange),
    maxNotificationId: guard(records.maxNotificationId),
    close: () => {
      closed = true
      return records.close()
    }
  }
}
