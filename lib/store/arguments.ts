/**
 * One set of rules for what callers hand a store, shared by every dialect, so
 * that the same bad argument gives the same `InvalidArgument`, with the same
 * message, on SQLite, PostgreSQL and MySQL. Only the capacities of the
 * columns differ from store to store ({@link StoreLimits}); each dialect
 * passes its own.
 *
 * The rules:
 *
 * - an originator id or topic is a non-empty string, without NUL (PostgreSQL
 *   `text` cannot hold it) and without lone UTF-16 surrogates (every driver
 *   sends UTF-8, where one turns into U+FFFD, so two ids would become one),
 *   and at most {@link StoreLimits.maxNameLength} code points long;
 * - a version is an integer from 0 to {@link StoreLimits.maxVersion} (at
 *   most 2^53 - 1);
 * - a state is a `Uint8Array`;
 * - `gt`, `lte` and `limit` are integers from 0 to 2^53 - 1 (bounds beyond
 *   the largest version are clamped to it, which selects the same rows);
 * - a notification range has integer ends, and a page size is an integer
 *   from 0 to 2^53 - 1;
 * - a position is a string the store handed out, or `''` (START).
 *
 * Beside them, the contiguity rule of a save ({@link predecessorsOf}): the
 * first version a save writes for an aggregate is 1 or follows one stored.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { concurrencyError, invalidArgument, type ConcurrencyError, type InvalidArgument } from '../errors/EventfoldError.js'
import { START, type ListItemsOptions, type Position, type StoredEvent } from './RecordManager.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What one store can hold: the capacities behind its argument rules.
 *
 * @category model
 * @since 0.1.0
 */
export interface StoreLimits {
  /** The largest version the store's version column holds. */
  readonly maxVersion: number
  /** The longest originator id or topic the store takes, in code points. */
  readonly maxNameLength: number
}

/**
 * The argument checks of one store, built by {@link argumentRules}.
 *
 * @category model
 * @since 0.1.0
 */
export interface ArgumentRules {
  /** The limits the rules were built with. */
  readonly limits: StoreLimits
  /** Accepts the items of a save (an array of stored events the store can hold). */
  readonly validateItems: (items: ReadonlyArray<StoredEvent>) => E.Either<InvalidArgument, ReadonlyArray<StoredEvent>>
  /** Accepts an originator id the store could hold, for reading. */
  readonly validateOriginatorId: (originatorId: string) => E.Either<InvalidArgument, string>
  /** Accepts the filters of `listItems`, with `gt` and `lte` clamped to the largest version. */
  readonly validateListOptions: (options: ListItemsOptions | undefined) => E.Either<InvalidArgument, ListItemsOptions>
  /** Accepts a page size: an integer of at least 0. */
  readonly validateLimit: (limit: number) => E.Either<InvalidArgument, number>
  /** Accepts the ends of a notification range: integers. */
  readonly validateIdRange: (start: number, end: number) => E.Either<InvalidArgument, readonly [number, number]>
}

/**
 * The version a save expects an originator to have already: the save's first
 * version for that originator follows it.
 *
 * @category model
 * @since 0.1.0
 */
export interface Predecessor {
  readonly originatorId: string
  readonly version: number
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const MAX_SHOWN = 40

/** A value for a message: strings quoted and cut short, so a 10 MB id makes a short message. */
const show = (value: unknown): string => {
  if (typeof value === 'string') {
    return value.length > MAX_SHOWN ? `${JSON.stringify(value.slice(0, MAX_SHOWN))}…` : JSON.stringify(value)
  }
  if (typeof value === 'bigint') return `${value}n`
  return typeof value === 'object' && value !== null ? Object.prototype.toString.call(value) : String(value)
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0

type WellFormed = { readonly isWellFormed?: () => boolean }

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Whether `s` is valid UTF-16: every surrogate in a pair. Node 20 has the native check; the regex is its fallback. */
const isWellFormed = (s: string): boolean => {
  const native = (s as unknown as WellFormed).isWellFormed
  return native === undefined ? !LONE_SURROGATE.test(s) : native.call(s)
}

/** Code points in a well-formed string: UTF-16 units less the second half of each pair. */
const codePoints = (s: string): number => {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xdc00 && c <= 0xdfff) n--
  }
  return n
}

/** What no item's originator id or topic can be: `validateItems` has checked none yet. */
const UNCHECKED = Symbol('unchecked')

