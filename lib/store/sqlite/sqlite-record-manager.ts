/**
 * The SQLite store: a `RecordManager` over better-sqlite3, through Kysely and
 * eventfold's caching driver.
 *
 * SQLite has one writer at a time, so notification ids are assigned in commit
 * order and a reader paging by `id > last` never skips an event. The position
 * is the decimal id of the last notification read.
 *
 * @since 0.1.0
 */
import BetterSqlite3 from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { Kysely, sql } from 'kysely'
import {
  invalidConfig,
  storeUnavailable,
  type InvalidConfig,
  type StoreError
} from '../../errors/EventfoldError.js'
import type {
  CallerTransaction,
  Notification,
  RecordManager,
  RecordsDatabase,
  StoredEvent
} from '../RecordManager.js'
import { orMissingPredecessor, predecessorsOf, type Predecessor } from '../arguments.js'
import { closable } from '../closable.js'
import { deferred } from '../deferred.js'
import { resolveTableOptions, type TableOptions } from '../schema.js'
import { parseIdPosition, SQLITE_RULES } from './sqlite-arguments.js'
import { sqliteDialect } from './sqlite-dialect.js'
import { notificationIdOf } from '../notification-id.js'
import { classifySqliteError } from './sqlite-errors.js'
import { ensureSqliteTable } from './sqlite-schema.js'
import { insertCompiler, predecessorCheck, ROWS_PER_INSERT } from './sqlite-insert.js'
import { saveStatements } from '../insert-compiler.js'
import { checkColumnNames } from '../column-names.js'
import { decodeItemsWith, decodeRows, eachRow, listItemsWith, rowReader, selectNotificationsWith } from '../reads.js'
import { itemsQuery, reusableQuery } from '../select-compiler.js'

/**
 * Rows per INSERT statement; a larger save is chunked inside one transaction.
 *
 * @category constants
 * @since 0.1.0
 */
export { ROWS_PER_INSERT } from './sqlite-insert.js'

const { validateIdRange, validateItems } = SQLITE_RULES

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Where the SQLite store keeps its records: a file (or `':memory:'`) it opens
 * itself, a better-sqlite3 database the caller opened, or a Kysely instance
 * over SQLite the caller built. `schema` is refused: SQLite has none.
 *
 * @category model
 * @since 0.1.0
 */
export type SqliteOptions = TableOptions &
  (
    | { readonly filename: string }
    | { readonly database: BetterSqlite3.Database }
    | { readonly kysely: Kysely<any> } // driver boundary: the caller's schema type is theirs, not ours
  )

/**
 * How long a writer waits for another connection's write lock before
 * `SQLITE_BUSY` (better-sqlite3's `timeout`, SQLite's `busy_timeout`).
 *
 * @category constants
 * @since 0.1.0
 */
export const BUSY_TIMEOUT_MS = 5000

interface Opened {
  readonly db: Kysely<RecordsDatabase>
  readonly close: () => Promise<void>
}

// -------------------------------------------------------------------------------------
// opening
// -------------------------------------------------------------------------------------

const openFile = (filename: string): BetterSqlite3.Database => {
  const database = new BetterSqlite3(filename, { timeout: BUSY_TIMEOUT_MS })
  try {
    if (!database.memory) {
      // WAL lets readers run beside the one writer. synchronous = FULL, not
      // NORMAL (SQLite's WAL default here): NORMAL may lose the last commits on
      // power loss, and we promise that an acknowledged write survives.
      database.pragma('journal_mode = WAL')
      database.pragma('synchronous = FULL')
    }
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    return database
  } catch (error) {
    database.close()
    throw error
  }
}

const ownKysely = (database: BetterSqlite3.Database, closeOnDestroy: boolean): Opened => {
  const db = new Kysely<RecordsDatabase>({ dialect: sqliteDialect({ database, closeOnDestroy }) })
  let closing: Promise<void> | undefined
  // Idempotent, and never rejects: the port's close() is a plain Promise.
  return { db, close: () => (closing ??= db.destroy().catch(() => undefined)) }
}

const open = (options: SqliteOptions): TE.TaskEither<StoreError, Opened> => {
  if ('kysely' in options) return TE.right({ db: options.kysely, close: async () => undefined })
  if ('database' in options) return TE.right(ownKysely(options.database, false))
  const { filename } = options
  return TE.tryCatch(
    async () => ownKysely(openFile(filename), true),
    (cause) => storeUnavailable(`cannot open SQLite database ${JSON.stringify(filename)}: ${String(cause)}`, cause)
  )
}

