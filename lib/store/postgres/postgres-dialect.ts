/**
 * A Kysely `Dialect` for PostgreSQL: Kysely's own adapter, query compiler and
 * introspector, with eventfold's prepared-statement driver over postgres.js.
 *
 * @since 0.1.0
 */
import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type Dialect } from 'kysely'
import { postgresDriver, type PostgresDriver, type PostgresDriverConfig } from './postgres-driver.js'

/**
 * The PostgreSQL dialect over postgres.js, with prepared statements and a
 * connection reserved only for transactions.
 *
 * @example
 * import postgres from 'postgres'
 * import { Kysely } from 'kysely'
 * import { postgresDialect } from 'eventfold/postgres'
 * const db = new Kysely({ dialect: postgresDialect({ sql: postgres('postgres://localhost/db'), endOnDestroy: true }) })
 *
 * @category constructors
 * @since 0.1.0
 */
export const postgresDialect = (config: PostgresDriverConfig): Dialect => dialectOver(() => postgresDriver(config))

/**
 * The PostgreSQL dialect over a driver its caller built, and so can also read
 * around Kysely's executor with (see {@link PostgresDriver.readRows}).
 *
 * @category constructors
 * @since 0.1.0
 */
export const dialectOver = (createDriver: () => PostgresDriver): Dialect => ({
  createDriver,
  createAdapter: () => new PostgresAdapter(),
  createQueryCompiler: () => new PostgresQueryCompiler(),
  createIntrospector: (db) => new PostgresIntrospector(db)
})
