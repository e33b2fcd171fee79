/**
 * The errors eventfold returns. Every one is a value with a `_tag`, built by a
 * lower-case constructor; none is ever thrown across the public API.
 *
 * This module imports nothing, so every layer may use it.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Another writer stored an event at a version this save also tried to write,
 * or the save follows a version the store does not hold (the aggregate was
 * decided against versions from elsewhere). Nothing of the save was written;
 * load the aggregate again and retry.
 *
 * @category model
 * @since 0.1.0
 */
export interface ConcurrencyError {
  readonly _tag: 'ConcurrencyError'
  readonly message: string
  /**
   * The originators that may be at fault, when the store can tell: on a
   * duplicate version, every originator the save wrote to; when the save
   * follows a version the store does not hold, those that follow an earlier
   * version.
   */
  readonly originatorIds: ReadonlyArray<string>
}

/**
 * No live aggregate has this id (it never existed, or it was discarded), or
 * it has no such version.
 *
 * @category model
 * @since 0.1.0
 */
export interface AggregateNotFound {
  readonly _tag: 'AggregateNotFound'
  readonly originatorId: string
  readonly version?: number
}

/**
 * Stored or given data did not fit its codec. `path` is the io-ts path of the
 * first failure, such as `attributes.a` (empty for the value as a whole).
 *
 * @category model
 * @since 0.1.0
 */
export interface DecodeError {
  readonly _tag: 'DecodeError'
  readonly topic: string
  readonly path: string
  readonly message: string
}

/**
 * A domain value could not be encoded for storage (it failed its codec, or
 * held something JSON cannot carry faithfully, such as `NaN` or a cycle).
 *
 * @category model
 * @since 0.1.0
 */
export interface EncodeError {
  readonly _tag: 'EncodeError'
  readonly topic: string
  readonly message: string
}

/**
 * A stored or given topic names no registered event type.
 *
 * @category model
 * @since 0.1.0
 */
export interface UnknownTopic {
  readonly _tag: 'UnknownTopic'
  readonly topic: string
}

/**
 * Encryption or decryption failed: a wrong key, tampered bytes, encrypted
 * state read without a key, or plain state where the application requires
 * encryption. (A key that is
 * not 16, 24 or 32 bytes of base64 is an `InvalidConfig`, when the
 * application is built.)
 *
 * @category model
 * @since 0.1.0
 */
export interface CipherError {
  readonly _tag: 'CipherError'
  readonly message: string
}

/**
 * Compression or decompression failed, or stored bytes were compressed
 * differently from what this application expects.
 *
 * @category model
 * @since 0.1.0
 */
export interface CompressionError {
  readonly _tag: 'CompressionError'
  readonly message: string
}

/**
 * The database could not be reached, or the connection was lost. Retrying
 * later may succeed.
 *
 * @category model
 * @since 0.1.0
 */
export interface StoreUnavailable {
  readonly _tag: 'StoreUnavailable'
  readonly message: string
  readonly cause: unknown
}

/**
 * The database refused a statement for a reason that is neither a conflict nor
 * a lost connection.
 *
 * @category model
 * @since 0.1.0
 */
export interface StoreFailure {
  readonly _tag: 'StoreFailure'
  readonly message: string
  readonly cause: unknown
}

/**
 * A setting is wrong: a malformed connection string, an unknown scheme, an
 * unsafe table name.
 *
 * @category model
 * @since 0.1.0
 */
export interface InvalidConfig {
  readonly _tag: 'InvalidConfig'
  readonly message: string
}

/**
 * An argument is out of its domain: an empty id, a negative version, an
 * empty save.
 *
 * @category model
 * @since 0.1.0
 */
export interface InvalidArgument {
  readonly _tag: 'InvalidArgument'
  readonly message: string
}

/**
 * A decider threw where it should have returned: its `decide`, `evolve` or
 * `isTerminal`. Deciders are pure functions whose failures are values (domain
 * errors); a throw is a defect in the decider, reported here rather than let
 * out as an exception. Nothing was written.
 *
 * @category model
 * @since 0.1.0
 */
export interface DeciderThrew {
  readonly _tag: 'DeciderThrew'
  /** The aggregate kind whose decider threw. */
  readonly kind: string
  readonly originatorId: string
  /** Which function threw, and what it threw. */
  readonly message: string
  readonly cause: unknown
}

/**
 * Errors that come from a store.
 *
 * @category model
 * @since 0.1.0
 */
export type StoreError = ConcurrencyError | StoreUnavailable | StoreFailure | InvalidArgument

/**
 * Errors that come from turning values into bytes and back.
 *
 * @category model
 * @since 0.1.0
 */
export type CodecError = DecodeError | EncodeError | UnknownTopic | CipherError | CompressionError

/**
 * Every error eventfold itself returns.
 *
 * @category model
 * @since 0.1.0
 */
export type EventfoldError =
  | ConcurrencyError
  | AggregateNotFound
  | DecodeError
  | EncodeError
  | UnknownTopic
  | CipherError
  | CompressionError
  | StoreUnavailable
  | StoreFailure
  | InvalidConfig
  | InvalidArgument
  | DeciderThrew

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Builds a {@link ConcurrencyError}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const concurrencyError = (
  message: string,
  originatorIds: ReadonlyArray<string> = []
): ConcurrencyError => ({ _tag: 'ConcurrencyError', message, originatorIds })