// -------------------------------------------------------------------------------------
// rows
// -------------------------------------------------------------------------------------

// Integers through Number(): a database the caller opened with
// defaultSafeIntegers(true) reads every one of them as a BigInt.
interface ItemRow {
  readonly originator_id: string
  readonly originator_version: number | bigint
  readonly topic: string
  readonly state: Uint8Array
}

const toItem = (r: ItemRow): StoredEvent => ({
  originatorId: r.originator_id,
  originatorVersion: Number(r.originator_version),
  topic: r.topic,
  // better-sqlite3 returns a Buffer, which is a Uint8Array.
  state: r.state
})

const toNotification = (r: ItemRow & { readonly id: number | bigint }): Notification => {
  // Past 2^53 - 1 a number is another id (see notification-id.ts).
  const id = notificationIdOf(r.id)
  return {
    id,
    originatorId: r.originator_id,
    originatorVersion: Number(r.originator_version),
    topic: r.topic,
    state: r.state,
    position: String(id)
  }
}

/** The caller's transaction, typed by our table alone: its schema type is the caller's, and unknown to us. */
const asRecords = (trx: CallerTransaction): Kysely<RecordsDatabase> => trx as unknown as Kysely<RecordsDatabase>

const ITEM_COLUMNS = ['originator_id', 'originator_version', 'topic', 'state'] as const
const NOTIFICATION_COLUMNS = ['id', ...ITEM_COLUMNS] as const

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * The record manager over an already opened Kysely instance, whose table
 * exists. `close` releases what the caller of this function opened.
 */
const recordManager = (db: Kysely<RecordsDatabase>, tableName: string, close: () => Promise<void>): RecordManager => {
  const statements = saveStatements(ROWS_PER_INSERT, insertCompiler(db, tableName), predecessorCheck(db, tableName))

  /** Inside the caller's transaction, a savepoint keeps a chunked save all or nothing. */
  const insertInCallerTransaction = async (
    trx: Kysely<RecordsDatabase>,
    items: ReadonlyArray<StoredEvent>,
    predecessors: ReadonlyArray<Predecessor>
  ) => {
    await sql`savepoint eventfold_insert`.execute(trx)
    try {
      await statements.write(trx, items, predecessors)
    } catch (error) {
      // A failure may already have ended the whole transaction; the first error is the one to report.
      await sql`rollback to eventfold_insert`.execute(trx).catch(() => undefined)
      await sql`release eventfold_insert`.execute(trx).catch(() => undefined)
      throw error
    }
    await sql`release eventfold_insert`.execute(trx)
  }

  const write = async (
    items: ReadonlyArray<StoredEvent>,
    trx: CallerTransaction | undefined,
    predecessors: ReadonlyArray<Predecessor>
  ): Promise<void> => {
    const writer = trx === undefined ? db : asRecords(trx)
    // One statement is atomic on its own, in or out of a transaction.
    if (statements.oneStatement(items, predecessors)) await statements.write(writer, items, predecessors)
    else if (trx !== undefined) await insertInCallerTransaction(writer, items, predecessors)
    else await db.transaction().execute((own) => statements.write(own, items, predecessors))
  }

  const insertItems: RecordManager['insertItems'] = (items, trx, options) => {
    const valid = validateItems(items)
    if (E.isLeft(valid)) return TE.left(valid.left)
    if (items.length === 0) return TE.right(undefined)
    const predecessors = options?.contiguous === true ? predecessorsOf(items) : []
    const originatorIds = () => [...new Set(items.map((e) => e.originatorId))]
    return TE.tryCatch(() => write(items, trx, predecessors), orMissingPredecessor(classifySqliteError(originatorIds)))
  }

  // The hot reads: see reads.ts and select-compiler.ts.
  const readRows = rowReader(db, classifySqliteError())
  const itemsOf = itemsQuery(db, tableName, ITEM_COLUMNS)
  const listItems = listItemsWith(SQLITE_RULES, (originatorId, bounds) => readRows(() => itemsOf(originatorId, bounds), eachRow(toItem)))
  const decodeItems = decodeItemsWith(SQLITE_RULES, (originatorId, bounds, decode) =>
    readRows(
      () => itemsOf(originatorId, bounds),
      decodeRows((r: ItemRow) => decode(r.originator_id, Number(r.originator_version), r.topic, r.state))
    )
  )

  const page = reusableQuery(
    (values) =>
      db
        .selectFrom(tableName)
        .select(NOTIFICATION_COLUMNS)
        .where('id', '>', values[0] as number)
        .orderBy('id')
        .limit(values[1] as number),
    [1_000_001, 1_000_002]
  )
  const selectNotifications = selectNotificationsWith(parseIdPosition, SQLITE_RULES, (after, limit) =>
    readRows(() => page([after, limit]), eachRow(toNotification))
  )

  const selectNotificationRange: RecordManager['selectNotificationRange'] = (start, end) =>
    pipe(
      TE.fromEither(validateIdRange(start, end)),
      TE.chainW(([start, end]) =>
        TE.tryCatch(async () => {
          const rows = await db
            .selectFrom(tableName)
            .select(NOTIFICATION_COLUMNS)
            .where('id', '>=', start)
            .where('id', '<=', end)
            .orderBy('id')
            .execute()
          return rows.map(toNotification)
        }, classifySqliteError())
      )
    )

  const maxNotificationId: RecordManager['maxNotificationId'] = () =>
    TE.tryCatch(async () => {
      const row = await db
        .selectFrom(tableName)
        .select((eb) => eb.fn.max('id').as('max'))
        .executeTakeFirst()
      return notificationIdOf(row?.max ?? 0)
    }, classifySqliteError())

  return closable({
    dialect: 'sqlite',
    tableName,
    db,
    insertItems,
    listItems,
    decodeItems,
    selectNotifications,
    selectNotificationRange,
    maxNotificationId,
    query: () => db.selectFrom(tableName),
    close
  })
}

