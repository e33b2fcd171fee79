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
 *
 * @since 0.1.0
 */
import type * as t from 'io-ts'

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
  const { _tag: tag, props, type, types } = codec as Inspectable
  let answer: boolean
  if (tag === undefined) answer = false
  else if (LEAVES.has(tag)) answer = true
  else if (tag === 'InterfaceType' || tag === 'PartialType') answer = props !== undefined && Object.values(props).every(decodesToItself)
  else if (tag === 'RefinementType' || tag === 'ArrayType' || tag === 'ReadonlyArrayType' || tag === 'ReadonlyType')
    answer = type !== undefined && decodesToItself(type)
  else if (tag === 'UnionType') answer = types !== undefined && types.every(decodesToItself)
  else answer = false
  known.set(codec, answer)
  return answer
}
