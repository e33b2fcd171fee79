/**
 * Appends on MySQL, in notification order.
 *
 * MySQL has no transaction-id column to page by, and AUTO_INCREMENT ids are
 * taken at insert but become visible at commit, in another order: a reader
 * paging with `id > last` would skip a row that commits after a higher one.
 * So writers are serialised. Each save first bumps its table's row in the
 * sequence table, which takes that row's lock until commit, then inserts its
 * events with the ids it reserved. InnoDB makes a transaction visible before
 * it releases its locks, so the next writer's rows can only become visible
 * after ours: ids appear in order, and a reader never skips one. Because the
 * bump rolls back with a failed save, ids have no gaps either.
 *
 * @since 0.1.0
 */
import { sql, type Kysely } from 'kysely'
import { MissingPredecessor, type Predecessor } from '../arguments.js'
import type { RecordsDatabase, StoredEvent } from '../RecordManager.js'
import { toBuffer } from './mysql-rows.js'
import { SEQUENCE_TABLE } from './mysql-schema.js'
import { UnsafeNotificationId } from '../notification-id.js'

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const SAVEPOINT = sql.raw('eventfold_insert')

/**
 * Reserves `count` notification ids for `tableName` and returns the first.
 * Holds the lock on the table's sequence row until the transaction ends.
 *
 * With `predecessors`, it first checks that the records table holds every one
 * of them, and throws {@link MissingPredecessor} if not. The check is a plain
 * read, taken before the sequence row's lock and holding no lock of its own:
 * an `EXISTS` inside the `UPDATE` took shared locks on the records before it
 * waited for the row, and deadlocked with the writer ahead of it (about 1% of
 * concurrent saves), and a locking read under the row's lock cost a third of
 * the throughput of concurrent writers. Stored versions are never removed, so
 * what it found still holds when the insert runs. (Inside a caller's
 * transaction the read sees that transaction's snapshot: a predecessor
 * committed since is missed, and the save refused as a conflict, to retry.)
 *
 * @category utils
 * @since 0.1.0
 */
export const reserveIds = async (
  trx: Kysely<RecordsDatabase>,
  tableName: string,
  count: number,
  predecessors: ReadonlyArray<Predecessor> = []
): Promise<number> => {
  if (predecessors.length > 0) {
    const held = sql.join(
      predecessors.map((p) => sql`(originator_id = ${p.originatorId} AND originator_version = ${p.version})`),
      sql` OR `
    )
    const { rows } = await sql<{ n: number | string }>`
      SELECT COUNT(*) AS n FROM ${sql.table(tableName)} WHERE ${held}`.execute(trx)
    if (Number(rows[0]?.n ?? 0) !== predecessors.length) throw new MissingPredecessor(predecessors)
  }
  // LAST_INSERT_ID(expr) hands the new value back in the OK packet: one round trip.
  const bump = await sql`
    UPDATE ${sql.table(SEQUENCE_TABLE)} SET last_id = LAST_INSERT_ID(last_id + ${count})
    WHERE table_name = ${tableName}`.execute(trx)
  if (bump.numAffectedRows === 0n) {
    throw new Error(`${SEQUENCE_TABLE} has no row for ${tableName}: open the record manager again to restore it`)
  }
  let last = bump.insertId
  if (last === undefined) {
    // A dialect that does not report LAST_INSERT_ID: read the row we now hold.
    const { rows } = await sql<{ last_id: number | string }>`
      SELECT last_id FROM ${sql.table(SEQUENCE_TABLE)} WHERE table_name = ${tableName}`.execute(trx)
    last = BigInt(rows[0]?.last_id ?? 0)
  }
  // Past 2^53 - 1 the ids would be rounded onto each other: refuse, and the transaction rolls back.
  if (last > BigInt(Number.MAX_SAFE_INTEGER)) throw new UnsafeNotificationId(String(last), 'give out ids past it')
  return Number(last) - count + 1
}

// mysql2 inlines parameters, bytes as hex: keep each statement far below the
// server's max_allowed_packet (16 MiB on MariaDB, 64 MiB on MySQL 8, 4 MiB on MySQL 5.7).
const MAX_STATEMENT_BYTES = 4 * 1024 * 1024
const MAX_STATEMENT_ROWS = 2000

