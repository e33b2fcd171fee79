import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aesGcm, encodedRandomBytes, type Cipher } from '../../lib/codec/Cipher.js'
import { leftOf, rightOf } from '../support/decider.js'

const NONCE = 12
const TAG = 16

const text = new TextEncoder().encode('{"timestamp":"2024-01-01T00:00:00.000Z","data":{"a":1}}')

const cipherOf = (key: string): Cipher => rightOf(() => aesGcm(key), 'aesGcm')

/** A copy of the bytes with one bit flipped. */
const flip = (bytes: Uint8Array, index: number): Uint8Array => {
  const copy = Uint8Array.from(bytes)
  copy[index] = (copy[index] ?? 0) ^ 0x01
  return copy
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

const test = suite('Cipher')

test('encodedRandomBytes gives base64 of the requested number of random bytes', () => {
  for (const [n, length] of [
    [16, 24],
    [24, 32],
    [32, 44]
  ] as const) {
    const key = encodedRandomBytes(n)
    assert.is(key.length, length, `${n} bytes`)
    assert.match(key, /^[A-Za-z0-9+/]+={0,2}$/)
    assert.is(Buffer.from(key, 'base64').length, n)
  }
  assert.is(Buffer.from(encodedRandomBytes(), 'base64').length, 32, 'the default is 32 bytes')
  assert.is.not(encodedRandomBytes(), encodedRandomBytes())
})

test('encryption round-trips with 16, 24 and 32-byte keys', () => {
  for (const n of [16, 24, 32] as const) {
    const cipher = cipherOf(encodedRandomBytes(n))
    const sealed = rightOf(() => cipher.encrypt(text), `encrypt with ${n} bytes`)
    assert.ok(same(rightOf(() => cipher.decrypt(sealed), `decrypt with ${n} bytes`), text), `${n}-byte key`)
  }
})

test('the sealed bytes are nonce, ciphertext and tag, and do not show the text', () => {
  const sealed = rightOf(() => cipherOf(encodedRandomBytes()).encrypt(text))
  assert.is(sealed.length, NONCE + text.length + TAG)
  assert.not.ok(Buffer.from(sealed).includes('timestamp'))
})

test('an empty text round-trips', () => {
  const cipher = cipherOf(encodedRandomBytes())
  const sealed = rightOf(() => cipher.encrypt(new Uint8Array(0)))
  assert.is(sealed.length, NONCE + TAG)
  assert.is(rightOf(() => cipher.decrypt(sealed)).length, 0)
})

test('two encryptions of the same text differ (a random nonce each time)', () => {
  const cipher = cipherOf(encodedRandomBytes())
  const one = rightOf(() => cipher.encrypt(text))
  const two = rightOf(() => cipher.encrypt(text))
  assert.not.ok(same(one, two))
  assert.not.ok(same(one.subarray(0, NONCE), two.subarray(0, NONCE)), 'the nonces differ')
})

test('a cipher made from the same key decrypts what another encrypted', () => {
  const key = encodedRandomBytes()
  const sealed = rightOf(() => cipherOf(key).encrypt(text))
  assert.ok(same(rightOf(() => cipherOf(key).decrypt(sealed)), text))
})

test('decryption reads a view into a larger buffer', () => {
  const cipher = cipherOf(encodedRandomBytes())
  const sealed = rightOf(() => cipher.encrypt(text))
  const larger = new Uint8Array(sealed.length + 10)
  larger.set(sealed, 7)
  const view = larger.subarray(7, 7 + sealed.length)
  assert.ok(same(rightOf(() => cipher.decrypt(view)), text))
})

test('a wrong key is a CipherError', () => {
  const sealed = rightOf(() => cipherOf(encodedRandomBytes(32)).encrypt(text))
  for (const n of [16, 24, 32] as const) {
    const error = leftOf(() => cipherOf(encodedRandomBytes(n)).decrypt(sealed), `decrypt with another ${n}-byte key`)
    assert.is(error._tag, 'CipherError')
  }
})

test('a flipped bit in the nonce, the body or the tag is a CipherError', () => {
  const cipher = cipherOf(encodedRandomBytes())
  const sealed = rightOf(() => cipher.encrypt(text))
  const places = { 'nonce start': 0, 'nonce end': NONCE - 1, body: NONCE + 5, tag: sealed.length - 1 }
  for (const [where, index] of Object.entries(places)) {
    assert.is(leftOf(() => cipher.decrypt(flip(sealed, index)), where)._tag, 'CipherError', where)
  }
})

test('truncated bytes are a CipherError', () => {
  const cipher = cipherOf(encodedRandomBytes())
  const sealed = rightOf(() => cipher.encrypt(text))
  for (const length of [0, 1, NONCE, NONCE + TAG - 1, NONCE + TAG, sealed.length - 1]) {
    assert.is(leftOf(() => cipher.decrypt(sealed.subarray(0, length)), `${length} bytes`)._tag, 'CipherError')
  }
  assert.is(leftOf(() => cipher.decrypt(sealed.subarray(1)), 'without its first byte')._tag, 'CipherError')
})

test('plain text is a CipherError, not garbage', () => {
  const cipher = cipherOf(encodedRandomBytes())
  assert.is(leftOf(() => cipher.decrypt(text))._tag, 'CipherError')
})

test('a key of the wrong length is an InvalidConfig', () => {
  for (const n of [0, 1, 15, 17, 31, 33, 64]) {
    const key = Buffer.alloc(n, 7).toString('base64')
    const error = leftOf(() => aesGcm(key), `a ${n}-byte key`)
    assert.is(error._tag, 'InvalidConfig', `a ${n}-byte key`)
  }
})

test('a key that is not base64 is an InvalidConfig', () => {
  const good = encodedRandomBytes(16)
  for (const key of ['', '   ', 'not base64 at all!', good.replace(/=+$/, '') + '!', good.slice(0, -2), `${good.slice(0, 10)}-_${good.slice(12)}`]) {
    assert.is(leftOf(() => aesGcm(key), JSON.stringify(key))._tag, 'InvalidConfig', JSON.stringify(key))
  }
})

test('a key that is no string (from untyped code) is an InvalidConfig that does not show it', () => {
  const raw = Buffer.alloc(32, 7)
  for (const key of [undefined, null, raw, 32, { key: 'x' }]) {
    const error = leftOf(() => aesGcm(key as unknown as string), String(key))
    assert.is(error._tag, 'InvalidConfig', String(key))
    assert.match(error.message, /^the cipher key must be a base64 string, not /)
  }
  assert.is(leftOf(() => aesGcm(raw as unknown as string)).message, 'the cipher key must be a base64 string, not a Uint8Array')
})

test('sealed state that is not bytes (from untyped code) is a CipherError, not an exception', () => {
  const cipher = cipherOf(encodedRandomBytes())
  for (const sealed of [null, undefined, 'text', [1, 2, 3]]) {
    const error = leftOf(() => cipher.decrypt(sealed as unknown as Uint8Array), String(sealed))
    assert.is(error._tag, 'CipherError', String(sealed))
    assert.match(error.message, /^the stored state must be bytes, not /)
  }
})

test('a key surrounded by white space is read without it', () => {
  const key = encodedRandomBytes()
  const sealed = rightOf(() => cipherOf(key).encrypt(text))
  assert.ok(same(rightOf(() => cipherOf(`  ${key}\n`).decrypt(sealed)), text))
})

test.run()
