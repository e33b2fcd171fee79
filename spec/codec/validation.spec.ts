import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fromValidation, pathOf } from '../../lib/codec/validation.js'
import { decodeError } from '../../lib/errors/EventfoldError.js'
import { leftOf } from '../support/decider.js'

const Person = t.type({
  name: t.string,
  address: t.type({ city: t.string, zip: t.number }),
  tags: t.array(t.string)
})

const toDecodeError = fromValidation('People.Registered')

const test = suite('validation')

test('a successful validation passes through untouched', () => {
  const value = { name: 'Ada', address: { city: 'London', zip: 1 }, tags: [] }
  const validation = Person.decode(value)
  assert.is(toDecodeError(validation), validation)
})

test('a failure at the top level has an empty path', () => {
  assert.equal(
    leftOf(() => toDecodeError(t.number.decode('x'))),
    decodeError('People.Registered', '', 'expected number, got "x"')
  )
})

test('a failure in a property has the property as its path', () => {
  const error = leftOf(() => toDecodeError(Person.decode({ name: 1, address: { city: 'c', zip: 1 }, tags: [] })))
  assert.is(error.path, 'name')
  assert.is(error.message, 'expected string, got 1')
  assert.is(error.topic, 'People.Registered')
})

test('a failure in a nested property has the dotted path', () => {
  const error = leftOf(() => toDecodeError(Person.decode({ name: 'Ada', address: { city: 'c', zip: '1' }, tags: [] })))
  assert.is(error.path, 'address.zip')
  assert.is(error.message, 'expected number, got "1"')
})

test('a failure in an array element has its index in the path', () => {
  const error = leftOf(() => toDecodeError(Person.decode({ name: 'Ada', address: { city: 'c', zip: 1 }, tags: ['a', 2] })))
  assert.is(error.path, 'tags.1')
})

test('a missing property is reported at its path as undefined', () => {
  const error = leftOf(() => toDecodeError(Person.decode({ address: { city: 'c', zip: 1 }, tags: [] })))
  assert.is(error.path, 'name')
  assert.is(error.message, 'expected string, got undefined')
})

test('only the first of several failures is reported', () => {
  const error = leftOf(() => toDecodeError(Person.decode({ name: 1, address: { city: 2, zip: 'x' }, tags: [3] })))
  assert.is(error.path, 'name')
})

test('the message a codec gives its failure is kept', () => {
  const Even = new t.Type<number, number, unknown>(
    'Even',
    (u): u is number => typeof u === 'number' && u % 2 === 0,
    (u, c) => (typeof u === 'number' && u % 2 === 0 ? t.success(u) : t.failure(u, c, 'an even number, please')),
    (n) => n
  )
  const error = leftOf(() => toDecodeError(t.type({ n: Even }).decode({ n: 3 })))
  assert.equal(error, decodeError('People.Registered', 'n', 'an even number, please'))
})

test('a long value is shortened in the message', () => {
  const error = leftOf(() => toDecodeError(t.number.decode('x'.repeat(200))))
  assert.is(error.message, `expected number, got "${'x'.repeat(59)}…`)
})

test('a bigint is shown with its n', () => {
  assert.is(leftOf(() => toDecodeError(t.number.decode(12n))).message, 'expected number, got 12n')
})

test('an empty list of errors still gives a DecodeError', () => {
  assert.equal(leftOf(() => toDecodeError(E.left([]))), decodeError('People.Registered', '', 'invalid value'))
})

test('a value JSON cannot show does not make it throw', () => {
  const cycle: Record<string, unknown> = {}
  cycle['self'] = cycle
  assert.is(leftOf(() => toDecodeError(t.string.decode(cycle))).message, 'expected string, got [object Object]')
  assert.is(leftOf(() => toDecodeError(t.string.decode(Symbol('s')))).message, 'expected string, got Symbol(s)')
})

test('a value neither JSON nor String can show does not make it throw', () => {
  // A cycle without a prototype: JSON.stringify throws, and so does String().
  const bare = Object.create(null) as Record<string, unknown>
  bare['self'] = bare
  const error = leftOf(() => toDecodeError(t.string.decode(bare)), 'fromValidation of a prototype-less cycle')
  assert.is(error.path, '')
  assert.match(error.message, /^expected string, got /)
})

test('with quote false, the message names the type expected and quotes neither the value nor the codec\'s own message', () => {
  const quiet = fromValidation('People.Registered', false)
  const error = leftOf(() => quiet(Person.decode({ name: 'Ada', address: { city: 'c', zip: 'SW1A 1AA' }, tags: [] })))
  assert.equal(error, decodeError('People.Registered', 'address.zip', 'expected number (not quoted: the data was stored encrypted)'))
  const Loud = new t.Type<string, string, unknown>('Loud', t.string.is, (u, c) => t.failure(u, c, `no good: ${String(u)}`), String)
  assert.is(leftOf(() => toDecodeError(Loud.decode('SW1A 1AA'))).message, 'no good: SW1A 1AA')
  assert.is(leftOf(() => quiet(Loud.decode('SW1A 1AA'))).message, 'expected Loud (not quoted: the data was stored encrypted)')
})

test('pathOf joins the keys of a validation error, without the empty root key', () => {
  const errors = leftOf(() => Person.decode({ name: 'Ada', address: { city: 'c', zip: 1 }, tags: [1] }))
  const first = errors[0]
  assert.ok(first !== undefined)
  assert.is(first.context[0]?.key, '')
  assert.is(pathOf(first), 'tags.0')
})

test.run()
