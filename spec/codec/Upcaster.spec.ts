import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { current, upcast, type Upcaster } from '../../lib/codec/Upcaster.js'
import { DateFromISOString } from '../../lib/codec/types.js'
import type { DecodeError } from '../../lib/errors/EventfoldError.js'
import { leftOf, rightOf } from '../support/decider.js'

// A user whose name was split in two, then who gained a sign-up date.
const V1 = t.type({ name: t.string }, 'UserV1')
const V2 = t.type({ first: t.string, last: t.string }, 'UserV2')
const V3 = t.type({ first: t.string, last: t.string, since: DateFromISOString }, 'UserV3')

type U2 = t.TypeOf<typeof V2>
type U3 = t.TypeOf<typeof V3>

const EPOCH = new Date(0)
const split = (v1: t.TypeOf<typeof V1>): U2 => {
  const [first = '', ...rest] = v1.name.split(' ')
  return { first, last: rest.join(' ') }
}
const User: Upcaster<U3> = upcast(V1)
  .to(V2, split)
  .to(V3, (v2) => ({ ...v2, since: EPOCH }))

const TOPIC = 'spec#User.Registered'
const read = <A>(upcaster: Upcaster<A>, version: number, data: unknown) => () => upcaster.read(TOPIC, version, data)

const test = suite('Upcaster')

test('a chain counts its versions, and its codec is the newest one', () => {
  assert.is(upcast(V1).version, 1)
  assert.is(upcast(V1).codec, V1)
  assert.is(upcast(V1).to(V2, split).version, 2)
  assert.is(User.version, 3)
  assert.is(User.codec, V3)
  assert.is(current(V2).version, 1)
  assert.is(current(V2).codec, V2)
})

test('each stored version reads as the newest shape', () => {
  assert.equal(rightOf(read(User, 1, { name: 'Ada King Lovelace' })), { first: 'Ada', last: 'King Lovelace', since: EPOCH })
  assert.equal(rightOf(read(User, 2, { first: 'Ada', last: 'Lovelace' })), { first: 'Ada', last: 'Lovelace', since: EPOCH })
  // The newest version is decoded by its codec, and no step runs: the ISO string becomes a Date.
  const since = '1843-07-01T00:00:00.000Z'
  const newest = rightOf(read(User, 3, { first: 'Ada', last: 'Lovelace', since }))
  assert.ok(newest.since instanceof Date)
  assert.is(newest.since.toISOString(), since)
})

test('an old version is decoded by its own codec before the first step, and each step runs once, in order', () => {
  const calls: Array<string> = []
  const Dated = upcast(t.type({ at: DateFromISOString }))
    .to(t.type({ at: DateFromISOString, n: t.number }), (v1) => {
      calls.push(`1→2 got a ${v1.at instanceof Date ? 'Date' : typeof v1.at}`)
      return { ...v1, n: 1 }
    })
    .to(t.type({ at: DateFromISOString, n: t.number, m: t.number }), (v2) => {
      calls.push(`2→3 got n = ${v2.n}`)
      return { ...v2, m: 2 }
    })
  const value = rightOf(read(Dated, 1, { at: '2020-01-01T00:00:00.000Z' }))
  assert.equal(calls, ['1→2 got a Date', '2→3 got n = 1'])
  assert.equal(value, { at: new Date('2020-01-01T00:00:00.000Z'), n: 1, m: 2 })
  calls.splice(0)
  rightOf(read(Dated, 2, { at: '2020-01-01T00:00:00.000Z', n: 5 }))
  assert.equal(calls, ['2→3 got n = 5'])
  calls.splice(0)
  rightOf(read(Dated, 3, { at: '2020-01-01T00:00:00.000Z', n: 5, m: 6 }))
  assert.equal(calls, [])
})

test('a step whose result does not fit its target codec is a DecodeError naming the step', () => {
  const BadFirst = upcast(V1)
    .to(V2, (v1) => ({ first: v1.name }) as U2)
    .to(V3, (v2) => ({ ...v2, since: EPOCH }))
  const first = leftOf(read(BadFirst, 1, { name: 'Ada' }))
  assert.equal(first, { _tag: 'DecodeError', topic: TOPIC, path: 'upcast v1→v2', message: "the upcaster's result does not fit UserV2" })
  // The step is checked against its target's run-time type: an ISO string is not a Date.
  const BadSecond = upcast(V1)
    .to(V2, split)
    .to(V3, (v2) => ({ ...v2, since: EPOCH.toISOString() }) as unknown as U3)
  assert.is(leftOf(read(BadSecond, 1, { name: 'Ada L' })).path, 'upcast v2→v3')
  assert.is(leftOf(read(BadSecond, 2, { first: 'Ada', last: 'L' })).path, 'upcast v2→v3')
  // Stored at the newest version, no step runs, so nothing fails.
  rightOf(read(BadSecond, 3, { first: 'Ada', last: 'L', since: EPOCH.toISOString() }))
})

