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
  /** Writes stored events, all or none; `options` as in `RecordManager.insertItems`. */
  readonly store: (
    items: ReadonlyArray<StoredEvent>,
    transaction?: CallerTransaction,
    options?: InsertOptions
  ) => TE.TaskEither<StoreError, void>
}

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
    typeof originatorId !== 'string' || originatorId.length === 0
      ? Promise.resolve(E.left(invalidArgument('the originator id must be a non-empty string')))
      : recordManager.decodeItems !== undefined
        ? recordManager.decodeItems(originatorId, options, mapper.decodeItem)()
        : recordManager
            .listItems(originatorId, options)()
            .then((items) => (E.isLeft(items) ? items : traverseArray(items.right, mapper.toDomain))),
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
