/**
 * The notification log: every stored event of the application as one
 * sequence, in an order no reader can see change. Readers follow it by
 * position; sections (`"1,10"`) page through it by notification id.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { traverseArray } from '../codec/traverse.js'
import type { DomainEvent } from '../domain/DomainEvent.js'
import { decodeError, invalidArgument, messageOf, storeFailure, type CodecError, type InvalidArgument, type StoreError } from '../errors/EventfoldError.js'
import type { Position, RawNotification, RecordManager } from '../store/RecordManager.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A decoded event with its place in the log.
 *
 * @category model
 * @since 0.1.0
 */
export interface LoggedEvent extends DomainEvent {
  /** The notification id. */
  readonly id: number
  /** The position just after this event: where a reader resumes. */
  readonly position: Position
}

/**
 * A page of the log by notification id, with links to its neighbours.
 *
 * @category model
 * @since 0.1.0
 */
export interface Section {
  /** `"start,end"`, both inclusive. */
  readonly id: string
  readonly items: ReadonlyArray<LoggedEvent>
  readonly previousId: string | undefined
  readonly nextId: string | undefined
}

/**
 * What reading the log can fail with.
 *
 * @category model
 * @since 0.1.0
 */
export type LogError = StoreError | CodecError | InvalidArgument

/**
 * A page read from a position.
 *
 * @category model
 * @since 0.1.0
 */
export interface Page {
  readonly items: ReadonlyArray<LoggedEvent>
  /** Where the next read starts: after the last item, or where it started if none. */
  readonly position: Position
}

/**
 * The application's notification log.
 *
 * @category model
 * @since 0.1.0
 */
export interface NotificationLog {
  readonly sectionSize: number
  /** At most `limit` events after `position`. */
  readonly readFrom: (position: Position, limit: number) => TE.TaskEither<LogError, Page>
  /** A section by id, such as `"1,10"`. */
  readonly section: (sectionId: string) => TE.TaskEither<LogError, Section>
  /** The highest notification id, 0 when empty. */
  readonly maxId: () => TE.TaskEither<StoreError, number>
}

/**
 * Options of the notification log.
 *
 * @category model
 * @since 0.1.0
 */
export interface NotificationLogOptions {
  /** Notifications per section; 10 by default. */
  readonly sectionSize?: number
  /**
   * Whether the record manager has been closed: from then on, the log serves
   * no page it read ahead, so every read gets the store's own answer. The
   * application passes its own; never closed by default.
   */
  readonly isClosed?: () => boolean
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Resolves after two turns of the event loop's check phase. A query is not on
 * the wire when the call that makes it returns: Kysely reaches the driver
 * through several promise steps, and postgres.js writes from a
 * `setImmediate`. Decoding a page takes the thread for milliseconds, so the
 * read-ahead waits for its query to leave first.
 */
const ioTurns = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)))

/** How long a page read ahead is kept for the read that may want it. */
const AHEAD_MS = 1000

/** How many pages read ahead the log keeps at once, one per reader catching up. */
const AHEAD_SLOTS = 4

