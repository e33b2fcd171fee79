import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aesGcm, encodedRandomBytes } from '../../lib/codec/Cipher.js'
import { compressor } from '../../lib/codec/Compressor.js'
import { transcoder, type Transcoder } from '../../lib/codec/Transcoder.js'
import { leftOf, rightOf } from '../support/decider.js'

const topic = 'spec#World.Created'
const timestamp = new Date('2024-02-29T12:34:56.789Z')
const data = { attributes: { a: 1, name: 'ünïcødé ✓', tags: ['x', 'y'], nothing: null, nested: { ok: true } } }

const cipher = rightOf(() => aesGcm(encodedRandomBytes()), 'aesGcm')
const otherCipher = rightOf(() => aesGcm(encodedRandomBytes()), 'aesGcm')
const zlib = rightOf(() => compressor('zlib'), 'zlib')
const brotli = rightOf(() => compressor('brotli'), 'brotli')

const plain = transcoder()
const sealed = transcoder({ cipher })
const compressed = transcoder({ compressor: zlib })
const both = transcoder({ cipher, compressor: zlib })

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

const roundTrip = (tc: Transcoder, value: unknown = data): void => {
  const bytes = rightOf(() => tc.toBytes(topic, value, timestamp), 'toBytes')
  const envelope = rightOf(() => tc.fromBytes(topic, bytes), 'fromBytes')
  assert.is(envelope.timestamp.getTime(), timestamp.getTime())
  assert.equal(envelope.data, value)
}

const test = suite('Transcoder')

test('the stored JSON is the timestamp and the data', () => {
  const json = text(rightOf(() => plain.toBytes(topic, data, timestamp)))
  assert.match(json, '"timestamp":')
  assert.is(json, `{"timestamp":"2024-02-29T12:34:56.789Z","data":${JSON.stringify(data)}}`)
})

test('plain bytes round-trip, unicode included', () => {
  roundTrip(plain)
  for (const value of [null, 0, 'text', [], {}, [1, [2, [3]]], -1.5e-300]) roundTrip(plain, value)
})

test('a transcoder says whether it encrypts', () => {
  assert.not.ok(plain.encrypted)
  assert.not.ok(compressed.encrypted)
  assert.ok(sealed.encrypted)
  assert.ok(both.encrypted)
})

test('compressed bytes round-trip, with zlib and with brotli', () => {
  roundTrip(compressed)
  roundTrip(transcoder({ compressor: brotli }))
  const bytes = rightOf(() => compressed.toBytes(topic, { s: 'x'.repeat(10_000) }, timestamp))
  assert.ok(bytes.length < 1000, `${bytes.length} bytes`)
})

test('encrypted bytes round-trip, and do not show the data', () => {
  roundTrip(sealed)
  const bytes = rightOf(() => sealed.toBytes(topic, data, timestamp))
  assert.not.ok(Buffer.from(bytes).includes('timestamp'))
  assert.not.ok(Buffer.from(bytes).includes('tags'))
})

test('compressed and encrypted bytes round-trip', () => {
  roundTrip(both)
  roundTrip(transcoder({ cipher, compressor: brotli }))
})

test('NaN, the infinities and undefined are an EncodeError, at any depth', () => {
  for (const [what, value] of [
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['undefined', undefined],
    ['a nested NaN', { a: [1, { b: NaN }] }],
    ['an undefined member', { a: 1, b: undefined }],
    ['undefined in an array', [1, undefined]],
    ['a hole in an array', [1, , 3]] // eslint-disable-line no-sparse-arrays
  ] as const) {
    for (const tc of [plain, both]) {
      const error = leftOf(() => tc.toBytes(topic, value, timestamp), what)
      assert.equal({ tag: error._tag, topic: error._tag === 'EncodeError' ? error.topic : '' }, { tag: 'EncodeError', topic }, what)
    }
  }
})

test('what JSON.stringify itself refuses is an EncodeError, not an exception', () => {
  const cycle: Record<string, unknown> = {}
  cycle['self'] = cycle
  for (const [what, value] of [
    ['a bigint', { n: 1n }],
    ['a cycle', cycle],
    ['a throwing toJSON', { toJSON: () => { throw new Error('no') } }]
  ] as const) {
    assert.is(leftOf(() => plain.toBytes(topic, value, timestamp), what)._tag, 'EncodeError', what)
  }
})

