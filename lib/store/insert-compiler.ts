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
import { CompiledQuery, sql, type Kysely, type QueryResult, type RawBuilder } from 'kysely'
import { MissingPredecessor, type Predecessor } from './arguments.js'
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
  /** One row of the VALUES list of a predecessor check: the id, then the version. */
  readonly predecessorRow: (p: Predecessor) => RawBuilder<unknown>
  /**
   * What a predecessor row must meet besides existing, if anything: on
   * PostgreSQL, that no transaction younger than this one wrote it (see
   * `postgres-insert.ts`).
   */
  readonly predecessorHeld?: RawBuilder<unknown>
}

// -------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------

/**
 * The most predecessors an INSERT checks itself, one `exists` each. A save
 * with more checks them first, in statements of their own in the same
 * transaction (see {@link predecessorCheck}): each `exists` deepens the
 * statement's expression tree (SQLite refuses a depth past 1000) and adds two
 * parameters to a statement already near the dialect's limit.
 *
 * @category constants
 * @since 0.1.0
 */
export const GUARDS_PER_INSERT = 64

/**
 * Predecessors per check statement: two parameters each.
 *
 * @category constants
 * @since 0.1.0
 */
export const PREDECESSORS_PER_CHECK = 1000

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

/** The condition a predecessor row must also meet, as a clause to append (nothing if none). */
const alsoHeld = (shape: Pick<InsertShape, 'predecessorHeld'>) =>
  shape.predecessorHeld === undefined ? sql`` : sql` and ${shape.predecessorHeld}`

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
      const also = alsoHeld(shape)
      const held = sql.join(
        predecessors.map((p) => sql`exists (select 1 from ${table} where originator_id = ${p.originatorId} and originator_version = ${p.version}${also})`),
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

/**
 * The row of a predecessor check: how many of its predecessors the table
 * holds (PostgreSQL counts in bigint, which drivers give as a string).
 *
 * @category model
 * @since 0.1.0
 */
export interface HeldCount {
  readonly n: number | string | bigint
}

/**
 * The statement that counts how many of up to {@link PREDECESSORS_PER_CHECK}
 * predecessors (distinct, as `predecessorsOf` gives them) the table holds, as
 * `n`: all are held when `n` is their number. A flat list, so that it stays
 * shallow however many there are.
 *
 * @category utils
 * @since 0.1.0
 */
export const predecessorCheck =
  (shape: Pick<InsertShape, 'predecessorRow' | 'predecessorHeld'>) =>
  (db: Kysely<RecordsDatabase>, tableName: string) =>
  (predecessors: ReadonlyArray<Predecessor>): CompiledQuery<HeldCount> =>
    sql<HeldCount>`select count(*) as n from ${sql.table(tableName)} where (originator_id, originator_version) in (values ${sql.join(predecessors.map(shape.predecessorRow))})${alsoHeld(shape)}`.compile(db)

/**
 * What runs a save's statements: a Kysely instance or transaction.
 *
 * @category model
 * @since 0.1.0
 */
export interface StatementRunner {
  readonly executeQuery: <R>(query: CompiledQuery<R>) => Promise<QueryResult<R>>
}

const chunksOf = <A>(as: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(as.length / size) }, (_, i) => as.slice(i * size, (i + 1) * size))

/**
 * How a store writes a save: INSERTs of at most `rowsPerInsert` rows that
 * throw `MissingPredecessor` unless the table holds every predecessor. Up to
 * {@link GUARDS_PER_INSERT} predecessors, the first INSERT checks them
 * itself; more are counted first, {@link PREDECESSORS_PER_CHECK} a statement.
 * A save that is not `oneStatement` must run in one transaction, which is
 * the store's to open.
 *
 * @category constructors
 * @since 0.1.0
 */
export const saveStatements = (
  rowsPerInsert: number,
  compileInsert: (items: ReadonlyArray<StoredEvent>, predecessors: ReadonlyArray<Predecessor>) => CompiledQuery,
  compileCheck: (predecessors: ReadonlyArray<Predecessor>) => CompiledQuery<HeldCount>
) => {
  const insertChunk = async (writer: StatementRunner, chunk: ReadonlyArray<StoredEvent>, predecessors: ReadonlyArray<Predecessor>) => {
    const result = await writer.executeQuery(compileInsert(chunk, predecessors))
    if (predecessors.length > 0 && result.numAffectedRows !== BigInt(chunk.length)) throw new MissingPredecessor(predecessors)
  }
  const check = async (writer: StatementRunner, predecessors: ReadonlyArray<Predecessor>) => {
    for (const some of chunksOf(predecessors, PREDECESSORS_PER_CHECK)) {
      const { rows } = await writer.executeQuery(compileCheck(some))
      if (Number(rows[0]?.n) !== some.length) throw new MissingPredecessor(predecessors)
    }
  }
  return {
    /** Whether the save is one statement, atomic on its own. */
    oneStatement: (items: ReadonlyArray<StoredEvent>, predecessors: ReadonlyArray<Predecessor>): boolean =>
      items.length <= rowsPerInsert && predecessors.length <= GUARDS_PER_INSERT,
    /** Writes the save, checking its predecessors first or in its first statement. */
    write: async (writer: StatementRunner, items: ReadonlyArray<StoredEvent>, predecessors: ReadonlyArray<Predecessor>): Promise<void> => {
      let guards = predecessors
      if (predecessors.length > GUARDS_PER_INSERT) {
        await check(writer, predecessors)
        guards = []
      }
      // A save of one statement's rows, the usual kind, is not copied into a chunk.
      if (items.length <= rowsPerInsert) return insertChunk(writer, items, guards)
      for (const chunk of chunksOf(items, rowsPerInsert)) {
        await insertChunk(writer, chunk, guards)
        guards = []
      }
    }
  }
}
