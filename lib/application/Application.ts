/**
 * The application object: an event store, a repository, a notification log and
 * a persistence policy over one record manager, with `save`, a command
 * handler, and `close`. Every effect is a `TaskEither` that never rejects.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/Either'
import * as TE from 'fp-ts/TaskEither'
import { pipe } from 'fp-ts/function'
import type { Kysely } from 'kysely'
import type { Sql } from 'postgres'
import type { AggregateOf, AnyKind, KindCommandOf, KindErrorOf } from '../codec/AggregateKind.js'
import { aesGcm, type Cipher } from '../codec/Cipher.js'
import { compressor as compressorNamed, type Compressor } from '../codec/Compressor.js'
import { topicRegistry, type TopicRegistry } from '../codec/TopicRegistry.js'
import { transcoder } from '../codec/Transcoder.js'
import { expectedVersion, markSaved, type Aggregate } from '../domain/Aggregate.js'
import type { TypedEvent } from '../domain/Decider.js'
import {
  invalidArgument,
  invalidConfig,
  type CodecError,
  type InvalidArgument,
  type InvalidConfig,
  type StoreError
} from '../errors/EventfoldError.js'
import { notificationLog, type NotificationLog } from '../notification/NotificationLog.js'
import { notificationLogReader, type NotificationLogReader, type ReaderOptions } from '../notification/NotificationLogReader.js'
import { connect, type Connection } from '../store/connect.js'
import type { CallerTransaction, DialectName, RecordManager, StoredEvent } from '../store/RecordManager.js'
import { DEFAULT_URI } from '../store/Uri.js'
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
  /** With `kysely`, its dialect, when it cannot be told from its adapter. */
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
   * wrote first gives `ConcurrencyError`, and nothing is written. Aggregates
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
  /** A reader that follows the notification log from a position. */
  readonly reader: (options?: ReaderOptions) => NotificationLogReader
  /** Releases the connection the application opened. Idempotent. */
  readonly close: () => Promise<void>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

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
  const given = [options.uri, options.kysely, options.sql].filter((x) => x !== undefined).length
  if (given > 1) return E.left(invalidConfig('give one of uri, kysely and sql, not several'))
  if (options.kysely !== undefined) {
    return E.right(options.dialect === undefined ? { kysely: options.kysely } : { kysely: options.kysely, dialect: options.dialect })
  }
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
export const createApplication = (
  options: ApplicationOptions = {}
): TE.TaskEither<InvalidConfig | StoreError, Application> => {
  const env = options.env ?? process.env
  const policy = persistencePolicy(options.persist)
  const settings = pipe(
    E.Do,
    E.apS('registry', topicRegistry([...(options.persist ?? []), ...(options.kinds ?? [])])),
    E.apS('cipher', optional<Cipher>(setting(options.cipherKey, env, 'CIPHER_KEY'), aesGcm)),
    E.apS('compressor', optional<Compressor>(setting(options.compressor, env, 'COMPRESSOR'), compressorNamed)),
    E.apS('connection', connectionOf(options, env)),
    E.chainFirst(() =>
      options.sectionSize === undefined || (Number.isSafeInteger(options.sectionSize) && options.sectionSize > 0)
        ? E.right(undefined)
        : E.left(invalidConfig('sectionSize must be a positive integer'))
    )
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
        TE.map((recordManager) =>
          application(recordManager, registry, policy, transcoder({ cipher, compressor }), options)
        )
      )
    )
  )
}

const application = (
  recordManager: RecordManager,
  registry: TopicRegistry,
  policy: PersistencePolicy,
  bytes: ReturnType<typeof transcoder>,
  options: ApplicationOptions
): Application => {
  const clock = options.clock ?? (() => new Date())
  const mapper = eventMapper(registry, bytes)
  const store = eventStore(recordManager, mapper)
  const repo = repository(store, registry)
  const log = notificationLog(recordManager, mapper.toDomain, options.sectionSize === undefined ? {} : { sectionSize: options.sectionSize })

  const toItems = (aggregates: ReadonlyArray<AnyAggregate>): E.Either<SaveError, ReadonlyArray<StoredEvent>> => {
    if (aggregates.length === 0) return E.left(invalidArgument('nothing to save: give at least one aggregate'))
    const items: Array<StoredEvent> = []
    const timestamp = clock()
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

  const saveWith =
    (transaction: CallerTransaction | undefined) =>
    <As extends ReadonlyArray<AnyAggregate>>(...aggregates: As): TE.TaskEither<SaveError, As> =>
      pipe(
        TE.fromEither(toItems(aggregates)),
        TE.chainW((items) => (items.length === 0 ? TE.right(undefined) : store.store(items, transaction))),
        TE.map(() => aggregates.map((a) => (policy.persists(a.kind) ? markSaved(a) : a)) as unknown as As)
      )

  const save = saveWith(undefined)

  const handle = <K extends AnyKind>(
    kind: K,
    id: string,
    command: KindCommandOf<K>,
    handleOptions: HandleOptions = {}
  ): TE.TaskEither<HandleError<K>, AggregateOf<K>> => {
    const attempts = handleOptions.attempts ?? 3
    const attempt = (n: number): TE.TaskEither<HandleError<K>, AggregateOf<K>> =>
      pipe(
        repo.load(kind, id),
        TE.chainW((loaded) => TE.fromEither(kind.execute(command)(loaded) as E.Either<KindErrorOf<K>, AggregateOf<K>>)),
        TE.chainW((decided) => (decided.pending.length === 0 ? TE.right(decided) : pipe(save(decided), TE.map(([saved]) => saved)))),
        TE.orElse((error) =>
          n < attempts && typeof error === 'object' && error !== null && (error as { _tag?: unknown })._tag === 'ConcurrencyError'
            ? attempt(n + 1)
            : TE.left(error)
        )
      )
    return attempt(1)
  }

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => (closing ??= recordManager.close().catch(() => undefined))

  return {
    eventStore: store,
    repository: repo,
    notificationLog: log,
    persistencePolicy: policy,
    registry,
    save,
    saveWithin: (transaction) => saveWith(transaction),
    handle,
    reader: (readerOptions) => notificationLogReader(log, readerOptions),
    close,
    [Symbol.asyncDispose]: close
  }
}