test('objects JSON would not read back as they were are an EncodeError', () => {
  class Money {
    constructor(readonly cents: number) {}
  }
  for (const [what, value] of [
    ['a Date, which would read back as a string', { at: new Date(0) }],
    ['a Map, which JSON writes as {}', { m: new Map([['a', 1]]) }],
    ['a Set, which JSON writes as {}', { s: new Set([1]) }],
    ['a class instance, which would read back as a plain object', { price: new Money(5) }],
    ['a Uint8Array, which would read back as an object of indices', { bytes: Uint8Array.of(1, 2) }]
  ] as const) {
    assert.is(leftOf(() => plain.toBytes(topic, value, timestamp), what)._tag, 'EncodeError', what)
  }
})

test('an invalid timestamp is an EncodeError, not an exception', () => {
  assert.is(leftOf(() => plain.toBytes(topic, data, new Date(NaN)))._tag, 'EncodeError')
})

test('bytes that are not UTF-8 are a DecodeError', () => {
  const error = leftOf(() => plain.fromBytes(topic, Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)))
  assert.equal(error, { _tag: 'DecodeError', topic, path: '', message: 'the stored state is not UTF-8 JSON' })
})

test('bytes that are not JSON are a DecodeError', () => {
  for (const s of ['', 'hello', '{"timestamp":', "{'a':1}", 'NaN']) {
    assert.is(leftOf(() => plain.fromBytes(topic, utf8(s)), JSON.stringify(s))._tag, 'DecodeError')
  }
})

test('JSON without a timestamp and data is a DecodeError', () => {
  for (const s of ['null', '1', '"x"', '[]', '{}', '{"data":1}', '{"timestamp":"2024-01-01T00:00:00Z"}', '["timestamp","data"]']) {
    assert.is(leftOf(() => plain.fromBytes(topic, utf8(s)), s)._tag, 'DecodeError', s)
  }
})

test('data that is null is read as null, not as missing', () => {
  const envelope = rightOf(() => plain.fromBytes(topic, utf8('{"timestamp":"2024-01-01T00:00:00.000Z","data":null}')))
  assert.is(envelope.data, null)
})

test('an invalid timestamp is a DecodeError at timestamp', () => {
  for (const json of ['{"timestamp":"yesterday","data":1}', '{"timestamp":null,"data":1}', '{"timestamp":{},"data":1}']) {
    const error = leftOf(() => plain.fromBytes(topic, utf8(json)), json)
    assert.equal({ tag: error._tag, path: error._tag === 'DecodeError' ? error.path : '' }, { tag: 'DecodeError', path: 'timestamp' }, json)
  }
})

test('states that share a timestamp read as equal Dates, each its own; a bad one after them is still a DecodeError', () => {
  const reader = transcoder()
  const json = '{"timestamp":"2024-02-29T12:34:56.789Z","data":1}'
  const [first, second] = [rightOf(() => reader.fromText(topic, json), 'first'), rightOf(() => reader.fromText(topic, json), 'second')]
  assert.is(first.timestamp.getTime(), timestamp.getTime())
  assert.is(second.timestamp.getTime(), timestamp.getTime())
  assert.is.not(first.timestamp, second.timestamp, 'a caller may change its Date without changing the next')
  const bad = leftOf(() => reader.fromText(topic, '{"timestamp":"2024-02-30T12:34:56.789Z","data":1}'), 'bad')
  assert.equal({ tag: bad._tag, path: bad._tag === 'DecodeError' ? bad.path : '' }, { tag: 'DecodeError', path: 'timestamp' })
})

test('a timestamp that is not an ISO 8601 string is a DecodeError at timestamp', () => {
  // new Date(String(1)) is 2001-01-01, new Date('March 7, 2020') is a local time.
  for (const json of ['{"timestamp":1,"data":1}', '{"timestamp":0,"data":1}', '{"timestamp":"March 7, 2020","data":1}']) {
    const error = leftOf(() => plain.fromBytes(topic, utf8(json)), json)
    assert.is(error._tag, 'DecodeError', json)
  }
})

