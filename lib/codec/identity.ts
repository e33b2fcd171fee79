/**
 * Which io-ts codecs decode a valid value to that very value, so that reading
 * may check the value with `is` (which allocates nothing) instead of running
 * `decode` (which builds a context, and an `Either`, for every property).
 * Decoding is a third of what reading a small event costs beyond parsing its
 * JSON, and most event codecs are plain objects of strings and numbers.
 *
 * Only io-ts's own combinators are trusted, by their `_tag`, and only those
 * whose `decode` returns its input unchanged whenever `is` accepts it:
 * primitives, literals, keyof, refinements and brands (`t.Int`), `type`,
 * `partial`, arrays, `readonly` and unions of such codecs. Anything else
 * (custom codecs such as `DateFromISOString`, `exact` and `strict`, which
 * strip properties, intersections, tuples, records, recursion) is decoded.
 *
 * The one difference, `is` skipping the holes of a sparse array that
 * `decode` would reject, cannot arise here: the values come from JSON.parse.
 * A codec whose `decode` was replaced (as io-ts-types' `withValidate` does)
 * is not trusted; one whose `validate` alone was swapped by hand, keeping an
 * io-ts `_tag`, would be: write custom codecs as `new t.Type(...)`.
 *
 * @since 0.1.0
 */
import { isDeepStrictEqual } from 'node:util'
import type * as t from 'io-ts'
import { messageOf } from '../errors/EventfoldError.js'

type Inspectable = t.Any & {
  readonly _tag?: string
  readonly props?: Readonly<Record<string, t.Any>>
  readonly type?: t.Any
  readonly types?: ReadonlyArray<t.Any>
}

const LEAVES: ReadonlySet<string> = new Set([
  'NullType',
  'UndefinedType',
  'VoidType',
  'UnknownType',
  'AnyType',
  'StringType',
  'NumberType',
  'BigIntType',
  'BooleanType',
  'AnyArrayType',
  'AnyDictionaryType',
  'ObjectType',
  'LiteralType',
  'KeyofType'
])

const known = new WeakMap<t.Any, boolean>()

/**
 * Whether `codec.decode` is io-ts's own: the Type constructor binds the
 * prototype's decode to each instance, so its name starts `bound `. A clone
 * that replaced it (io-ts-types' `withValidate` assigns a plain function) is
 * not trusted.
 */
const ownDecode = (codec: t.Any): boolean => typeof codec.decode === 'function' && codec.decode.name.startsWith('bound ')

/**
 * Whether `codec` is built only of io-ts combinators whose `decode` returns a
 * value that `is` accepts unchanged, so `codec.is(value)` may stand in for
 * decoding it.
 *
 * `t.type({ n: t.number, tags: t.array(t.string) })` does;
 * `t.type({ at: DateFromISOString })` does not (it decodes a string into a
 * `Date`).
 *
 * @category utils
 * @since 0.1.0
 */
export const decodesToItself = (codec: t.Any): boolean => {
  const cached = known.get(codec)
  if (cached !== undefined) return cached
  const inspected = codec as Inspectable
  const tag = inspected._tag
  let answer: boolean
  // A clone that swapped its decoding (io-ts-types' withValidate sets its own decode) is not trusted.
  if (tag === undefined || !ownDecode(codec)) answer = false
  else if (LEAVES.has(tag)) answer = true
  // Members are read only once the tag says they exist: a recursion's `type` is a getter that builds it.
  else if (tag === 'InterfaceType' || tag === 'PartialType') answer = inspected.props !== undefined && Object.values(inspected.props).every(decodesToItself)
  else if (tag === 'RefinementType' || tag === 'ArrayType' || tag === 'ReadonlyArrayType' || tag === 'ReadonlyType')
    answer = inspected.type !== undefined && decodesToItself(inspected.type)
  else if (tag === 'UnionType') answer = inspected.types !== undefined && inspected.types.every(decodesToItself)
  else answer = false
  known.set(codec, answer)
  return answer
}

/**
 * Why `encoded`, what `codec.encode(value)` gave, would not decode back to
 * `value`; `undefined` if it would. A codec that {@link decodesToItself}
 * encodes a value it accepts to that very value, so only the others are
 * decoded and compared (with Node's `isDeepStrictEqual`): `t.strict`, which
 * drops undeclared properties, or a union that reads a `Date` back as the
 * string member. What is saved must load as it was decided, or the
 * aggregate a save returns, caches and snapshots would differ from the fold
 * of what was stored. `encoded` must be faithful JSON (see `unfaithfulJson`
 * in Transcoder.ts), as it is once it has been written. A codec that throws
 * is a problem too: this never throws.
 *
 * @category utils
 * @since 0.1.0
 */
export const readBackProblem = (codec: t.Any, value: unknown, encoded: unknown): string | undefined => {
  if (decodesToItself(codec)) return undefined
  try {
    const back = codec.decode(encoded)
    if (back._tag === 'Left') return `${codec.name} cannot decode what it encoded`
    return isDeepStrictEqual(back.right, value)
      ? undefined
      : `${codec.name} decodes what it encoded to another value (it drops or changes part of it), so it would not load as it was saved`
  } catch (e) {
    return `the codec ${codec.name} threw: ${messageOf(e)}`
  }
}
