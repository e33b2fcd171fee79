import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { BigIntFromString, DateFromISOString, FiniteNumber, JSON_DEPTH, JsonRecord, JsonValue, type Json } from '../../lib/codec/types.js'
import { leftOf, rightOf } from '../support/decider.js'

/** Nests `null` in `depth` arrays: `[[...[null]...]]`. */
const nested = (depth: number): Json => {
  let value: Json = null
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

class Money {
  constructor(readonly cents: number) {}
}

// Values JSON does not carry faithfully: each must be refused.
const notJson: ReadonlyArray<readonly [string, unknown]> = [
  ['a Date', new Date(0)],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['undefined', undefined],
  ['a bigint', 1n],
  ['a symbol', Symbol('s')],
  ['a function', () => 1],
  ['a class instance', new Money(1)],
  ['a Map', new Map([['a', 1]])],
  ['a Uint8Array', Uint8Array.of(1)],
  ['NaN in an array', [1, NaN]],
  ['undefined in an object', { a: undefined }],
  ['a Date in an object', { at: new Date(0) }],
  ['a class instance deep inside', { a: [{ b: new Money(1) }] }]
]

const test = suite('types')

// DateFromISOString

test('DateFromISOString encodes a date as its ISO string and decodes it back', () => {
  const date = new Date('2024-02-29T12:34:56.789Z')
  const encoded = DateFromISOString.encode(date)
  assert.is(encoded, '2024-02-29T12:34:56.789Z')
  assert.is(rightOf(() => DateFromISOString.decode(encoded)).getTime(), date.getTime())
})

test('DateFromISOString decodes an ISO string with an offset to the same instant', () => {
  const decoded = rightOf(() => DateFromISOString.decode('2024-01-01T01:00:00+01:00'))
  assert.is(decoded.toISOString(), '2024-01-01T00:00:00.000Z')
})

test('DateFromISOString refuses strings that are no date, and non-strings', () => {
  for (const u of ['', 'yesterday', '2024-13-45T00:00:00Z', 0, null, undefined, new Date(0), {}]) {
    leftOf(() => DateFromISOString.decode(u), `decode(${String(u)})`)
  }
})

test('DateFromISOString refuses strings that are not ISO 8601, whose reading depends on the JavaScript engine or the time zone', () => {
  // new Date(...) reads these as 2001-01-01, 2020-03-07 local time, and 2020-03-07T10:00 local time.
  for (const u of ['1', 'March 7, 2020', '2020-03-07 10:00']) {
    leftOf(() => DateFromISOString.decode(u), `decode(${JSON.stringify(u)})`)
  }
})

test('DateFromISOString refuses a day past the end of its month, which Date would roll into the next; leap days count', () => {
  for (const bad of ['2021-02-29T00:00:00Z', '2020-02-30T00:00Z', '2020-04-31T00:00Z', '1900-02-29T00:00Z', '-000001-02-29T00:00Z', '2020-06-31T12:00+02:00']) {
    assert.ok(E.isLeft(DateFromISOString.decode(bad)), bad)
  }
  for (const [good, iso] of [
    ['2020-02-29T00:00:00Z', '2020-02-29T00:00:00.000Z'],
    ['2000-02-29T00:00Z', '2000-02-29T00:00:00.000Z'],
    ['-000004-02-29T00:00Z', '-000004-02-29T00:00:00.000Z'],
    ['2021-12-31T23:59:59.999Z', '2021-12-31T23:59:59.999Z'],
    ['+275760-09-13T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']
  ] as const) {
    const decoded = DateFromISOString.decode(good)
    assert.ok(E.isRight(decoded) && decoded.right.toISOString() === iso, good)
  }
})

test('DateFromISOString.is accepts valid dates only', () => {
  assert.ok(DateFromISOString.is(new Date(0)))
  assert.not.ok(DateFromISOString.is(new Date(NaN)))
  assert.not.ok(DateFromISOString.is('2024-01-01T00:00:00Z'))
})

// BigIntFromString

test('BigIntFromString round-trips integers beyond the safe range of numbers', () => {
  for (const b of [0n, -42n, 2n ** 64n + 1n, -(10n ** 30n)]) {
    const encoded = BigIntFromString.encode(b)
    assert.is(encoded, b.toString())
    assert.is(rightOf(() => BigIntFromString.decode(encoded)), b)
  }
})

test('BigIntFromString refuses decimals, blanks, signs alone and non-strings', () => {
  for (const u of ['1.5', '', ' 1', '1e3', '-', '+1', '0x10', 'abc', 1, 1n, null]) {
    leftOf(() => BigIntFromString.decode(u), `decode(${String(u)})`)
  }
})

// FiniteNumber

test('FiniteNumber accepts finite numbers and refuses NaN, the infinities and numeric strings', () => {
  for (const n of [0, -1.5, Number.MAX_VALUE]) assert.is(rightOf(() => FiniteNumber.decode(n)), n)
  for (const u of [NaN, Infinity, -Infinity, '1', null]) leftOf(() => FiniteNumber.decode(u), `decode(${String(u)})`)
  assert.not.ok(FiniteNumber.is(NaN))
})

// JsonValue and JsonRecord

test('JsonValue accepts plain JSON values, nested', () => {
  const value = { a: [1, 'two', true, null, { b: [] }], c: {}, d: -0.5, e: '' }
  assert.equal(rightOf(() => JsonValue.decode(value)), value)
  for (const v of [null, 0, 'x', false, [], {}]) assert.ok(JsonValue.is(v), JSON.stringify(v))
  assert.ok(JsonValue.is(Object.assign(Object.create(null) as object, { a: 1 })), 'an object without prototype')
})

test('JsonValue refuses values JSON would change or drop', () => {
  for (const [what, u] of notJson) {
    assert.not.ok(JsonValue.is(u), what)
    leftOf(() => JsonValue.decode(u), what)
  }
})

test('JsonValue refuses a cycle without overflowing the stack', () => {
  const cycle: Record<string, unknown> = { a: 1 }
  cycle['self'] = cycle
  const list: Array<unknown> = []
  list.push(list)
  leftOf(() => JsonValue.decode(cycle), 'an object cycle')
  leftOf(() => JsonValue.decode(list), 'an array cycle')
})

test('JsonValue accepts values nested JSON_DEPTH deep and refuses deeper ones', () => {
  rightOf(() => JsonValue.decode(nested(JSON_DEPTH)), 'JSON_DEPTH deep')
  leftOf(() => JsonValue.decode(nested(JSON_DEPTH + 1)), 'one deeper')
  leftOf(() => JsonValue.decode(nested(100_000)), '100 000 deep')
})

test('JsonValue refuses an array with holes, which JSON writes as null', () => {
  // eslint-disable-next-line no-sparse-arrays
  const sparse: ReadonlyArray<unknown> = [1, , 3]
  assert.is(JSON.stringify(sparse), '[1,null,3]')
  leftOf(() => JsonValue.decode(sparse), '[1, , 3]')
  leftOf(() => JsonValue.decode(new Array(2)), 'new Array(2)')
})

test('JsonValue refuses an array with named members, which JSON drops', () => {
  const withMember = Object.assign([1, 2], { note: NaN })
  assert.is(JSON.stringify(withMember), '[1,2]')
  leftOf(() => JsonValue.decode(withMember), 'an array with a member')
})

test('JsonValue encodes a value as itself', () => {
  const value: Json = { a: [1, { b: null }] }
  assert.is(JsonValue.encode(value), value)
})

test('JsonRecord accepts JSON objects only', () => {
  assert.equal(rightOf(() => JsonRecord.decode({ a: 1, b: { c: [null] } })), { a: 1, b: { c: [null] } })
  rightOf(() => JsonRecord.decode({}))
  for (const u of [null, [], [1], 'x', 1, true, undefined]) {
    assert.not.ok(JsonRecord.is(u), String(u))
    leftOf(() => JsonRecord.decode(u), String(u))
  }
})

test('JsonRecord refuses a record that holds a value JSON cannot carry', () => {
  for (const [what, u] of notJson) leftOf(() => JsonRecord.decode({ value: u }), what)
})

test.run()
