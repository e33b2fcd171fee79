/**
 * Codecs for values JSON cannot carry as they are. Two small codecs here spare
 * users io-ts-types and its monocle-ts and newtype-ts peers.
 *
 * @since 0.1.0
 */
import * as t from 'io-ts'

// Date.parse also reads "1" and "March 7, 2020", some in local time: not ISO.
// Years outside 0000-9999 take six digits and a sign, as toISOString writes them.
const ISO_8601 = /^(\d{4}|[+-]\d{6})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/

/** Days in a month of the proleptic Gregorian calendar, which Date uses for every year. */
const daysIn = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31

/**
 * A `Date` stored as an ISO 8601 string. Invalid dates are refused on both
 * sides, a day past its month's end (`2021-02-29`) among them, which `Date`
 * itself would read as a day of the next month.
 *
 * @category codecs
 * @since 0.1.0
 */
export const DateFromISOString: t.Type<Date, string, unknown> = new t.Type<Date, string, unknown>(
  'DateFromISOString',
  (u): u is Date => u instanceof Date && !Number.isNaN(u.getTime()),
  (u, c) => {
    const parts = typeof u === 'string' ? ISO_8601.exec(u) : null
    if (parts === null) return t.failure(u, c)
    // Date rolls a day past the month's end into the next month: 2021-02-29 would read as March 1.
    if (Number(parts[3]) > daysIn(Number(parts[1]), Number(parts[2]))) return t.failure(u, c)
    const d = new Date(u as string)
    return Number.isNaN(d.getTime()) ? t.failure(u, c) : t.success(d)
  },
  (d) => d.toISOString()
)

/**
 * A `bigint` stored as a decimal string, so no precision is lost.
 *
 * @category codecs
 * @since 0.1.0
 */
export const BigIntFromString: t.Type<bigint, string, unknown> = new t.Type<bigint, string, unknown>(
  'BigIntFromString',
  (u): u is bigint => typeof u === 'bigint',
  (u, c) => {
    if (typeof u !== 'string' || !/^-?\d+$/.test(u)) return t.failure(u, c)
    return t.success(BigInt(u))
  },
  (b) => b.toString()
)

/**
 * A finite number: refuses `NaN` and the infinities, which JSON would turn
 * into `null`.
 *
 * @category codecs
 * @since 0.1.0
 */
export const FiniteNumber: t.Type<number, number, unknown> = new t.Type<number, number, unknown>(
  'FiniteNumber',
  (u): u is number => typeof u === 'number' && Number.isFinite(u),
  (u, c) => (typeof u === 'number' && Number.isFinite(u) ? t.success(u) : t.failure(u, c)),
  (n) => n
)

/**
 * A value JSON carries faithfully.
 *
 * @category model
 * @since 0.1.0
 */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

const isJson = (u: unknown, depth: number): boolean => {
  if (depth > JSON_DEPTH) return false
  switch (typeof u) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(u)
    case 'object': {
      if (u === null) return true
      // Holes and named members of arrays do not survive JSON.
      if (Array.isArray(u)) return Object.keys(u).length === u.length && u.every((v) => isJson(v, depth + 1))
      const proto: unknown = Object.getPrototypeOf(u)
      if (proto !== Object.prototype && proto !== null) return false
      return Object.values(u).every((v) => isJson(v, depth + 1))
    }
    default:
      return false
  }
}

/**
 * How deep JSON values may nest.
 *
 * @category constants
 * @since 0.1.0
 */
export const JSON_DEPTH = 256

/**
 * Any JSON value: plain objects, arrays, finite numbers, strings, booleans and
 * `null`, nested at most {@link JSON_DEPTH} deep. Dates, class instances, `undefined`,
 * `NaN` and cycles are refused rather than silently changed.
 *
 * @category codecs
 * @since 0.1.0
 */
export const JsonValue: t.Type<Json, Json, unknown> = new t.Type<Json, Json, unknown>(
  'Json',
  (u): u is Json => isJson(u, 0),
  (u, c) => (isJson(u, 0) ? t.success(u as Json) : t.failure(u, c)),
  (j) => j
)

/**
 * A record of JSON values.
 *
 * @category codecs
 * @since 0.1.0
 */
export const JsonRecord: t.Type<{ readonly [key: string]: Json }, { readonly [key: string]: Json }, unknown> =
  new t.Type<{ readonly [key: string]: Json }, { readonly [key: string]: Json }, unknown>(
    'JsonRecord',
    (u): u is { readonly [key: string]: Json } =>
      typeof u === 'object' && u !== null && !Array.isArray(u) && isJson(u, 0),
    (u, c) =>
      typeof u === 'object' && u !== null && !Array.isArray(u) && isJson(u, 0)
        ? t.success(u as { readonly [key: string]: Json })
        : t.failure(u, c),
    (j) => j
  )
