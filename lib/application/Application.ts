/**
 * The application object: an event store, a repository, a notification log and
 * a persistence policy over one record manager, with `save`, a command
 * handler, and `close`. Every effect is a `TaskEither` that never rejects.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Kysely } from 'kysely'
import type { Sql } from 'postgres'
import type { AggregateOf, AnyKind, KindCommandOf, KindErrorOf } from '../kind/AggregateKind.js'
import { aesGcm, type Cipher } from '../codec/Cipher.js'
import { compressor as compressorNamed, MAX_INFLATED_BYTES, type Compressor } from '../codec/Compressor.js'
import { topicRegistry, type TopicRegistry } from '../kind/TopicRegistry.js'
import { DEFAULT_MAX_STATE_BYTES, transcoder } from '../codec/Transcoder.js'
import { expectedVersion, markSaved, type Aggregate } from '../domain/Aggregate.js'
import type { TypedEvent } from '../domain/Decider.js'
import {
  aggregateNotFound,
  deciderThrew,
  invalidArgument,
  invalidConfig,
  messageOf,
  storeUnavailable,
  type DeciderThrew,
  type EventfoldError,
  type CodecError,
  type InvalidArgument,
  type InvalidConfig,
  type StoreError
} from '../errors/EventfoldError.js'
import { MAX_PAGE, notificationLog, type NotificationLog } from '../notification/NotificationLog.js'
import { typeName } from '../codec/type-name.js'
import { notificationLogReader, type NotificationLogReader, type ReaderOptions } from '../notification/NotificationLogReader.js'
import { connect, type Connection } from '../store/connect.js'
import { deferred } from '../store/deferred.js'
import type { CallerTransaction, DialectName, RecordManager, StoredEvent } from '../store/RecordManager.js'
import { DEFAULT_TABLE_NAME, resolveTableOptions } from '../store/schema.js'
import { DEFAULT_URI } from '../store/Uri.js'
import { aggregateCache } from './AggregateCache.js'
import { isKind, notAKind } from './kind-guard.js'
import { snapshotStore, SNAPSHOTS_SUFFIX, type SnapshotStore } from './Snapshots.js'
import type { OnWarning } from './Warning.js'
import { eventMapper } from './EventMapper.js'
import { eventStore, type EventStore } from './EventStore.js'
import { persistencePolicy, type PersistencePolicy } from './PersistencePolicy.js'
import { repository, type LoadError, type Repository } from './Repository.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * How to build an application. Each setting may also come from the
 * environment (`DB_URI`, `CIPHER_KEY`, `COMPRESSOR`); an option wins over its
 * variable.
 *
 * @category model
 * @since 0.1.0
 */
export interface ApplicationOptions {
  /** A connection string; `DB_URI`, else `sqlite:///:memory:`. */
  readonly uri?: string
  /** A Kysely instance the caller already has, in place of `uri`; left open by `close()`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly kysely?: Kysely<any> // driver boundary: the caller's schema type is theirs
  /** With `kysely`, its dialect, when it cannot be told from its adapter; with anything else, `InvalidConfig`. */
  readonly dialect?: DialectName
  /** A postgres.js `sql` the caller already has, in place of `uri`; left open by `close()`. */
  readonly sql?: Sql
  /** The persistence policy: the kinds whose events are written. None by default. */
  readonly persist?: ReadonlyArray<AnyKind>
  /** Further kinds this application reads but does not write. */
  readonly kinds?: ReadonlyArray<AnyKind>
  /** A base64 AES key of 16, 24 or 32 bytes; `CIPHER_KEY` otherwise. Without one, state is readable JSON. */
  readonly cipherKey?: string
  /** `zlib` or `brotli`; `COMPRESSOR` otherwise. None by default. */
  readonly compressor?: string
  /**
   * The most bytes one event (or snapshot) may take as JSON, before
   * compression and encryption. A save with a larger event is refused up
   * front with `EncodeError`, and writes nothing; a larger snapshot is not
   * taken (a `SnapshotNotTaken` warning). 4 MiB by default
   * (`DEFAULT_MAX_STATE_BYTES`); at most 64 MiB (`MAX_INFLATED_BYTES`, what
   * a read may inflate), or `InvalidConfig`.
   *
   * The default suits every store: raise it for larger events on PostgreSQL
   * (`bytea` holds 1 GB) or SQLite. On MySQL and MariaDB the server's
   * `max_allowed_packet` must hold twice the largest state, as mysql2 sends
   * bytes as hex; a save with a larger one is refused with `InvalidArgument`
   * and writes nothing.
   */
  readonly maxStateBytes?: number
  /** The records table; `stored_events` by default. */
  readonly tableName?: string
  /** PostgreSQL schema of the records table. */
  readonly schema?: string
  /** PostgreSQL notification order: `'snapshot'` (default) or `'serialised'`. */
  readonly postgresMode?: 'snapshot' | 'serialised'
  /** Give up connecting to a server after this many seconds. */
  readonly connectTimeoutSeconds?: number
  /** Notifications per log section; 10 by default. */
  readonly sectionSize?: number
  /** Where to read `DB_URI`, `CIPHER_KEY` and `COMPRESSOR`; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** The clock that stamps events; `() => new Date()` by default. */
  readonly clock?: () => Date
  /** How many aggregates the repository keeps in memory; none by default. */
  readonly cacheSize?: number
  /** Where warnings go, such as a snapshot that was ignored; nowhere by default. What it throws is ignored. */
  readonly onWarning?: OnWarning
}

