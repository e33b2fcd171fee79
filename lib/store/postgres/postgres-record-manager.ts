/**
 * The PostgreSQL store: a `RecordManager` over postgres.js, through Kysely
 * and eventfold's prepared-statement driver (or over a Kysely instance the
 * caller built).
 *
 * Notification order. A sequence hands out ids at insert time, but
 * transactions commit in another order, so a reader paging by `id > last`
 * can pass an id whose transaction commits later, and skip it for good. Each
 * row therefore records the id of the transaction that wrote it
 * (`transaction_id xid8`), and readers take only rows whose transaction is
 * older than every transaction still running (below
 * `pg_snapshot_xmin(pg_current_snapshot())`), in `(transaction_id, id)`
 * order. Every row a later reader could see then sorts after the ones already
 * read. The position is the pair `"<transaction id>/<id>"`. A long-running
 * transaction anywhere on the server delays (never reorders) what readers
 * see.
 *
 * Notification ids are unique and increase within a transaction, but a
 * failed or rolled-back insert still consumes sequence values: on PostgreSQL
 * the ids can have gaps (SQLite and MySQL are gapless), and their order is
 * not the log order.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { Kysely, sql, type CompiledQuery, type Generated } from 'kysely'
import postgres from 'postgres'
import {
  invalidConfig,
  storeUnavailable,
  type InvalidConfig,
  type StoreError
} from '../../errors/EventfoldError.js'
import { checkColumnNames } from '../column-names.js'
import { deferred } from '../deferred.js'
import type {
  CallerTransaction,
  Notification,
  RawNotification,
  RecordManager,
  RecordsDatabase,
  StoredEvent
} from '../RecordManager.js'
import { orMissingPredecessor, predecessorsOf, type Predecessor } from '../arguments.js'
import { resolveTableOptions, type EventRow, type TableOptions } from '../schema.js'
import { formatPosition, parsePosition, POSTGRES_RULES, type XidPosition } from './postgres-arguments.js'
import { dialectOver } from './postgres-dialect.js'
import { postgresDriver, type PostgresSql } from './postgres-driver.js'
import type { OpenLane } from './postgres-lanes.js'
import { classifyPostgresError, isNotText } from './postgres-errors.js'
import { notificationIdOf } from '../notification-id.js'
import { insertCompiler, predecessorCheck, ROWS_PER_INSERT } from './postgres-insert.js'
import { saveStatements } from '../insert-compiler.js'
import { decodeItemsWith, decodeRows, eachRow, listItemsWith, rowReader, selectNotificationsWith, type RowReader } from '../reads.js'
import { itemsQuery, reusableQuery } from '../select-compiler.js'
import { ensureTable, tableNames, type TableNames } from './postgres-schema.js'

const { validateIdRange, validateItems } = POSTGRES_RULES

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * How writers order themselves.
 *
 * - `'snapshot'` (the default): writers run concurrently; readers follow
 *   transaction ids, so they never skip.
 * - `'serialised'`: every save also takes `LOCK TABLE … IN EXCLUSIVE MODE`
 *   until it commits, so one writer at a time. Simpler to reason about, and
 *   much slower under concurrent writers.
 *
 * @category model
 * @since 0.1.0
 */
export type PostgresMode = 'snapshot' | 'serialised'

/**
 * Where the PostgreSQL store keeps its records: a connection string it opens
 * (and `close()` ends) a pool for, or a postgres.js pool or Kysely instance
 * the caller owns (which `close()` leaves open).
 *
 * @category model
 * @since 0.1.0
 */
export type PostgresOptions = TableOptions & {
  readonly mode?: PostgresMode
  /** How long to wait for the server at start-up before `StoreUnavailable`. Defaults to 10. */
  readonly connectTimeoutSeconds?: number
} & (
    | { readonly url: string }
    | { readonly sql: PostgresSql }
    | { readonly kysely: Kysely<any> } // driver boundary: the caller's schema type is theirs, not ours
  )

/**
 * The default of `connectTimeoutSeconds` in {@link PostgresOptions}.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10

export {
  /**
   * Rows per INSERT statement; a larger save is chunked inside one transaction.
   *
   * @category constants
   * @since 0.1.0
   */
  ROWS_PER_INSERT
} from './postgres-insert.js'

/** A row as this store sees it: the port's row and the writer's transaction id. */
interface PostgresRow extends EventRow {
  readonly transaction_id: Generated<string>
}

type Records = Record<string, PostgresRow>

