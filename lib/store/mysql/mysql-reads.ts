/**
 * Reads on MySQL. Writers are serialised (see `mysql-writes.ts`), so every
 * committed notification is settled: `id > last` never skips one.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { sql, type Kysely } from 'kysely'
import type { StoreError } from '../../errors/EventfoldError.js'
import type { RecordManager, RecordsDatabase } from '../RecordManager.js'
import { classifyMysqlError } from './mysql-errors.js'
import { notificationIdOf } from '../notification-id.js'
import { decodeItemsWith, decodeRows, eachRow, listItemsWith, rowReader, selectNotificationsWith } from '../reads.js'
import { itemsQuery, reusableQuery } from '../select-compiler.js'
import { MYSQL_RULES, parsePosition, toNotification, toStoredEvent, validateRange, type MysqlRow } from './mysql-rows.js'

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const COLUMNS = ['id', 'originator_id', 'originator_version', 'topic', 'state'] as const

const attempt = <A>(run: () => Promise<A>): TE.TaskEither<StoreError, A> => TE.tryCatch(run, classifyMysqlError())

const checked = <A, B>(input: E.Either<StoreError, A>, run: (a: A) => Promise<B>): TE.TaskEither<StoreError, B> =>
  pipe(
    TE.fromEither(input),
    TE.chain((a) => attempt(() => run(a)))
  )

/**
 * The read methods of the MySQL record manager over `db` and `tableName`.
 *
 * @category utils
 * @since 0.1.0
 */
export const makeReads = (
  db: Kysely<RecordsDatabase>,
  tableName: string
): Pick<RecordManager, 'listItems' | 'decodeItems' | 'selectNotifications' | 'selectNotificationRange' | 'maxNotificationId'> => {
  // The hot reads reuse their compiled SQL (see select-compiler.ts) and skip
  // fp-ts's combinators, which cost more per call than the work here.
  const readRows = rowReader(db, classifyMysqlError())
  const itemsOf = itemsQuery(db, tableName, COLUMNS)
  const page = reusableQuery(
    (values) => db.selectFrom(tableName).select(COLUMNS).where('id', '>', values[0] as number).orderBy('id').limit(values[1] as number),
    [1_000_001, 1_000_002]
  )
  return {
    listItems: listItemsWith(MYSQL_RULES, (originatorId, bounds) => readRows(() => itemsOf(originatorId, bounds), eachRow(toStoredEvent))),

    decodeItems: decodeItemsWith(MYSQL_RULES, (originatorId, bounds, decode) =>
      readRows(
        () => itemsOf(originatorId, bounds),
        decodeRows((row: MysqlRow) => decode(row.originator_id, Number(row.originator_version), row.topic, row.state))
      )
    ),

    selectNotifications: selectNotificationsWith(parsePosition, MYSQL_RULES, (after, limit) =>
      readRows(() => page([after, limit]), eachRow(toNotification))
    ),

    selectNotificationRange: (start, end) =>
      checked(validateRange(start, end), async (range) =>
        range.end < range.start
          ? []
          : (
              await db
                .selectFrom(tableName)
                .select(COLUMNS)
                .where('id', '>=', range.start)
                .where('id', '<=', range.end)
                .orderBy('id')
                .execute()
            ).map(toNotification)
      ),

    maxNotificationId: () =>
      attempt(async () => {
        const row = await db
          .selectFrom(tableName)
          .select(sql<number | string | null>`MAX(id)`.as('max'))
          .executeTakeFirst()
        return notificationIdOf(row?.max ?? 0)
      })
  }
}
