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
import { isVersionKey, RECORD_COLUMNS, tableProblem, wrongTable, type TableFound } from '../table-check.js'
import { classifySqliteError } from './sqlite-errors.js'

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
    .addUniqueConstraint(`${tableName}_originator_uq`, ['originator_id', 'originator_version'])
    .execute()

/**
 * Why the declared types would misread rows: an `id` that is not the rowid
 * (only `INTEGER PRIMARY KEY`, alone, is) gets no value, and the log never
 * finds the row; an `originator_version` without INTEGER affinity stores
 * versions as text, and `10` sorts before `9`.
 */
const typeProblem = (columns: ReadonlyArray<{ readonly name: string; readonly type: string; readonly pk: number | bigint }>): string | undefined => {
  const id = columns.find((c) => c.name === 'id')
  const keyed = columns.filter((c) => Number(c.pk) > 0)
  if (id !== undefined && (id.type.toUpperCase() !== 'INTEGER' || keyed.length !== 1 || keyed[0]?.name !== 'id')) {
    return `its id is ${id.type || 'untyped'}${Number(id.pk) > 0 ? '' : ', not the primary key'}${keyed.length > 1 ? ', in a primary key of several columns' : ''}, where it must be the INTEGER PRIMARY KEY (the rowid) for rows to get their notification ids`
  }
  const version = columns.find((c) => c.name === 'originator_version')
  if (version !== undefined && !version.type.toUpperCase().includes('INT')) {
    return `its originator_version is ${version.type || 'untyped'}, where it must be an INTEGER for versions to compare as numbers`
  }
  return undefined
}

const inspect = async (db: Kysely<RecordsDatabase>, tableName: string): Promise<TableFound> => {
  const info = (await sql<{ readonly name: string; readonly type: string; readonly pk: number | bigint }>`
    select name, type, pk from pragma_table_info(${tableName})`.execute(db)).rows
  const columns = info.map((c) => c.name)
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
    // An index's own collation on the id may fold case where the column does not.
    const ids = keys.find((k) => k.name === 'originator_id')
    if (isVersionKey(keys.map((k) => k.name ?? '')) && ids?.coll.toUpperCase() === 'BINARY') versionKey = true
  }
  return {
    required: RECORD_COLUMNS,
    columns,
    foldingIds: probe !== undefined && Number(probe.folds) === 0 ? undefined : 'compares without case or trailing spaces',
    wrongTypes: typeProblem(info),
    versionKey
  }
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
      const problem = tableProblem(found)
      return problem === undefined ? E.right(undefined) : E.left(wrongTable(tableName, problem))
    })
  )
