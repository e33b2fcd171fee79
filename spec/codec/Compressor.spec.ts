import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { compressor, MAX_INFLATED_BYTES, type Compressor } from '../../lib/codec/Compressor.js'
import { guard } from '../support/hooks.js'
import { leftOf, rightOf } from '../support/decider.js'

interface Context {
  zlib?: Compressor
  brotli?: Compressor
  /** 100 MB of zeros, deflated: a few hundred kilobytes that would inflate past the limit. */
  zlibBomb?: Uint8Array
  /** The same, with brotli. */
  brotliBomb?: Uint8Array
}

const BOMB_BYTES = 100 * 1024 * 1024

const text = new TextEncoder().encode(JSON.stringify({ timestamp: '2024-01-01T00:00:00.000Z', data: { a: 'x'.repeat(1000) } }))

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

const test = suite<Context>('Compressor', {})

test.before(
  guard<Context>('build the compressors and the bombs', (context) => {
    context.zlib = rightOf(() => compressor('zlib'))
    context.brotli = rightOf(() => compressor('brotli'))
    const zeros = Buffer.alloc(BOMB_BYTES)
    // The fastest settings: the bombs are small enough as it is.
    context.zlibBomb = deflateSync(zeros, { level: 1 })
    context.brotliBomb = brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } })
  })
)

const both = (context: Context): ReadonlyArray<Compressor> => {
  const { zlib, brotli } = context
  if (zlib === undefined || brotli === undefined) throw new Error('the compressors were not built')
  return [zlib, brotli]
}

test('the compressors carry their names', (context) => {
  assert.equal(
    both(context).map((c) => c.name),
    ['zlib', 'brotli']
  )
})

test('zlib and brotli round-trip, and shrink repetitive text', (context) => {
  for (const c of both(context)) {
    const compressed = rightOf(() => c.compress(text), `${c.name} compress`)
    assert.ok(compressed.length < text.length / 4, `${c.name}: ${compressed.length} bytes from ${text.length}`)
    assert.ok(same(rightOf(() => c.decompress(compressed), `${c.name} decompress`), text), c.name)
  }
})

test('empty bytes round-trip', (context) => {
  for (const c of both(context)) {
    const compressed = rightOf(() => c.compress(new Uint8Array(0)), c.name)
    assert.is(rightOf(() => c.decompress(compressed), c.name).length, 0, c.name)
  }
})

test('zlib writes the deflate format that node:zlib reads', (context) => {
  const [zlib] = both(context)
  assert.ok(zlib !== undefined)
  assert.ok(same(rightOf(() => zlib.decompress(deflateSync(text))), text))
})

test('garbage bytes are a CompressionError', (context) => {
  const garbage = new TextEncoder().encode('this is not compressed at all, not even a little')
  for (const c of both(context)) {
    for (const bytes of [garbage, Uint8Array.of(0xff, 0xff, 0xff, 0xff), new Uint8Array(0)]) {
      assert.is(leftOf(() => c.decompress(bytes), `${c.name}: ${bytes.length} bytes`)._tag, 'CompressionError', c.name)
    }
  }
})

test('truncated compressed bytes are a CompressionError', (context) => {
  for (const c of both(context)) {
    const compressed = rightOf(() => c.compress(text))
    const error = leftOf(() => c.decompress(compressed.subarray(0, compressed.length - 4)), c.name)
    assert.is(error._tag, 'CompressionError', c.name)
  }
})

test('each compressor refuses what the other one wrote, and gzip', (context) => {
  const [zlib, brotli] = both(context)
  assert.ok(zlib !== undefined && brotli !== undefined)
  assert.is(leftOf(() => zlib.decompress(rightOf(() => brotli.compress(text))))._tag, 'CompressionError')
  assert.is(leftOf(() => brotli.decompress(rightOf(() => zlib.compress(text))))._tag, 'CompressionError')
  assert.is(leftOf(() => zlib.decompress(gzipSync(text)))._tag, 'CompressionError')
})

test('a decompression bomb (100 MB of zeros) is a CompressionError, not a crash', (context) => {
  const [zlib, brotli] = both(context)
  const { zlibBomb, brotliBomb } = context
  assert.ok(zlib !== undefined && brotli !== undefined && zlibBomb !== undefined && brotliBomb !== undefined)
  assert.ok(zlibBomb.length < 1024 * 1024 && brotliBomb.length < 1024 * 1024, 'the bombs are small')
  const zlibError = leftOf(() => zlib.decompress(zlibBomb), 'zlib bomb')
  assert.is(zlibError._tag, 'CompressionError')
  assert.match(zlibError.message, /^decompression failed/)
  assert.is(leftOf(() => brotli.decompress(brotliBomb), 'brotli bomb')._tag, 'CompressionError')
})

test('the limit is MAX_INFLATED_BYTES: exactly that much inflates, one byte more does not', (context) => {
  const [zlib] = both(context)
  assert.ok(zlib !== undefined)
  assert.is(MAX_INFLATED_BYTES, 64 * 1024 * 1024)
  const atLimit = rightOf(() => zlib.decompress(deflateSync(Buffer.alloc(MAX_INFLATED_BYTES), { level: 1 })))
  assert.is(atLimit.length, MAX_INFLATED_BYTES)
  leftOf(() => zlib.decompress(deflateSync(Buffer.alloc(MAX_INFLATED_BYTES + 1), { level: 1 })))
})

test('an unknown compressor is an InvalidConfig', () => {
  for (const name of ['gzip', 'ZLIB', 'lz4', '', ' zlib']) {
    const error = leftOf(() => compressor(name), JSON.stringify(name))
    assert.is(error._tag, 'InvalidConfig')
    assert.match(error.message, JSON.stringify(name))
  }
})

test.run()