/** Why `value` cannot be an originator id or topic here, or `undefined` if it can. */
const nameProblem = (what: string, value: unknown, maxLength: number): string | undefined => {
  if (typeof value !== 'string' || value.length === 0) return `the ${what} must be a non-empty string, not ${show(value)}`
  // Cheap tests first: a code point takes one or two UTF-16 units.
  if (value.length > maxLength) {
    const length = codePoints(value)
    if (length > maxLength) return `the ${what} ${show(value)} is ${length} characters long; at most ${maxLength}`
  }
  if (value.includes('\u0000')) return `the ${what} ${show(value)} contains NUL (U+0000)`
  if (!isWellFormed(value)) return `the ${what} ${show(value)} contains a lone UTF-16 surrogate`
  return undefined
}

/** Why `value` cannot be a version here, or `undefined` if it can. */
const versionProblem = (value: unknown, maxVersion: number): string | undefined => {
  if (!isCount(value)) return `the version ${show(value)} must be an integer from 0 to 2^53 - 1`
  return value > maxVersion ? `the version ${value} exceeds ${maxVersion}, the largest this store holds` : undefined
}

/** The bounds of a read given none: one frozen value, as every load without bounds gets it. */
const NO_BOUNDS: E.Either<never, ListItemsOptions> = E.right(Object.freeze({}))

const boundProblem = (key: string, value: unknown): string | undefined =>
  value === undefined || isCount(value) ? undefined : `${key} ${show(value)} must be an integer from 0 to 2^53 - 1`

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * The argument checks of a store with the given limits. Every message names
 * the rule, and the limit only when the limit is what was broken, so a value
 * bad everywhere reads the same on every store.
 *
 * @category constructors
 * @since 0.1.0
 */
export const argumentRules = (limits: StoreLimits): ArgumentRules => {
  const { maxVersion, maxNameLength } = limits

  const validateItems: ArgumentRules['validateItems'] = (items) => {
    if (!Array.isArray(items)) return E.left(invalidArgument(`the items of a save must be an array, not ${show(items)}`))
    // A save's items mostly share their originator and topic: check each distinct one once.
    // The trackers start at a value no item holds, so the first item's are always checked.
    let checkedId: unknown = UNCHECKED
    let checkedTopic: unknown = UNCHECKED
    for (let i = 0; i < items.length; i++) {
      const e: unknown = items[i]
      if (typeof e !== 'object' || e === null) return E.left(invalidArgument(`item ${i} is not a stored event, but ${show(e)}`))
      const { originatorId, originatorVersion, topic, state } = e as Partial<StoredEvent>
      const problem =
        (originatorId === checkedId ? undefined : nameProblem('originator id', originatorId, maxNameLength)) ??
        versionProblem(originatorVersion, maxVersion) ??
        (topic === checkedTopic ? undefined : nameProblem('topic', topic, maxNameLength)) ??
        (state instanceof Uint8Array ? undefined : `the state must be a Uint8Array, not ${show(state)}`)
      if (problem !== undefined) return E.left(invalidArgument(`item ${i}: ${problem}`))
      checkedId = originatorId
      checkedTopic = topic
    }
    return E.right(items)
  }

  const validateOriginatorId: ArgumentRules['validateOriginatorId'] = (originatorId) => {
    const problem = nameProblem('originator id', originatorId, maxNameLength)
    return problem === undefined ? E.right(originatorId) : E.left(invalidArgument(problem))
  }

  const validateListOptions: ArgumentRules['validateListOptions'] = (options) => {
    if (options === undefined) return NO_BOUNDS
    if (typeof options !== 'object' || options === null) return E.left(invalidArgument(`list options must be an object, not ${show(options)}`))
    const { gt, lte, desc, limit } = options
    const problem = boundProblem('gt', gt) ?? boundProblem('lte', lte) ?? boundProblem('limit', limit)
    if (problem !== undefined) return E.left(invalidArgument(problem))
    if (desc !== undefined && typeof desc !== 'boolean') return E.left(invalidArgument(`desc ${show(desc)} must be a boolean`))
    // Only the bounds given, as own members: a load asks this of every read.
    const bounds: { gt?: number; lte?: number; desc?: boolean; limit?: number } = {}
    // No stored version exceeds maxVersion, so a clamped bound selects the same rows, and fits the column's type.
    if (gt !== undefined) bounds.gt = Math.min(gt, maxVersion)
    if (lte !== undefined) bounds.lte = Math.min(lte, maxVersion)
    if (desc !== undefined) bounds.desc = desc
    if (limit !== undefined) bounds.limit = limit
    return E.right(bounds)
  }

  return {
    limits,
    validateItems,
    validateOriginatorId,
    validateListOptions,
    validateLimit: (limit) => {
      const problem = boundProblem('limit', limit)
      return problem === undefined ? E.right(limit) : E.left(invalidArgument(problem))
    },
    validateIdRange: (start, end) =>
      Number.isSafeInteger(start) && Number.isSafeInteger(end)
        ? E.right([start, end])
        : E.left(invalidArgument(`the notification range [${show(start)}, ${show(end)}] must have integer ends`))
  }
}

