/**
 * AES-GCM encryption of stored state, with a key of 16, 24 or 32 random bytes
 * given as base64. The stored form is `nonce (12 bytes) | ciphertext | tag (16
 * bytes)`; a wrong key or a changed byte fails authentication.
 *
 * @since 0.1.0
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto'
import * as E from 'fp-ts/lib/Either.js'
import { cipherError, invalidConfig, type CipherError, type InvalidConfig } from '../errors/EventfoldError.js'
import { typeName } from './type-name.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Encrypts and decrypts bytes. Both return `Either`; neither throws.
 *
 * @category model
 * @since 0.1.0
 */
export interface Cipher {
  /** Seals bytes under a fresh random nonce: `nonce | ciphertext | tag`. */
  readonly encrypt: (plain: Uint8Array, associated?: Uint8Array) => E.Either<CipherError, Uint8Array>
  /** Opens sealed bytes; a wrong key or a changed byte fails authentication. */
  readonly decrypt: (sealed: Uint8Array, associated?: Uint8Array) => E.Either<CipherError, Uint8Array>
}

const NONCE = 12
const TAG = 16
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Makes a key: `n` random bytes (16, 24 or 32) as base64. Keep it safe.
 *
 * @example
 * import { encodedRandomBytes } from 'eventfold'
 * const cipherKey = encodedRandomBytes(32)
 *
 * @category constructors
 * @since 0.1.0
 */
export const encodedRandomBytes = (n: 16 | 24 | 32 = 32): string => randomBytes(n).toString('base64')

/**
 * An AES-GCM cipher from a base64 key of 16, 24 or 32 bytes.
 *
 * @category constructors
 * @since 0.1.0
 */
export const aesGcm = (base64Key: string): E.Either<InvalidConfig, Cipher> => {
  // Untyped callers: a Buffer or nothing at all is a key error, not a TypeError.
  if (typeof base64Key !== 'string') return E.left(invalidConfig(`the cipher key must be a base64 string, not ${typeName(base64Key)}`))
  const trimmed = base64Key.trim()
  if (!BASE64.test(trimmed) || trimmed.length === 0) {
    return E.left(invalidConfig('the cipher key is not base64'))
  }
  const key = Buffer.from(trimmed, 'base64')
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    return E.left(
      invalidConfig(`the cipher key must be 16, 24 or 32 bytes of base64; this one is ${key.length} bytes`)
    )
  }
  const algorithm = `aes-${key.length * 8}-gcm` as CipherGCMTypes
  return E.right({
    encrypt: (plain, associated) =>
      E.tryCatch(
        () => {
          const nonce = randomBytes(NONCE)
          const cipher = createCipheriv(algorithm, key, nonce)
          if (associated !== undefined) cipher.setAAD(associated)
          const body = Buffer.concat([cipher.update(plain), cipher.final()])
          return Buffer.concat([nonce, body, cipher.getAuthTag()])
        },
        (e) => cipherError(`encryption failed: ${String(e)}`)
      ),
    decrypt: (sealed, associated) => {
      if (!(sealed instanceof Uint8Array)) return E.left(cipherError(`the stored state must be bytes, not ${typeName(sealed)}`))
      if (sealed.length < NONCE + TAG) {
        return E.left(cipherError('the stored state is too short to be encrypted (truncated, or not encrypted)'))
      }
      return E.tryCatch(
        () => {
          const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)
          const decipher = createDecipheriv(algorithm, key, bytes.subarray(0, NONCE))
          decipher.setAuthTag(bytes.subarray(bytes.length - TAG))
          if (associated !== undefined) decipher.setAAD(associated)
          return Buffer.concat([decipher.update(bytes.subarray(NONCE, bytes.length - TAG)), decipher.final()])
        },
        () => cipherError('decryption failed: wrong key, or the stored bytes were changed or moved to another event')
      )
    }
  })
}
