/**
 * eventfold: functional event sourcing for TypeScript. Pure deciders over
 * io-ts-coded events; an application that stores them through Kysely on
 * SQLite, PostgreSQL or MySQL, with optimistic concurrency.
 *
 * @packageDocumentation
 * @module eventfold
 * @since 0.1.0
 */

// domain: pure, no I/O
export * from './domain/Decider.js'
export * from './domain/Aggregate.js'
export * from './domain/AggregateRoot.js'
export * from './domain/DomainError.js'
export * from './domain/DomainEvent.js'

// errors
export * from './errors/EventfoldError.js'

// codecs
export * from './kind/AggregateKind.js'
export * from './kind/Attributes.js'
export * from './codec/Cipher.js'
export * from './codec/Compressor.js'
export * from './kind/TopicRegistry.js'
export * from './codec/Transcoder.js'
export * from './codec/types.js'
export * from './codec/Upcaster.js'
export { traverseArray } from './codec/traverse.js'
export { fromValidation, pathOf } from './codec/validation.js'

// store
export { START } from './store/RecordManager.js'
export type {
  CallerTransaction,
  DialectName,
  InsertOptions,
  ItemDecoder,
  ListItemsOptions,
  Notification,
  Position,
  RawNotification,
  RecordManager,
  RecordsDatabase,
  StoredEvent
} from './store/RecordManager.js'
export * from './store/schema.js'
export * from './store/Uri.js'
export * from './store/connect.js'

// notification log
export * from './notification/NotificationLog.js'
export * from './notification/NotificationLogReader.js'

// application
export * from './application/Application.js'
export * from './application/EventMapper.js'
export * from './application/EventStore.js'
export * from './application/PersistencePolicy.js'
export * from './application/Repository.js'
export * from './application/Snapshots.js'
export * from './application/AggregateCache.js'
export * from './application/Warning.js'
export * from './application/EventSourcedLog.js'
