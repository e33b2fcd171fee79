/**
 * Turns io-ts validation failures into eventfold's `DecodeError`, keeping the
 * path of the first failure.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { decodeError, messageOf, type DecodeError } from '../errors/EventfoldError.js'

const show = (value: unknown): string => {
  try {
    const s = typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)
    if (s === undefined) return String(value)
    return s.length > 60 ? s.slice(0, 60) + '…' : s
  } catch {
    try {
      return String(value)
    } catch {
      return Object.prototype.toString.call(value)
    }
  }
}

/**
 * The io-ts path of a validation error, such as `attributes.a`.
 *
 * @category utils
 * @since 0.1.0
 */
export const pathOf = (error: t.ValidationError): string =>
  error.context
    .map((entry) => entry.key)
    .filter((key) => key !== '')
    .join('.')

/**
 * Maps an io-ts validation to an `Either` of `DecodeError` for a topic. The
 * message quotes the value that did not fit (or is the codec's own message)
 * unless `quote` is false: then it names only the type expected, for data
 * that was encrypted and must not reach a log as plain text.
 *
 * @category utils
 * @since 0.1.0
 */
export const fromValidation =
  (topic: string, quote = true) =>
  <A>(validation: t.Validation<A>): E.Either<DecodeError, A> => {
    if (E.isRight(validation)) return validation
    const first = validation.left[0]
    if (first === undefined) return E.left(decodeError(topic, '', 'invalid value'))
    const last = first.context[first.context.length - 1]
    const expected = last?.type.name ?? 'a valid value'
    // A codec's own message may quote the value too.
    const message = quote ? (first.message ?? `expected ${expected}, got ${show(first.value)}`) : `expected ${expected} (${UNQUOTED})`
    return E.left(decodeError(topic, pathOf(first), message))
  }

/**
 * What a message says in place of a value, or of an exception's message, that
 * it leaves out because the data was stored encrypted.
 *
 * @category constants
 * @since 0.1.0
 */
export const UNQUOTED = 'not quoted: the data was stored encrypted'

/**
 * What to say of an exception thrown by a caller's codec or upcaster: its
 * message, unless `quote` is false (see {@link fromValidation}).
 *
 * @category utils
 * @since 0.1.0
 */
export const thrownMessage = (thrown: unknown, quote: boolean): string => (quote ? messageOf(thrown) : UNQUOTED)
