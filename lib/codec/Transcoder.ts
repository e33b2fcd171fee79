/**
 * Turns an encoded payload into stored bytes and back: JSON, then compression
 * (optional), then encryption (optional); reading runs the same steps in
 * reverse. Compressed state starts with a marker byte naming its compressor,
 * encrypted state with another (JSON starts with `{`), so every stored state
 * says how to read it. A store may mix compressed and uncompressed records:
 * turning compression on or off, or switching compressor, never makes old
 * records unreadable. Encryption does not mix: an application with a key
 * refuses plain state (nobody authenticated it), and one without a key
 * refuses encrypted state, both with `CipherError`. Encrypted state is bound
 * to its `place` (for events: originator id, version and topic) as AES-GCM
 * associated data, so ciphertext copied onto another event does not decrypt. The JSON is `{"timestamp":"<ISO 8601>","data":<payload>}`, with
 * `"v":<n>` after the timestamp when the payload's schema is at version n > 1.
 *
 * @since 0.1.0
 */
import { isUtf8 } from 'node:buffer'
import * as E from 'fp-ts/lib/Either.js'
import {
  cipherError,
  decodeError,
  encodeError,
  messageOf,
  type CipherError,
  type CompressionError,
  type DecodeError,
  type EncodeError
} from '../errors/EventfoldError.js'
import type { Cipher } from './Cipher.js'
import { typeName } from './type-name.js'
import {
  BROTLI_MARKER,
  compressor as compressorNamed,
  MAX_INFLATED_BYTES,
  ZLIB_MARKER,
  type Compressor,
  type CompressorName
} from './Compressor.js'
import { DateFromISOString, JSON_DEPTH } from './types.js'

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
  /** The schema version the data was written as; 1 when the JSON has no `v`. */
  readonly version: number
  readonly data: unknown
}

/**
 * The byte pipeline of stored state.
 *
 * @category model
 * @since 0.1.0
 */
export interface Transcoder {
  /** Whether this pipeline encrypts (it was given a cipher). */
  readonly encrypted: boolean
  /** Writes an encoded payload as stored state: JSON, then compression, then encryption. */
  readonly toBytes: (
    topic: string,
    data: unknown,
    timestamp: Date,
    version?: number,
    /** Where the state will be stored; encryption binds the state to it. */
    place?: string
  ) => E.Either<EncodeError | CipherError | CompressionError, Uint8Array>
  /** Reads stored state back into its envelope, undoing each step its marker bytes name. */
  readonly fromBytes: (
    topic: string,
    state: Uint8Array,
    /** Where the state was read from: the `place` it was written for. */
    place?: string
  ) => E.Either<DecodeError | CipherError | CompressionError, Envelope>
  /**
   * Reads stored state that the store handed over as text: the UTF-8 JSON of
   * plain state, already decoded (PostgreSQL reads it so). What
   * {@link fromBytes} gives for those bytes, without encoding the text back
   * into bytes to decode it again. Compressed and encrypted state is never
   * text, so a pipeline with a cipher refuses it, as it refuses plain bytes.
   */
  readonly fromText: (topic: string, text: string) => E.Either<DecodeError | CipherError, Envelope>
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
  /**
   * The most bytes of JSON one state may take, before compression and
   * encryption; a larger one is refused with `EncodeError`.
   * {@link DEFAULT_MAX_STATE_BYTES} by default, and never more than
   * `MAX_INFLATED_BYTES`, so that whatever is written can be read back. One
   * that is not a positive integer makes every write an `EncodeError`.
   */
  readonly maxBytes?: number | undefined
}

/**
 * The default limit on one state's JSON: 4 MiB. Every store takes a state
 * this large: MariaDB's default `max_allowed_packet` (16 MiB) holds it twice
 * over, as mysql2 sends bytes as hex.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_MAX_STATE_BYTES = 4 * 1024 * 1024

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Why a value would not read back as it was written, or `undefined` if it
 * would. JSON.stringify writes NaN and the infinities as null, -0 as 0, drops undefined
 * members and functions, and throws on cycles and bigints. One walk here is
 * much cheaper than a replacer, which forces JSON.stringify off its fast path.
 *
 * @category utils
 * @since 0.1.0
 */
