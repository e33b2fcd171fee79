/**
 * eventfold reads its rows by column name. A Kysely instance passed in whose
 * plugins rename result columns (`CamelCasePlugin` turns `originator_id` into
 * `originatorId`) would read every event without its originator, and with no
 * error to say so. Each store asks once, when it opens over such an
 * instance, and refuses it.
 *
 * @since 0.1.0
 */
import { pipe } from 'fp-ts/lib/function.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { sql, type Kysely } from 'kysely'
import { invalidConfig, type InvalidConfig, type StoreError } from '../errors/EventfoldError.js'

/**
 * Selects one column through `db` and checks that it comes back under the
 * name it was selected as; `InvalidConfig` if not, and `classify`'s error if
 * the select fails.
 *
 * @category utils
 * @since 0.1.0
 */
export const checkColumnNames = (
  db: Kysely<any>, // driver boundary: the caller's schema type is theirs, not ours
  classify: (error: unknown) => StoreError
): TE.TaskEither<StoreError | InvalidConfig, void> =>
  pipe(
    TE.tryCatch(() => sql<Record<string, unknown>>`select 1 as originator_id`.execute(db), classify),
    TE.chainW(({ rows }) =>
      rows[0] !== undefined && 'originator_id' in rows[0]
        ? TE.right(undefined)
        : TE.left(
            invalidConfig(
              'the Kysely instance renames result columns (as CamelCasePlugin does), and eventfold reads its rows by column name: pass kysely.withoutPlugins(), or an instance without that plugin'
            )
          )
    )
  )
