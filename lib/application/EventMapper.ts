/**
 * Maps domain events to stored events and back, through the topic registry's
 * codecs and the byte pipeline.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type { AnyKind } from '../kind/AggregateKind.js'
import type { TopicRegistry } from '../kind/TopicRegistry.js'
import type { Transcoder } from '../codec/Transcoder.js'
import { readBackProblem } from '../codec/identity.js'
import { fromValidation, thrownMessage } from '../codec/validation.js'
import type { TypedEvent } from '../domain/Decider.js'
import type { DomainEvent } from '../domain/DomainEvent.js'
import { decodeError, encodeError, messageOf, unknownTopic, type CodecError } from '../errors/EventfoldError.js'
import type { LoggedEvent } from '../notification/NotificationLog.js'
import type { ItemDecoder, RawNotification, StoredEvent } from '../store/RecordManager.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Encodes and decodes events of the registered kinds.
 *
 * @category model
 * @since 0.1.0
 */
export interface EventMapper {
  /** Encodes one event of a kind as the stored event at `originatorVersion`. */
  readonly toStored: <Ev extends TypedEvent>(
    kind: AnyKind,
    originatorId: string,
    originatorVersion: number,
    event: Ev,
    timestamp: Date
  ) => E.Either<CodecError, StoredEvent>
  /** Decodes a stored event by its topic, lifting older versions to the newest. */
  readonly toDomain: (item: StoredEvent) => E.Either<CodecError, DomainEvent>
  /**
   * {@link toDomain} from an item's fields, as `RecordManager.decodeItems`
   * hands them over: state as bytes, or as the JSON text a store read it as.
   */
  readonly decodeItem: ItemDecoder<CodecError, DomainEvent>
  /**
   * Decodes a notification as {@link toDomain} does, with its place in the
   * log; its state as bytes, or as the JSON text a store read it as.
   */
  readonly toLogged: (notification: RawNotification) => E.Either<CodecError, LoggedEvent>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Where a stored state belongs, as encryption binds it: the originator id,
 * version and stored topic, NUL-separated (ids and topics cannot hold NUL).
 *
 * @category utils
 * @since 0.1.0
 */
export const placeOf = (originatorId: string, originatorVersion: number, topic: string): string =>
  `${originatorId}\u0000${originatorVersion}\u0000${topic}`

// The topic, not the stored payload, says what type an event is. Spreading the
// payload after `type` is several times faster than before it, so the rare
// payload that carries its own `type` takes the second step.
const withType = (type: string, payload: unknown): TypedEvent => {
  const event = { type, ...(payload as object) }
  if (event.type !== type) event.type = type
  return event
}

/**
 * An event mapper over the registered topics and a byte pipeline.
 *
 * @category constructors
 * @since 0.1.0
 */
export const eventMapper = (registry: TopicRegistry, transcoder: Transcoder): EventMapper => {
  // One decoder for both faces, so that a logged event is built once rather
  // than copied from a domain event: the log decodes every event it pages through.
  function decode(originatorId: string, originatorVersion: number, topic: string, state: Uint8Array | string, logged: undefined): E.Either<CodecError, DomainEvent>
  function decode(originatorId: string, originatorVersion: number, topic: string, state: Uint8Array | string, logged: RawNotification): E.Either<CodecError, LoggedEvent>
  function decode(
    originatorId: string,
    originatorVersion: number,
    topic: string,
    state: Uint8Array | string,
    logged: RawNotification | undefined
  ): E.Either<CodecError, DomainEvent | LoggedEvent> {
    const entry = registry.topics.get(topic)
    if (entry === undefined) return E.left(unknownTopic(topic))
    // Only encryption binds state to its place: plain state needs no place string.
    const envelope =
      typeof state === 'string'
        ? transcoder.fromText(topic, state)
        : transcoder.fromBytes(topic, state, transcoder.encrypted ? placeOf(originatorId, originatorVersion, topic) : undefined)
    if (E.isLeft(envelope)) return envelope
    let payload: E.Either<CodecError, unknown>
    // Errors are logged: those about data that was stored encrypted do not quote it.
    const quote = !transcoder.encrypted
    try {
      payload = entry.reader.read(topic, envelope.right.version, envelope.right.data, quote)
    } catch (e) {
      // An Upcaster may be written by hand: one that throws is a DecodeError too.
      return E.left(decodeError(topic, '', `the reader of ${entry.topic} threw: ${thrownMessage(e, quote)}`))
    }
    if (E.isLeft(payload)) return payload
    const event = withType(entry.type, payload.right)
    return E.right(
      logged === undefined
        ? {
            originatorId,
            originatorVersion,
            timestamp: envelope.right.timestamp,
            topic: entry.topic,
            payload: event
          }
        : {
            id: logged.id,
            position: logged.position,
            originatorId,
            originatorVersion,
            timestamp: envelope.right.timestamp,
            topic: entry.topic,
            payload: event
          }
    )
  }
  return {
    toStored: (kind, originatorId, originatorVersion, event, timestamp) => {
      const topic = kind.topicOf(event.type)
      const entry = registry.topics.get(topic)
      if (entry === undefined || entry.kind !== kind) return E.left(unknownTopic(topic))
      const { type: _type, ...payload } = event
      let data: unknown
      // The codec is the caller's: one that throws is an EncodeError, not an exception out of save().
      try {
        if (!entry.codec.is(payload)) {
          // Re-validate only to say where the value is wrong.
          const why = fromValidation(topic)(entry.codec.validate(payload, [{ key: '', type: entry.codec, actual: payload }]))
          return E.left(
            encodeError(topic, E.isLeft(why) ? `${why.left.path || 'payload'}: ${why.left.message}` : `the event does not fit ${entry.codec.name}`)
          )
        }
        data = entry.codec.encode(payload)
      } catch (e) {
        return E.left(encodeError(topic, `the codec ${entry.codec.name} threw: ${messageOf(e)}`))
      }
      const state = transcoder.toBytes(
        topic,
        data,
        timestamp,
        entry.reader.version,
        transcoder.encrypted ? placeOf(originatorId, originatorVersion, topic) : undefined
      )
      if (E.isLeft(state)) return state
      // After toBytes, which refused what JSON would not carry faithfully.
      const problem = readBackProblem(entry.codec, payload, data)
      return problem === undefined ? E.right({ originatorId, originatorVersion, topic, state: state.right }) : E.left(encodeError(topic, problem))
    },
    toDomain: (item) => decode(item.originatorId, item.originatorVersion, item.topic, item.state, undefined),
    decodeItem: (originatorId, originatorVersion, topic, state) => decode(originatorId, originatorVersion, topic, state, undefined),
    toLogged: (n) => decode(n.originatorId, n.originatorVersion, n.topic, n.state, n)
  }
}
