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
 * How {@link closable} treats the tasks still running when `close()` is
 * called.
 *
 * @category model
 * @since 0.1.0
 */
export interface ClosableOptions {
  /**
   * Whether `close()` first waits for them, up to this many milliseconds,
   * before it closes the store: without it, a store whose driver fails what
   * is in flight when its pool ends answers them with errors of its own.
   */
  readonly drainMs?: number
}

/**
 * Wraps a record manager so that a task run after `close()` answers
 * `StoreUnavailable` instead of reaching the connection. The check happens
 * when the task runs, not when it is built. With `drainMs`, `close()` lets
 * the tasks already running finish first (see {@link ClosableOptions}).
 *
 * @category combinators
 * @since 0.1.0
 */
export const closable = (records: RecordManager, options: ClosableOptions = {}): RecordManager => {
  let closed = false
  let running = 0
  let drained: (() => void) | undefined
  const gone = (): Promise<E.Either<StoreError, never>> =>
    Promise.resolve(E.left(storeUnavailable(`the ${records.dialect} record manager is closed`, undefined)))
  // Every task settles (a TaskEither never rejects); `finally` would count a rejection all the same.
  const counted = <A>(work: () => Promise<A>): Promise<A> => {
    if (closed) return gone() as Promise<never>
    running++
    return work().finally(() => {
      if (--running === 0) drained?.()
    })
  }
  const guard =
    <Args extends ReadonlyArray<unknown>, A>(f: (...args: Args) => TE.TaskEither<StoreError, A>) =>
    (...args: Args): TE.TaskEither<StoreError, A> =>
    () =>
      counted(f(...args))
  const { decodeItems, selectRawNotifications } = records
  const guardedDecode: NonNullable<RecordManager['decodeItems']> | undefined =
    decodeItems === undefined ? undefined : (originatorId, options, decode) => () => counted(decodeItems(originatorId, options, decode))
  const drain = (ms: number): Promise<void> =>
    running === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms)
          drained = () => {
            clearTimeout(timer)
            resolve()
          }
        })
  let closing: Promise<void> | undefined
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
      return (closing ??= (options.drainMs === undefined ? Promise.resolve() : drain(options.drainMs)).then(() => records.close()))
    }
  }
}