test('encrypted bytes read without the cipher are a CipherError that asks for the key', () => {
  const bytes = rightOf(() => sealed.toBytes(topic, data, timestamp))
  const error = leftOf(() => plain.fromBytes(topic, bytes))
  assert.is(error._tag, 'CipherError')
  assert.match(JSON.stringify(error), 'cipher key')
})

test('encrypted state starts with the encryption marker byte', () => {
  assert.is(rightOf(() => sealed.toBytes(topic, data, timestamp))[0], 0x03)
})

test('plain bytes read with a cipher are a CipherError', () => {
  const bytes = rightOf(() => plain.toBytes(topic, data, timestamp))
  assert.is(leftOf(() => sealed.fromBytes(topic, bytes))._tag, 'CipherError')
  assert.is(leftOf(() => sealed.fromBytes(topic, utf8('{}')))._tag, 'CipherError', 'short plain bytes')
})

test('fromText reads UTF-8 JSON text as fromBytes reads its bytes, errors included', () => {
  const written = text(rightOf(() => plain.toBytes(topic, data, timestamp, 3)))
  const cases = [
    written,
    '{"timestamp":"2024-01-01T00:00:00.000Z","data":null}',
    '{"timestamp":"2024-01-01T00:00:00.000Z","v":2,"data":{"é":"☕ 𝄞"}}',
    '{"timestamp":"2024-01-01T00:00:00.000Z","data":1} ',
    '{"timestamp":"2024-01-01T00:00:00.000Z","v":0,"data":1}',
    '{"timestamp":"yesterday","data":1}',
    '{"data":1}',
    '{"timestamp":',
    '{',
    '{}{}',
    '\ufeff{"timestamp":"2024-01-01T00:00:00.000Z","data":1}'
  ]
  for (const json of cases) {
    const fromText = plain.fromText(topic, json)
    assert.equal(fromText, plain.fromBytes(topic, utf8(json)), json)
  }
  assert.equal(rightOf(() => plain.fromText(topic, written)).version, 3)
})

test('fromText with a cipher is a CipherError: text is never encrypted state', () => {
  const written = text(rightOf(() => plain.toBytes(topic, data, timestamp)))
  assert.equal(leftOf(() => sealed.fromText(topic, written)), leftOf(() => sealed.fromBytes(topic, utf8(written))))
  assert.is(leftOf(() => both.fromText(topic, written))._tag, 'CipherError')
})

test('bytes encrypted with another key are a CipherError', () => {
  const bytes = rightOf(() => sealed.toBytes(topic, data, timestamp))
  assert.is(leftOf(() => transcoder({ cipher: otherCipher }).fromBytes(topic, bytes))._tag, 'CipherError')
})

test('tampered encrypted bytes are a CipherError', () => {
  const bytes = Uint8Array.from(rightOf(() => both.toBytes(topic, data, timestamp)))
  bytes[20] = (bytes[20] ?? 0) ^ 0x80
  assert.is(leftOf(() => both.fromBytes(topic, bytes))._tag, 'CipherError')
})

test('a store may mix compressed and uncompressed records: every reader reads them all', () => {
  const writers = [plain, compressed, transcoder({ compressor: brotli })]
  const readers = [plain, compressed, transcoder({ compressor: brotli })]
  for (const writer of writers) {
    const bytes = rightOf(() => writer.toBytes(topic, data, timestamp))
    for (const reader of readers) assert.equal(rightOf(() => reader.fromBytes(topic, bytes)).data, data)
  }
})

test('with encryption too, compressed and uncompressed records mix', () => {
  const bytes = rightOf(() => sealed.toBytes(topic, data, timestamp))
  assert.equal(rightOf(() => both.fromBytes(topic, bytes)).data, data)
  const squeezed = rightOf(() => both.toBytes(topic, data, timestamp))
  assert.equal(rightOf(() => sealed.fromBytes(topic, squeezed)).data, data)
})

