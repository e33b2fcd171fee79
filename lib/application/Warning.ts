/**
 * Warnings: things that went wrong without failing the caller, such as a
 * snapshot that could not be read and was ignored. An application hands them
 * to its `onWarning` option.
 *
 * @since 0.1.0
 */
import type { EventfoldError } from '../errors/EventfoldError.js'

/**
 * A snapshot could not be read (a changed state codec, a wrong key…), so the
 * aggregate was rebuilt from its events.
 *
 * @category model
 * @since 0.1.0
 */
export interface SnapshotIgnored {
  readonly _tag: 'SnapshotIgnored'
  readonly originatorId: string
  readonly version: number
  readonly reason: EventfoldError
}

/**
 * A snapshot could not be written after a save; the save itself stands.
 *
 * @category model
 * @since 0.1.0
 */
export interface SnapshotNotTaken {
  readonly _tag: 'SnapshotNotTaken'
  readonly originatorId: string
  readonly version: number
  readonly reason: EventfoldError
}

/**
 * Every warning.
 *
 * @category model
 * @since 0.1.0
 */
export type Warning = SnapshotIgnored | SnapshotNotTaken

/**
 * Where warnings go.
 *
 * @category model
 * @since 0.1.0
 */
export type OnWarning = (warning: Warning) => void
