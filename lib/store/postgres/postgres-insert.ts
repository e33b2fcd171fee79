/**
 * The multi-row INSERT of a save, written by Kysely's query builder once per
 * row count and then reused with each save's values.
 *
 * Building and compiling a 10-row insert costs tens of microseconds and much
 * garbage, at every save, for SQL that depends only on the number of rows. So
 * the SQL is compiled once per row count, checked to bind its parameters row
 * by row, and cached. A Kysely instance whose plugins rewrite values fails
 * that check and gets a fresh compile for every save instead.
 *
 * @since 0.1.0
 */
import { CompiledQuery, type Kysely } from 'kysely'
import type { RecordsDatabase, StoredEvent } from '../RecordManager.js'

// -------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------

/**
 * Rows per INSERT statement (4 parameters each, far below PostgreSQL's
 * 65,535). A save up to this size is one statement, atomic on its own; a
 * larger one is chunked inside one transaction.
 *
 * @category constants
 * @since 0.1.0
 */
export const ROWS_PER_INSERT = 1000

/** Distinct row counts whose SQL is kept; saves mostly come in a few sizes. */
const TEMPLATES = 64

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

type Writer = Kysely<RecordsDatabase>

const toRow = (e: StoredEvent) => ({
  originator_id: e.originatorId,
  originator_version: e.originatorVersion,
  topic: e.topic,
  state: e.state
})

const parametersOf = (items: ReadonlyArray<StoredEvent>): Array<unknown> => {
  const parameters: Array<unknown> = []
  for (const e of items) parameters.push(e.originatorId, e.originatorVersion, e.topic, e.state)
  return parameters
}

/** Compiles `rows` probe rows of distinct values, and keeps the SQL only if it binds them row by row. */
const template = (db: Writer, tableName: string, rows: number): string | null => {
  const probe = Array.from({ length: rows }, (_, i) => ({
    originatorId: `probe ${i}`,
    originatorVersion: i,
    topic: `probe topic ${i}`,
    state: Uint8Array.of(i % 256)
  }))
  const compiled = db.insertInto(tableName).values(probe.map(toRow)).compile()
  const expected = parametersOf(probe)
  const same = compiled.parameters.length === expected.length && compiled.parameters.every((p, i) => p === expected[i])
  return same ? compiled.sql : null
}

/**
 * Compiles the INSERT of up to {@link ROWS_PER_INSERT} items into `tableName`
 * with `db`'s compiler, reusing the SQL of an earlier save of as many rows.
 *
 * @category utils
 * @since 0.1.0
 */
export const insertCompiler = (db: Writer, tableName: string) => {
  // Row count to SQL, least recently used out first; null when the check failed.
  const templates = new Map<number, string | null>()
  const sqlFor = (rows: number): string | null => {
    const hit = templates.get(rows)
    if (hit !== undefined) {
      templates.delete(rows)
      templates.set(rows, hit)
      return hit
    }
    const made = template(db, tableName, rows)
    templates.set(rows, made)
    if (templates.size > TEMPLATES) {
      const oldest = templates.keys().next()
      if (oldest.done !== true) templates.delete(oldest.value)
    }
    return made
  }
  return (items: ReadonlyArray<StoredEvent>): CompiledQuery => {
    const sql = sqlFor(items.length)
    return sql === null ? db.insertInto(tableName).values(items.map(toRow)).compile() : CompiledQuery.raw(sql, parametersOf(items))
  }
}
