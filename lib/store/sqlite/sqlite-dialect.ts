/**
 * A Kysely `Dialect` for SQLite: Kysely's own adapter, query compiler and
 * introspector, with eventfold's caching driver.
 *
 * @since 0.1.0
 */
import { SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type Dialect } from 'kysely'
import { sqliteDriver, type SqliteDriverConfig } from './sqlite-driver.js'

/**
 * The SQLite dialect over better-sqlite3, with a statement cache and
 * `BEGIN IMMEDIATE` transactions.
 *
 * @example
 * import Database from 'better-sqlite3'
 * import { Kysely } from 'kysely'
 * import { sqliteDialect } from 'eventfold/sqlite'
 * const db = new Kysely({ dialect: sqliteDialect({ database: new Database(':memory:'), closeOnDestroy: true }) })
 *
 * @category constructors
 * @since 0.1.0
 */
export const sqliteDialect = (config: SqliteDriverConfig): Dialect => ({
  createDriver: () => sqliteDriver(config),
  createAdapter: () => new SqliteAdapter(),
  createQueryCompiler: () => new SqliteQueryCompiler(),
  createIntrospector: (db) => new SqliteIntrospector(db)
})
