/**
 * The one place that turns a connection string, or a connection the caller
 * already has, into a record manager of the right dialect. Dialects are loaded
 * on demand, so an SQLite application never loads a server driver.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { MysqlAdapter, PostgresAdapter, SqliteAdapter, type Kysely } from 'kysely'
import type { Sql } from 'postgres'
import {
  invalidConfig,
  storeFailure,
  type InvalidConfig,
  type StoreError
} from '../errors/EventfoldError.js'
import type { DialectName, RecordManager } from './RecordManager.js'
import type { TableOptions } from './schema.js'
import { parseUri } from './Uri.js'
import { deferred } from './deferred.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Where the records live: a connection string, or a connection the caller
 * already has (which `close()` then leaves open).
 *
 * @category model
 * @since 0.1.0
 */
export type Connection =
  | { readonly uri: string }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | { readonly kysely: Kysely<any>; readonly dialect?: DialectName } // driver boundary: the caller's schema type is theirs
  | { readonly sql: Sql }

/**
 * Options for connecting, besides the connection itself.
 *
 * @category model
 * @since 0.1.0
 */
export interface ConnectOptions extends TableOptions {
  /** PostgreSQL: `'snapshot'` (default) or `'serialised'` notification order. */
  readonly postgresMode?: 'snapshot' | 'serialised'
  /** Give up connecting to a server after this long. */
  readonly connectTimeoutSeconds?: number
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const load = <M>(what: string, f: () => Promise<M>): TE.TaskEither<StoreError, M> =>
  TE.tryCatch(f, (e) => storeFailure(`cannot load the ${what} store`, e))

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const dialectOf = (kysely: Kysely<any>): E.Either<InvalidConfig, DialectName> => { // driver boundary: any caller schema
  const adapter = kysely.getExecutor().adapter
  if (adapter instanceof PostgresAdapter) return E.right('postgres')
  if (adapter instanceof MysqlAdapter) return E.right('mysql')
  if (adapter instanceof SqliteAdapter) return E.right('sqlite')
  return E.left(invalidConfig('cannot tell the dialect of this Kysely instance: pass dialect as well'))
}

/**
 * Opens a record manager for a connection, creating its table if missing.
 *
 * @category constructors
 * @since 0.1.0
 */
export const connect = (
  connection: Connection,
  options: ConnectOptions = {}
): TE.TaskEither<InvalidConfig | StoreError, RecordManager> =>
  // Nothing happens until the task runs, and a connection or options that are
  // not what they claim (null, an object that is no Kysely) give InvalidConfig.
  deferred(
    () => open(connection, options),
    (message) => invalidConfig(`the connection cannot be used: ${message}`)
  )

const open = (connection: Connection, options: ConnectOptions): TE.TaskEither<InvalidConfig | StoreError, RecordManager> => {
  const table: TableOptions = {
    ...(options.tableName === undefined ? {} : { tableName: options.tableName }),
    ...(options.schema === undefined ? {} : { schema: options.schema })
  }
  const timeout = options.connectTimeoutSeconds
  const postgres = (source: { readonly url: string } | { readonly sql: Sql } | { readonly kysely: Kysely<object> }) =>
    pipe(
      load('postgres', () => import('./postgres/postgres-record-manager.js')),
      TE.chainW((m) =>
        m.postgresRecordManager({
          ...table,
          ...source,
          ...(options.postgresMode === undefined ? {} : { mode: options.postgresMode }),
          ...(timeout === undefined ? {} : { connectTimeoutSeconds: timeout })
        })
      )
    )
  const mysql = (source: { readonly url: string } | { readonly kysely: Kysely<object> }) =>
    pipe(
      load('mysql', () => import('./mysql/mysql-record-manager.js')),
      TE.chainW((m) =>
        m.mysqlRecordManager({
          ...table,
          ...source,
          // Whole milliseconds: 1.005 s is 1005 ms, not a float the MySQL store refuses;
          // and at least one, since the option was checked as positive (0.0004 s is 1 ms, not 0).
          ...(timeout === undefined ? {} : { connectTimeoutMs: Math.max(1, Math.round(timeout * 1000)) })
        })
      )
    )
  const sqlite = (source: { readonly filename: string } | { readonly kysely: Kysely<object> }) =>
    pipe(
      load('sqlite', () => import('./sqlite/sqlite-record-manager.js')),
      TE.chainW((m) => m.sqliteRecordManager({ ...table, ...source }))
    )

  if ('sql' in connection) return postgres({ sql: connection.sql })
  if ('kysely' in connection) {
    const named = connection.dialect
    const detected = dialectOf(connection.kysely)
    // `dialect` names what eventfold cannot tell by itself; one that contradicts an
    // adapter it knows would build another store's table in this database (a
    // case-insensitive one on MySQL, which would merge ids that differ in case).
    const dialect =
      named === undefined
        ? detected
        : named !== 'sqlite' && named !== 'postgres' && named !== 'mysql'
          ? E.left(invalidConfig(`unknown dialect ${JSON.stringify(named)}: give 'sqlite', 'postgres' or 'mysql'`))
          : E.isRight(detected) && detected.right !== named
            ? E.left(invalidConfig(`dialect '${named}' contradicts the Kysely instance, whose adapter is ${detected.right}'s: leave dialect out`))
            : E.right(named)
    if (E.isLeft(dialect)) return TE.left(dialect.left)
    const source = { kysely: connection.kysely }
    return dialect.right === 'postgres' ? postgres(source) : dialect.right === 'mysql' ? mysql(source) : sqlite(source)
  }
  const target = parseUri(connection.uri)
  if (E.isLeft(target)) return TE.left(target.left)
  const t = target.right
  return t.dialect === 'sqlite' ? sqlite({ filename: t.filename }) : t.dialect === 'postgres' ? postgres({ url: t.url }) : mysql({ url: t.url })
}