interface Opened {
  readonly db: Kysely<Records>
  /** Runs a compiled select on the pool around Kysely's executor: only over our own Kysely, which has no plugins. */
  readonly readRows?: (compiled: CompiledQuery) => Promise<ReadonlyArray<unknown>>
  /** Releases what we opened; never rejects. */
  readonly close: () => Promise<void>
  /** Like `close`, but abandons queries still waiting for a server that never answered. */
  readonly abort: () => Promise<void>
}

// -------------------------------------------------------------------------------------
// opening
// -------------------------------------------------------------------------------------

const validateTimeout = (seconds: number | undefined): E.Either<InvalidConfig, number> => {
  const s = seconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS
  return Number.isFinite(s) && s > 0
    ? E.right(s)
    : E.left(invalidConfig(`connectTimeoutSeconds ${String(seconds)} is not a positive number`))
}

/** Transforms rename columns or change values under Kysely's feet: refuse them rather than misread rows. */
const validatePool = (pool: PostgresSql): E.Either<InvalidConfig, PostgresSql> => {
  const { column, value, row } = pool.options.transform
  return column.from === undefined && value.from === undefined && row.from === undefined
    ? E.right(pool)
    : E.left(invalidConfig('the postgres.js pool transforms result rows (transform option): pass one without transforms'))
}

/** Our Kysely over `pool`. A pool we opened (from a url) comes with `openLane`, and is ended on close. */
const ownKysely = (pool: PostgresSql, openLane?: OpenLane<PostgresSql>): Opened => {
  const owned = openLane !== undefined
  const driver = postgresDriver({ sql: pool, endOnDestroy: owned, ...(owned ? { openLane } : {}) })
  const db = new Kysely<Records>({ dialect: dialectOver(() => driver) })
  let closing: Promise<void> | undefined
  const close = () => (closing ??= db.destroy().catch(() => undefined))
  return {
    db,
    readRows: driver.readRows,
    close,
    // postgres.js's end() waits for queued queries, which may be waiting on a server that is not there.
    abort: async () => {
      if (owned) await pool.end({ timeout: 0 }).catch(() => undefined)
      await driver.abortLanes()
      await close()
    }
  }
}

/** Seconds before reconnecting after `retries` connections in a row failed: postgres.js's curve, capped at 1 s. */
const reconnectBackoff = (retries: number): number => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1)

/** A pool eventfold opens from a url, and how to open its transactions' lanes. */
interface OwnPool {
  readonly pool: PostgresSql
  readonly openLane: OpenLane<PostgresSql>
}

/**
 * The `max` of the url's query, if any. postgres.js 3.4.9 keeps `?max=8` as
 * the string "8", and makes its pool with `Array(max)`: one connection.
 */
const maxOf = (url: string): E.Either<InvalidConfig, { readonly max?: number }> => {
  const query = url.split('#')[0]?.split('?')[1]
  const max = query === undefined ? null : new URLSearchParams(query).get('max')
  if (max === null) return E.right({})
  return /^[1-9][0-9]{0,5}$/.test(max)
    ? E.right({ max: Number(max) })
    : E.left(invalidConfig(`max=${max} in the PostgreSQL url is not a whole number of connections from 1 to 999999`))
}

/** PostgreSQL's type oid of bigint. */
const INT8 = 20

/** A bigint as a number where a number holds it exactly, else as the server wrote it. */
const exactInt8 = (text: string): number | string => {
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : text
}

