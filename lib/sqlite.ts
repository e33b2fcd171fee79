/**
 * `eventfold/sqlite`: the SQLite store and our Kysely dialect over
 * better-sqlite3, for building a Kysely instance or a record manager by hand.
 * Applications reach them through a `sqlite://` connection string.
 *
 * @packageDocumentation
 * @module eventfold/sqlite
 * @since 0.1.0
 */
export { sqliteDialect } from './store/sqlite/sqlite-dialect.js'
export {
  sqliteDriver,
  DEFAULT_STATEMENT_CACHE_SIZE,
  type SqliteDatabase,
  type SqliteDriverConfig,
  type SqliteStatement
} from './store/sqlite/sqlite-driver.js'
export { sqliteRecordManager, BUSY_TIMEOUT_MS, type SqliteOptions } from './store/sqlite/sqlite-record-manager.js'
