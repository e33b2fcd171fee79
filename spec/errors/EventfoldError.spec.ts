import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  aggregateNotFound,
  cipherError,
  compressionError,
  concurrencyError,
  decodeError,
  describe,
  encodeError,
  invalidArgument,
  invalidConfig,
  isEventfoldError,
  match,
  storeFailure,
  storeUnavailable,
  unknownTopic,
  type EventfoldError
} from '../../lib/errors/EventfoldError.js'

// One error of every kind, with the message `describe` gives it.
const cause = new Error('ECONNREFUSED')
const everyError: ReadonlyArray<readonly [EventfoldError, string]> = [
  [concurrencyError('version 3 of a is taken', ['a']), 'version 3 of a is taken'],
  [aggregateNotFound('a'), 'aggregate a not found'],
  [aggregateNotFound('a', 4), 'aggregate a has no version 4'],
  [decodeError('World.Created', 'attributes.a', 'expected number'), 'cannot decode World.Created at attributes.a: expected number'],
  [encodeError('World.Created', 'NaN is not a JSON number'), 'cannot encode World.Created: NaN is not a JSON number'],
  [unknownTopic('World.Gone'), 'unknown topic World.Gone'],
  [cipherError('wrong key'), 'wrong key'],
  [compressionError('bad bytes'), 'bad bytes'],
  [storeUnavailable('connection lost', cause), 'connection lost'],
  [storeFailure('syntax error', cause), 'syntax error'],
  [invalidConfig('unknown scheme'), 'unknown scheme'],
  [invalidArgument('empty id'), 'empty id']
]

const test = suite('EventfoldError')

test('each constructor builds a value tagged with its kind', () => {
  assert.equal(concurrencyError('m', ['a', 'b']), { _tag: 'ConcurrencyError', message: 'm', originatorIds: ['a', 'b'] })
  assert.equal(decodeError('t', 'p', 'm'), { _tag: 'DecodeError', topic: 't', path: 'p', message: 'm' })
  assert.equal(encodeError('t', 'm'), { _tag: 'EncodeError', topic: 't', message: 'm' })
  assert.equal(unknownTopic('t'), { _tag: 'UnknownTopic', topic: 't' })
  assert.equal(cipherError('m'), { _tag: 'CipherError', message: 'm' })
  assert.equal(compressionError('m'), { _tag: 'CompressionError', message: 'm' })
  assert.equal(storeUnavailable('m', cause), { _tag: 'StoreUnavailable', message: 'm', cause })
  assert.equal(storeFailure('m', cause), { _tag: 'StoreFailure', message: 'm', cause })
  assert.equal(invalidConfig('m'), { _tag: 'InvalidConfig', message: 'm' })
  assert.equal(invalidArgument('m'), { _tag: 'InvalidArgument', message: 'm' })
})

test('a concurrency error names no originators unless told', () => {
  assert.equal(concurrencyError('m').originatorIds, [])
})

test('an aggregate not found has a version only when one is given', () => {
  const any = aggregateNotFound('a')
  assert.equal(any, { _tag: 'AggregateNotFound', originatorId: 'a' })
  assert.not.ok('version' in any, 'no version key, not a version of undefined')
  assert.equal(aggregateNotFound('a', 0), { _tag: 'AggregateNotFound', originatorId: 'a', version: 0 })
})

test('errors are values, not exceptions', () => {
  for (const [error] of everyError) assert.not.instance(error, Error, error._tag)
})

test('match runs the case of the error kind', () => {
  const handle = match({
    AggregateNotFound: (e) => `no ${e.originatorId}${e.version === undefined ? '' : `@${e.version}`}`,
    DecodeError: (e) => `bad ${e.topic} at ${e.path}`,
    _: (e) => `other ${e._tag}`
  })
  assert.is(handle(aggregateNotFound('x')), 'no x')
  assert.is(handle(aggregateNotFound('x', 2)), 'no x@2')
  assert.is(handle(decodeError('T', 'a.b', 'm')), 'bad T at a.b')
})

test('match falls back to `_` for a kind without a case', () => {
  const handle = match({ ConcurrencyError: () => 'retry', _: (e) => `give up: ${e._tag}` })
  assert.is(handle(concurrencyError('m')), 'retry')
  assert.is(handle(storeUnavailable('down', cause)), 'give up: StoreUnavailable')
  assert.is(handle(invalidConfig('bad')), 'give up: InvalidConfig')
})

test('match with only `_` handles every kind', () => {
  const tagOf = match({ _: (e) => e._tag })
  for (const [error] of everyError) assert.is(tagOf(error), error._tag)
})

test('match has a case for every kind of error', () => {
  const handle = match<string>({
    ConcurrencyError: () => 'ConcurrencyError',
    AggregateNotFound: () => 'AggregateNotFound',
    DecodeError: () => 'DecodeError',
    EncodeError: () => 'EncodeError',
    UnknownTopic: () => 'UnknownTopic',
    CipherError: () => 'CipherError',
    CompressionError: () => 'CompressionError',
    StoreUnavailable: () => 'StoreUnavailable',
    StoreFailure: () => 'StoreFailure',
    InvalidConfig: () => 'InvalidConfig',
    InvalidArgument: () => 'InvalidArgument',
    _: () => 'fallback'
  })
  for (const [error] of everyError) assert.is(handle(error), error._tag)
})

test('a case of match is typed by its error kind', () => {
  match({
    // @ts-expect-error: an AggregateNotFound has no message
    AggregateNotFound: (e) => e.message,
    _: () => ''
  })
  // @ts-expect-error: the fallback `_` is required
  match({ DecodeError: (e) => e.path })
})

test('describe gives every error a readable message', () => {
  for (const [error, message] of everyError) assert.is(describe(error), message, error._tag)
})

test('describe names version 0 of an aggregate, which is not "no version"', () => {
  assert.is(describe(aggregateNotFound('a', 0)), 'aggregate a has no version 0')
})

test('isEventfoldError tells eventfold errors from domain errors and other values', () => {
  for (const [error] of everyError) assert.ok(isEventfoldError(error), error._tag)
  for (const other of [{ _tag: 'DomainError', code: 'x', message: 'y' }, { _tag: 'Left' }, 'ConcurrencyError', null, undefined, 42, {}]) {
    assert.not.ok(isEventfoldError(other), JSON.stringify(other))
  }
})

test.run()
