/**
 * Notification ids as numbers, checked. A store's id column is a 64-bit
 * integer, but eventfold's ids are numbers, and past 2^53 - 1 a number is
 * another id: a reader following positions built on one would read the same
 * event again for ever, or be told its own position is not one the store
 * hands out. An id column pushed that high (a sequence set by hand, rows
 * copied in from elsewhere) is therefore a `StoreFailure` that says so, on
 * every store.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Thrown by a read or a write that meets a notification id past 2^53 - 1;
 * each store's error classifier makes it a `StoreFailure` with this message.
 *
 * @category model
 * @since 0.1.0
 */
export class UnsafeNotificationId extends Error {
  constructor(id: string, doing: 'read the log past it' | 'give out ids past it' = 'read the log past it') {
    super(`notification id ${id} is past 2^53 - 1, the largest a number holds exactly: eventfold cannot ${doing} (was the id sequence set that high?)`)
    this.name = 'UnsafeNotificationId'
  }
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * A notification id as read from a store (a number, the server's string, or
 * a bigint), as a number; throws {@link UnsafeNotificationId} where no number
 * holds it exactly. A number a driver already rounded is past 2^53 - 1 too,
 * so it is refused as well.
 *
 * @category utils
 * @since 0.1.0
 */
export const notificationIdOf = (raw: number | string | bigint): number => {
  const id = Number(raw)
  if (!Number.isSafeInteger(id)) throw new UnsafeNotificationId(String(raw))
  return id
}
