/**
 * Turns an encoded payload into stored bytes and back: JSON, then compression
 * (optional), then encryption (optional); reading runs the same steps in
 * reverse. The JSON is `{"timestamp":"<ISO 8601>","data":<payload>}`.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/Either'
import {
  decodeError,
  encodeError,
  type CipherError,
  type CompressionError,
  type DecodeError,
  type EncodeError
} from '../errors/EventfoldError.js'
import type { Cipher } from './Cipher.js'
import type { Compressor } from './Compressor.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What a stored state holds before its payload is decoded.
 *
 * @category model
 * @since 0.1.0
 */
export interface Envelope {
  readonly timestamp: Date
  readonly data: unknown
}

/**
 * The byte pipeline of stored state.
 *
 * @category model
 * @since 0.1.0
 */
export interface Transcoder {
  readonly encrypted: boolean
  readonly toBytes: (
    topic: string,
    data: unknown,
    timestamp: Date
  ) => E.Either<EncodeError | CipherError | CompressionError, Uint8Array>
  readonly fromBytes: (
    topic: string,
    state: Uint8Array
  ) => E.Either<DecodeError | CipherError | CompressionError, Envelope>
}

/**
 * Options of the byte pipeline.
 *
 * @category model
 * @since 0.1.0
 */
export interface TranscoderOptions {
  readonly cipher?: Cipher | undefined
  readonly compressor?: Compressor | undefined
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

class NotJson extends Error {}

// JSON.stringify would write NaN and the infinities as null, and drop
// undefined members: data that would not read back as it was written.
const strict = (_key: string, value: unknown): unknown => {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new NotJson(`${value} is not a JSON number`)
  if (value === undefined) throw new NotJson('undefined is not a JSON value')
  return value
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Builds the byte pipeline.
 *
 * @category constructors
 * @since 0.1.0
 */
export const transcoder = (options: TranscoderOptions = {}): Transcoder => {
  const { cipher, compressor } = options
  return {
    encrypted: cipher !== undefined,
    toBytes: (topic, data, timestamp) => {
      let json: string
      try {
        json = JSON.stringify({ timestamp: timestamp.toISOString(), data }, strict)
      } catch (e) {
        return E.left(encodeError(topic, e instanceof Error ? e.message : String(e)))
      }
      let bytes: Uint8Array = encoder.encode(json)
      if (compressor !== undefined) {
        const compressed = compressor.compress(bytes)
        if (E.isLeft(compressed)) return compressed
        bytes = compressed.right
      }
      return cipher === undefined ? E.right(bytes) : cipher.encrypt(bytes)
    },
    fromBytes: (topic, state) => {
      let bytes = state
      if (cipher !== undefined) {
        const plain = cipher.decrypt(bytes)
        if (E.isLeft(plain)) return plain
        bytes = plain.right
      }
      if (compressor !== undefined) {
        const inflated = compressor.decompress(bytes)
        if (E.isLeft(inflated)) return inflated
        bytes = inflated.right
      }
      let parsed: unknown
      try {
        parsed = JSON.parse(decoder.decode(bytes))
      } catch {
        return E.left(decodeError(topic, '', 'the stored state is not UTF-8 JSON'))
      }
      if (typeof parsed !== 'object' || parsed === null || !('timestamp' in parsed) || !('data' in parsed)) {
        return E.left(decodeError(topic, '', 'the stored state has no timestamp and data'))
      }
      const timestamp = new Date(String(parsed.timestamp))
      if (Number.isNaN(timestamp.getTime())) return E.left(decodeError(topic, 'timestamp', 'not an ISO 8601 date'))
      return E.right({ timestamp, data: parsed.data })
    }
  }
}
