/**
 * Upcasting: reading events stored in an older shape as the newest one. Each
 * version of an event type has a codec; pure functions lift version 1 to 2, 2
 * to 3, and so on. Stored events are never rewritten: old ones are lifted on
 * every read. Each step's result is checked by the codec of the version it
 * claims to be, so a faulty upcaster is a `DecodeError` that names the step,
 * not a wrong state.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { decodeError, type DecodeError } from '../errors/EventfoldError.js'
import { decodesToItself } from './identity.js'
import { fromValidation, thrownMessage } from './validation.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * One version's codec and, but for the newest, the step to the next version.
 *
 * @category model
 * @since 0.1.0
 */
interface Version {
  readonly codec: t.Type<unknown, unknown, unknown>
  readonly up?: (value: unknown) => unknown
}

/** How to decode one version: by `is` alone where that gives what `decode` would (see identity.ts). */
const decoderOf = (codec: t.Type<unknown, unknown, unknown>): ((data: unknown) => t.Validation<unknown>) => {
  if (!decodesToItself(codec)) return (data) => codec.decode(data)
  return (data) => (codec.is(data) ? E.right(data) : codec.decode(data))
}

/**
 * The versions of one event (or state) type, oldest first; `A` is the newest
 * shape.
 *
 * @category model
 * @since 0.1.0
 */
export interface Upcaster<A> {
  /** The newest version, which is what new events are written as. */
  readonly version: number
  /** The newest version's codec. */
  readonly codec: t.Type<A, unknown, unknown>
  /**
   * Reads data stored at `version` and lifts it to the newest shape. With
   * `quote` false, an error names what was expected but quotes neither the
   * data nor what a codec or step threw (eventfold passes false for data that
   * was stored encrypted; a reader written by hand should do the same).
   */
  readonly read: (topic: string, version: number, data: unknown, quote?: boolean) => E.Either<DecodeError, A>
  /** Adds a newer version: its codec, and the step from the current newest. */
  readonly to: <B>(codec: t.Type<B, unknown, unknown>, up: (previous: A) => B) => Upcaster<B>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const chain = <A>(versions: ReadonlyArray<Version>): Upcaster<A> => {
  const decoders = versions.map((v) => decoderOf(v.codec))
  return {
    version: versions.length,
    codec: (versions[versions.length - 1] as Version).codec as t.Type<A, unknown, unknown>,
    read: (topic, version, data, quote = true) => {
      const start = versions[version - 1]
      if (!Number.isSafeInteger(version) || start === undefined) {
        return E.left(decodeError(topic, '', `stored version ${version} is not one of versions 1 to ${versions.length} this code knows`))
      }
      let validation: t.Validation<unknown>
      try {
        validation = (decoders[version - 1] as (data: unknown) => t.Validation<unknown>)(data)
      } catch (e) {
        // A codec that throws is a defect in the codec: report it like any other failure to decode.
        return E.left(decodeError(topic, '', `the codec ${start.codec.name} threw: ${thrownMessage(e, quote)}`))
      }
      // A Right needs no reading: fromValidation's closure would cost an allocation per event.
      const decoded = E.isRight(validation) ? validation : fromValidation(topic, quote)(validation)
      if (E.isLeft(decoded)) {
        // An old version's failure says which version it was read as.
        return version === versions.length
          ? decoded
          : E.left({ ...decoded.left, message: `as version ${version}: ${decoded.left.message}` })
      }
      if (version === versions.length) return decoded as E.Either<DecodeError, A>
      let value: unknown = decoded.right
      for (let v = version; v < versions.length; v++) {
        const step = versions[v - 1]?.up
        const target = versions[v]?.codec
        if (step === undefined || target === undefined) break
        try {
          value = step(value)
        } catch (e) {
          return E.left(decodeError(topic, `upcast v${v}→v${v + 1}`, `the upcaster threw: ${thrownMessage(e, quote)}`))
        }
        let fits: boolean
        try {
          fits = target.is(value)
        } catch (e) {
          return E.left(decodeError(topic, `upcast v${v}→v${v + 1}`, `the codec ${target.name} threw: ${thrownMessage(e, quote)}`))
        }
        if (!fits) {
          return E.left(decodeError(topic, `upcast v${v}→v${v + 1}`, `the upcaster's result does not fit ${target.name}`))
        }
      }
      return E.right(value as A)
    },
    to: <B>(codec: t.Type<B, unknown, unknown>, up: (previous: A) => B) =>
      chain<B>([
        ...versions.slice(0, -1),
        { codec: (versions[versions.length - 1] as Version).codec, up: up as (value: unknown) => unknown },
        { codec: codec as t.Type<unknown, unknown, unknown> }
      ])
  }
}

/**
 * Starts the versions of a type with the codec of its first stored shape.
 *
 * @example
 * import * as t from 'io-ts'
 * import { upcast } from 'eventfold'
 * const V1 = t.type({ name: t.string })
 * const V2 = t.type({ name: t.string, email: t.string })
 * const Registered = upcast(V1).to(V2, (v1) => ({ ...v1, email: 'unknown' }))
 * Registered.version // 2
 * Registered.read('Registered', 1, { name: 'Ada' }) // Right({ name: 'Ada', email: 'unknown' })
 *
 * @category constructors
 * @since 0.1.0
 */
export const upcast = <A>(first: t.Type<A, unknown, unknown>): Upcaster<A> =>
  chain<A>([{ codec: first as t.Type<unknown, unknown, unknown> }])

/**
 * The single version of a type that has never changed: its codec.
 *
 * @category constructors
 * @since 0.1.0
 */
export const current = <A>(codec: t.Type<A, unknown, unknown>): Upcaster<A> => upcast(codec)
