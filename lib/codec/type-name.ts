/**
 * What kind of value a caller passed, without showing the value itself: for
 * errors about keys and state, whose contents must not reach a log.
 *
 * @since 0.1.0
 */

/**
 * `null`, `an array`, `a Uint8Array`, `a Date`, or what `typeof` says:
 * `typeName(Buffer.alloc(1))` is `'a Uint8Array'`.
 *
 * @category utils
 * @since 0.1.0
 */
export const typeName = (value: unknown): string => {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return 'a Uint8Array'
  if (value instanceof Date) return 'a Date'
  if (Array.isArray(value)) return 'an array'
  return `a value of type ${typeof value}`
}
