/**
 * The MySQL / MariaDB store: a {@link RecordManager} over Kysely's stock
 * `MysqlDialect` and a mysql2 pool.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { identity, pipe } from 'fp-ts/lib/function.js'
import { Kysely, MysqlAdapter, MysqlDialect, sql } from 'kysely'
import mysql, { type Pool } from 'mysql2'
import {
  invalidArgument,
  invalidConfig,
  storeUnavailable,
  type InvalidConfig,
  type StoreError
} from '../../errors/EventfoldError.js'
import { orMissingPredecessor, predecessorsOf, type Predecessor } from '../arguments.js'
import type { CallerTransaction, RecordManager, RecordsDatabase, StoredEvent } from '../RecordManager.js'
import { closable } from '../closable.js'
import { checkColumnNames } from '../column-names.js'
import { deferred } from '../deferred.js'
import { resolveTableOptions, type TableOptions } from '../schema.js'
import { classifyMysqlError } from './mysql-errors.js'
import { makeReads } from './mysql-reads.js'
import { MYSQL_RULES } from './mysql-rows.js'
import { ensureSchema, SEQUENCE_TABLE, WrongShape, type TableKeys } from './mysql-schema.js'
import { parseMysqlUrl } from './mysql-url.js'
import { appendInCallerTransaction, appendItems, oversized, statementBudget } from './mysql-writes.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Where the MySQL store connects, and how long it waits for the server at
 * start-up.
 *
 * - `url`: `mysql://user:password@host:port/database?options` (see
 *   `parseMysqlUrl` for the options). The pool opened for it is ended by
 *   `close()`.
 * - `pool`: a mysql2 callback pool (from `mysql2`, not `mysql2/promise`; a
 *   promise pool's `.pool` is one). Left open by `close()`.
 * - `kysely`: a Kysely instance on a MySQL dialect. Left open by `close()`.
 *
 * `schema` is refused with `InvalidConfig`: on MySQL a schema is a database,
 * and the database is the one the connection names. Name it in the URL or the
 * pool's options.
 *
 * @category model
 * @since 0.1.0
 */
export type MysqlOptions = TableOptions & {
  /** How long start-up may wait for the server; 10000 by default. */
  readonly connectTimeoutMs?: number
} & (
    | { readonly url: string }
    | { readonly pool: Pool }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    | { readonly kysely: Kysely<any> } // driver boundary: the caller's schema type is theirs, not ours
  )

/**
 * The default start-up deadline, in milliseconds.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

interface Connection {
  readonly db: Kysely<RecordsDatabase>
  /** Ends what we opened; nothing for a pool or Kysely passed in. */
  readonly release: () => Promise<void>
  /** The start-up deadline. */
  readonly connectTimeoutMs: number
}

const resolveTable = (options: MysqlOptions): E.Either<InvalidConfig, string> => {
  if (options.schema !== undefined) {
    return E.left(
      invalidConfig(`schema ${JSON.stringify(options.schema)}: on MySQL a schema is a database; name it in the URL instead`)
    )
  }
  const timeout = options.connectTimeoutMs
  if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout <= 0)) {
    return E.left(invalidConfig(`connectTimeoutMs must be a positive integer, got ${String(timeout)}`))
  }
  return pipe(
    resolveTableOptions(options),
    E.map(({ tableName }) => tableName),
    E.filterOrElse(
      (tableName) => tableName !== SEQUENCE_TABLE,
      () => invalidConfig(`${SEQUENCE_TABLE} is eventfold's own table; choose another table name`)
    )
  )
}

const once = (f: () => Promise<void>): (() => Promise<void>) => {
  let done: Promise<void> | undefined
  return () => (done ??= f())
}

const keep = (): Promise<void> => Promise.resolve()

/**
 * How long `close()` waits for the calls still running before it ends the
 * pool: mysql2 fails whatever is queued on a pool that ends ("Pool is
 * closed."), so calls made just before `close()` would fail for no fault of
 * theirs. The PostgreSQL store waits as long for its statements.
 */
const CLOSE_GRACE_MS = 5000

/**
 * How long ending a pool we opened may take, after that grace: mysql2's end
 * waits for every statement still running, and one waiting on a lock that
 * another session holds waits as long as that session likes (up to
 * `innodb_lock_wait_timeout`, 50 s by default). `close()` returns after this
 * long; such a statement keeps its connection until the server answers it.
 */
const END_WAIT_MS = 1000

