/**
 * The multi-row INSERT of a save, written by Kysely's query builder once per
 * row count and then reused with each save's values.
 *
 * Building and compiling a 10-row insert took about 15 µs of a save's 35 µs
 * here, which alone held the store below half of raw better-sqlite3. The SQL
 * text of an insert depends only on the number of rows, so it is compiled
 * once per row count, checked to bind its parameters row by row, and cached.
 * A Kysely instance whose plugins rewrite values fails that check and gets a
 * fresh compile for every save instead.
 *
 * @since 0.1.0
 */
import { CompiledQuery, sql, type Kysely } from 'kysely'
import type { Predecessor } from '../arguments.js'
import type { RecordsDatabase, StoredEvent } from '../RecordManager.js'

// -------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------

/**
 * Rows per INSERT: 4 parameters each, within SQLite's limit of 32,766
 * parameters per statement. A save up to this size is one statement, atomic
 * on its own; a larger one is chunked inside one transaction.
 *
 * @category constants
 * @since 0.1.0
 */
export const ROWS_PER_INSERT = 8000

/** Distinct row counts whose SQL is kept; saves mostly come in a few sizes. */
const TEMPLATES = 64

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const toRow = (e: StoredEvent) => ({
  originator_id: e.originatorId,
  originator_version: e.originatorVersion,
  topic: e.topic,
  state: e.state
})

const parametersOf = (items: ReadonlyArray<StoredEvent>, predecessors: ReadonlyArray<Predecessor>): Array<unknown> => {
  const parameters: Array<unknown> = []
  for (const e of items) parameters.push(e.originatorId, e.originatorVersion, e.topic, e.state)
  for (const p of predecessors) parameters.push(p.originatorId, p.version)
  return parameters
}

/**
 * The INSERT of `items`, or, with predecessors, one that inserts them only if
 * the table holds every predecessor (and else nothing): the contiguity check
 * and the insert in one statement.
 */
const compile = (
  db: Kysely<RecordsDatabase>,
  tableName: string,
  items: ReadonlyArray<StoredEvent>,
  predecessors: ReadonlyArray<Predecessor>
): CompiledQuery => {
  if (predecessors.length === 0) return db.insertInto(tableName).values(items.map(toRow)).compile()
  const table = sql.table(tableName)
  const rows = sql.join(items.map((e) => sql`(${e.originatorId}, ${e.originatorVersion}, ${e.topic}, ${e.state})`))
  const held = sql.join(
    predecessors.map((p) => sql`exists (select 1 from ${table} where originator_id = ${p.originatorId} and originator_version = ${p.version})`),
    sql` and `
  )
  return sql`insert into ${table} (originator_id, originator_version, topic, state) select * from (values ${rows}) as v where ${held}`.compile(db)
}

/** Compiles probe rows of distinct values, and keeps the SQL only if it binds them row by row. */
const template = (db: Kysely<RecordsDatabase>, tableName: string, rows: number, guards: number): string | undefined => {
  const probe = Array.from({ length: rows }, (_, i) => ({
    originatorId: `probe ${i}`,
    originatorVersion: i,
    topic: `probe topic ${i}`,
    state: new Uint8Array(1)
  }))
  const predecessors = Array.from({ length: guards }, (_, i) => ({ originatorId: `probe predecessor ${i}`, version: rows + i }))
  const compiled = compile(db, tableName, probe, predecessors)
  const expected = parametersOf(probe, predecessors)
  const same = compiled.parameters.length === expected.length && compiled.parameters.every((p, i) => p === expected[i])
  return same ? compiled.sql : undefined
}

/**
 * Compiles the INSERT of up to {@link ROWS_PER_INSERT} items into `tableName`,
 * reusing the SQL of an earlier save of as many rows (and predecessors). With
 * predecessors, the statement inserts nothing unless the table holds every
 * one of them: its affected row count tells.
 *
 * @category utils
 * @since 0.1.0
 */
export const insertCompiler = (db: Kysely<RecordsDatabase>, tableName: string) => {
  // Row and predecessor counts to SQL, least recently used out first; null when the check failed.
  const templates = new Map<number, string | null>()
  const sqlFor = (rows: number, guards: number): string | null => {
    // Saves have at most ROWS_PER_INSERT rows per statement, so the pair fits one number.
    const key = guards * (ROWS_PER_INSERT + 1) + rows
    const hit = templates.get(key)
    if (hit !== undefined) {
      templates.delete(key)
      templates.set(key, hit)
      return hit
    }
    const made = template(db, tableName, rows, guards) ?? null
    templates.set(key, made)
    if (templates.size > TEMPLATES) templates.delete(templates.keys().next().value as number)
    return made
  }
  return (items: ReadonlyArray<StoredEvent>, predecessors: ReadonlyArray<Predecessor> = []): CompiledQuery => {
    const text = sqlFor(items.length, predecessors.length)
    return text === null ? compile(db, tableName, items, predecessors) : CompiledQuery.raw(text, parametersOf(items, predecessors))
  }
}
