/**
 * The envelope of a stored domain event: which aggregate, which version, when,
 * which topic, and the event itself.
 *
 * @since 0.1.0
 */
import type { TypedEvent } from './Decider.js'

/**
 * A domain event with its envelope, as `listEvents` and the notification log
 * return it.
 *
 * @category model
 * @since 0.1.0
 */
export interface DomainEvent<Ev extends TypedEvent = TypedEvent> {
  readonly originatorId: string
  readonly originatorVersion: number
  readonly timestamp: Date
  readonly topic: string
  readonly payload: Ev
}