/** The store's opening, built only when the task runs (see the exported constructor below). */
const openSqliteRecordManager = (options: SqliteOptions): TE.TaskEither<StoreError | InvalidConfig, RecordManager> => {
  if (options.schema !== undefined)
    return TE.left(invalidConfig(`SQLite has no schemas: remove schema ${JSON.stringify(options.schema)}, or use another database file`))
  const table = resolveTableOptions(options)
  if (E.isLeft(table)) return TE.left(table.left)
  const { tableName } = table.right
  return pipe(
    open(options),
    TE.chainFirstW(({ db }) => ('kysely' in options ? checkColumnNames(db, classifySqliteError()) : TE.right(undefined))),
    TE.chainFirstW(({ db, close }) => pipe(ensureSqliteTable(db, tableName), TE.orElseFirstTaskK(() => close))),
    TE.map(({ db, close }) => recordManager(db, tableName, close))
  )
}

/**
 * Opens the SQLite store, creating its table if missing.
 *
 * - `filename`: a path or `':memory:'`, opened here and closed by `close()`.
 *   A file gets `journal_mode = WAL` and `synchronous = FULL`; every
 *   database it opens waits up to {@link BUSY_TIMEOUT_MS} for a lock.
 * - `database`: a better-sqlite3 database the caller opened, used with its
 *   own settings and left open by `close()`.
 * - `kysely`: a Kysely instance over SQLite, left open by `close()`. With
 *   Kysely's stock dialect, transactions begin `DEFERRED` instead of `IMMEDIATE`.
 *
 * A `schema` option is refused with `InvalidConfig`: SQLite has no schemas,
 * and quietly ignoring one would mix records the caller meant to keep apart.
 *
 * Nothing happens until the task runs, and options that are not what they
 * claim (a connection object that is not one, a getter that throws) give
 * `InvalidConfig` rather than an exception.
 *
 * @example
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as TE from 'fp-ts/lib/TaskEither.js'
 * import { sqliteRecordManager } from 'eventfold/sqlite'
 * const program = pipe(
 *   sqliteRecordManager({ filename: ':memory:' }),
 *   TE.chainW((store) => store.maxNotificationId())
 * )
 *
 * @category constructors
 * @since 0.1.0
 */
export const sqliteRecordManager = (options: SqliteOptions): TE.TaskEither<StoreError | InvalidConfig, RecordManager> =>
  deferred(
    () => openSqliteRecordManager(options),
    (message) => invalidConfig(`cannot open the SQLite store: ${message}`)
  )
