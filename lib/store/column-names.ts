/**
 * eventfold reads its rows by column name. A Kysely instance passed in whose
 * plugins rename result columns (`CamelCasePlugin` turns `originator_id` into
 * `originatorId`) would read every event without its originator, and with no
 * error to say so. Each store asks once, when it opens over such an
 * instance, and refuses it. It refuses one made with `withSchema()` too:
 * its plugin sends the store's queries to that schema, while the store
 * creates and checks its table where it names it (on PostgreSQL, with the
 * `schema` option), so a save went to a table that was never checked, or to
 * none.
 *
 * @since 0.1.0
 */
import { pipe } from 'fp-ts/lib/function.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { sql, WithSchemaPlugin, type Kysely } from 'kysely'
import { invalidConfig, type InvalidConfig, type StoreError } from '../errors/EventfoldError.js'

/**
 * Refuses a `db` made with `withSchema()`, then selects one column through
 * it and checks that it comes back under the name it was selected as;
 * `InvalidConfig` if not, and `classify`'s error if the select fails.
 *
 * @category utils
 * @since 0.1.0
 */
export const checkColumnNames = (
  db: Kysely<any>, // driver boundary: the caller's schema type is theirs, not ours
  classify: (error: unknown) => StoreError
): TE.TaskEither<StoreError | InvalidConfig, void> =>
  // By name as well: a second copy of kysely in node_modules has its own class.
  db.getExecutor().plugins.some((plugin) => plugin instanceof WithSchemaPlugin || plugin.constructor.name === WithSchemaPlugin.name)
    ? TE.left(
        invalidConfig(
          'the Kysely instance was made with withSchema(), which would send the store\'s queries to another table than the one it creates and checks: pass the Kysely instance without it, and the schema option on PostgreSQL'
        )
      )
    : pipe(
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
