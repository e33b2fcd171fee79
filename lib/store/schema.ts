/**
 * The shape of the records table, shared by every dialect, and the checks on
 * the names a user may give it.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Generated } from 'kysely'
import { invalidConfig, type InvalidConfig } from '../errors/EventfoldError.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A row of the records table. The unique key on
 * `(originator_id, originator_version)` is the concurrency guarantee; `id` is
 * the notification id.
 *
 * @category model
 * @since 0.1.0
 */
export interface EventRow {
  /**
   * The notification id: a number from every store eventfold opens itself.
   * Over a caller's connection it is what that driver makes of an integer
   * column (postgres.js: a string for `bigint`, by default).
   */
  readonly id: Generated<number>
  readonly originator_id: string
  readonly originator_version: number
  readonly topic: string
  readonly state: Uint8Array
}

/**
 * Where the records live: a table name and, on PostgreSQL, a schema.
 *
 * @category model
 * @since 0.1.0
 */
export interface TableOptions {
  /** Defaults to {@link DEFAULT_TABLE_NAME}. */
  readonly tableName?: string
  /** PostgreSQL only: the schema, created if missing. */
  readonly schema?: string
}

/**
 * The default name of the records table.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_TABLE_NAME = 'stored_events'

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * Accepts a plain SQL identifier (letters, digits, underscores; at most 63
 * characters; not starting with a digit), which needs no quoting on any
 * dialect and so cannot carry an injection.
 *
 * @category utils
 * @since 0.1.0
 */
export const validateIdentifier =
  (what: string) =>
  (name: string): E.Either<InvalidConfig, string> =>
    IDENTIFIER.test(name)
      ? E.right(name)
      : E.left(
          invalidConfig(
            `${what} ${JSON.stringify(name.length > 80 ? name.slice(0, 80) + '…' : name)} is not a plain identifier: use letters, digits and _ (at most 63, not starting with a digit)`
          )
        )

/**
 * Validates table options, filling in the default table name.
 *
 * @category utils
 * @since 0.1.0
 */
export const resolveTableOptions = (
  options: TableOptions
): E.Either<InvalidConfig, { readonly tableName: string; readonly schema: string | undefined }> => {
  const table = validateIdentifier('table name')(options.tableName ?? DEFAULT_TABLE_NAME)
  if (E.isLeft(table)) return table
  if (options.schema === undefined) return E.right({ tableName: table.right, schema: undefined })
  const schema = validateIdentifier('schema')(options.schema)
  return E.isLeft(schema) ? schema : E.right({ tableName: table.right, schema: schema.right })
}