test('compressed state starts with its compressor\'s marker byte', () => {
  assert.is(rightOf(() => compressed.toBytes(topic, data, timestamp))[0], 0x01)
  assert.is(rightOf(() => transcoder({ compressor: brotli }).toBytes(topic, data, timestamp))[0], 0x02)
  assert.is(rightOf(() => plain.toBytes(topic, data, timestamp))[0], 0x7b)
})

test('garbage after a compression marker is a CompressionError; an unknown first byte is not JSON', () => {
  assert.is(leftOf(() => plain.fromBytes(topic, Uint8Array.from([0x09, 1, 2, 3])))._tag, 'DecodeError')
  assert.is(leftOf(() => plain.fromBytes(topic, Uint8Array.from([0x01, 1, 2, 3])))._tag, 'CompressionError')
  assert.is(leftOf(() => compressed.fromBytes(topic, Uint8Array.from([0x02, 0xff, 0xff])))._tag, 'CompressionError')
})

test('the error names the topic it was reading', () => {
  const error = leftOf(() => plain.fromBytes('spec#Other.Thing', utf8('nope')))
  assert.ok(error._tag === 'DecodeError' && error.topic === 'spec#Other.Thing')
})

test('arguments of the wrong type (from untyped code) are errors, never exceptions', () => {
  for (const t of [plain, sealed, both]) {
    for (const state of [null, undefined, 'text', [123]]) {
      const error = leftOf(() => t.fromBytes(topic, state as unknown as Uint8Array), String(state))
      assert.equal(error, { _tag: 'DecodeError', topic, path: '', message: error.message }, String(state))
      assert.match(error.message, /^the stored state must be bytes, not /)
    }
    for (const stamp of ['2024-02-29T12:34:56.789Z', 1709210096789, null, undefined]) {
      const error = leftOf(() => t.toBytes(topic, data, stamp as unknown as Date), String(stamp))
      assert.is(error._tag, 'EncodeError', String(stamp))
      assert.match(error.message, /^the timestamp must be a Date, not /)
    }
  }
  for (const text of [null, undefined, 7, Buffer.from('{}')]) {
    const error = leftOf(() => plain.fromText(topic, text as unknown as string), String(text))
    assert.is(error.message, `the stored state must be text, not ${text === null ? 'null' : text instanceof Uint8Array ? 'a Uint8Array' : `a value of type ${typeof text}`}`)
  }
})

test('a Date made in another realm is a Date', async () => {
  const { runInNewContext } = await import('node:vm')
  const foreign = runInNewContext('new Date("2024-02-29T12:34:56.789Z")') as Date
  assert.not.ok(foreign instanceof Date)
  const bytes = rightOf(() => plain.toBytes(topic, data, foreign))
  assert.is(rightOf(() => plain.fromBytes(topic, bytes)).timestamp.getTime(), timestamp.getTime())
})

test('what toBytes cannot write faithfully is an EncodeError, never an exception', () => {
  const tc = transcoder()
  const throwing = {
    get x(): number {
      throw new Error('boom')
    }
  }
  const trap = new Proxy({}, { ownKeys: () => { throw new Error('trapped') } })
  for (const [what, data] of [['a getter that throws', throwing], ['a Proxy trap that throws', trap]] as const) {
    const error = leftOf(() => tc.toBytes(topic, data, timestamp), what)
    assert.is(error._tag, 'EncodeError', what)
  }
  // A schema version fromBytes would refuse is refused when written.
  for (const version of [0, -3, 1.5, Number.NaN]) {
    const error = leftOf(() => tc.toBytes(topic, { a: 1 }, timestamp, version), `version ${version}`)
    assert.is(error._tag, 'EncodeError')
    assert.match(error.message, 'schema version')
  }
  // A limit that is no number refuses every write, rather than letting through what cannot be read.
  for (const maxBytes of [Number.NaN, 0, -1, 1.5]) {
    const error = leftOf(() => transcoder({ maxBytes }).toBytes(topic, { a: 1 }, timestamp), `maxBytes ${maxBytes}`)
    assert.is(error._tag, 'EncodeError')
    assert.match(error.message, 'maxBytes')
  }
})

test.run()