const SECTION_ID = /^(\d{1,15}),(\d{1,15})$/
/**
 * The most notifications one page of the log holds: the largest `limit` of
 * `readFrom`, and the largest `pageSize` of a reader.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_PAGE = 10_000

/**
 * Builds the log over a record manager, decoding each notification with the
 * application's event mapper (its `toLogged`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const notificationLog = (
  recordManager: RecordManager,
  decode: (notification: RawNotification) => E.Either<CodecError, LoggedEvent>,
  options: NotificationLogOptions = {}
): NotificationLog => {
  const sectionSize = options.sectionSize ?? 10
  const isClosed = options.isClosed ?? (() => false)

  // The decoder is the caller's: one that throws is a DecodeError, not a rejected read.
  const decodeOne = (n: RawNotification): E.Either<CodecError, LoggedEvent> => {
    try {
      return decode(n)
    } catch (e) {
      return E.left(decodeError(n.topic, '', `the decoder threw: ${messageOf(e)}`))
    }
  }
  const decodeAll = (ns: ReadonlyArray<RawNotification>) => traverseArray(ns, decodeOne)

  /**
   * A page from the store, whatever the record manager does: it never throws
   * or rejects. Raw where the store offers it, so text state stays text.
   */
  const select = (position: Position, limit: number): Promise<E.Either<StoreError, ReadonlyArray<RawNotification>>> => {
    const failed = (e: unknown) => E.left(storeFailure(`reading the log failed: ${messageOf(e)}`, e))
    try {
      const page =
        recordManager.selectRawNotifications !== undefined
          ? recordManager.selectRawNotifications(position, limit)
          : recordManager.selectNotifications(position, limit)
      return page().catch(failed)
    } catch (e) {
      return Promise.resolve(failed(e))
    }
  }

  /**
   * Read-ahead. A full page suggests the reader is catching up, so the next
   * page is asked for before this one is decoded, and the server works while
   * the client decodes. A page read earlier is what a read now would return
   * only if it was full: rows that became visible since sort after every row
   * that was visible then (the log's order never changes), so they could only
   * have lengthened a short page. Anything else is read afresh, and so is
   * every page once the store is closed. Pages are kept by position, a few
   * at most (readers at different places each keep theirs), and let go after
   * {@link AHEAD_MS}: one can hold 10,000 events.
   */
  const ahead = new Map<string, ReturnType<typeof select>>()
  const keyOf = (position: Position, limit: number): string => `${limit}@${position}`

  const fetchPage = (position: Position, limit: number): ReturnType<typeof select> => {
    const key = keyOf(position, limit)
    const earlier = ahead.get(key)
    if (earlier === undefined) return select(position, limit)
    ahead.delete(key)
    if (isClosed()) return select(position, limit)
    return earlier.then((page) => (E.isRight(page) && page.right.length === limit && !isClosed() ? page : select(position, limit)))
  }

  /** Asks for the page after a full one; true if it did. */
  const readAhead = (notifications: ReadonlyArray<RawNotification>, limit: number): boolean => {
    const last = notifications[notifications.length - 1]
    if (notifications.length < limit || last === undefined || isClosed()) return false
    const key = keyOf(last.position, limit)
    const oldest = ahead.keys().next()
    if (ahead.size >= AHEAD_SLOTS && oldest.done !== true) ahead.delete(oldest.value)
    const page = select(last.position, limit)
    ahead.set(key, page)
    // The timer is the only expiry: a page still here was read ahead less than AHEAD_MS ago.
    setTimeout(() => {
      if (ahead.get(key) === page) ahead.delete(key)
    }, AHEAD_MS).unref()
    return true
  }

  const toPage = (notifications: ReadonlyArray<RawNotification>, position: Position): E.Either<LogError, Page> => {
    const items = decodeAll(notifications)
    if (E.isLeft(items)) return items
    return E.right({ items: items.right, position: items.right[items.right.length - 1]?.position ?? position })
  }

  return {
    sectionSize,
    maxId: () => recordManager.maxNotificationId(),
    readFrom: (position, limit) => {
      // Untyped code may pass anything: a Symbol or a null-prototype object
      // would throw where a string is made of it (the read-ahead key, a message).
      if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
        return TE.left(invalidArgument(`limit must be an integer from 1 to ${MAX_PAGE}, not ${typeof limit === 'number' ? limit : `a ${typeof limit}`}`))
      }
      if (typeof position !== 'string') return TE.left(invalidArgument(`a position is a string a reader gave, not a ${typeof position}`))
      // A reader pages through here: one promise step, not a chain of combinators.
      return () =>
        fetchPage(position, limit).then((page): E.Either<LogError, Page> | Promise<E.Either<LogError, Page>> => {
          if (E.isLeft(page)) return page
          if (!readAhead(page.right, limit)) return toPage(page.right, position)
          return ioTurns().then(() => toPage(page.right, position))
        })
    },
    section: (sectionId) => {
      if (typeof sectionId !== 'string') return TE.left(invalidArgument(`section id must be a string "start,end", not a ${typeof sectionId}`))
      const match = SECTION_ID.exec(sectionId)
      const start = Number(match?.[1])
      const end = Number(match?.[2])
      if (match === null || start < 1 || end < start || end - start >= MAX_PAGE) {
        return TE.left(invalidArgument(`section id must be "start,end" with 1 <= start <= end, not ${JSON.stringify(sectionId)}`))
      }
      const size = end - start + 1
      return pipe(
        TE.Do,
        TE.apS('items', pipe(recordManager.selectNotificationRange(start, end), TE.chainEitherKW(decodeAll))),
        TE.apSW('max', recordManager.maxNotificationId()),
        TE.map(({ items, max }) => ({
          id: sectionId,
          items,
          previousId: start > 1 ? `${Math.max(1, start - size)},${start - 1}` : undefined,
          nextId: max > end ? `${end + 1},${end + size}` : undefined
        }))
      )
    }
  }
}
