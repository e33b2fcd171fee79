/**
 * The tables of the MySQL store, created if missing. Every statement is
 * idempotent, so two processes may start against an empty database at once.
 *
 * @since 0.1.0
 */
import { sql, type Kysely } from 'kysely'
import type { RecordsDatabase } from '../RecordManager.js'
import { isVersionKey, RECORD_COLUMNS, tableProblem, wrongTable } from '../table-check.js'

// -------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------

/**
 * The table that holds, for each records table, the last notification id
 * handed out. Its row is the lock that serialises writers.
 *
 * @category constants
 * @since 0.1.0
 */
export const SEQUENCE_TABLE = 'eventfold_sequence'

/**
 * The columns the store reads and writes; an existing table must have them all.
 *
 * @category constants
 * @since 0.1.0
 */
export const COLUMNS = RECORD_COLUMNS

/**
 * Thrown by {@link ensureSchema} when a table of that name exists without some
 * of the {@link COLUMNS}, with ids compared without case, or without the
 * unique key on (originator_id, originator_version): a table eventfold did
 * not make, to report as a setting to fix rather than as the first statement
 * that trips on it (or a silent mix of aggregates).
 *
 * @category model
 * @since 0.1.0
 */
export class WrongShape extends Error {
  constructor(
    readonly tableName: string,
    /** What {@link tableProblem} found wrong. */
    readonly problem: string
  ) {
    super(wrongTable(tableName, problem).message)
  }
}

// Binary collations, best first. The NO PAD ones also tell 'a' from 'a ';
// utf8mb4_bin (PAD SPACE) does not, on either server.
const COLLATIONS = ['utf8mb4_0900_bin', 'utf8mb4_nopad_bin'] as const
const FALLBACK_COLLATION = 'utf8mb4_bin'

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * The collation for originator ids: case-, accent- and (where the server
 * offers it) trailing-space-sensitive. `utf8mb4_0900_bin` on MySQL 8,
 * `utf8mb4_nopad_bin` on MariaDB, `utf8mb4_bin` elsewhere.
 *
 * @category utils
 * @since 0.1.0
 */
export const idCollation = async (db: Kysely<RecordsDatabase>): Promise<string> => {
  const { rows } = await sql<{ name: string }>`
    SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS
    WHERE COLLATION_NAME IN (${sql.join(COLLATIONS)})`.execute(db)
  const found = new Set(rows.map((r) => r.name))
  return COLLATIONS.find((c) => found.has(c)) ?? FALLBACK_COLLATION
}

/**
 * The names (lower case) of a records table's unique keys on exactly
 * `(originator_id, originator_version)` and on `id` alone: which one a
 * duplicate entry broke says what it means (see `classifyMysqlError`).
 *
 * @category model
 * @since 0.1.0
 */
export interface TableKeys {
  readonly versionKeys: ReadonlyArray<string>
  readonly idKeys: ReadonlyArray<string>
}

/**
 * Creates the records table and the sequence table if missing, checks that
 * the records table has the {@link COLUMNS} (or throws {@link WrongShape}),
 * then {@link syncSequence}. Returns the table's {@link TableKeys}.
 *
 * The records table is clustered on the notification id, which we hand out in
 * increasing order: appends go to the end of the index, and paging through
 * the log reads it in order.
 *
 * @category utils
 * @since 0.1.0
 */
export const ensureSchema = async (db: Kysely<RecordsDatabase>, tableName: string): Promise<TableKeys> => {
  // Both names are validated identifiers and the collation comes from a fixed list.
  const collation = sql.raw(await idCollation(db))
  await sql`
    CREATE TABLE IF NOT EXISTS ${sql.table(tableName)} (
      id BIGINT NOT NULL,
      originator_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL,
      originator_version INT UNSIGNED NOT NULL,
      topic VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      state LONGBLOB NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY originator_version (originator_id, originator_version)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`.execute(db)
  await sql`
    CREATE TABLE IF NOT EXISTS ${sql.table(SEQUENCE_TABLE)} (
      table_name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      last_id BIGINT NOT NULL,
      PRIMARY KEY (table_name)
    ) ENGINE=InnoDB`.execute(db)
  const { rows } = await sql<{ name: string; collation: string | null }>`
    SELECT COLUMN_NAME AS name, COLLATION_NAME AS collation FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${tableName}`.execute(db)
  // A table made by other hands may compare ids without case ('Alice' and
  // 'alice' would then be one aggregate, their events folded together), or
  // lack the key the concurrency guarantee rests on. A prefix of an id is no
  // key on it: ids that share the prefix would conflict.
  const keys = await sql<{ name: string; column: string; prefix: number | null }>`
    SELECT INDEX_NAME AS name, COLUMN_NAME AS ${sql.ref('column')}, SUB_PART AS prefix FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${tableName} AND NON_UNIQUE = 0`.execute(db)
  const byIndex = new Map<string, Array<string>>()
  for (const key of keys.rows) {
    const columns = byIndex.get(key.name) ?? []
    columns.push(key.prefix === null ? String(key.column).toLowerCase() : '')
    byIndex.set(key.name, columns)
  }
  const idCollationFound = rows.find((r) => String(r.name).toLowerCase() === 'originator_id')?.collation
  const problem = tableProblem({
    required: COLUMNS,
    columns: rows.map((r) => String(r.name).toLowerCase()),
    foldingIds: typeof idCollationFound === 'string' && !/_bin$/i.test(idCollationFound) ? `compares with ${idCollationFound}, which folds case or accents` : undefined,
    versionKey: [...byIndex.values()].some(isVersionKey)
  })
  if (problem !== undefined) throw new WrongShape(tableName, problem)
  await syncSequence(db, tableName)
  const named = (test: (columns: ReadonlyArray<string>) => boolean): ReadonlyArray<string> =>
    [...byIndex].filter(([, columns]) => test(columns)).map(([name]) => name.toLowerCase())
  return { versionKeys: named(isVersionKey), idKeys: named((columns) => columns.length === 1 && columns[0] === 'id') }
}

/**
 * Sets the sequence of `tableName` to its highest notification id (0 when
 * empty), creating its row if missing. A recreated table starts again at 1,
 * and rows written by other means are not overwritten. It runs under the
 * writers' lock and reads with a locking read, which sees the latest commits
 * whatever the isolation level, so it is safe beside running writers.
 *
 * Deleting the newest rows lets their ids be handed out again after the next
 * start: the log is meant to be append-only.
 *
 * @category utils
 * @since 0.1.0
 */
export const syncSequence = (db: Kysely<RecordsDatabase>, tableName: string): Promise<void> =>
  db.transaction().execute(async (trx) => {
    const sequence = sql.table(SEQUENCE_TABLE)
    // ON DUPLICATE KEY UPDATE takes the row's exclusive lock at once; INSERT
    // IGNORE would take a shared one first, and two starting stores that both
    // then ask for the exclusive lock deadlock.
    await sql`
      INSERT INTO ${sequence} (table_name, last_id) VALUES (${tableName}, 0)
      ON DUPLICATE KEY UPDATE last_id = last_id`.execute(trx)
    const { rows } = await sql<{ max: number | string | null }>`
      SELECT MAX(id) AS max FROM ${sql.table(tableName)} LOCK IN SHARE MODE`.execute(trx)
    const max = Number(rows[0]?.max ?? 0)
    await sql`UPDATE ${sequence} SET last_id = ${max} WHERE table_name = ${tableName}`.execute(trx)
  })
