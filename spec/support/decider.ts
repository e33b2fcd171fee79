/**
 * A given/when/then specification of a decider, in the manner of emmett's
 * `deciderSpecification.ts`, so that domain tests read as sentences:
 *
 * @example
 * const spec = deciderSpecification(aggregateRootDecider<{ a: number }>())
 * spec.given([{ type: 'Created', attributes: { a: 1 } }]).when(changeAttribute('a', 2)).then([
 *   { type: 'AttributeChanged', name: 'a', value: 2 }
 * ])
 * spec.given([]).when(discard).thenFails(hasCode('NotCreated'))
 *
 * `given` folds the history with `evolve` from the initial state; `when` runs
 * `decide` once on the result. A `decide` that throws instead of returning an
 * `Either` fails the test, as does a `Right` where a `Left` was expected (and
 * the other way round).
 *
 * Beside it, `rightOf` and `leftOf` take the value out of an `Either` that
 * must succeed or fail, and fail the test if the call throws instead.
 */
import { inspect } from 'node:util'
import * as E from 'fp-ts/Either'
import * as assert from 'uvu/assert'
import type { Decider, TypedEvent } from '../../lib/domain/Decider.js'
import type { DomainError } from '../../lib/domain/DomainError.js'

// -------------------------------------------------------------------------------------
// Either
// -------------------------------------------------------------------------------------

const show = (value: unknown): string => inspect(value, { depth: 4, breakLength: 120 })

const settle = <E, A>(run: () => E.Either<E, A>, what: string): E.Either<E, A> => {
  try {
    return run()
  } catch (error) {
    return assert.unreachable(`${what} threw instead of returning an Either: ${show(error)}`) as never
  }
}

/** The value of an `Either` that must succeed. A `Left`, or a throw, fails the test. */
export const rightOf = <E, A>(run: () => E.Either<E, A>, what = 'the call'): A => {
  const result = settle(run, what)
  if (E.isLeft(result)) return assert.unreachable(`${what}: expected a Right, got Left ${show(result.left)}`) as never
  return result.right
}

/** The error of an `Either` that must fail. A `Right`, or a throw, fails the test. */
export const leftOf = <E, A>(run: () => E.Either<E, A>, what = 'the call'): E => {
  const result = settle(run, what)
  if (E.isRight(result)) return assert.unreachable(`${what}: expected a Left, got Right ${show(result.right)}`) as never
  return result.left
}

// -------------------------------------------------------------------------------------
// decider specification
// -------------------------------------------------------------------------------------

/** What a command's outcome is checked against. */
export interface Then<Ev, S, Err> {
  /** The command is accepted and decides exactly these events, in this order. */
  readonly then: (expected: ReadonlyArray<Ev>) => void
  /** The command is accepted and decides no event. */
  readonly thenNothingHappened: () => void
  /** The command is accepted, and folding its events into the history gives this state. */
  readonly thenState: (expected: S) => void
  /** The command is refused; `check`, if given, must hold for the error. */
  readonly thenFails: (check?: (error: Err) => boolean) => void
}

/** A command against a history. */
export interface When<C, Ev, S, Err> {
  readonly when: (command: C) => Then<Ev, S, Err>
}

/** The specification of one decider: `given(history).when(command).then(events)`. */
export interface DeciderSpecification<C, Ev, S, Err> {
  readonly given: (history: ReadonlyArray<Ev>) => When<C, Ev, S, Err>
}

/**
 * Builds the given/when/then specification of a decider.
 */
export const deciderSpecification = <C, Ev extends TypedEvent, S, Err>(
  decider: Decider<C, Ev, S, Err>
): DeciderSpecification<C, Ev, S, Err> => ({
  given: (history) => ({
    when: (command) => {
      const replay = (events: ReadonlyArray<Ev>, from: S): S => {
        try {
          return events.reduce(decider.evolve, from)
        } catch (error) {
          return assert.unreachable(`evolve threw: ${show(error)}`) as never
        }
      }
      const state = replay(history, decider.initialState)
      const decide = (): E.Either<Err, ReadonlyArray<Ev>> => decider.decide(command, state)
      const what = `decide(${show(command)})`
      return {
        then: (expected) => {
          assert.equal(rightOf(decide, what), expected, `${what} decided other events`)
        },
        thenNothingHappened: () => {
          assert.equal(rightOf(decide, what), [], `${what} decided events where none were expected`)
        },
        thenState: (expected) => {
          assert.equal(replay(rightOf(decide, what), state), expected, `${what} led to another state`)
        },
        thenFails: (check) => {
          const error = leftOf(decide, what)
          if (check !== undefined) assert.ok(check(error), `${what} failed with an unexpected error: ${show(error)}`)
        }
      }
    }
  })
})

/** A `thenFails` check: the domain error has this code. */
export const hasCode =
  (code: string) =>
  (error: DomainError): boolean =>
    error._tag === 'DomainError' && error.code === code
