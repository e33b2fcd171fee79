/**
 * The SQLite records table: created if missing, and checked when found, so
 * that a table made by other hands is refused at opening rather than
 * quietly folding aggregates together or letting two saves of one version
 * both land.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { sql, type Kysely } from 'kysely'
import type { InvalidConfig, StoreError } from '../../errors/EventfoldError.js'
import type { RecordsDatabase } from '../RecordManager.js'
import { RECORD_COLUMNS, tableProblem, wrongTable } from '../table-check.js'
import { classifySqliteError } from './sqlite-errors.js'

/** The key the concurrency guarantee rests on: one row per version of an aggregate. */
const VERSION_KEY = ['originator_id', 'originator_version'] as const

interface Found {
  readonly columns: ReadonlyArray<string>
  /** Whether originator_id compares as BINARY: 'a' is neither 'A' nor 'a '. */
  readonly binaryIds: boolean
  /** Whether a whole unique index holds exactly the version key, its ids in BINARY. */
  readonly versionKey: boolean
}

const createTable = (db: Kysely<RecordsDatabase>, tableName: string): Promise<void> =>
  // `id INTEGER PRIMARY KEY` aliases the rowid: ids start at 1, and a
  // rolled-back insert leaves no gap. The unique key is the concurrency guarantee.
  db.schema
    .createTable(tableName)
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('originator_id', 'text', (c) => c.notNull())
    .addColumn('originator_version', 'integer', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('state', 'blob', (c) => c.notNull())
    .addUniqueConstraint(`${tableName}_originator_uq`, [...VERSION_KEY])
    .execute()

const inspect = async (db: Kysely<RecordsDatabase>, tableName: string): Promise<Found> => {
  const columns = (await sql<{ readonly name: string }>`select name from pragma_table_info(${tableName})`.execute(db)).rows.map((c) => c.name)
  // SQLite tells no column's collation, but a comparison through the column
  // uses it: an empty read of the column, unioned with 'a', carries it.
  // Numbers via Number(): a caller's database may read integers as BigInt.
  const probe = columns.includes('originator_id')
    ? (
        await sql<{ readonly folds: number | bigint }>`select (x = 'A') + (x = 'a ') as folds
          from (select originator_id as x from ${sql.table(tableName)} where 0 union all select 'a')`.execute(db)
      ).rows[0]
    : undefined
  const unique = (await sql<{ readonly name: string; readonly partial: number | bigint }>`
    select name, partial from pragma_index_list(${tableName}) where "unique" = 1`.execute(db)).rows
  let versionKey = false
  for (const index of unique) {
    if (Number(index.partial) !== 0) continue
    const keys = (await sql<{ readonly name: string | null; readonly coll: string }>`
      select name, coll from pragma_index_xinfo(${index.name}) where key = 1`.execute(db)).rows
    const names = keys.map((k) => k.name ?? '').sort()
    const ids = keys.find((k) => k.name === 'originator_id')
    if (names.length === 2 && names[0] === VERSION_KEY[0] && names[1] === VERSION_KEY[1] && ids?.coll.toUpperCase() === 'BINARY') versionKey = true
  }
  return { columns, binaryIds: probe !== undefined && Number(probe.folds) === 0, versionKey }
}

/**
 * Creates the records table if missing, then checks the table found: every
 * column the store uses, ids that compare as BINARY, and a unique key on
 * (originator_id, originator_version). A table that fails is `InvalidConfig`.
 *
 * @category utils
 * @since 0.1.0
 */
export const ensureSqliteTable = (db: Kysely<RecordsDatabase>, tableName: string): TE.TaskEither<StoreError | InvalidConfig, void> =>
  pipe(
    TE.tryCatch(async () => {
      await createTable(db, tableName)
      return inspect(db, tableName)
    }, classifySqliteError()),
    TE.chainEitherKW((found) => {
      const problem = tableProblem({
        required: RECORD_COLUMNS,
        columns: found.columns,
        foldingIds: found.binaryIds ? undefined : 'compares without case or trailing spaces',
        versionKey: found.versionKey
      })
      return problem === undefined ? E.right(undefined) : E.left(wrongTable(tableName, problem))
    })
  )
