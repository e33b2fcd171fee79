/**
 * The event store: stored events through the record manager, decoded into
 * domain events through the event mapper.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import type { DomainEvent } from '../domain/DomainEvent.js'
import { invalidArgument, type CodecError, type InvalidArgument, type StoreError } from '../errors/EventfoldError.js'
import { isOriginatorId, notAnOriginatorId } from './originator-id.js'
import type { CallerTransaction, InsertOptions, ListItemsOptions, RecordManager, StoredEvent } from '../store/RecordManager.js'
import { traverseArray } from '../codec/traverse.js'
import type { EventMapper } from './EventMapper.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The application's event store.
 *
 * @category model
 * @since 0.1.0
 */
export interface EventStore {
  readonly recordManager: RecordManager
  readonly mapper: EventMapper
  /** The decoded events of one originator, oldest first unless `desc`. */
  readonly listEvents: (
    originatorId: string,
    options?: ListItemsOptions
  ) => TE.TaskEither<StoreError | CodecError | InvalidArgument, ReadonlyArray<DomainEvent>>
  /**
   * The decoded events after a snapshot at `snapshotVersion` (up to `lte`
   * when given), and whether an event at that version backs the snapshot.
   * That event is read but never decoded: a snapshot exists so that the
   * events up to it need not be. A snapshot no event backs (the events
   * deleted or restored without it, or a row written by hand) has `backed`
   * false, and its `events` are not to be folded.
   */
  readonly listEventsOver: (
    originatorId: string,
    snapshotVersion: number,
    lte: number | undefined
  ) => TE.TaskEither<StoreError | CodecError | InvalidArgument, EventsOver>
  /** Writes stored events, all or none; `options` as in `RecordManager.insertItems`. */
  readonly store: (
    items: ReadonlyArray<StoredEvent>,
    transaction?: CallerTransaction,
    options?: InsertOptions
  ) => TE.TaskEither<StoreError, void>
}

/**
 * What {@link EventStore.listEventsOver} reads.
 *
 * @category model
 * @since 0.1.0
 */
export interface EventsOver {
  /** Whether an event exists at the snapshot's version. */
  readonly backed: boolean
  /** The events after the snapshot, oldest first. */
  readonly events: ReadonlyArray<DomainEvent>
}

/** What the event at a snapshot's version decodes to: it is only counted, never decoded. */
const BACKING: DomainEvent = Object.freeze({ originatorId: '', originatorVersion: 0, timestamp: new Date(0), topic: '', payload: Object.freeze({ type: '' }) })

const over = (events: ReadonlyArray<DomainEvent>): EventsOver =>
  events[0] === BACKING ? { backed: true, events: events.slice(1) } : { backed: false, events: [] }

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * @category constructors
 * @since 0.1.0
 */
export const eventStore = (recordManager: RecordManager, mapper: EventMapper): EventStore => ({
  recordManager,
  mapper,
  // A load runs this for every aggregate: one promise step, not a chain of
  // combinators, and rows decoded as they come where the store can.
  listEvents: (originatorId, options) => () =>
    !isOriginatorId(originatorId)
      ? Promise.resolve(E.left(notAnOriginatorId()))
      : recordManager.decodeItems !== undefined
        ? recordManager.decodeItems(originatorId, options, mapper.decodeItem)()
        : recordManager
            .listItems(originatorId, options)()
            .then((items) => (E.isLeft(items) ? items : traverseArray(items.right, mapper.toDomain))),
  listEventsOver: (originatorId, snapshotVersion, lte) => () => {
    if (!isOriginatorId(originatorId)) return Promise.resolve(E.left(notAnOriginatorId()))
    // Untyped code, or a snapshot row written by hand at version 0: the first version there can be is 1.
    if (!Number.isSafeInteger(snapshotVersion) || snapshotVersion < 1)
      return Promise.resolve(E.left(invalidArgument('the snapshot version must be a whole number from 1')))
    const bounds = lte === undefined ? { gt: snapshotVersion - 1 } : { gt: snapshotVersion - 1, lte }
    if (recordManager.decodeItems !== undefined) {
      return recordManager
        .decodeItems(originatorId, bounds, (id, version, topic, state) =>
          version === snapshotVersion ? E.right(BACKING) : mapper.decodeItem(id, version, topic, state)
        )()
        .then((events) => (E.isLeft(events) ? events : E.right(over(events.right))))
    }
    return recordManager
      .listItems(originatorId, bounds)()
      .then((items) => {
        if (E.isLeft(items)) return items
        const [first, ...after] = items.right
        if (first === undefined || first.originatorVersion !== snapshotVersion) return E.right({ backed: false, events: [] })
        const events = traverseArray(after, mapper.toDomain)
        return E.isLeft(events) ? events : E.right({ backed: true, events: events.right })
      })
  },
  store: (items, transaction, options) => recordManager.insertItems(items, transaction, options)
})

/**
 * Decodes stored events, stopping at the first failure.
 *
 * @category utils
 * @since 0.1.0
 */
export const decodeAll =
  (mapper: EventMapper) =>
  (items: ReadonlyArray<StoredEvent>): E.Either<CodecError, ReadonlyArray<DomainEvent>> =>
    traverseArray(items, mapper.toDomain)
