/**
 * The repository: one for every kind of aggregate in the application. It
 * rebuilds an aggregate by folding its decoded events with the kind's decider.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/Either'
import * as TE from 'fp-ts/TaskEither'
import { pipe } from 'fp-ts/function'
import type { AggregateOf, AnyKind } from '../codec/AggregateKind.js'
import type { TopicRegistry } from '../codec/TopicRegistry.js'
import { isLive, replay, type Aggregate } from '../domain/Aggregate.js'
import type { TypedEvent } from '../domain/Decider.js'
import type { DomainEvent } from '../domain/DomainEvent.js'
import {
  aggregateNotFound,
  decodeError,
  invalidArgument,
  unknownTopic,
  type AggregateNotFound,
  type CodecError,
  type InvalidArgument,
  type StoreError
} from '../errors/EventfoldError.js'
import type { EventStore } from './EventStore.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What loading can fail with.
 *
 * @category model
 * @since 0.1.0
 */
export type LoadError = StoreError | CodecError | InvalidArgument

/**
 * What getting a live aggregate can fail with.
 *
 * @category model
 * @since 0.1.0
 */
export type GetError = LoadError | AggregateNotFound

/**
 * Options of {@link Repository.get}.
 *
 * @category model
 * @since 0.1.0
 */
export interface GetOptions {
  /** The aggregate as it was at this version (1 is after its first event). */
  readonly version?: number
}

/**
 * The application's repository.
 *
 * @category model
 * @since 0.1.0
 */
export interface Repository {
  /**
   * A live aggregate of the given kind. Missing, discarded, or younger than
   * the asked version: `AggregateNotFound`.
   */
  readonly get: <K extends AnyKind>(kind: K, id: string, options?: GetOptions) => TE.TaskEither<GetError, AggregateOf<K>>
  /**
   * The aggregate whatever its state: version 0 if it has no events, and
   * discarded ones too. What a command handler decides against.
   */
  readonly load: <K extends AnyKind>(kind: K, id: string) => TE.TaskEither<LoadError, AggregateOf<K>>
  /** Whether a live aggregate of any registered kind has this id. */
  readonly has: (id: string) => TE.TaskEither<LoadError, boolean>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const ofKind =
  (kind: AnyKind) =>
  (events: ReadonlyArray<DomainEvent>): E.Either<CodecError, ReadonlyArray<TypedEvent>> => {
    const owns: (event: DomainEvent) => boolean = kind.owns // a plain test: no narrowing to never below
    const payloads: Array<TypedEvent> = []
    for (const event of events) {
      if (!owns(event)) {
        return E.left(decodeError(event.topic, '', `event ${event.originatorVersion} of ${event.originatorId} is not of kind ${kind.name}`))
      }
      payloads.push(event.payload)
    }
    return E.right(payloads)
  }

/**
 * @category constructors
 * @since 0.1.0
 */
export const repository = (store: EventStore, registry: TopicRegistry): Repository => {
  const rebuild = <K extends AnyKind>(kind: K, id: string, version: number | undefined) =>
    pipe(
      store.listEvents(id, version === undefined ? {} : { lte: version }),
      TE.chainEitherKW(ofKind(kind)),
      TE.map((events) => replay(kind.decider)(kind.name, id, events) as AggregateOf<K>)
    )

  return {
    get: (kind, id, options = {}) => {
      const { version } = options
      if (version !== undefined && !(Number.isSafeInteger(version) && version > 0)) {
        return TE.left(invalidArgument(`version must be a positive integer, not ${version}`))
      }
      return pipe(
        rebuild(kind, id, version),
        TE.chainW((aggregate) =>
          (version !== undefined && aggregate.version < version) ||
          !isLive(kind.decider)(aggregate as Aggregate<unknown, TypedEvent>)
            ? TE.left(aggregateNotFound(id, version))
            : TE.right(aggregate)
        )
      )
    },
    load: (kind, id) => rebuild(kind, id, undefined),
    has: (id) =>
      pipe(
        store.listEvents(id),
        TE.chainEitherKW((events) => {
          const head = events[0]
          if (head === undefined) return E.right(false)
          const entry = registry.topics.get(head.topic)
          if (entry === undefined) return E.left(unknownTopic(head.topic))
          return pipe(
            ofKind(entry.kind)(events),
            E.map((payloads) => isLive(entry.kind.decider)(replay(entry.kind.decider)(entry.kind.name, id, payloads)))
          )
        })
      )
  }
}