test('a step that throws is a DecodeError naming the step, not an exception', () => {
  const Throwing = upcast(V1).to(V2, (): U2 => {
    throw new Error('cannot split')
  })
  const thrown = leftOf(read(Throwing, 1, { name: 'Ada' }))
  assert.equal(thrown, { _tag: 'DecodeError', topic: TOPIC, path: 'upcast v1→v2', message: 'the upcaster threw: cannot split' })
  const ThrowingString = upcast(V1).to(V2, (): U2 => {
    throw 'a string' // eslint-disable-line @typescript-eslint/only-throw-error -- what careless code throws
  })
  assert.is(leftOf(read(ThrowingString, 1, { name: 'Ada' })).message, 'the upcaster threw: a string')
})

test('a version this code does not know (newer, zero, negative, fractional) is a DecodeError', () => {
  for (const version of [4, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    const error: DecodeError = leftOf(read(User, version, { first: 'a', last: 'b', since: EPOCH.toISOString() }))
    assert.is(error._tag, 'DecodeError', String(version))
    assert.is(error.topic, TOPIC)
    assert.match(error.message, `stored version ${version} is not one of versions 1 to 3`)
  }
  assert.match(leftOf(read(current(V1), 2, { name: 'a' })).message, 'versions 1 to 1')
})

test('data that does not fit its own version is a DecodeError; an old version says which it was read as', () => {
  const old = leftOf(read(User, 1, { name: 42 }))
  assert.is(old.path, 'name')
  assert.match(old.message, /^as version 1: /)
  const middle = leftOf(read(User, 2, { first: 'Ada' }))
  assert.is(middle.path, 'last')
  assert.match(middle.message, /^as version 2: /)
  const newest = leftOf(read(User, 3, { first: 'Ada', last: 'L', since: 'yesterday' }))
  assert.is(newest.path, 'since')
  assert.not.match(newest.message, /as version/)
})

test('with quote false, errors name what was expected but quote neither the data nor what a codec or step threw', () => {
  const SECRET = '078-05-1120'
  // Quoted by default: the same calls below would fail without quote false.
  assert.match(leftOf(() => User.read(TOPIC, 1, { name: 0 })).message, 'got 0')
  const misfit = leftOf(() => User.read(TOPIC, 3, { first: SECRET, last: 'L', since: SECRET }, false))
  assert.is(misfit.path, 'since')
  assert.is(misfit.message, 'expected DateFromISOString (not quoted: the data was stored encrypted)')
  const old = leftOf(() => User.read(TOPIC, 1, { name: [SECRET] }, false))
  assert.is(old.message, 'as version 1: expected string (not quoted: the data was stored encrypted)')
  const Throwing = upcast(V1).to(V2, (v1): U2 => {
    throw new Error(`cannot split ${v1.name}`)
  })
  assert.match(leftOf(() => Throwing.read(TOPIC, 1, { name: SECRET })).message, SECRET)
  const thrown = leftOf(() => Throwing.read(TOPIC, 1, { name: SECRET }, false))
  assert.equal(thrown, { _tag: 'DecodeError', topic: TOPIC, path: 'upcast v1→v2', message: 'the upcaster threw: not quoted: the data was stored encrypted' })
  // A codec's own message may quote the value: it is left out too.
  const Loud = new t.Type<string, string, unknown>('Loud', t.string.is, (u, c) => t.failure(u, c, `no good: ${String(u)}`), String)
  assert.match(leftOf(() => current(Loud).read(TOPIC, 1, SECRET)).message, SECRET)
  assert.is(leftOf(() => current(Loud).read(TOPIC, 1, SECRET, false)).message, 'expected Loud (not quoted: the data was stored encrypted)')
  const Throws = new t.Type<string, string, unknown>('Throws', (_u): _u is string => false, (u) => { throw new Error(`bad ${String(u)}`) }, String)
  assert.is(leftOf(() => current(Throws).read(TOPIC, 1, SECRET, false)).message, 'the codec Throws threw: not quoted: the data was stored encrypted')
})

test('to() returns a new chain and leaves the one it extends as it was, so chains can branch', () => {
  const base = upcast(V1)
  const left = base.to(V2, split)
  const right = base.to(t.type({ name: t.string, email: t.string }), (v1) => ({ ...v1, email: 'unknown' }))
  assert.is(base.version, 1)
  assert.equal(rightOf(read(base, 1, { name: 'Ada L' })), { name: 'Ada L' })
  assert.equal(rightOf(read(left, 1, { name: 'Ada L' })), { first: 'Ada', last: 'L' })
  assert.equal(rightOf(read(right, 1, { name: 'Ada L' })), { name: 'Ada L', email: 'unknown' })
  assert.ok(E.isLeft(right.read(TOPIC, 2, { first: 'Ada', last: 'L' })), 'version 2 of the other branch')
})

test('the example in the docs holds', () => {
  const Registered = upcast(t.type({ name: t.string })).to(t.type({ name: t.string, email: t.string }), (v1) => ({ ...v1, email: 'unknown' }))
  assert.is(Registered.version, 2)
  assert.equal(Registered.read('Registered', 1, { name: 'Ada' }), E.right({ name: 'Ada', email: 'unknown' }))
})

test.run()
