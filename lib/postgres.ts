/**
 * `eventfold/postgres`: the PostgreSQL store and our Kysely dialect over
 * postgres.js (prepared statements), for building a Kysely instance or a
 * record manager by hand. Applications reach them through a `postgres://`
 * connection string or the `sql` option.
 *
 * @packageDocumentation
 * @module eventfold/postgres
 * @since 0.1.0
 */
export { postgresDialect } from './store/postgres/postgres-dialect.js'
export {
  postgresDriver,
  DEFAULT_MAX_PREPARED_PARAMETERS,
  type PostgresDriver,
  type PostgresDriverConfig,
  type PostgresSql
} from './store/postgres/postgres-driver.js'
export type { LanePool, OpenLane } from './store/postgres/postgres-lanes.js'
export {
  postgresRecordManager,
  DEFAULT_CONNECT_TIMEOUT_SECONDS,
  type PostgresMode,
  type PostgresOptions
} from './store/postgres/postgres-record-manager.js'
