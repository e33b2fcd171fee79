/**
 * Optional compression of stored state, with `node:zlib`.
 *
 * @since 0.1.0
 */
import { brotliCompressSync, brotliDecompressSync, deflateSync, inflateSync, constants } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import { compressionError, invalidConfig, type CompressionError, type InvalidConfig } from '../errors/EventfoldError.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Compresses and decompresses bytes; neither throws.
 *
 * @category model
 * @since 0.1.0
 */
export interface Compressor {
  readonly name: CompressorName
  /** The byte that marks state compressed by this compressor. */
  readonly marker: number
  /** Compresses bytes. */
  readonly compress: (bytes: Uint8Array) => E.Either<CompressionError, Uint8Array>
  /** Decompresses bytes, refusing output beyond {@link MAX_INFLATED_BYTES}. */
  readonly decompress: (bytes: Uint8Array) => E.Either<CompressionError, Uint8Array>
}

/**
 * The compressors eventfold offers.
 *
 * @category model
 * @since 0.1.0
 */
export type CompressorName = 'zlib' | 'brotli'

/**
 * The largest state a decompression may produce, so that a small malicious
 * record cannot exhaust memory (a decompression bomb).
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024

/**
 * The first byte of zlib-compressed state. JSON state starts with `{`, so
 * every stored state says how to read it, whatever the reader's settings.
 *
 * @category constants
 * @since 0.1.0
 */
export const ZLIB_MARKER = 0x01

/**
 * The first byte of brotli-compressed state.
 *
 * @category constants
 * @since 0.1.0
 */
export const BROTLI_MARKER = 0x02

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const wrap =
  (what: string, f: (bytes: Uint8Array) => Uint8Array) =>
  (bytes: Uint8Array): E.Either<CompressionError, Uint8Array> =>
    E.tryCatch(
      () => f(bytes),
      (e) => compressionError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`)
    )

/**
 * A compressor by name: `zlib` (deflate) or `brotli`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const compressor = (name: string): E.Either<InvalidConfig, Compressor> => {
  switch (name) {
    case 'zlib':
      return E.right({
        name,
        marker: ZLIB_MARKER,
        compress: wrap('compression', (b) => deflateSync(b)),
        decompress: wrap('decompression', (b) => inflateSync(b, { maxOutputLength: MAX_INFLATED_BYTES }))
      })
    case 'brotli':
      return E.right({
        name,
        marker: BROTLI_MARKER,
        compress: wrap('compression', (b) =>
          brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
        ),
        decompress: wrap('decompression', (b) => brotliDecompressSync(b, { maxOutputLength: MAX_INFLATED_BYTES }))
      })
    default:
      return E.left(invalidConfig(`unknown compressor ${JSON.stringify(name)}: use zlib or brotli`))
  }
}