/**
 * What saving can fail with.
 *
 * @category model
 * @since 0.1.0
 */
export type SaveError = StoreError | CodecError | InvalidArgument

/**
 * What handling a command can fail with: the kind's own domain errors, or
 * loading and saving errors.
 *
 * @category model
 * @since 0.1.0
 */
export type HandleError<K> = KindErrorOf<K> | LoadError | SaveError

/**
 * Options of the command handler.
 *
 * @category model
 * @since 0.1.0
 */
export interface HandleOptions {
  /** How many times to load, decide and save when another writer got there first; 3 by default. */
  readonly attempts?: number
}

/**
 * An aggregate of any kind, for saving.
 *
 * @category model
 * @since 0.1.0
 */
export type AnyAggregate = Aggregate<unknown, TypedEvent>

/**
 * The application object.
 *
 * @category model
 * @since 0.1.0
 */
export interface Application extends AsyncDisposable {
  readonly eventStore: EventStore
  readonly repository: Repository
  readonly notificationLog: NotificationLog
  readonly persistencePolicy: PersistencePolicy
  readonly registry: TopicRegistry
  /**
   * Writes the pending events of the given aggregates, all in one
   * transaction, and returns them marked as saved. A version someone else
   * wrote first gives `ConcurrencyError`, and nothing is written; so does an
   * aggregate whose events would follow a version the store does not hold. Aggregates
   * of kinds the persistence policy does not name are returned as they are.
   */
  readonly save: <As extends ReadonlyArray<AnyAggregate>>(...aggregates: As) => TE.TaskEither<SaveError, As>
  /** `save`, inside a transaction the caller holds: the events commit or roll back with it. */
  readonly saveWithin: (
    transaction: CallerTransaction
  ) => <As extends ReadonlyArray<AnyAggregate>>(...aggregates: As) => TE.TaskEither<SaveError, As>
  /**
   * Loads the aggregate (new ones start at version 0), decides, and saves;
   * on `ConcurrencyError` it tries again, up to `attempts` times.
   */
  readonly handle: <K extends AnyKind>(
    kind: K,
    id: string,
    command: KindCommandOf<K>,
    options?: HandleOptions
  ) => TE.TaskEither<HandleError<K>, AggregateOf<K>>
  /**
   * Snapshots an aggregate at its latest version, or at `version`. The kind
   * needs a `snapshots` option. Taking one that exists already is fine.
   */
  readonly takeSnapshot: <K extends AnyKind>(kind: K, id: string, version?: number) => TE.TaskEither<EventfoldError, AggregateOf<K>>
  /** The snapshots, when a registered kind takes them. */
  readonly snapshots: SnapshotStore | undefined
  /** A reader that follows the notification log from a position. */
  readonly reader: (options?: ReaderOptions) => NotificationLogReader
  /** Releases the connection the application opened. Idempotent. */
  readonly close: () => Promise<void>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/** Whether untyped code passed a Kysely transaction: Kysely's `isTransaction` is true on one only. */
const isTransaction = (value: unknown): value is CallerTransaction => {
  try {
    return typeof value === 'object' && value !== null && (value as { isTransaction?: unknown }).isTransaction === true
  } catch {
    return false
  }
}

const setting = (
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  name: string
): string | undefined => {
  if (option !== undefined) return option
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

const connectionOf = (
  options: ApplicationOptions,
  env: Readonly<Record<string, string | undefined>>
): E.Either<InvalidConfig, Connection> => {
  // null, as untyped or JSON configuration gives it, is no connection: leaving uri
  // out means DB_URI or the in-memory default, which null must not quietly become.
  for (const name of ['uri', 'kysely', 'sql'] as const) {
    if ((options as Record<string, unknown>)[name] === null) return E.left(invalidConfig(`${name} is null: give a connection, or leave ${name} out`))
  }
  const given = [options.uri, options.kysely, options.sql].filter((x) => x !== undefined).length
  if (given > 1) return E.left(invalidConfig('give one of uri, kysely and sql, not several'))
  if (options.kysely !== undefined) {
    return E.right(options.dialect === undefined ? { kysely: options.kysely } : { kysely: options.kysely, dialect: options.dialect })
  }
  // A uri names its dialect by its scheme and a postgres.js sql is PostgreSQL:
  // a dialect beside them would be ignored, and one that contradicts them is a mistake.
  if (options.dialect !== undefined) return E.left(invalidConfig(`dialect goes with kysely only: ${options.sql !== undefined ? 'an sql is PostgreSQL' : "a uri's scheme names its dialect"}; leave dialect out`))
  if (options.sql !== undefined) return E.right({ sql: options.sql })
  return E.right({ uri: setting(options.uri, env, 'DB_URI') ?? DEFAULT_URI })
}

const optional = <A>(value: string | undefined, make: (value: string) => E.Either<InvalidConfig, A>) =>
  value === undefined ? E.right(undefined) : make(value)

/**
 * Builds an application: validates the settings, connects, and creates the
 * records table if missing.
 *
 * @example
 * import { createApplication, AggregateRoot } from 'eventfold'
 * const app = await createApplication({ uri: 'sqlite:///:memory:', persist: [AggregateRoot] })()
 *
 * @category constructors
 * @since 0.1.0
 */
export const createApplication = (options: ApplicationOptions = {}): TE.TaskEither<InvalidConfig | StoreError, Application> =>
  // Nothing happens until the task runs (not even reading the environment), and
  // options that are not what they claim give InvalidConfig, not an exception.
  deferred(
    () => build(options),
    (message) => invalidConfig(`the application options cannot be used: ${message}`)
  )

const build = (options: ApplicationOptions): TE.TaskEither<InvalidConfig | StoreError, Application> => {
  const env = options.env ?? process.env
  const policy = persistencePolicy(options.persist)
  const settings = pipe(
    E.Do,
    E.apS('registry', topicRegistry([...(options.persist ?? []), ...(options.kinds ?? [])])),
    E.apS('cipher', optional<Cipher>(setting(options.cipherKey, env, 'CIPHER_KEY'), aesGcm)),
    E.apS('compressor', optional<Compressor>(setting(options.compressor, env, 'COMPRESSOR'), compressorNamed)),
    E.apS('connection', connectionOf(options, env)),
    E.chainFirst(() =>
      options.sectionSize === undefined || (Number.isSafeInteger(options.sectionSize) && options.sectionSize > 0 && options.sectionSize <= MAX_PAGE)
        ? E.right(undefined)
        : E.left(invalidConfig(`sectionSize must be an integer from 1 to ${MAX_PAGE}, the most a section or page holds`))
    ),
    E.chainFirst(() =>
      options.maxStateBytes === undefined ||
      (Number.isSafeInteger(options.maxStateBytes) && options.maxStateBytes > 0 && options.maxStateBytes <= MAX_INFLATED_BYTES)
        ? E.right(undefined)
        : E.left(invalidConfig(`maxStateBytes must be an integer from 1 to ${MAX_INFLATED_BYTES}`))
    ),
    // Checked whatever the store, so a setting for another store is not silently ignored.
    E.chainFirst(() =>
      options.postgresMode === undefined || options.postgresMode === 'snapshot' || options.postgresMode === 'serialised'
        ? E.right(undefined)
        : E.left(invalidConfig(`postgresMode must be 'snapshot' or 'serialised', not ${JSON.stringify(options.postgresMode)}`))
    ),
    E.chainFirst(() =>
      options.connectTimeoutSeconds === undefined || (Number.isFinite(options.connectTimeoutSeconds) && options.connectTimeoutSeconds > 0)
        ? E.right(undefined)
        : E.left(invalidConfig(`connectTimeoutSeconds must be a positive number, not ${String(options.connectTimeoutSeconds)}`))
    ),
    E.chainFirst(() =>
      options.cacheSize === undefined || (Number.isSafeInteger(options.cacheSize) && options.cacheSize >= 0)
        ? E.right(undefined)
        : E.left(invalidConfig('cacheSize must be an integer of at least 0'))
    ),
    // The snapshots table's name is checked before anything is created, not after the events table is.
    E.chainFirst(({ registry }) =>
      [...registry.kinds.values()].some((kind) => kind.snapshots !== undefined)
        ? resolveTableOptions({
            tableName: `${options.tableName ?? DEFAULT_TABLE_NAME}${SNAPSHOTS_SUFFIX}`,
            ...(options.schema === undefined ? {} : { schema: options.schema })
          })
        : E.right(undefined)
    ),
    E.chainFirst(({ registry }) => {
      for (const kind of registry.kinds.values()) {
        const interval = kind.snapshots?.interval
        if (interval !== undefined && !(Number.isSafeInteger(interval) && interval > 0)) {
          return E.left(invalidConfig(`the snapshot interval of ${kind.name} must be a positive integer`))
        }
      }
      return E.right(undefined)
    })
  )
  return pipe(
    TE.fromEither(settings),
    TE.chainW(({ registry, cipher, compressor, connection }) =>
      pipe(
        connect(connection, {
          ...(options.tableName === undefined ? {} : { tableName: options.tableName }),
          ...(options.schema === undefined ? {} : { schema: options.schema }),
          ...(options.postgresMode === undefined ? {} : { postgresMode: options.postgresMode }),
          ...(options.connectTimeoutSeconds === undefined ? {} : { connectTimeoutSeconds: options.connectTimeoutSeconds })
        }),
        TE.chainW((recordManager) => {
          const bytes = transcoder({ cipher, compressor, maxBytes: options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES })
          const wantsSnapshots = [...registry.kinds.values()].some((kind) => kind.snapshots !== undefined)
          if (!wantsSnapshots) return TE.right(application(recordManager, undefined, registry, policy, bytes, options))
          // The snapshots table shares the events table's connection.
          return pipe(
            connect(
              { kysely: recordManager.db, dialect: recordManager.dialect },
              {
                tableName: `${options.tableName ?? DEFAULT_TABLE_NAME}${SNAPSHOTS_SUFFIX}`,
                ...(options.schema === undefined ? {} : { schema: options.schema })
              }
            ),
            TE.map((snapshotRecords) => application(recordManager, snapshotRecords, registry, policy, bytes, options)),
            TE.orElseW((e) =>
              pipe(
                TE.fromTask(() => recordManager.close()),
                TE.chain(() => TE.left(e))
              )
            )
          )
        })
      )
    )
  )
}

const application = (
  recordManager: RecordManager,
  snapshotRecords: RecordManager | undefined,
  registry: TopicRegistry,
  policy: PersistencePolicy,
  bytes: ReturnType<typeof transcoder>,
  options: ApplicationOptions
): Application => {
  const clock = options.clock ?? (() => new Date())
  // A warning reports what did not fail the caller: a handler that throws must not fail it either.
  const onWarning: OnWarning = (warning) => {
    try {
      options.onWarning?.(warning)
    } catch {
      // ignored: the TaskEithers never reject
    }
  }
  const mapper = eventMapper(registry, bytes)
  const store = eventStore(recordManager, mapper)
  const snapshots = snapshotRecords === undefined ? undefined : snapshotStore(snapshotRecords, bytes, onWarning, clock)
  const cache = options.cacheSize === undefined || options.cacheSize === 0 ? undefined : aggregateCache(options.cacheSize)
  const repo = repository(store, registry, { snapshots, cache, onWarning })
  let closing: Promise<void> | undefined
  const log = notificationLog(recordManager, mapper.toLogged, {
    ...(options.sectionSize === undefined ? {} : { sectionSize: options.sectionSize }),
    isClosed: () => closing !== undefined
  })

  const toItems = (aggregates: ReadonlyArray<AnyAggregate>): E.Either<SaveError, ReadonlyArray<StoredEvent>> => {
    if (aggregates.length === 0) return E.left(invalidArgument('nothing to save: give at least one aggregate'))
    const items: Array<StoredEvent> = []
    const timestamp = clock()
    // Untyped code: a clock that gives no Date is the application's setting, not an event's encoding.
    if (Object.prototype.toString.call(timestamp) !== '[object Date]') return E.left(invalidArgument(`cannot save: the clock gave ${typeName(timestamp)}, not a Date`))
    const seen = new Set<string>()
    for (const aggregate of aggregates) {
      const kind = registry.kinds.get(aggregate.kind)
      if (kind === undefined) return E.left(invalidArgument(`aggregate kind ${aggregate.kind} is not registered with this application`))
      if (!policy.persists(kind.name) || aggregate.pending.length === 0) continue
      if (seen.has(aggregate.id)) return E.left(invalidArgument(`aggregate ${aggregate.id} is given twice in one save`))
      seen.add(aggregate.id)
      const base = expectedVersion(aggregate)
      if (!Number.isSafeInteger(base) || base < 0) {
        return E.left(invalidArgument(`aggregate ${aggregate.id} has an impossible version ${aggregate.version}`))
      }
      for (let i = 0; i < aggregate.pending.length; i++) {
        const item = mapper.toStored(kind, aggregate.id, base + i + 1, aggregate.pending[i] as TypedEvent, timestamp)
        if (E.isLeft(item)) return item
        items.push(item.right)
      }
    }
    return E.right(items)
  }

  // Lazy, as a TaskEither must be: the clock is read and the events encoded
  // when the task runs, not when it is built. Plain promise steps: saving is
  // the hot path of every command.
  const saveWith =
    (transaction: CallerTransaction | undefined) =>
    <As extends ReadonlyArray<AnyAggregate>>(...aggregates: As): TE.TaskEither<SaveError, As> =>
    () => {
      let items: E.Either<SaveError, ReadonlyArray<StoredEvent>>
      try {
        items = toItems(aggregates)
      } catch (thrown) {
        // Not aggregates at all, or a clock that throws or gives no Date: nothing was written.
        return Promise.resolve(E.left(invalidArgument(`cannot save: ${messageOf(thrown)}`)))
      }
      if (E.isLeft(items)) return Promise.resolve(items)
      // contiguous: a save decided against versions the store does not hold (an
      // aggregate from elsewhere, or a stale copy) must not write after a gap.
      // A save with nothing to write never reaches the store, whose close would refuse it: refuse it here.
      const written: Promise<E.Either<SaveError, void>> =
        items.right.length > 0
          ? store.store(items.right, transaction, { contiguous: true })()
          : Promise.resolve(closing === undefined ? E.right(undefined) : E.left(storeUnavailable('the application is closed', undefined)))
      return written.then(async (result): Promise<E.Either<SaveError, As>> => {
        if (E.isLeft(result)) return result
        const saved = aggregates.map((a) => (policy.persists(a.kind) ? markSaved(a) : a)) as unknown as As
        // A caller's transaction may still roll back: its aggregates are neither
        // cached nor snapshotted, since neither may hold what was never committed.
        // The save has committed: nothing after it may turn it into a failure.
        if (transaction === undefined) await afterCommit(aggregates, saved)().catch(() => undefined)
        return E.right(saved)
      })
    }

  // After a commit: cache and snapshot what this save wrote, and only that (an
  // aggregate with nothing pending was not written, and its state is unchecked).
  // The events are stored whatever happens here: a failure is a warning.
  const afterCommit =
    (before: ReadonlyArray<AnyAggregate>, saved: ReadonlyArray<AnyAggregate>) =>
    async (): Promise<void> => {
      for (let i = 0; i < saved.length; i++) {
        const aggregate = saved[i] as AnyAggregate
        const previous = before[i] as AnyAggregate
        if (!policy.persists(aggregate.kind) || previous.pending.length === 0) continue
        cache?.offer(aggregate)
        const kind = registry.kinds.get(aggregate.kind)
        const interval = kind?.snapshots?.interval
        if (kind === undefined || snapshots === undefined || interval === undefined) continue
        const from = expectedVersion(previous)
        if (Math.floor(from / interval) === Math.floor(aggregate.version / interval)) continue
        const written = await snapshots.write(kind, aggregate)().catch((thrown: unknown) =>
          E.left(invalidArgument(`the snapshot could not be written: ${messageOf(thrown)}`))
        )
        if (E.isLeft(written)) onWarning({ _tag: 'SnapshotNotTaken', originatorId: aggregate.id, version: aggregate.version, reason: written.left })
      }
    }

  const save = saveWith(undefined)

  // The decider runs here, inside the effect: a decider that throws is a defect
  // reported as DeciderThrew, never an exception out of handle().
  const decide = <K extends AnyKind>(kind: K, command: KindCommandOf<K>, loaded: AggregateOf<K>): E.Either<KindErrorOf<K> | DeciderThrew, AggregateOf<K>> => {
    try {
      return kind.execute(command)(loaded) as E.Either<KindErrorOf<K>, AggregateOf<K>>
    } catch (thrown) {
      return E.left(deciderThrew(kind.name, loaded.id, 'decide', thrown))
    }
  }

  const handle = <K extends AnyKind>(
    kind: K,
    id: string,
    command: KindCommandOf<K>,
    handleOptions: HandleOptions = {}
  ): TE.TaskEither<HandleError<K>, AggregateOf<K>> => {
    let attempts: number
    try {
      attempts = handleOptions?.attempts ?? 3
    } catch (thrown) {
      // Untyped code: a getter that throws is a bad argument, not an exception out of handle().
      return TE.left(invalidArgument(`the handle options cannot be read: ${messageOf(thrown)}`))
    }
    if (!(Number.isSafeInteger(attempts) && attempts >= 1)) {
      return TE.left(invalidArgument(`attempts must be an integer of at least 1, not ${String(attempts)}`))
    }
    const attempt = (n: number): TE.TaskEither<HandleError<K>, AggregateOf<K>> =>
      pipe(
        repo.load(kind, id),
        TE.chainW((loaded) => TE.fromEither(decide(kind, command, loaded))),
        TE.chainW((decided) => (decided.pending.length === 0 ? TE.right(decided) : pipe(save(decided), TE.map(([saved]) => saved)))),
        TE.orElse((error) =>
          n < attempts && typeof error === 'object' && error !== null && (error as { _tag?: unknown })._tag === 'ConcurrencyError'
            ? attempt(n + 1)
            : TE.left(error)
        )
      )
    return attempt(1)
  }

  const takeSnapshot = <K extends AnyKind>(kind: K, id: string, version?: number): TE.TaskEither<EventfoldError, AggregateOf<K>> =>
    !isKind(kind)
      ? TE.left(notAKind(kind))
      : snapshots === undefined || kind.snapshots === undefined
      ? TE.left(invalidArgument(`kind ${kind.name} takes no snapshots: give it a snapshots option`))
      : pipe(
          // Discarded aggregates too, at a version or not: a load, not a get.
          version === undefined ? repo.load(kind, id) : repo.load(kind, id, { version }),
          TE.chainW((aggregate) =>
            aggregate.version === 0
              ? TE.left<EventfoldError, AggregateOf<K>>(aggregateNotFound(id))
              : pipe(snapshots.write(kind, aggregate), TE.map(() => aggregate))
          )
        )

  const close = (): Promise<void> =>
    (closing ??= Promise.all([snapshotRecords?.close(), recordManager.close()]).then(
      () => undefined,
      () => undefined
    ))

  return {
    eventStore: store,
    repository: repo,
    notificationLog: log,
    persistencePolicy: policy,
    registry,
    save,
    // Untyped code may pass nothing: without this check, undefined would save
    // outside any transaction, and null would reach the store.
    saveWithin: (transaction) =>
      isTransaction(transaction)
        ? saveWith(transaction)
        : <As extends ReadonlyArray<AnyAggregate>>(..._aggregates: As): TE.TaskEither<SaveError, As> =>
            TE.left(invalidArgument('saveWithin needs a Kysely transaction (as db.transaction().execute(trx => …) gives)')),
    handle,
    takeSnapshot,
    snapshots,
    reader: (readerOptions) => notificationLogReader(log, readerOptions),
    close,
    [Symbol.asyncDispose]: close
  }
}
