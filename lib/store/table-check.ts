/**
 * The check every store makes of a records table it finds at opening, so
 * that one made by other hands is refused with the same words everywhere,
 * and what a broken unique key of such a table means.
 * Internal: not exported from the package.
 *
 * @since 0.1.0
 */
import { concurrencyError, invalidConfig, storeFailure, type InvalidConfig, type StoreError } from '../errors/EventfoldError.js'

/**
 * The columns every store reads and writes; an existing table must have them
 * all (PostgreSQL's also `transaction_id`).
 *
 * @category constants
 * @since 0.1.0
 */
export const RECORD_COLUMNS = ['id', 'originator_id', 'originator_version', 'topic', 'state'] as const

/**
 * Whether the key columns of a unique index are exactly (originator_id,
 * originator_version), in either order: the key the concurrency guarantee
 * rests on. Names are as the catalogue gives them, lower case.
 *
 * @category utils
 * @since 0.1.0
 */
export const isVersionKey = (columns: ReadonlyArray<string>): boolean =>
  columns.length === 2 && columns.includes('originator_id') && columns.includes('originator_version')

/**
 * What a store found of a table at opening.
 *
 * @category model
 * @since 0.1.0
 */
export interface TableFound {
  /** The columns this store needs. */
  readonly required: ReadonlyArray<string>
  readonly columns: ReadonlyArray<string>
  /** Why ids that differ would compare equal, if they would. */
  readonly foldingIds: string | undefined
  /** Why a column's type would misread or misorder rows, if it would (checked where a store can tell). */
  readonly wrongTypes?: string | undefined
  /** Whether a whole unique key holds exactly (originator_id, originator_version). */
  readonly versionKey: boolean
}

/**
 * What is wrong with a table found at opening, checked the same way on every
 * store: a missing column (of `required`), else a column of the wrong type,
 * else ids that do not compare exactly, else no whole unique key on
 * (originator_id, originator_version).
 * `undefined` when it is none of these.
 *
 * @category utils
 * @since 0.1.0
 */
export const tableProblem = (found: TableFound): string | undefined => {
  const missing = found.required.filter((c) => !found.columns.includes(c))
  if (missing.length > 0) return `it has no column(s) ${missing.join(', ')}`
  if (found.wrongTypes !== undefined) return found.wrongTypes
  if (found.foldingIds !== undefined) return `its originator_id ${found.foldingIds}: ids that differ so would be one aggregate`
  if (!found.versionKey) return 'it has no unique key on exactly (originator_id, originator_version): two saves of one version could both land'
  return undefined
}

/**
 * The `InvalidConfig` of a table found at opening that {@link tableProblem}
 * refuses: it names the table and what is wrong.
 *
 * @category constructors
 * @since 0.1.0
 */
export const wrongTable = (table: string, problem: string): InvalidConfig =>
  invalidConfig(`table ${table} exists, but ${problem}: it was not made by this version of eventfold`)

/**
 * Which unique key of a records table a duplicate broke: the version key,
 * the notification id's, or another the table was given by other hands.
 *
 * @category model
 * @since 0.1.0
 */
export type BrokenKey = 'version' | 'id' | 'other'

/**
 * What a duplicate on `key` means, in the same words on every store: on the
 * version key a `ConcurrencyError` (another writer got there first; load
 * again and decide), on any other a `StoreFailure`, which no retry mends.
 *
 * @category constructors
 * @since 0.1.0
 */
export const duplicateOn = (key: BrokenKey, message: string, cause: unknown, originatorIds: ReadonlyArray<string>): StoreError =>
  key === 'version'
    ? concurrencyError(`a version exists already: ${message}`, originatorIds)
    : key === 'id'
      ? storeFailure(`notification id already taken (rows written without the sequence?): ${message}`, cause)
      : storeFailure(`a unique key that eventfold does not keep refused the row: ${message}`, cause)
