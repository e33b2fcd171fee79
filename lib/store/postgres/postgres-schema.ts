/**
 * The PostgreSQL records table: its names, and its creation when missing.
 *
 * Creation is idempotent and safe when several processes start at once: it
 * runs in one transaction under an advisory lock keyed by the table's name,
 * and creates only what a catalogue lookup found missing (so no `IF NOT
 * EXISTS` race on the catalogue's own unique keys, and no notices).
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { sql, type Kysely } from 'kysely'
import type { InvalidConfig, StoreError } from '../../errors/EventfoldError.js'
import { RECORD_COLUMNS, tableProblem, wrongTable } from '../table-check.js'
import { classifyPostgresError } from './postgres-errors.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The names of the records table, each already validated as a plain
 * identifier.
 *
 * @category model
 * @since 0.1.0
 */
export interface TableNames {
  /** `schema.table`, or `table`: the form Kysely takes (and splits at the dot). */
  readonly qualified: string
  /** The same, double-quoted for raw SQL, so that case is kept as Kysely keeps it. */
  readonly quoted: string
  readonly schema: string | undefined
  readonly table: string
  /** The index on `(transaction_id, id)` that notification readers follow. */
  readonly index: string
}

/**
 * The columns the store reads and writes; an existing table must have them all.
 *
 * @category constants
 * @since 0.1.0
 */
export const COLUMNS = [...RECORD_COLUMNS, 'transaction_id'] as const

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const quote = (name: string): string => `"${name}"`

/** FNV-1a, 32 bits, in hex: a short stable suffix that keeps long index names distinct. */
const fnv1a = (s: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return h.toString(16).padStart(8, '0')
}

/** PostgreSQL would silently truncate a name beyond 63 bytes; shorten it ourselves, keeping it unique. */
const indexName = (table: string): string => {
  const name = `${table}_txid_idx`
  return name.length <= 63 ? name : `${table.slice(0, 45)}_${fnv1a(table)}_txid_idx`
}

/**
 * The names for a validated table name and optional schema.
 *
 * @category constructors
 * @since 0.1.0
 */
export const tableNames = (table: string, schema: string | undefined): TableNames => ({
  qualified: schema === undefined ? table : `${schema}.${table}`,
  quoted: schema === undefined ? quote(table) : `${quote(schema)}.${quote(table)}`,
  schema,
  table,
  index: indexName(table)
})

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** What the store's guarantees rest on, as the catalogue has it. */
interface Keyed {
  /** A whole unique index on exactly (originator_id, originator_version), every collation deterministic. */
  readonly version_key: boolean
  /** originator_id tells apart every two strings that differ. */
  readonly deterministic_ids: boolean
}

interface Found {
  readonly schema_exists: boolean
  readonly table_exists: boolean
  readonly index_exists: boolean
}

/**
 * Creates the schema, table and index that are missing, then checks the
 * table found: every column the store uses, ids compared deterministically,
 * and a unique key on (originator_id, originator_version). A table that
 * fails is `InvalidConfig`.
 *
 * Notification ids come from a sequence, which a failed insert also advances:
 * on PostgreSQL they can have gaps (on SQLite and MySQL they do not).
 *
 * @category utils
 * @since 0.1.0
 */
export const ensureTable = (
  db: Kysely<any>, // driver boundary: any Kysely over PostgreSQL will do
  names: TableNames
): TE.TaskEither<StoreError | InvalidConfig, void> => {
  const { quoted, schema, index } = names
  return pipe(
    TE.tryCatch(
      () =>
        db.transaction().execute(async (trx) => {
          // hashtext gives an int4, a key no other eventfold table is likely to share.
          await sql`select pg_advisory_xact_lock(hashtext(${`eventfold:${quoted}`}::text))`.execute(trx)
          const { rows } = await sql<Found>`
            select
              (${schema ?? null}::text is null or exists (select 1 from pg_namespace where nspname = ${schema ?? null}::text)) as schema_exists,
              to_regclass(${quoted}::text) is not null as table_exists,
              exists (
                select 1 from pg_class i
                where i.relname = ${index}::text
                and i.relnamespace = (select relnamespace from pg_class where oid = to_regclass(${quoted}::text))
              ) as index_exists`.execute(trx)
          const found = rows[0]
          if (found === undefined) throw new Error('the catalogue lookup returned no row')
          if (!found.schema_exists && schema !== undefined) await sql`create schema ${sql.raw(quote(schema))}`.execute(trx)
          if (!found.table_exists)
            await sql`
              create table ${sql.raw(quoted)} (
                id bigserial not null unique,
                originator_id text not null,
                originator_version integer not null,
                topic text not null,
                state bytea not null,
                transaction_id xid8 not null default pg_current_xact_id(),
                primary key (originator_id, originator_version)
              )`.execute(trx)
          const columns = await sql<{ readonly name: string }>`
            select attname::text as name from pg_attribute
            where attrelid = to_regclass(${quoted}::text) and attnum > 0 and not attisdropped`.execute(trx)
          const present = columns.rows.map((c) => c.name)
          // A table made by other hands may lack what the store's guarantees
          // rest on: a deferrable or invalid index enforces nothing at the insert.
          const key = await sql<Keyed>`
            select
              exists (
                select 1 from pg_index i
                where i.indrelid = to_regclass(${quoted}::text) and i.indisunique and i.indimmediate and i.indisvalid
                and i.indpred is null and i.indexprs is null and i.indnkeyatts = 2
                and array[i.indkey[0], i.indkey[1]]::int2[] @> array(
                  select attnum from pg_attribute
                  where attrelid = i.indrelid and attname in ('originator_id', 'originator_version') and not attisdropped
                )::int2[]
                and (select count(*) from pg_attribute
                  where attrelid = i.indrelid and attname in ('originator_id', 'originator_version') and not attisdropped) = 2
                and not exists (select 1 from pg_collation c where c.oid = any(i.indcollation::oid[]) and not c.collisdeterministic)
              ) as version_key,
              not exists (
                select 1 from pg_attribute a join pg_collation c on c.oid = a.attcollation
                where a.attrelid = to_regclass(${quoted}::text) and a.attname = 'originator_id' and not c.collisdeterministic
              ) as deterministic_ids`.execute(trx)
          const problem = tableProblem({
            required: COLUMNS,
            columns: present,
            foldingIds: key.rows[0]?.deterministic_ids === true ? undefined : 'compares with a nondeterministic collation',
            versionKey: key.rows[0]?.version_key === true
          })
          // A refused table is left as it was: not even the index is added.
          if (problem === undefined && !found.index_exists)
            await sql`create index ${sql.raw(quote(index))} on ${sql.raw(quoted)} (transaction_id, id)`.execute(trx)
          return problem
        }),
      classifyPostgresError()
    ),
    TE.chainEitherKW((problem) => (problem === undefined ? E.right(undefined) : E.left(wrongTable(names.qualified, problem))))
  )
}
