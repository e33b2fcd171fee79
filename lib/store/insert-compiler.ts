/**
 * The multi-row INSERT of a save, written by Kysely's query builder once per
 * row count and then reused with each save's values; shared by the SQLite and
 * PostgreSQL stores.
 *
 * Building and compiling a 10-row insert took about 15 µs of a save's 35 µs on
 * SQLite, which alone held the store below half of raw better-sqlite3. The SQL
 * text of an insert depends only on the number of rows (and of predecessors
 * to check), so it is compiled once per count, checked to bind its parameters
 * row by row, and cached. A Kysely instance whose plugins rewrite values fails
 * that check and gets a fresh compile for every save instead.
 *
 * @since 0.1.0
 */
import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely'
import type { Predecessor } from './arguments.js'
import type { RecordsDatabase, StoredEvent } from './RecordManager.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What differs between the dialects' inserts.
 *
 * @category model
 * @since 0.1.0
 */
export interface InsertShape {
  /** Rows per statement, within the dialect's parameter limit. */
  readonly rowsPerInsert: number
  /** One row of the VALUES list of the checked insert (PostgreSQL types it with casts). */
  readonly valuesRow: (e: StoredEvent) => RawBuilder<unknown>
}

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
 * A compiler of the INSERT of up to `rowsPerInsert` items into `tableName`
 * with `db`'s compiler, reusing the SQL of an earlier save of as many rows
 * (and predecessors). With predecessors, the statement inserts nothing unless
 * the table holds every one of them: its affected row count tells, and the
 * check and the insert are one statement, one round trip.
 *
 * @category utils
 * @since 0.1.0
 */
export const insertCompiler =
  (shape: InsertShape) =>
  (db: Kysely<RecordsDatabase>, tableName: string) => {
    const compile = (items: ReadonlyArray<StoredEvent>, predecessors: ReadonlyArray<Predecessor>): CompiledQuery => {
      if (predecessors.length === 0) return db.insertInto(tableName).values(items.map(toRow)).compile()
      const table = sql.table(tableName)
      const held = sql.join(
        predecessors.map((p) => sql`exists (select 1 from ${table} where originator_id = ${p.originatorId} and originator_version = ${p.version})`),
        sql` and `
      )
      return sql`insert into ${table} (originator_id, originator_version, topic, state) select * from (values ${sql.join(items.map(shape.valuesRow))}) as v where ${held}`.compile(db)
    }

    // Compiles probe rows of distinct values, and keeps the SQL only if it binds them row by row.
    const template = (rows: number, guards: number): string | null => {
      const probe = Array.from({ length: rows }, (_, i) => ({
        originatorId: `probe ${i}`,
        originatorVersion: i,
        topic: `probe topic ${i}`,
        state: Uint8Array.of(i % 256)
      }))
      const predecessors = Array.from({ length: guards }, (_, i) => ({ originatorId: `probe predecessor ${i}`, version: rows + i }))
      const compiled = compile(probe, predecessors)
      const expected = parametersOf(probe, predecessors)
      const same = compiled.parameters.length === expected.length && compiled.parameters.every((p, i) => p === expected[i])
      return same ? compiled.sql : null
    }

    // Row and predecessor counts to SQL, least recently used out first; null when the check failed.
    const templates = new Map<number, string | null>()
    const sqlFor = (rows: number, guards: number): string | null => {
      // A statement has at most rowsPerInsert rows, so the pair fits one number.
      const key = guards * (shape.rowsPerInsert + 1) + rows
      const hit = templates.get(key)
      if (hit !== undefined) {
        templates.delete(key)
        templates.set(key, hit)
        return hit
      }
      const made = template(rows, guards)
      templates.set(key, made)
      if (templates.size > TEMPLATES) {
        const oldest = templates.keys().next()
        if (oldest.done !== true) templates.delete(oldest.value)
      }
      return made
    }

    return (items: ReadonlyArray<StoredEvent>, predecessors: ReadonlyArray<Predecessor> = []): CompiledQuery => {
      const text = sqlFor(items.length, predecessors.length)
      return text === null ? compile(items, predecessors) : CompiledQuery.raw(text, parametersOf(items, predecessors))
    }
  }