const openPool = (url: string, timeoutSeconds: number): E.Either<InvalidConfig, OwnPool> => {
  if (!/^postgres(ql)?:\/\//.test(url)) return E.left(invalidConfig('a PostgreSQL url starts with postgres:// or postgresql://'))
  const max = maxOf(url)
  if (E.isLeft(max)) return max
  const options = {
    ...max.right,
    connect_timeout: timeoutSeconds,
    onnotice: () => undefined,
    // postgres.js's own backoff grows with every connection lost with an error, across the pool, up
    // to 20 s, and a query handed to a closed connection waits it out even while others are healthy:
    // after a burst of dropped connections, calls stalled for half a minute. Capped at 1 s here.
    backoff: reconnectBackoff,
    // postgres.js 3.4.9 runs a catalog query on every new connection and drops its promise: a
    // connection killed or cancelled during it rejected that promise unhandled, past every caller
    // (porsager/postgres#1192, #1223). eventfold reads and binds no arrays. Without the query,
    // reserve() can hang, so transactions run on lanes instead (see postgres-lanes.ts).
    fetch_types: false,
    // bigint (the notification id, and counts) as a number, as SQLite and MySQL give it and as
    // EventRow types it: postgres.js gives a string. Ids are numbers everywhere in eventfold.
    // One past 2^53 - 1 stays the server's string: a number would be another id.
    types: { eventfoldInt8: { to: INT8, from: [INT8], serialize: String, parse: exactInt8 } }
  }
  return E.tryCatch(
    () => ({
      pool: postgres(url, options),
      // No max_lifetime: its end could close the connection between two statements of a
      // transaction. Idle lanes are ended by postgres-lanes.ts instead.
      openLane: (onClose) => postgres(url, { ...options, max: 1, max_lifetime: 0, onclose: onClose })
    }),
    (cause) => invalidConfig(`cannot read the PostgreSQL url: ${cause instanceof Error ? cause.message : String(cause)}`)
  )
}

const open = (options: PostgresOptions, timeoutSeconds: number): E.Either<InvalidConfig, Opened> => {
  if ('kysely' in options) {
    const db: Kysely<Records> = options.kysely
    return E.right({ db, close: async () => undefined, abort: async () => undefined })
  }
  if ('sql' in options) return pipe(validatePool(options.sql), E.map((pool) => ownKysely(pool)))
  return pipe(openPool(options.url, timeoutSeconds), E.map(({ pool, openLane }) => ownKysely(pool, openLane)))
}

/** Gives up on `task` after `seconds`: postgres.js retries a vanished host forever rather than time out. */
const within =
  <E, A>(seconds: number, onTimeout: () => E) =>
  (task: TE.TaskEither<E, A>): TE.TaskEither<E, A> =>
  () =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(E.left(onTimeout())), seconds * 1000)
      void task().then((result) => {
        clearTimeout(timer)
        resolve(result)
      })
    })

// -------------------------------------------------------------------------------------
// rows
// -------------------------------------------------------------------------------------

interface ItemRow {
  readonly originator_id: string
  readonly originator_version: number
  readonly topic: string
  /** The state, unless it came as text. */
  readonly state_bytes: Uint8Array | null
  /** The state, when it is UTF-8 JSON (see {@link TEXT_STATE}). */
  readonly state_text: string | null
}

interface NotificationRow extends ItemRow {
  /** bigint: a string from postgres.js and node-postgres, a bigint with custom types. */
  readonly id: number | string | bigint
  readonly txid: string
}

// postgres.js and node-postgres return bytea as a Buffer, which is a Uint8Array.
const stateOf = (r: ItemRow): Uint8Array => (r.state_text === null ? (r.state_bytes as Uint8Array) : Buffer.from(r.state_text, 'utf8'))

const toItem = (r: ItemRow): StoredEvent => ({
  originatorId: r.originator_id,
  originatorVersion: r.originator_version,
  topic: r.topic,
  state: stateOf(r)
})

/** The state as read: the text where it came as text, for the readers that take it so. */
const rawStateOf = (r: Pick<ItemRow, 'state_bytes' | 'state_text'>): Uint8Array | string => r.state_text ?? (r.state_bytes as Uint8Array)

/** A notification from its row, its state taken by `state`. */
const notificationOf =
  <S extends Uint8Array | string>(state: (r: ItemRow) => S) =>
  (r: NotificationRow): Omit<Notification, 'state'> & { readonly state: S } => {
    // Past 2^53 - 1 a number is another id (see notification-id.ts).
    const id = notificationIdOf(r.id)
    return {
      id,
      originatorId: r.originator_id,
      originatorVersion: r.originator_version,
      topic: r.topic,
      state: state(r),
      position: formatPosition(r.txid, id)
    }
  }

const toNotification: (r: NotificationRow) => Notification = notificationOf(stateOf)

const toRawNotification: (r: NotificationRow) => RawNotification = notificationOf(rawStateOf)

/** Whether a read failed because the server could not make some state text (see {@link isNotText}), not for any other reason. */
const refusedText = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { _tag?: unknown })._tag === 'StoreFailure' && isNotText((error as { cause?: unknown }).cause)

/** A column list but its first, the originator id. */
const withoutId = <Rest extends ReadonlyArray<unknown>>(columns: readonly ['originator_id', ...Rest]): Rest => {
  const [, ...rest] = columns
  return rest
}

/**
 * The state is JSON: it starts with `{` (compressed and encrypted state start
 * with a marker byte). No escape in the literal, which would warn on a server
 * with `standard_conforming_strings` off.
 */
