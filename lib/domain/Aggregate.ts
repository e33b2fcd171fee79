/**
 * An aggregate as an immutable value: its id, its version, its state, and the
 * events decided since it was loaded (`pending`). Commands return a new value;
 * saving hands the pending events to the application with the version they
 * were decided against.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { fold, type Decider, type TypedEvent } from './Decider.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * An aggregate value. `version` counts every event, pending ones included; the
 * first event has version 1.
 *
 * @category model
 * @since 0.1.0
 */
export interface Aggregate<S, Ev extends TypedEvent = TypedEvent> {
  /** The name of the aggregate kind it belongs to. */
  readonly kind: string
  readonly id: string
  readonly version: number
  readonly state: S
  /** Events decided but not yet saved, oldest first. */
  readonly pending: ReadonlyArray<Ev>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * An aggregate with no events yet, at version 0.
 *
 * @category constructors
 * @since 0.1.0
 */
export const initial =
  <C, Ev extends TypedEvent, S, Err>(decider: Decider<C, Ev, S, Err>) =>
  (kind: string, id: string): Aggregate<S, Ev> => ({
    kind,
    id,
    version: 0,
    state: decider.initialState,
    pending: []
  })

/**
 * Rebuilds an aggregate from stored events, optionally on top of a known
 * version and state (a snapshot or a cached value).
 *
 * @category constructors
 * @since 0.1.0
 */
export const replay =
  <C, Ev extends TypedEvent, S, Err>(decider: Decider<C, Ev, S, Err>) =>
  (
    kind: string,
    id: string,
    events: ReadonlyArray<Ev>,
    from: { readonly version: number; readonly state: S } = { version: 0, state: decider.initialState }
  ): Aggregate<S, Ev> => ({
    kind,
    id,
    version: from.version + events.length,
    state: fold(decider)(events, from.state),
    pending: []
  })

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

/**
 * Runs a command: decides against the current state, folds the new events in,
 * and appends them to `pending`. Pure.
 *
 * @example
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { execute, initial, type Decider } from 'eventfold'
 * type Ev = { readonly type: 'Added'; readonly n: number }
 * const sum: Decider<number, Ev, number> = {
 *   initialState: 0,
 *   evolve: (s, e) => s + e.n,
 *   decide: (n) => E.right([{ type: 'Added', n }]),
 *   isTerminal: () => false
 * }
 * const result = pipe(initial(sum)('Sum', 'id-1'), execute(sum)(2), E.chain(execute(sum)(3)))
 * // Right({ version: 2, state: 5, pending: [Added 2, Added 3], ... })
 *
 * @category combinators
 * @since 0.1.0
 */
export const execute =
  <C, Ev extends TypedEvent, S, Err>(decider: Decider<C, Ev, S, Err>) =>
  (command: C) =>
  (aggregate: Aggregate<S, Ev>): E.Either<Err, Aggregate<S, Ev>> => {
    const decided = decider.decide(command, aggregate.state)
    if (E.isLeft(decided)) return decided
    const events = decided.right
    let state = aggregate.state
    for (const event of events) state = decider.evolve(state, event)
    // Built field by field: a spread of the old value costs more than the decision.
    return E.right({
      kind: aggregate.kind,
      id: aggregate.id,
      version: aggregate.version + events.length,
      state,
      pending: aggregate.pending.length === 0 ? events : aggregate.pending.concat(events)
    })
  }

/**
 * The same aggregate with its pending events marked as saved.
 *
 * @category combinators
 * @since 0.1.0
 */
export const markSaved = <S, Ev extends TypedEvent>(aggregate: Aggregate<S, Ev>): Aggregate<S, Ev> =>
  aggregate.pending.length === 0 ? aggregate : { ...aggregate, pending: [] }

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * The version the pending events were decided against: the version a save
 * expects to find in the store.
 *
 * @category utils
 * @since 0.1.0
 */
export const expectedVersion = (aggregate: Aggregate<unknown, TypedEvent>): number =>
  aggregate.version - aggregate.pending.length

/**
 * Whether the aggregate exists and has not reached a terminal state (such as
 * discarded).
 *
 * @category utils
 * @since 0.1.0
 */
export const isLive =
  <C, Ev extends TypedEvent, S, Err>(decider: Decider<C, Ev, S, Err>) =>
  (aggregate: Aggregate<S, Ev>): boolean =>
    aggregate.version > 0 && !decider.isTerminal(aggregate.state)
