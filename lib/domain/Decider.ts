/**
 * A decider: the pure heart of an aggregate. `decide` turns a command and the
 * current state into new events (or a domain error); `evolve` folds one event
 * into the state. Replaying an aggregate is a fold of `evolve`.
 *
 * @since 0.1.0
 */
import type { Either } from 'fp-ts/lib/Either.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * An event of a decider: a plain value tagged with its `type`. The type, with
 * the aggregate kind's name, makes the stored topic.
 *
 * @category model
 * @since 0.1.0
 */
export interface TypedEvent {
  readonly type: string
}

/**
 * The seven elements of a decider (command, event, state, error,
 * `initialState`, `decide`, `evolve`) plus `isTerminal`: a state no command
 * can leave, which the repository treats as "not found" (a discarded
 * aggregate).
 *
 * @category model
 * @since 0.1.0
 */
export interface Decider<C, E extends TypedEvent, S, Err = never> {
  /** The state of an aggregate that has no events yet. */
  readonly initialState: S
  /** Folds one event into the state. Pure, and total: it must accept every event it ever decided. */
  readonly evolve: (state: S, event: E) => S
  /** Turns a command and the current state into new events, or a domain error. Pure. */
  readonly decide: (command: C, state: S) => Either<Err, ReadonlyArray<E>>
  /** Whether no command can leave this state; the repository then treats the aggregate as not found. */
  readonly isTerminal: (state: S) => boolean
}

/**
 * Any decider, for collections of deciders.
 *
 * @category model
 * @since 0.1.0
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDecider = Decider<any, any, any, any> // a variance escape for collections of deciders: each is used at its own types

/**
 * The command type of a decider.
 *
 * @category type lambdas
 * @since 0.1.0
 */
export type CommandOf<D> = D extends Decider<infer C, infer _E, infer _S, infer _Err> ? C : never

/**
 * The event type of a decider.
 *
 * @category type lambdas
 * @since 0.1.0
 */
export type EventOf<D> = D extends Decider<infer _C, infer E, infer _S, infer _Err> ? E : never

/**
 * The state type of a decider.
 *
 * @category type lambdas
 * @since 0.1.0
 */
export type StateOf<D> = D extends Decider<infer _C, infer _E, infer S, infer _Err> ? S : never

/**
 * The domain error type of a decider.
 *
 * @category type lambdas
 * @since 0.1.0
 */
export type ErrorOf<D> = D extends Decider<infer _C, infer _E, infer _S, infer Err> ? Err : never

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * Folds events into a state, from the decider's initial state unless another
 * is given.
 *
 * @category utils
 * @since 0.1.0
 */
export const fold =
  <C, E extends TypedEvent, S, Err>(decider: Decider<C, E, S, Err>) =>
  (events: ReadonlyArray<E>, from: S = decider.initialState): S => {
    let state = from
    for (const event of events) state = decider.evolve(state, event)
    return state
  }
