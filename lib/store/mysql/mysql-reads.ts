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
import { MYSQL_RULES, parsePosition, toNotification, toStoredEvent, validateRange } from './mysql-rows.js'

const { validateLimit, validateListOptions, validateOriginatorId } = MYSQL_RULES

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
): Pick<RecordManager, 'listItems' | 'selectNotifications' | 'selectNotificationRange' | 'maxNotificationId'> => ({
  listItems: (originatorId, options) =>
    checked(pipe(validateOriginatorId(originatorId), E.chain(() => validateListOptions(options))), async ({ gt, lte, desc, limit }) => {
      let query = db
        .selectFrom(tableName)
        .select(COLUMNS)
        .where('originator_id', '=', originatorId)
        .orderBy('originator_version', desc === true ? 'desc' : 'asc')
      if (gt !== undefined) query = query.where('originator_version', '>', gt)
      if (lte !== undefined) query = query.where('originator_version', '<=', lte)
      if (limit !== undefined) query = query.limit(limit)
      return (await query.execute()).map(toStoredEvent)
    }),

  selectNotifications: (position, limit) =>
    checked(
      pipe(
        parsePosition(position),
        E.chain((after) => pipe(validateLimit(limit), E.map((n) => ({ after, n }))))
      ),
      async ({ after, n }) =>
        (
          await db.selectFrom(tableName).select(COLUMNS).where('id', '>', after).orderBy('id').limit(n).execute()
        ).map(toNotification)
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
      return Number(row?.max ?? 0)
    })
})
