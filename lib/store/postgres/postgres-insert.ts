/**
 * The INSERT of a save on PostgreSQL: see `lib/store/insert-compiler.ts`. The
 * casts type the VALUES list of the checked insert, whose parameters nothing
 * else would type.
 *
 * @since 0.1.0
 */
import { sql } from 'kysely'
import { insertCompiler as compilerFor, predecessorCheck as checkFor, type InsertShape } from '../insert-compiler.js'

/**
 * Rows per INSERT statement (4 parameters each, far below PostgreSQL's
 * 65,535). A save up to this size is one statement, atomic on its own; a
 * larger one is chunked inside one transaction.
 *
 * @category constants
 * @since 0.1.0
 */
export const ROWS_PER_INSERT = 1000

/**
 * The log is ordered by `(transaction_id, id)`, and a transaction's id is
 * the one it was given at its first write, not at its commit. A transaction
 * that wrote before an aggregate's version n committed (a caller's, which
 * wrote its own rows first) and then saved version n + 1 would sort before
 * it: readers would see the versions out of order. So a predecessor counts
 * as held only if it was written by this transaction or an older one. In
 * eventfold's own saves it always is: the predecessor committed before the
 * aggregate was loaded, and so before the save wrote anything.
 */
const WRITTEN_NO_LATER = sql`transaction_id <= pg_current_xact_id()`

const SHAPE: InsertShape = {
  rowsPerInsert: ROWS_PER_INSERT,
  valuesRow: (e) => sql`(${e.originatorId}::text, ${e.originatorVersion}::integer, ${e.topic}::text, ${e.state}::bytea)`,
  predecessorRow: (p) => sql`(${p.originatorId}::text, ${p.version}::integer)`,
  predecessorHeld: WRITTEN_NO_LATER
}

/**
 * Compiles the INSERT of up to {@link ROWS_PER_INSERT} items into a table,
 * reusing the SQL of an earlier save of as many rows (and predecessors).
 *
 * @category utils
 * @since 0.1.0
 */
export const insertCompiler = compilerFor(SHAPE)

/**
 * Compiles the check of a save's predecessors when there are too many for
 * its INSERT to carry (see `GUARDS_PER_INSERT`).
 *
 * @category utils
 * @since 0.1.0
 */
export const predecessorCheck = checkFor(SHAPE)
