/**
 * A loop where fp-ts's `traverse` would copy the accumulated array at every
 * step: decoding a page of 1000 events must stay linear.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'

/**
 * Maps each item to an `Either`, stopping at the first `Left`.
 *
 * @category utils
 * @since 0.1.0
 */
export const traverseArray = <A, Err, B>(
  items: ReadonlyArray<A>,
  f: (a: A) => E.Either<Err, B>
): E.Either<Err, ReadonlyArray<B>> => {
  const out: Array<B> = new Array<B>(items.length)
  for (let i = 0; i < items.length; i++) {
    const result = f(items[i] as A)
    if (E.isLeft(result)) return result
    out[i] = result.right
  }
  return E.right(out)
}