/** Room in a packet for the statement's text around its rows. */
const PACKET_MARGIN = 1024

/** The most bytes of SQL one row of `item` can take: its state as hex, its strings as UTF-8, and the punctuation. */
const sizeOf = (item: StoredEvent): number =>
  64 + 2 * item.state.byteLength + 4 * (item.originatorId.length + item.topic.length)

/**
 * The longest statement to send to a server whose `max_allowed_packet` is
 * `maxPacket` bytes (found at opening).
 *
 * @category utils
 * @since 0.1.0
 */
export const statementBudget = (maxPacket: number): number => Math.min(MAX_STATEMENT_BYTES, maxPacket - PACKET_MARGIN)

/**
 * Why `items` cannot be sent to a server whose `max_allowed_packet` is
 * `maxPacket` bytes, or `undefined` if they can: a row too large for a
 * statement of its own would cost the connection (the server drops it
 * mid-packet) on every try. A row larger than {@link statementBudget} but
 * within the packet goes in a statement alone.
 *
 * @category utils
 * @since 0.1.0
 */
export const oversized = (items: ReadonlyArray<StoredEvent>, maxPacket: number): string | undefined => {
  const big = items.find((item) => sizeOf(item) > maxPacket - PACKET_MARGIN)
  return big === undefined
    ? undefined
    : `event ${big.originatorVersion} of ${big.originatorId} holds ${big.state.byteLength} bytes of state, which mysql2 sends as ${2 * big.state.byteLength} bytes of hex: more than this server's max_allowed_packet (${maxPacket}) lets one statement carry. Raise max_allowed_packet, or store less`
}

const statements = (items: ReadonlyArray<StoredEvent>, budget: number): ReadonlyArray<ReadonlyArray<StoredEvent>> => {
  const out: Array<Array<StoredEvent>> = []
  let current: Array<StoredEvent> = []
  let bytes = 0
  for (const item of items) {
    const size = sizeOf(item)
    if (current.length > 0 && (current.length === MAX_STATEMENT_ROWS || bytes + size > budget)) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(item)
    bytes += size
  }
  if (current.length > 0) out.push(current)
  return out
}

/**
 * Inserts `items` with consecutive notification ids, inside `trx`, in as few
 * statements as the packet size allows, once {@link reserveIds} has found
 * the `predecessors` of the save.
 *
 * @category utils
 * @since 0.1.0
 */
export const appendItems = async (
  trx: Kysely<RecordsDatabase>,
  tableName: string,
  items: ReadonlyArray<StoredEvent>,
  predecessors: ReadonlyArray<Predecessor> = [],
  budget: number = MAX_STATEMENT_BYTES
): Promise<void> => {
  let id = await reserveIds(trx, tableName, items.length, predecessors)
  for (const statement of statements(items, budget)) {
    await trx
      .insertInto(tableName)
      .values(
        statement.map((item) => ({
          id: id++,
          originator_id: item.originatorId,
          originator_version: item.originatorVersion,
          topic: item.topic,
          state: toBuffer(item.state)
        }))
      )
      .execute()
  }
}

/**
 * Appends inside the caller's transaction, all or nothing: MySQL undoes only
 * the failed statement, not the transaction, so a savepoint takes back the
 * reserved ids when the insert fails and the caller goes on to commit. The
 * sequence row stays locked until the caller commits or rolls back: keep such
 * transactions short, since every other writer waits for them.
 *
 * @category utils
 * @since 0.1.0
 */
export const appendInCallerTransaction = async (
  trx: Kysely<RecordsDatabase>,
  tableName: string,
  items: ReadonlyArray<StoredEvent>,
  predecessors: ReadonlyArray<Predecessor> = [],
  budget: number = MAX_STATEMENT_BYTES
): Promise<void> => {
  await sql`SAVEPOINT ${SAVEPOINT}`.execute(trx)
  try {
    await appendItems(trx, tableName, items, predecessors, budget)
  } catch (error) {
    // Fails when the transaction is gone already (a deadlock, a lost
    // connection); the original error is the one to report.
    await sql`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`.execute(trx).catch(() => undefined)
    throw error
  }
}
