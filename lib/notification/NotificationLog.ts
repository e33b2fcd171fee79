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
import { invalidArgument, type CodecError, type InvalidArgument, type StoreError } from '../errors/EventfoldError.js'
import type { Notification, Position, RecordManager } from '../store/RecordManager.js'

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
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const SECTION_ID = /^(\d{1,15}),(\d{1,15})$/
const MAX_PAGE = 10_000
/** Pages fetched ahead at once: one each for a few readers catching up together. */
const READ_AHEAD_PAGES = 4
/** How long a page fetched ahead stays good to hand out. */
const READ_AHEAD_MS = 5_000

/**
 * Builds the log over a record manager, decoding each notification with the
 * application's event mapper (its `toLogged`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const notificationLog = (
  recordManager: RecordManager,
  decode: (notification: Notification) => E.Either<CodecError, LoggedEvent>,
  options: NotificationLogOptions = {}
): NotificationLog => {
  const sectionSize = options.sectionSize ?? 10
  const decodeAll = (ns: ReadonlyArray<Notification>) => traverseArray(ns, decode)

  // Read-ahead. A reader that got a full page is catching up and will ask for
  // the next one: fetching it while this one decodes overlaps the database's
  // work with ours. A fetched-ahead page is as good as a fresh one when it is
  // full, since every store hands out notifications in an order that events
  // committed later only extend; a short one may have missed such events, so
  // it is fetched again, as is one that failed or waited too long.
  const ahead = new Map<string, { readonly at: number; readonly page: Promise<E.Either<StoreError, ReadonlyArray<Notification>>> }>()
  const keyOf = (position: Position, limit: number): string => `${limit}@${position}`
  const fetchAhead = (position: Position, limit: number): void => {
    const key = keyOf(position, limit)
    if (ahead.has(key)) return
    ahead.set(key, { at: Date.now(), page: recordManager.selectNotifications(position, limit)() })
    if (ahead.size > READ_AHEAD_PAGES) {
      const oldest = ahead.keys().next()
      if (oldest.done !== true) ahead.delete(oldest.value)
    }
  }
  const fetch = (position: Position, limit: number): Promise<E.Either<StoreError, ReadonlyArray<Notification>>> => {
    const key = keyOf(position, limit)
    const early = ahead.get(key)
    if (early === undefined) return recordManager.selectNotifications(position, limit)()
    ahead.delete(key)
    const fresh = Date.now() - early.at <= READ_AHEAD_MS
    return early.page.then((page) =>
      fresh && E.isRight(page) && page.right.length === limit ? page : recordManager.selectNotifications(position, limit)()
    )
  }

  return {
    sectionSize,
    maxId: () => recordManager.maxNotificationId(),
    readFrom: (position, limit) => {
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
        return TE.left(invalidArgument(`limit must be an integer from 1 to ${MAX_PAGE}, not ${limit}`))
      }
      // A reader pages through here: one promise step, not a chain of combinators.
      return () =>
        fetch(position, limit).then((page): E.Either<LogError, Page> => {
          if (E.isLeft(page)) return page
          const last = page.right[page.right.length - 1]
          if (last !== undefined && page.right.length === limit) fetchAhead(last.position, limit)
          const items = decodeAll(page.right)
          if (E.isLeft(items)) return items
          return E.right({ items: items.right, position: items.right[items.right.length - 1]?.position ?? position })
        })
    },
    section: (sectionId) => {
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