/** `db.destroy()`, but one that returns within {@link END_WAIT_MS} and never rejects. */
const endWithin = (db: Kysely<RecordsDatabase>): Promise<void> => {
  let timer: NodeJS.Timeout | undefined
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, END_WAIT_MS)
    // Nothing left to wait for but that statement: the process may exit.
    timer.unref()
  })
  return Promise.race([db.destroy().catch(() => undefined), waited]).finally(() => clearTimeout(timer))
}

const kyselyOver = (pool: Pool): Kysely<RecordsDatabase> =>
  new Kysely<RecordsDatabase>({ dialect: new MysqlDialect({ pool }) })

const openUrl = (url: string, timeout: number | undefined): E.Either<InvalidConfig, Connection> =>
  pipe(
    parseMysqlUrl(url),
    E.chain((options) => {
      // The option wins over the URL's connect_timeout; mysql2 and our deadline agree.
      const connectTimeoutMs = timeout ?? options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS
      return E.tryCatch(
        // mysql2 throws here on settings it cannot use, such as an unknown charset.
        () => ({ pool: mysql.createPool({ ...options, connectTimeout: connectTimeoutMs }), connectTimeoutMs }),
        (e) => invalidConfig(`MySQL URL options: ${e instanceof Error ? e.message : String(e)}`)
      )
    }),
    E.map(({ pool, connectTimeoutMs }) => {
      const db = kyselyOver(pool)
      return { db, release: once(() => endWithin(db)), connectTimeoutMs }
    })
  )

// Not instanceof alone: a second copy of kysely in node_modules has its own class.
const isMysqlAdapter = (adapter: object): boolean =>
  adapter instanceof MysqlAdapter || adapter.constructor.name === MysqlAdapter.name

const connect = (options: MysqlOptions): E.Either<InvalidConfig, Connection> => {
  if ('url' in options) return openUrl(options.url, options.connectTimeoutMs)
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  if ('pool' in options) {
    // A mysql2/promise pool would take Kysely's callback and never call it.
    return typeof (options.pool as { promise?: unknown }).promise === 'function'
      ? E.right({ db: kyselyOver(options.pool), release: keep, connectTimeoutMs })
      : E.left(invalidConfig('pool must be a mysql2 callback pool (use promisePool.pool for a mysql2/promise one)'))
  }
  return isMysqlAdapter(options.kysely.getExecutor().adapter)
    ? E.right({ db: options.kysely, release: keep, connectTimeoutMs })
    : E.left(invalidConfig('kysely must use a MySQL dialect'))
}

/** What opening learnt of the connection: the server's `max_allowed_packet`, in bytes. */
interface Session {
  readonly maxPacket: number
}

/** MySQL 5.7's `max_allowed_packet`, the smallest default among the servers eventfold runs on. */
const DEFAULT_MAX_PACKET = 4 * 1024 * 1024

/**
 * Reads the server's `max_allowed_packet`, and refuses a connection that does not speak utf8mb4 (a caller's pool or
 * Kysely made with `charset: 'utf8'` or `'latin1'`, or a server's
 * `init_connect`): ids would be mangled on the way in and out, two of them
 * could read back as one, and nothing would fail. `character_set_results`
 * may be NULL: results then come in the columns' own utf8mb4.
 */
const sessionCheck = async (db: Kysely<RecordsDatabase>): Promise<E.Either<InvalidConfig, Session>> => {
  const { rows } = await sql<{ client: string; connection: string; results: string | null; packet: number | string }>`
    SELECT @@character_set_client AS client, @@character_set_connection AS connection, @@character_set_results AS results,
      @@max_allowed_packet AS packet`.execute(db)
  const found = rows[0]
  const narrow = found === undefined ? [] : [['client', found.client], ['connection', found.connection], ['results', found.results ?? 'utf8mb4']].filter(([, set]) => set !== 'utf8mb4')
  // The server's own default, should a dialect not say.
  const packet = Number(found?.packet ?? DEFAULT_MAX_PACKET)
  return narrow.length === 0
    ? E.right({ maxPacket: Number.isSafeInteger(packet) && packet > 0 ? packet : DEFAULT_MAX_PACKET })
    : E.left(invalidConfig(`the connection speaks ${narrow.map(([what, set]) => `${set} (character_set_${what})`).join(', ')}, not utf8mb4: ids and topics would not read back as written. Make the pool with charset 'utf8mb4'`))
}

class Deadline extends Error {}

const within = <A>(ms: number, work: Promise<A>): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Deadline(`no answer from MySQL within ${ms} ms`)), ms)
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

