/**
 * `eventfold/mysql`: the MySQL and MariaDB store, for building a record
 * manager by hand. Applications reach it through a `mysql://` connection
 * string.
 *
 * @packageDocumentation
 * @module eventfold/mysql
 * @since 0.1.0
 */
export { mysqlRecordManager, DEFAULT_CONNECT_TIMEOUT_MS, type MysqlOptions } from './store/mysql/mysql-record-manager.js'
export { parseMysqlUrl, type MysqlPoolOptions } from './store/mysql/mysql-url.js'