const IS_JSON = sql<boolean>`substring(state from 1 for 1) = decode('7b', 'hex')`

/**
 * The columns of an item, with JSON state as text. PostgreSQL sends bytea as
 * hex, twice its size, which the server encodes and the client decodes back:
 * for the small states of most events, that cost more than the rest of a log
 * read. Text that is not UTF-8 fails the whole select: such a read is made
 * again with {@link BYTE_STATE}. Used only where {@link readsStateAsText} says.
 */
const TEXT_STATE = [
  'originator_id',
  'originator_version',
  'topic',
  sql<Uint8Array | null>`case when ${IS_JSON} then null else state end`.as('state_bytes'),
  sql<string | null>`case when ${IS_JSON} then convert_from(state, 'UTF8') end`.as('state_text')
] as const

/** {@link TEXT_STATE} but the originator id, for reads that know it: a load's rows all repeat it. */
const TEXT_FIELDS = withoutId(TEXT_STATE)

/**
 * Whether reads may take JSON state as text ({@link TEXT_STATE}): only over our
 * own Kysely, whose driver has no plugins to rewrite the text (a caller's
 * `ParseJSONResultsPlugin` would parse it), and only where both the database
 * and the connection speak UTF-8. Text passes through the database's encoding
 * on its way out, and not every encoding gives back what went in (EUC_JP
 * turns U+00A6 into U+FFE4 without a word): elsewhere, state stays bytes.
 */
const readsStateAsText = (opened: Opened): TE.TaskEither<StoreError, boolean> =>
  opened.readRows === undefined
    ? TE.right(false)
    : TE.tryCatch(async () => {
        const { rows } = await sql<{ server: string; client: string }>`
          select current_setting('server_encoding') as server, current_setting('client_encoding') as client`.execute(opened.db)
        return rows[0]?.server === 'UTF8' && rows[0].client === 'UTF8'
      }, classifyPostgresError())

/** The columns of an item, all state as bytes. */
const BYTE_STATE = ['originator_id', 'originator_version', 'topic', 'state as state_bytes', sql<string | null>`null`.as('state_text')] as const

/** {@link BYTE_STATE} but the originator id. */
const BYTE_FIELDS = withoutId(BYTE_STATE)

const originatorIdsOf = (items: ReadonlyArray<StoredEvent>) => (): ReadonlyArray<string> => [
  ...new Set(items.map((e) => e.originatorId))
]

/**
 * What a missing predecessor may mean here besides a version never stored:
 * one stored by a transaction younger than the save's (see `postgres-insert.ts`).
 */
const YOUNGER_WRITER =
  'or holds it from a transaction that began writing after this one did (a transaction of yours that wrote before that version was saved): retry in a new transaction'