export const unfaithfulJson = (value: unknown, depth = 0): string | undefined => {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined
    case 'number':
      if (!Number.isFinite(value)) return `${value} is not a JSON number`
      // JSON writes -0 as 0, and a fold may tell them apart (1 / -0 is -Infinity).
      return Object.is(value, -0) ? '-0 is written as 0' : undefined
    case 'object': {
      if (value === null) return undefined
      // A cycle also ends here, without the cost of tracking what was seen.
      if (depth > JSON_DEPTH) return `nested deeper than ${JSON_DEPTH} levels, or a cycle`
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return 'a value with toJSON (such as a Date): encode it with a codec'
      if (Array.isArray(value)) {
        if (Object.keys(value).length !== value.length) return 'an array with holes or named members'
        for (const member of value) {
          const why = unfaithfulJson(member, depth + 1)
          if (why !== undefined) return why
        }
        return undefined
      }
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return 'an instance of a class (Map, Set, Uint8Array…): encode it with a codec'
      for (const key in value) {
        const why = unfaithfulJson((value as Record<string, unknown>)[key], depth + 1)
        if (why !== undefined) return why
      }
      return undefined
    }
    default:
      return `${typeof value} is not a JSON value`
  }
}


// Readers decompress whatever the marker names, so these exist even when no
// compressor is configured.
/**
 * The first byte of encrypted state.
 *
 * @category constants
 * @since 0.1.0
 */
export const ENCRYPTED_MARKER = 0x03

// Fatal: malformed UTF-8 is a decode error, not text quietly patched with U+FFFD.
// One pass that checks and decodes costs less than isUtf8 and then toString.
// ignoreBOM keeps a byte-order mark in the text, where JSON.parse refuses it.
// A Node built without ICU has no fatal TextDecoder: there, check, then decode.
const utf8 = ((): { readonly decode: (bytes: Uint8Array) => string } => {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  } catch {
    return {
      decode: (bytes) => {
        if (!isUtf8(bytes)) throw new TypeError('not UTF-8')
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
      }
    }
  }
})()

const notJson = (topic: string): DecodeError => decodeError(topic, '', 'the stored state is not UTF-8 JSON')

// Plain state in an encrypted store would be state nobody authenticated.
const notEncrypted = (): CipherError => cipherError('this state is not encrypted, and this application requires encryption')

const lazy = (name: CompressorName): (() => Compressor) => {
  let made: Compressor | undefined
  return () => (made ??= (compressorNamed(name) as E.Right<Compressor>).right)
}
const zlib = lazy('zlib')
const brotli = lazy('brotli')

/**
 * Builds the byte pipeline.
 *
 * @category constructors
 * @since 0.1.0
 */