// -------------------------------------------------------------------------------------
// positions
// -------------------------------------------------------------------------------------

/**
 * The `InvalidArgument` of a position the store did not hand out. The same
 * message on every store, whatever its positions look like.
 *
 * @category positions
 * @since 0.1.0
 */
export const invalidPosition = (position: unknown): InvalidArgument =>
  invalidArgument(`position ${show(position)} is not one this store hands out: start from '' (START) or from a notification's position`)

const ID = /^(0|[1-9][0-9]{0,15})$/

/**
 * Reads a notification-id position (SQLite, MySQL): `''` (START) is 0,
 * otherwise the decimal id of the last notification read, without sign,
 * leading zeros or spaces.
 *
 * @category positions
 * @since 0.1.0
 */
export const parseIdPosition = (position: Position): E.Either<InvalidArgument, number> => {
  if (position === START) return E.right(0)
  if (typeof position !== 'string' || !ID.test(position)) return E.left(invalidPosition(position))
  const id = Number(position)
  return Number.isSafeInteger(id) ? E.right(id) : E.left(invalidPosition(position))
}

/**
 * The position just after notification `id` on a notification-id store.
 *
 * @category positions
 * @since 0.1.0
 */
export const idPosition = (id: number): Position => String(id)

// -------------------------------------------------------------------------------------
// contiguity
// -------------------------------------------------------------------------------------

/**
 * For each originator of a save whose lowest version is above 1, the version
 * just below it: what the store must hold already for the save to leave no
 * gap. The application's saves ask the store to check it
 * (`insertItems(items, transaction, { contiguous: true })`).
 *
 * @category contiguity
 * @since 0.1.0
 */
export const predecessorsOf = (items: ReadonlyArray<StoredEvent>): ReadonlyArray<Predecessor> => {
  const lowest = new Map<string, number>()
  for (const e of items) {
    const seen = lowest.get(e.originatorId)
    if (seen === undefined || e.originatorVersion < seen) lowest.set(e.originatorId, e.originatorVersion)
  }
  const out: Array<Predecessor> = []
  for (const [originatorId, version] of lowest) if (version > 1) out.push({ originatorId, version: version - 1 })
  return out
}

/**
 * The `ConcurrencyError` of a save whose predecessors the store does not all
 * hold: the aggregate was decided against versions this store never had (it
 * was not loaded from it, or from a transaction that rolled back). `also`
 * says what else it may mean on the store at hand.
 *
 * @category contiguity
 * @since 0.1.0
 */
export const missingPredecessor = (predecessors: ReadonlyArray<Predecessor>, also?: string): ConcurrencyError => {
  const named = predecessors.slice(0, 3).map((p) => `version ${p.version} of ${show(p.originatorId)}`)
  const more = predecessors.length > 3 ? ` (or one of ${predecessors.length - 3} more)` : ''
  return concurrencyError(
    `nothing was written: the save follows ${predecessors.length === 1 ? '' : 'one of '}${named.join(', ')}${more}, which the store does not hold${
      also === undefined ? '; load the aggregate again' : `, ${also}; or load the aggregate again`
    }`,
    predecessors.map((p) => p.originatorId)
  )
}

/**
 * Thrown inside a store's transaction when the predecessor check fails, so
 * that the transaction rolls back; the record manager turns it into its
 * {@link ConcurrencyError}.
 *
 * @category contiguity
 * @since 0.1.0
 */
export class MissingPredecessor extends Error {
  /** The error the save returns. */
  readonly error: ConcurrencyError
  constructor(readonly predecessors: ReadonlyArray<Predecessor>) {
    const error = missingPredecessor(predecessors)
    super(error.message)
    this.name = 'MissingPredecessor'
    this.error = error
  }
}

/**
 * Wraps a store's error classifier so that a {@link MissingPredecessor}
 * becomes its `ConcurrencyError`, and anything else is classified as before.
 * `also` adds what else a missing predecessor may mean on this store.
 *
 * @category contiguity
 * @since 0.1.0
 */
export const orMissingPredecessor =
  <Err>(classify: (cause: unknown) => Err, also?: string) =>
  (cause: unknown): Err | ConcurrencyError =>
    cause instanceof MissingPredecessor ? (also === undefined ? cause.error : missingPredecessor(cause.predecessors, also)) : classify(cause)