/** Rows whose transaction ended before every transaction still running began: nothing can commit before them any more. */
const SETTLED = sql<boolean>`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const recordManager = (db: Kysely<Records>, names: TableNames, mode: PostgresMode, opened: Opened, asText: boolean): RecordManager => {
  const table = names.qualified
  // The port's view of the same instance: our row type adds transaction_id, which the port does not know.
  const records = db as unknown as Kysely<RecordsDatabase>
  const lockTable = sql`lock table ${sql.raw(names.quoted)} in exclusive mode`
  let closing: Promise<void> | undefined

  /** Runs `f` unless closed by the time the task runs, classifying whatever it throws. */
  const attempt =
    <A>(f: () => Promise<A>, originatorIds?: () => ReadonlyArray<string>): TE.TaskEither<StoreError, A> =>
    () =>
      closing === undefined
        ? TE.tryCatch(f, orMissingPredecessor(classifyPostgresError(originatorIds), YOUNGER_WRITER))()
        : Promise.resolve(E.left(storeUnavailable('the PostgreSQL record manager is closed', undefined)))

  const statements = saveStatements(ROWS_PER_INSERT, insertCompiler(records, table), predecessorCheck(records, table))

  const write = async (
    items: ReadonlyArray<StoredEvent>,
    trx: CallerTransaction | undefined,
    predecessors: ReadonlyArray<Predecessor>
  ): Promise<void> => {
    if (trx !== undefined) {
      // The caller's transaction, typed by our table alone: its schema type is the caller's.
      const writer = trx as unknown as Kysely<Records>
      if (mode === 'serialised') await lockTable.execute(writer)
      // A savepoint keeps the caller's transaction usable after a conflict (PostgreSQL
      // would otherwise abort all of it), and a chunked save all or nothing.
      await sql`savepoint eventfold_insert`.execute(writer)
      try {
        await statements.write(writer, items, predecessors)
        await sql`release savepoint eventfold_insert`.execute(writer)
      } catch (error) {
        // The first error is the one to report, even if the connection is gone too. Released
        // after the rollback, or each failed save would leave a subtransaction open to the end of
        // the caller's transaction (past 64, every snapshot on the server slows down).
        await sql`rollback to savepoint eventfold_insert`.execute(writer).catch(() => undefined)
        await sql`release savepoint eventfold_insert`.execute(writer).catch(() => undefined)
        throw error
      }
      return
    }
    // One multi-row INSERT is atomic on its own: one round trip, no BEGIN or COMMIT.
    if (mode === 'snapshot' && statements.oneStatement(items, predecessors)) {
      await statements.write(db, items, predecessors)
      return
    }
    await db.transaction().execute(async (writer) => {
      if (mode === 'serialised') await lockTable.execute(writer)
      await statements.write(writer, items, predecessors)
    })
  }

  const insertItems: RecordManager['insertItems'] = (items, trx, options) =>
    pipe(
      TE.fromEither(validateItems(items)),
      TE.chainW((valid) =>
        valid.length === 0
          ? TE.right(undefined)
          : attempt(() => write(valid, trx, options?.contiguous === true ? predecessorsOf(valid) : []), originatorIdsOf(valid))
      )
    )

  // The hot reads: see reads.ts and select-compiler.ts. They go around Kysely's
  // executor when the Kysely instance is ours. A closed store answers before
  // anything is compiled or sent.
  const rows = rowReader(records, orMissingPredecessor(classifyPostgresError()), opened.readRows)
  const closed = (): Promise<E.Either<StoreError, never>> =>
    Promise.resolve(E.left(storeUnavailable('the PostgreSQL record manager is closed', undefined)))
  const readRows: RowReader = (query, toA, orElse) => (closing !== undefined ? closed() : rows(query, toA, orElse))

  /**
   * Reads with JSON state as text; if the server cannot read some state as
   * text, reads again with all of it as bytes, so that the event mapper
   * reports that state as it would any other it cannot decode.
   */
  const readState = <R, Err, A>(text: () => CompiledQuery, bytes: () => CompiledQuery, fromRows: (rows: ReadonlyArray<R>) => E.Either<Err, A>) =>
    asText ? readRows(text, fromRows, (error) => (refusedText(error) ? readRows(bytes, fromRows) : undefined)) : readRows(bytes, fromRows)

  const itemsAsText = itemsQuery(records, table, TEXT_STATE)
  const itemsAsBytes = itemsQuery(records, table, BYTE_STATE)
  const listItems = listItemsWith(POSTGRES_RULES, (originatorId, bounds) =>
    readState(() => itemsAsText(originatorId, bounds), () => itemsAsBytes(originatorId, bounds), eachRow(toItem))
  )
  // Text state goes to the decoder as the string postgres.js made of it, and
  // the id it was asked for stands in for a column that would repeat it.
  const fieldsAsText = itemsQuery(records, table, TEXT_FIELDS)
  const fieldsAsBytes = itemsQuery(records, table, BYTE_FIELDS)
  const decodeItems = decodeItemsWith(POSTGRES_RULES, (originatorId, bounds, decode) =>
    readState(
      () => fieldsAsText(originatorId, bounds),
      () => fieldsAsBytes(originatorId, bounds),
      decodeRows((r: Omit<ItemRow, 'originator_id'>) => decode(originatorId, r.originator_version, r.topic, rawStateOf(r)))
    )
  )

  const notifications = (state: typeof TEXT_STATE | typeof BYTE_STATE) =>
    db
      .selectFrom(table)
      // The text cast is aliased apart from the column, so ORDER BY still means the xid8 column.
      .select(['id', ...state, sql<string>`transaction_id::text`.as('txid')])
      .where(SETTLED)

  // The same pair as the ORDER BY, so the index on (transaction_id, id) serves both.
  const pagesWith = (state: typeof TEXT_STATE | typeof BYTE_STATE) => ({
    fromStart: reusableQuery((values) => notifications(state).orderBy('transaction_id').orderBy('id').limit(values[0] as number), [1_000_001]),
    after: reusableQuery(
      (values) =>
        notifications(state)
          .where(sql<boolean>`(transaction_id, id) > (${values[0]}::xid8, ${values[1]}::bigint)`)
          .orderBy('transaction_id')
          .orderBy('id')
          .limit(values[2] as number),
      ['1000001', '1000002', 1_000_003]
    )
  })
  const pagesAsText = pagesWith(TEXT_STATE)
  const pagesAsBytes = pagesWith(BYTE_STATE)

  const page = (pages: typeof pagesAsText, at: XidPosition, limit: number) => () =>
    at === undefined ? pages.fromStart([limit]) : pages.after([at.transactionId, at.id, limit])
  const pageOf = <N extends RawNotification>(toN: (row: NotificationRow) => N) =>
    selectNotificationsWith(parsePosition, POSTGRES_RULES, (at, limit) => {
      if (closing !== undefined) return closed()
      if (limit === 0) return Promise.resolve(E.right([]))
      return readState(page(pagesAsText, at, limit), page(pagesAsBytes, at, limit), eachRow(toN))
    })
  const selectNotifications = pageOf(toNotification)
  // Text state goes to the log as the string postgres.js made of it.
  const selectRawNotifications = pageOf(toRawNotification)

  const selectNotificationRange: RecordManager['selectNotificationRange'] = (start, end) =>
    pipe(
      TE.fromEither(validateIdRange(start, end)),
      TE.chainW(() => () => {
        if (start > end) return Promise.resolve(E.right([]))
        const range = (state: typeof TEXT_STATE | typeof BYTE_STATE) => () =>
          notifications(state).where('id', '>=', start).where('id', '<=', end).orderBy('id').compile()
        return readState(range(TEXT_STATE), range(BYTE_STATE), eachRow(toNotification))
      })
    )

  const maxNotificationId = () =>
    attempt(async () => {
      const row = await db
        .selectFrom(table)
        .select((eb) => eb.fn.max('id').as('max'))
        .where(SETTLED)
        .executeTakeFirst()
      return notificationIdOf(row?.max ?? 0)
    })

  return {
    dialect: 'postgres',
    tableName: table,
    db: records,
    insertItems,
    listItems,
    decodeItems,
    selectNotifications,
    selectRawNotifications,
    selectNotificationRange,
    maxNotificationId,
    query: () => records.selectFrom(table),
    close: () => (closing ??= opened.close())
  }
}

/** The store's opening, built only when the task runs (see the exported constructor below). */
const openPostgresRecordManager = (options: PostgresOptions): TE.TaskEither<StoreError | InvalidConfig, RecordManager> => {
  const mode = options.mode ?? 'snapshot'
  if (mode !== 'snapshot' && mode !== 'serialised') return TE.left(invalidConfig(`unknown mode ${JSON.stringify(mode)}`))
  const settings = pipe(
    E.Do,
    E.bind('table', () => resolveTableOptions(options)),
    E.bind('timeout', () => validateTimeout(options.connectTimeoutSeconds)),
    E.bind('opened', ({ timeout }) => open(options, timeout))
  )
  if (E.isLeft(settings)) return TE.left(settings.left)
  const { table, timeout, opened } = settings.right
  const names = tableNames(table.tableName, table.schema)
  return pipe(
    'kysely' in options ? checkColumnNames(opened.db, classifyPostgresError()) : TE.right(undefined),
    TE.chainW(() => ensureTable(opened.db, names)),
    TE.chainW(() => readsStateAsText(opened)),
    within<StoreError | InvalidConfig, boolean>(timeout, () => storeUnavailable(`PostgreSQL did not answer within ${timeout} s`, undefined)),
    TE.orElseFirst(() => TE.fromTask(opened.abort)),
    TE.map((asText) => recordManager(opened.db, names, mode, opened, asText))
  )
}

/**
 * Opens the PostgreSQL store: validates the options, connects, and creates
 * the schema, table and index if missing. A server that does not answer
 * within `connectTimeoutSeconds` gives `StoreUnavailable`.
 *
 * Nothing happens until the task runs, and options that are not what they
 * claim (a connection object that is not one, a getter that throws) give
 * `InvalidConfig` rather than an exception.
 *
 * @example
 * import { postgresRecordManager } from 'eventfold/postgres'
 * const opened = postgresRecordManager({ url: 'postgres://postgres@localhost/app', schema: 'events' })
 *
 * @category constructors
 * @since 0.1.0
 */
export const postgresRecordManager = (options: PostgresOptions): TE.TaskEither<StoreError | InvalidConfig, RecordManager> =>
  deferred(
    () => openPostgresRecordManager(options),
    (message) => invalidConfig(`cannot open the PostgreSQL store: ${message}`)
  )
