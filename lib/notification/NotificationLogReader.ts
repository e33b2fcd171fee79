/**
 * A reader that follows the notification log and keeps its position: each
 * `read()` returns only what was logged since the last one.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { invalidArgument, messageOf, type InvalidArgument } from '../errors/EventfoldError.js'
import { START, type Position } from '../store/RecordManager.js'
import { MAX_PAGE, type LogError, type LoggedEvent, type NotificationLog } from './NotificationLog.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A stateful follower of the log. Its one piece of state is its position,
 * which moves only when a read succeeds.
 *
 * @category model
 * @since 0.1.0
 */
export interface NotificationLogReader {
  /** Where the next read starts. Persist it to resume after a restart. */
  readonly position: () => Position
  /**
   * Moves to a position, such as one persisted earlier. A read called
   * before the seek (running, or waiting for the reads before it) returns
   * what it reads, but leaves the position where the seek put it.
   */
  readonly seek: (position: Position) => void
  /** Everything new since the last read, or at most `limit` of it. */
  readonly read: (options?: { readonly limit?: number }) => TE.TaskEither<LogError, ReadonlyArray<LoggedEvent>>
}

/**
 * Options of a reader.
 *
 * @category model
 * @since 0.1.0
 */
export interface ReaderOptions {
  /** Where to start; the beginning of the log by default. */
  readonly position?: Position
  /**
   * How many notifications one query fetches: an integer from 1 to 10,000,
   * 1000 by default. Outside that range, every read of the reader is an
   * `InvalidArgument`.
   */
  readonly pageSize?: number
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A reader of the given log.
 *
 * @category constructors
 * @since 0.1.0
 */
export const notificationLogReader = (log: NotificationLog, options: ReaderOptions = {}): NotificationLogReader => {
  // Read once, here: options that are not an object, or a getter that throws,
  // make a reader whose every read is that InvalidArgument (this returns no Either).
  let position: Position = START
  let pageSize: unknown = 1000
  let badOptions: InvalidArgument | undefined
  try {
    position = options?.position ?? START
    pageSize = options?.pageSize ?? 1000
  } catch (e) {
    badOptions = invalidArgument(`the reader options cannot be read: ${messageOf(e)}`)
  }
  const badPageSize =
    badOptions ??
    (typeof pageSize === 'number' && Number.isSafeInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_PAGE
      ? undefined
      : invalidArgument(`pageSize must be an integer from 1 to ${MAX_PAGE}, not ${String(pageSize)}`))
  const size = typeof pageSize === 'number' ? pageSize : 1000
  // Reads are chained so that two overlapping read() calls cannot both start
  // from the same position and return the same events twice.
  let queue: Promise<unknown> = Promise.resolve()
  // Counts seeks: a read that a seek overtook does not move the position.
  let seeks = 0

  const readAll = async (limit: number, seeksBefore: number): Promise<E.Either<LogError, ReadonlyArray<LoggedEvent>>> => {
    if (badPageSize !== undefined) return E.left(badPageSize)
    const out: Array<LoggedEvent> = []
    let at = position
    for (;;) {
      const want = Math.min(size, limit - out.length)
      const page = await log.readFrom(at, want)()
      if (E.isLeft(page)) return page
      for (const item of page.right.items) out.push(item)
      at = page.right.position
      if (page.right.items.length < want || out.length >= limit) break
    }
    if (seeks === seeksBefore) position = at
    return E.right(out)
  }

  return {
    position: () => position,
    seek: (to) => {
      seeks++
      position = to
    },
    read: (options) => () => {
      // A seek after this call, even one made before the read begins (it
      // waits for the reads before it), leaves the position where it put it.
      const seeksAtCall = seeks
      const run = queue.then(() => {
        // Read here, in one place: options that are not an object, or a getter that throws, are InvalidArgument.
        let limit: unknown
        try {
          limit = options?.limit ?? Number.MAX_SAFE_INTEGER
        } catch (e) {
          return E.left(invalidArgument(`the read options cannot be read: ${messageOf(e)}`))
        }
        // Other numbers out of range are the log's to refuse, page by page.
        if (typeof limit !== 'number') return E.left(invalidArgument(`limit must be a number, not a ${typeof limit}`))
        return readAll(limit, seeksAtCall)
      })
      queue = run.catch(() => undefined)
      return run
    }
  }
}