export const transcoder = (options: TranscoderOptions = {}): Transcoder => {
  const { cipher, compressor } = options
  const maxBytes = Math.min(options.maxBytes ?? DEFAULT_MAX_STATE_BYTES, MAX_INFLATED_BYTES)
  // A limit that is no number (NaN compares false both ways) would let through what cannot be read back.
  const badLimit =
    Number.isSafeInteger(maxBytes) && maxBytes > 0 ? undefined : `maxBytes must be a positive integer, not ${String(options.maxBytes)}: nothing is written`
  // A save stamps all its events with one Date, and toISOString costs more than
  // the JSON of a small event: format each instant once.
  let lastTime = NaN
  let lastIso = ''
  const iso = (timestamp: Date): string => {
    const time = timestamp.getTime()
    if (time !== lastTime) {
      lastIso = timestamp.toISOString()
      lastTime = time
    }
    return lastIso
  }
  // Events read together mostly share a timestamp (one save stamps them all):
  // parse each string once, and hand out a fresh Date every time. A Date or
  // undefined, not an Either: every event read passes here, and the Right
  // was an allocation of its own.
  let lastIn = ''
  let lastInTime = 0
  const parseTimestamp = (value: unknown): Date | undefined => {
    if (value === lastIn) return new Date(lastInTime)
    const decoded = DateFromISOString.decode(value)
    if (E.isLeft(decoded)) return undefined
    lastIn = value as string
    lastInTime = decoded.right.getTime()
    return decoded.right
  }
  const envelopeOf = (topic: string, text: string): E.Either<DecodeError, Envelope> => {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return E.left(notJson(topic))
    }
    if (typeof parsed !== 'object' || parsed === null || !('timestamp' in parsed) || !('data' in parsed)) {
      return E.left(decodeError(topic, '', 'the stored state has no timestamp and data'))
    }
    const timestamp = parseTimestamp(parsed.timestamp)
    if (timestamp === undefined) return E.left(decodeError(topic, 'timestamp', 'not an ISO 8601 date'))
    const version = 'v' in parsed ? parsed.v : 1
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
      return E.left(decodeError(topic, 'v', 'the schema version is not a positive integer'))
    }
    return E.right({ timestamp, version, data: parsed.data })
  }
  return {
    encrypted: cipher !== undefined,
    toBytes: (topic, data, timestamp, version = 1, place) => {
      if (badLimit !== undefined) return E.left(encodeError(topic, badLimit))
      // Any realm's Date: instanceof would refuse one made in another vm context.
      if (Object.prototype.toString.call(timestamp) !== '[object Date]') return E.left(encodeError(topic, `the timestamp must be a Date, not ${typeName(timestamp)}`))
      if (Number.isNaN(timestamp.getTime())) return E.left(encodeError(topic, 'the timestamp is an invalid Date'))
      // What fromBytes would refuse to read back is refused here.
      if (!Number.isSafeInteger(version) || version < 1) return E.left(encodeError(topic, `the schema version ${version} is not a positive integer`))
      let json: string
      try {
        const why = unfaithfulJson(data)
        if (why !== undefined) return E.left(encodeError(topic, `the encoded event is not faithful JSON: ${why}`))
        // Version 1 writes no `v`, so data from before a type had versions reads the same.
        json = JSON.stringify(version === 1 ? { timestamp: iso(timestamp), data } : { timestamp: iso(timestamp), v: version, data })
      } catch (e) {
        // A getter or a Proxy trap that throws, or JSON longer than a string can be.
        return E.left(encodeError(topic, `the encoded event cannot be written as JSON: ${messageOf(e)}`))
      }
      // A UTF-16 unit takes at most three bytes of UTF-8: most states pass on the cheap test.
      const size = json.length > maxBytes / 3 ? Buffer.byteLength(json, 'utf8') : 0
      if (size > maxBytes) return E.left(encodeError(topic, `the event is ${size} bytes of JSON; at most ${maxBytes} (the maxStateBytes option)`))
      let bytes: Uint8Array = Buffer.from(json, 'utf8')
      if (compressor !== undefined) {
        const compressed = compressor.compress(bytes)
        if (E.isLeft(compressed)) return compressed
        const marked = new Uint8Array(compressed.right.length + 1)
        marked[0] = compressor.marker
        marked.set(compressed.right, 1)
        bytes = marked
      }
      if (cipher === undefined) return E.right(bytes)
      const sealed = cipher.encrypt(bytes, place === undefined ? undefined : Buffer.from(place, 'utf8'))
      if (E.isLeft(sealed)) return sealed
      const marked = new Uint8Array(sealed.right.length + 1)
      marked[0] = ENCRYPTED_MARKER
      marked.set(sealed.right, 1)
      return E.right(marked)
    },
    fromBytes: (topic, state, place) => {
      if (!(state instanceof Uint8Array)) return E.left(decodeError(topic, '', `the stored state must be bytes, not ${typeName(state)}`))
      let bytes = state
      if (cipher !== undefined) {
        if (bytes[0] !== ENCRYPTED_MARKER) return E.left(notEncrypted())
        const plain = cipher.decrypt(bytes.subarray(1), place === undefined ? undefined : Buffer.from(place, 'utf8'))
        if (E.isLeft(plain)) return plain
        bytes = plain.right
      } else if (bytes[0] === ENCRYPTED_MARKER) {
        return E.left(cipherError('this state is encrypted: give the application its cipher key'))
      }
      const first = bytes[0]
      if (first === ZLIB_MARKER || first === BROTLI_MARKER) {
        const inflated = (first === ZLIB_MARKER ? zlib : brotli)().decompress(bytes.subarray(1))
        if (E.isLeft(inflated)) return inflated
        bytes = inflated.right
      }
      let text: string
      try {
        text = utf8.decode(bytes)
      } catch {
        return E.left(notJson(topic))
      }
      return envelopeOf(topic, text)
    },
    fromText: (topic, text) =>
      typeof text !== 'string'
        ? E.left(decodeError(topic, '', `the stored state must be text, not ${typeName(text)}`))
        : cipher === undefined
          ? envelopeOf(topic, text)
          : E.left(notEncrypted())
  }
}
