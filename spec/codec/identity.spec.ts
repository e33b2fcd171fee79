import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { decodesToItself } from '../../lib/codec/identity.js'
import { BigIntFromString, DateFromISOString } from '../../lib/codec/types.js'

const test = suite('decodesToItself')

const RUNS = Number(process.env['FAST_CHECK_RUNS'] ?? 1000)

const Colour = t.keyof({ red: null, green: null })
const trusted: ReadonlyArray<t.Any> = [
  t.string,
  t.number,
  t.boolean,
  t.null,
  t.unknown,
  t.literal('x'),
  Colour,
  t.Int,
  t.type({ n: t.number, note: t.string }),
  t.partial({ n: t.number, tags: t.array(t.string) }),
  t.type({ nested: t.type({ deep: t.readonlyArray(t.union([t.string, t.number, t.null])) }), maybe: t.union([t.string, t.undefined]) }),
  t.readonly(t.type({ colour: Colour, at: t.Int })),
  t.brand(t.string, (s): s is t.Branded<string, { readonly Short: unique symbol }> => s.length < 4, 'Short'),
  t.UnknownRecord,
  t.UnknownArray
]

const distrusted: ReadonlyArray<t.Any> = [
  DateFromISOString,
  BigIntFromString,
  t.type({ at: DateFromISOString }),
  t.array(DateFromISOString),
  t.union([t.string, DateFromISOString]),
  t.exact(t.type({ n: t.number })), // strips unknown properties
  t.strict({ n: t.number }),
  t.intersection([t.type({ a: t.string }), t.type({ b: t.number })]),
  t.tuple([t.string, t.number]),
  t.record(t.string, t.number),
  t.recursion('Tree', () => t.type({ children: t.array(t.string) }))
]

test('trusts io-ts combinators that decode a valid value to itself', () => {
  for (const codec of trusted) assert.ok(decodesToItself(codec), codec.name)
})

test('distrusts custom codecs, and combinators that rebuild or strip values, however deep', () => {
  for (const codec of distrusted) assert.not.ok(decodesToItself(codec), codec.name)
})

test('distrusts a clone of a trusted codec whose decoding was swapped, as io-ts-types withValidate makes', () => {
  const trim = (u: unknown, c: t.Context) => (typeof u === 'string' ? t.success(u.trim()) : t.failure(u, c))
  // What withValidate does: a clone with its own validate and decode.
  const trimmed = Object.assign(Object.create(Object.getPrototypeOf(t.string) as object) as t.StringC, t.string, {
    validate: trim,
    decode: (u: unknown) => trim(u, t.getDefaultContext(trimmed))
  })
  assert.not.ok(decodesToItself(trimmed))
  assert.not.ok(decodesToItself(t.type({ name: trimmed })))
})

test('does not build a recursive codec to look at it', () => {
  let built = 0
  const Tree = t.recursion<{ children: Array<string> }>('Tree', () => {
    built++
    return t.type({ children: t.array(t.string) })
  })
  assert.not.ok(decodesToItself(Tree))
  assert.is(built, 0)
})

test('for every trusted codec and any JSON value it accepts, decode returns that very value', () => {
  fc.assert(
    fc.property(fc.constantFrom(...trusted), fc.jsonValue(), (codec, json) => {
      // JSON.parse, as a stored event is read: no undefined, no holes.
      const value: unknown = JSON.parse(JSON.stringify(json) ?? 'null')
      if (!codec.is(value)) return true
      const decoded = codec.decode(value)
      return E.isRight(decoded) && decoded.right === value
    }),
    { numRuns: RUNS }
  )
})

test('values shaped like events: accepted by is exactly when decode accepts them, to the same value', () => {
  const Event = t.type({ n: t.number, note: t.string, tags: t.array(t.string), extra: t.partial({ by: t.string }) })
  const shaped = fc.record(
    {
      n: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string()),
      note: fc.oneof(fc.string(), fc.integer()),
      tags: fc.oneof(fc.array(fc.string()), fc.array(fc.integer())),
      extra: fc.oneof(fc.record({ by: fc.oneof(fc.string(), fc.integer()) }, { requiredKeys: [] }), fc.constant(null))
    },
    { requiredKeys: [] }
  )
  fc.assert(
    fc.property(shaped, (raw) => {
      const value: unknown = JSON.parse(JSON.stringify(raw))
      const decoded = Event.decode(value)
      return Event.is(value) ? E.isRight(decoded) && decoded.right === value : E.isLeft(decoded)
    }),
    { numRuns: RUNS }
  )
})

test.run()
