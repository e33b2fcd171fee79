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

const SHAPE: InsertShape = {
  rowsPerInsert: ROWS_PER_INSERT,
  valuesRow: (e) => sql`(${e.originatorId}::text, ${e.originatorVersion}::integer, ${e.topic}::text, ${e.state}::bytea)`,
  predecessorRow: (p) => sql`(${p.originatorId}::text, ${p.version}::integer)`
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