const recordManager = (tableName: string, { db, release }: Connection, keys: TableKeys, { maxPacket }: Session): RecordManager => {
  const budget = statementBudget(maxPacket)
  const write = (
    items: ReadonlyArray<StoredEvent>,
    transaction: CallerTransaction | undefined,
    predecessors: ReadonlyArray<Predecessor>
  ): Promise<void> =>
    items.length === 0
      ? Promise.resolve()
      : transaction === undefined
        ? db.transaction().execute((trx) => appendItems(trx, tableName, items, predecessors, budget))
        : // The caller's tables are typed by the caller; ours is the one we name.
          appendInCallerTransaction(transaction as Kysely<RecordsDatabase>, tableName, items, predecessors, budget)
  return closable({
    dialect: 'mysql',
    tableName,
    db,
    insertItems: (items, transaction, options) =>
      pipe(
        TE.fromEither(MYSQL_RULES.validateItems(items)),
        // Sent, such a row would cost the connection on every try: refused before anything is written.
        TE.chainEitherK((valid) => {
          const why = oversized(valid, maxPacket)
          return why === undefined ? E.right(valid) : E.left(invalidArgument(why))
        }),
        TE.chain((valid) =>
          TE.tryCatch(
            () => write(valid, transaction, options?.contiguous === true ? predecessorsOf(valid) : []),
            orMissingPredecessor(classifyMysqlError([...new Set(valid.map((item) => item.originatorId))], keys))
          )
        )
      ),
    ...makeReads(db, tableName),
    query: () => db.selectFrom(tableName),
    close: release
  }, { drainMs: CLOSE_GRACE_MS })
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const openingFailure = (error: unknown): StoreError | InvalidConfig =>
  error instanceof Deadline
    ? storeUnavailable(error.message, error)
    : error instanceof WrongShape
      ? invalidConfig(error.message)
      : classifyMysqlError()(error)

/** The store's opening, built only when the task runs (see the exported constructor below). */
const openMysqlRecordManager = (options: MysqlOptions): TE.TaskEither<StoreError | InvalidConfig, RecordManager> =>
  pipe(
    TE.fromEither(resolveTable(options)),
    TE.bindTo('tableName'),
    TE.bind('connection', () => TE.fromEither(connect(options))),
    // Both steps talk to the server, so both give up within connectTimeoutMs.
    TE.chainFirstW(({ connection }) =>
      'kysely' in options
        ? pipe(
            TE.tryCatch(() => within(connection.connectTimeoutMs, checkColumnNames(connection.db, classifyMysqlError())()), openingFailure),
            TE.chainEitherKW(identity)
          )
        : TE.right(undefined)
    ),
    TE.bindW('session', ({ connection }) =>
      pipe(
        TE.tryCatch(() => within(connection.connectTimeoutMs, sessionCheck(connection.db)), openingFailure),
        TE.chainEitherKW(identity),
        // A pool opened here is ended again, without waiting (see below).
        TE.orElseFirstW(() => TE.fromIO(() => void connection.release().catch(() => undefined)))
      )
    ),
    TE.bindW('keys', ({ tableName, connection }) =>
      TE.tryCatch(
        () =>
          within(connection.connectTimeoutMs, ensureSchema(connection.db, tableName)).catch((error: unknown) => {
            // Not awaited: a pool ends only when its statements do, and one may wait on a lock
            // another session holds for as long as it likes, well past the deadline.
            void connection.release().catch(() => undefined)
            throw error
          }),
        openingFailure
      )
    ),
    TE.map(({ tableName, connection, keys, session }) => recordManager(tableName, connection, keys, session))
  )

/**
 * Opens the MySQL / MariaDB store: connects, creates the tables if missing,
 * and returns the record manager. An unreachable server gives
 * `StoreUnavailable` within `connectTimeoutMs`, and a pool opened here is
 * ended again.
 *
 * Writers that take notification ids are serialised on a row lock, so that a
 * reader paging with `id > last` never skips an event, and ids have no gaps.
 * Reads are not serialised. A save inside a caller's transaction holds that
 * lock until the caller commits or rolls back, so other writers wait for it.
 *
 * Besides the records table it keeps one row per records table in
 * `eventfold_sequence`: the last id handed out, reset to the table's highest
 * id at every start.
 *
 * Nothing happens until the task runs, and options that are not what they
 * claim (a connection object that is not one, a getter that throws) give
 * `InvalidConfig` rather than an exception.
 *
 * @category constructors
 * @since 0.1.0
 */
export const mysqlRecordManager = (options: MysqlOptions): TE.TaskEither<StoreError | InvalidConfig, RecordManager> =>
  deferred(
    () => openMysqlRecordManager(options),
    (message) => invalidConfig(`cannot open the MySQL store: ${message}`)
  )
