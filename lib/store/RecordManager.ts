/**
 * The store port: what the application needs from a database, and nothing
 * more. Each dialect (`store/sqlite`, `store/postgres`, `store/mysql`) returns
 * a `RecordManager`; only `store/connect.ts` knows which.
 *
 * @since 0.1.0
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely'
import type { StoreError } from '../errors/EventfoldError.js'
import type { EventRow } from './schema.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A stored event, the seed's "sequenced item": who it belongs to, at which
 * version, of which type, and its serialised state.
 *
 * @category model
 * @since 0.1.0
 */
export interface StoredEvent {
  readonly originatorId: string
  readonly originatorVersion: number
  readonly topic: string
  /** Bytes of JSON, or of compressed and encrypted JSON. */
  readonly state: Uint8Array
}

/**
 * Where a reader of the notification log stands. Opaque: each store encodes
 * its own cursor in it (a notification id on SQLite and MySQL, a
 * `transaction id/notification id` pair on PostgreSQL). Safe to persist.
 *
 * @category model
 * @since 0.1.0
 */
export type Position = string

/**
 * The position before the first notification.
 *
 * @category model
 * @since 0.1.0
 */
export const START: Position = ''

/**
 * A stored event as one entry of the application's log.
 *
 * @category model
 * @since 0.1.0
 */
export interface Notification extends StoredEvent {
  /** The notification id: unique, and starting at 1. */
  readonly id: number
  /** The position just after this notification. */
  readonly position: Position
}

/**
 * A notification as the store read it, for the log to decode: `state` is the
 * stored bytes, or, where the store read plain JSON state as text, that text
 * (the UTF-8 decoding of the stored bytes). A {@link Notification} is one.
 *
 * @category model
 * @since 0.1.0
 */
export type RawNotification = Omit<Notification, 'state'> & { readonly state: Uint8Array | string }

/**
 * Decodes one item from its fields, as {@link RecordManager.decodeItems}
 * reads them. `state` is the stored bytes, or, where the store read plain
 * JSON state as text, that text: the UTF-8 decoding of the stored bytes.
 *
 * @category model
 * @since 0.1.0
 */
export type ItemDecoder<Err, A> = (
  originatorId: string,
  originatorVersion: number,
  topic: string,
  state: Uint8Array | string
) => Either<Err, A>

/**
 * Filters for {@link RecordManager.listItems}, as in the seed's `list_items`.
 *
 * @category model
 * @since 0.1.0
 */
export interface ListItemsOptions {
  /** Only versions strictly greater than this. */
  readonly gt?: number
  /** Only versions at most this. */
  readonly lte?: number
  /** Newest first. */
  readonly desc?: boolean
  /** At most this many. */
  readonly limit?: number
}

/**
 * Options of {@link RecordManager.insertItems}.
 *
 * @category model
 * @since 0.1.0
 */
export interface InsertOptions {
  /**
   * Refuse a save whose first version of a stream would leave a gap after
   * what the store holds: for each originator, the lowest version written
   * must be 0 or 1, or directly follow a version the store holds already.
   * Versions within the save are not checked against each other (the
   * application's saves are consecutive by construction). The check runs in the same statement or transaction
   * as the insert. A save that fails it gives `ConcurrencyError` and writes
   * nothing. The application's saves set it; snapshots, which skip versions
   * by design, do not. Off by default.
   */
  readonly contiguous?: boolean
}

/**
 * A Kysely transaction the caller already holds. The events are written inside
 * it, so they commit or roll back with the caller's own writes.
 *
 * @category model
 * @since 0.1.0
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CallerTransaction = Transaction<any> // driver boundary: the caller's schema type is theirs, not ours

/**
 * The Kysely database type of the records table, keyed by its configured name.
 *
 * @category model
 * @since 0.1.0
 */
export type RecordsDatabase = Record<string, EventRow>

/**
 * The dialects eventfold stores to.
 *
 * @category model
 * @since 0.1.0
 */
export type DialectName = 'sqlite' | 'postgres' | 'mysql'

/**
 * Reads and writes stored events. Every method returns a `TaskEither` that
 * never rejects: driver exceptions are classified once, here, into
 * {@link StoreError}s.
 *
 * @category model
 * @since 0.1.0
 */
export interface RecordManager {
  readonly dialect: DialectName
  /** The records table, qualified with its schema where there is one. */
  readonly tableName: string
  /** The Kysely instance the records live behind. */
  readonly db: Kysely<RecordsDatabase>
  /**
   * Writes all the items or none, in one transaction (or inside `transaction`
   * when given). A version that exists already gives `ConcurrencyError`, and
   * so does, with `contiguous`, a save that would leave a gap.
   */
  readonly insertItems: (
    items: ReadonlyArray<StoredEvent>,
    transaction?: CallerTransaction,
    options?: InsertOptions
  ) => TaskEither<StoreError, void>
  /** The items of one originator, in version order unless `desc`. */
  readonly listItems: (
    originatorId: string,
    options?: ListItemsOptions
  ) => TaskEither<StoreError, ReadonlyArray<StoredEvent>>
  /**
   * What `listItems` reads, each item handed to `decode` as its row arrives
   * rather than built as a {@link StoredEvent} first; the first `Left` of
   * `decode` is the result. The event store loads aggregates through it. A
   * store that reads plain JSON state as text (PostgreSQL) hands it over as
   * that text, which spares encoding it to bytes and decoding it again.
   * Optional: without it, the event store decodes what `listItems` returns.
   */
  readonly decodeItems?: <Err, A>(
    originatorId: string,
    options: ListItemsOptions | undefined,
    decode: ItemDecoder<Err, A>
  ) => TaskEither<StoreError | Err, ReadonlyArray<A>>
  /**
   * The next `limit` notifications after `position`, in log order. Never
   * returns a notification that a later call could place before one already
   * returned, so a reader that follows positions never skips one.
   */
  readonly selectNotifications: (
    position: Position,
    limit: number
  ) => TaskEither<StoreError, ReadonlyArray<Notification>>
  /**
   * What `selectNotifications` reads, with plain JSON state as text where the
   * store read it so (PostgreSQL): the log decodes these, and spares encoding
   * the text into bytes to decode it again. Optional: without it, the log
   * reads `selectNotifications`.
   */
  readonly selectRawNotifications?: (
    position: Position,
    limit: number
  ) => TaskEither<StoreError, ReadonlyArray<RawNotification>>
  /** The settled notifications whose ids lie in `[start, end]`, by id. */
  readonly selectNotificationRange: (
    start: number,
    end: number
  ) => TaskEither<StoreError, ReadonlyArray<Notification>>
  /** The highest notification id, or 0 for an empty log. */
  readonly maxNotificationId: () => TaskEither<StoreError, number>
  /** A Kysely query over the records table: the seed's `orm_query()`. */
  readonly query: () => SelectQueryBuilder<RecordsDatabase, string, object>
  /** Releases what this record manager opened; a connection passed in stays open. */
  readonly close: () => Promise<void>
}
