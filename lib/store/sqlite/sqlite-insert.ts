/**
 * The INSERT of a save on SQLite: see `lib/store/insert-compiler.ts`.
 *
 * @since 0.1.0
 */
import { sql } from 'kysely'
import { insertCompiler as compilerFor, predecessorCheck as checkFor, type InsertShape } from '../insert-compiler.js'

/**
 * Rows per INSERT: 4 parameters each, within SQLite's limit of 32,766
 * parameters per statement. A save up to this size is one statement, atomic
 * on its own; a larger one is chunked inside one transaction.
 *
 * @category constants
 * @since 0.1.0
 */
export const ROWS_PER_INSERT = 8000

const SHAPE: InsertShape = {
  rowsPerInsert: ROWS_PER_INSERT,
  valuesRow: (e) => sql`(${e.originatorId}, ${e.originatorVersion}, ${e.topic}, ${e.state})`,
  predecessorRow: (p) => sql`(${p.originatorId}, ${p.version})`
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
