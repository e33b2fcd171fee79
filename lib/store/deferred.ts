/**
 * Constructors that open stores take options from callers who may pass
 * anything: a connection object that is not one, a getter that throws. This
 * keeps their TaskEither honest: nothing happens until it runs, and nothing
 * it does can throw or reject.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { messageOf } from '../errors/EventfoldError.js'

/**
 * Defers `build` until the task runs, and turns whatever it throws, or the
 * task it built rejects with, into a `Left` of `onThrow`.
 *
 * @category combinators
 * @since 0.1.0
 */
export const deferred =
  <Err, A>(build: () => TE.TaskEither<Err, A>, onThrow: (message: string, cause: unknown) => Err): TE.TaskEither<Err, A> =>
  () => {
    const failed = (cause: unknown): E.Either<Err, A> => E.left(onThrow(messageOf(cause), cause))
    try {
      return build()().catch(failed)
    } catch (cause) {
      return Promise.resolve(failed(cause))
    }
  }