/**
 * Builds a {@link AggregateNotFound}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const aggregateNotFound = (originatorId: string, version?: number): AggregateNotFound =>
  version === undefined
    ? { _tag: 'AggregateNotFound', originatorId }
    : { _tag: 'AggregateNotFound', originatorId, version }

/**
 * Builds a {@link DecodeError}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const decodeError = (topic: string, path: string, message: string): DecodeError => ({
  _tag: 'DecodeError',
  topic,
  path,
  message
})

/**
 * Builds a {@link EncodeError}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const encodeError = (topic: string, message: string): EncodeError => ({
  _tag: 'EncodeError',
  topic,
  message
})

/**
 * Builds a {@link UnknownTopic}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const unknownTopic = (topic: string): UnknownTopic => ({ _tag: 'UnknownTopic', topic })

/**
 * Builds a {@link CipherError}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const cipherError = (message: string): CipherError => ({ _tag: 'CipherError', message })

/**
 * Builds a {@link CompressionError}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const compressionError = (message: string): CompressionError => ({
  _tag: 'CompressionError',
  message
})

/**
 * Builds a {@link StoreUnavailable}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const storeUnavailable = (message: string, cause: unknown): StoreUnavailable => ({
  _tag: 'StoreUnavailable',
  message,
  cause
})

/**
 * Builds a {@link StoreFailure}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const storeFailure = (message: string, cause: unknown): StoreFailure => ({
  _tag: 'StoreFailure',
  message,
  cause
})

/**
 * Builds a {@link InvalidConfig}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const invalidConfig = (message: string): InvalidConfig => ({ _tag: 'InvalidConfig', message })

/**
 * What was thrown, as text for an error's message; even a value whose
 * `toString` throws has one.
 *
 * @category utils
 * @since 0.1.0
 */
export const messageOf = (thrown: unknown): string => {
  try {
    // String() here too: an Error's message may be anything, even a Symbol.
    return String(thrown instanceof Error ? thrown.message : thrown)
  } catch {
    try {
      return Object.prototype.toString.call(thrown)
    } catch {
      return 'a value that cannot be shown'
    }
  }
}

/**
 * Builds a {@link DeciderThrew}: `step` names the function (`decide`,
 * `evolve` or `isTerminal`), `cause` is what it threw.
 *
 * @category constructors
 * @since 0.1.0
 */
export const deciderThrew = (kind: string, originatorId: string, step: string, cause: unknown): DeciderThrew => ({
  _tag: 'DeciderThrew',
  kind,
  originatorId,
  message: `${step} of ${kind} threw for ${originatorId}: ${messageOf(cause)}`,
  cause
})

/**
 * Builds a {@link InvalidArgument}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const invalidArgument = (message: string): InvalidArgument => ({
  _tag: 'InvalidArgument',
  message
})

// -------------------------------------------------------------------------------------
// refinements
// -------------------------------------------------------------------------------------

const TAGS: ReadonlySet<string> = new Set<EventfoldError['_tag']>([
  'ConcurrencyError',
  'AggregateNotFound',
  'DecodeError',
  'EncodeError',
  'UnknownTopic',
  'CipherError',
  'CompressionError',
  'StoreUnavailable',
  'StoreFailure',
  'InvalidConfig',
  'InvalidArgument',
  'DeciderThrew'
])

/**
 * Whether a value is one of eventfold's own errors, to tell them apart from a
 * decider's domain errors (`handle` returns both).
 *
 * @example
 * import { isEventfoldError, domainError, aggregateNotFound } from 'eventfold'
 * isEventfoldError(aggregateNotFound('x')) // true
 * isEventfoldError(domainError('NotOpen', 'not open')) // false
 *
 * @category refinements
 * @since 0.1.0
 */
export const isEventfoldError = (u: unknown): u is EventfoldError =>
  typeof u === 'object' && u !== null && TAGS.has((u as { readonly _tag?: unknown })._tag as string)

// -------------------------------------------------------------------------------------
// destructors
// -------------------------------------------------------------------------------------

/**
 * Handles each kind of error with its own function.
 *
 * @example
 * import { match, aggregateNotFound } from 'eventfold'
 * const describe = match({
 *   AggregateNotFound: (e) => `no ${e.originatorId}`,
 *   _: (e) => e._tag
 * })
 * describe(aggregateNotFound('x')) // 'no x'
 *
 * @category destructors
 * @since 0.1.0
 */
export const match =
  <R>(
    cases: { readonly [K in EventfoldError['_tag']]?: (e: Extract<EventfoldError, { _tag: K }>) => R } & {
      readonly _: (e: EventfoldError) => R
    }
  ) =>
  (e: EventfoldError): R => {
    const f = cases[e._tag] as ((e: EventfoldError) => R) | undefined
    return f === undefined ? cases._(e) : f(e)
  }

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * The message of any eventfold error, for logs.
 *
 * @category utils
 * @since 0.1.0
 */
export const describe = (e: EventfoldError): string => {
  switch (e._tag) {
    case 'AggregateNotFound':
      return e.version === undefined
        ? `aggregate ${e.originatorId} not found`
        : `aggregate ${e.originatorId} has no version ${e.version}`
    case 'UnknownTopic':
      return `unknown topic ${e.topic}`
    case 'DecodeError':
      return `cannot decode ${e.topic} at ${e.path}: ${e.message}`
    case 'EncodeError':
      return `cannot encode ${e.topic}: ${e.message}`
    default:
      return e.message
  }
}
