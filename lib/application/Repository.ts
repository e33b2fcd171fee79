/**
 * The repository: one for every kind of aggregate in the application. It
 * rebuilds an aggregate by folding its decoded events with the kind's decider.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { identity, pipe } from 'fp-ts/lib/function.js'
import type { AggregateOf, AnyKind } from '../kind/AggregateKind.js'
import type { TopicRegistry } from '../kind/TopicRegistry.js'
import { isLive, replay, type Aggregate } from '../domain/Aggregate.js'
import type { TypedEvent } from '../domain/Decider.js'
import type { DomainEvent } from '../domain/DomainEvent.js'
import {
  aggregateNotFound,
  deciderThrew,
  decodeError,
  invalidArgument,
  messageOf,
  unknownTopic,
  type AggregateNotFound,
  type CodecError,
  type DecodeError,
  type DeciderThrew,
  type InvalidArgument,
  type StoreError
} from '../errors/EventfoldError.js'
import type { AggregateCache } from './AggregateCache.js'
import { isKind, notAKind } from './kind-guard.js'
import type { EventStore, EventsOver } from './EventStore.js'
import { isOriginatorId, notAnOriginatorId } from './originator-id.js'
import type { OnWarning } from './Warning.js'
import { snapshotTopic, type Snapshot, type SnapshotStore } from './Snapshots.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What loading can fail with.
 *
 * @category model
 * @since 0.1.0
 */
export type LoadError = StoreError | CodecError | InvalidArgument | DeciderThrew

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
   * discarded ones too. What a command handler decides against. With a
   * `version`, the aggregate as it was then, discarded or not; younger than
   * that version: `AggregateNotFound`.
   */
  readonly load: {
    <K extends AnyKind>(kind: K, id: string): TE.TaskEither<LoadError, AggregateOf<K>>
    <K extends AnyKind>(kind: K, id: string, options: GetOptions): TE.TaskEither<GetError, AggregateOf<K>>
  }
  /**
   * Whether a live aggregate of any registered kind has this id. An id whose
   * events belong to no registered kind is an `UnknownTopic`.
   */
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

/** Whether the aggregate is live, or the decider's isTerminal threw. */
const liveness = (kind: AnyKind, aggregate: Aggregate<unknown, TypedEvent>): E.Either<DeciderThrew, boolean> => {
  try {
    return E.right(isLive(kind.decider)(aggregate))
  } catch (thrown) {
    return E.left(deciderThrew(kind.name, aggregate.id, 'isTerminal', thrown))
  }
}

/**
 * Options of the repository.
 *
 * @category model
 * @since 0.1.0
 */
export interface RepositoryOptions {
  readonly snapshots?: SnapshotStore | undefined
  readonly cache?: AggregateCache | undefined
  /** Told of a snapshot that no event backs, which the load ignored. */
  readonly onWarning?: OnWarning | undefined
}

/** Why a snapshot was ignored: no event at its version. */
const unbacked = (kind: AnyKind, version: number, forgotten: boolean): DecodeError =>
  decodeError(
    snapshotTopic(kind),
    '',
    `no event of this aggregate is at the snapshot's version ${version} (the events were deleted or restored without the snapshots, or the snapshot was written by hand): it was rebuilt from its events, and the snapshot ${forgotten ? 'was deleted' : 'could not be deleted: delete it by hand, for once events reach its version it would be trusted'}`
  )

/** The version asked for in `options`, checked: untyped code may pass anything, or a getter that throws. */
const versionOf = (options: GetOptions | undefined): E.Either<InvalidArgument, number | undefined> => {
  let version: number | undefined
  try {
    version = options?.version
  } catch (e) {
    return E.left(invalidArgument(`the get options cannot be read: ${messageOf(e)}`))
  }
  return version === undefined || (Number.isSafeInteger(version) && version > 0)
    ? E.right(version)
    : E.left(invalidArgument(`version must be an integer from 1 to 2^53 - 1, not ${version}`))
}

/** The aggregate folded up to `version`, unless it never reached it. */
const atVersion = <A extends { readonly version: number }>(
  aggregate: E.Either<LoadError, A>,
  id: string,
  version: number | undefined
): E.Either<GetError, A> =>
  E.isRight(aggregate) && version !== undefined && aggregate.right.version < version ? E.left(aggregateNotFound(id, version)) : aggregate

/**
 * The repository over an event store, for the registered kinds, with an
 * optional snapshot store and cache.
 *
 * @category constructors
 * @since 0.1.0
 */
export const repository = (store: EventStore, registry: TopicRegistry, options: RepositoryOptions = {}): Repository => {
  const { snapshots, cache, onWarning } = options

  // Loads are the hot path of command handling: plain promise steps here, where a
  // chain of fp-ts combinators cost a fifth of a whole load on PostgreSQL.
  // `finish` runs in the same step as the fold, rather than in a step of its own.
  const rebuild =
    <K extends AnyKind, E2, B>(
      kind: K,
      id: string,
      version: number | undefined,
      finish: (aggregate: E.Either<LoadError, AggregateOf<K>>) => E.Either<E2, B>
    ): TE.TaskEither<E2, B> =>
    () => {
      const fold = (from: Snapshot | undefined) => {
        // No bounds at all is the common load: undefined spares the store checking an empty object.
        let bounds: { gt?: number; lte?: number } | undefined
        if (from !== undefined) bounds = { gt: from.version }
        if (version !== undefined) (bounds ??= {}).lte = version
        return store
          .listEvents(id, bounds)()
          .then((events) => finish(folded(events, from)))
      }
      const folded = (events: E.Either<LoadError, ReadonlyArray<DomainEvent>>, from: Snapshot | undefined): E.Either<LoadError, AggregateOf<K>> => {
        if (E.isLeft(events)) return events
        const payloads = ofKind(kind)(events.right)
        if (E.isLeft(payloads)) return payloads
        let aggregate: Aggregate<unknown, TypedEvent>
        try {
          aggregate = replay(kind.decider)(kind.name, id, payloads.right, from)
        } catch (thrown) {
          return E.left(deciderThrew(kind.name, id, 'evolve', thrown))
        }
        if (version === undefined) cache?.offer(aggregate)
        return E.right(aggregate as AggregateOf<K>)
      }
      // An unbacked snapshot is deleted, not just passed over: once new events
      // reached its version it would look backed, and its state is not their fold.
      const ignore = (snapshot: Snapshot) =>
        (snapshots === undefined ? Promise.resolve(false) : snapshots.forget(id, snapshot.version)()).then((forgotten) => {
          onWarning?.({ _tag: 'SnapshotIgnored', originatorId: id, version: snapshot.version, reason: unbacked(kind, snapshot.version, forgotten) })
          return fold(undefined)
        })
      // The events after a snapshot, if one backs it; else all of them, and a
      // warning. A row at version 0, written by hand, has no event to back it.
      const foldOver = (snapshot: Snapshot) =>
        !Number.isSafeInteger(snapshot.version) || snapshot.version < 1
          ? ignore(snapshot)
          : store
              .listEventsOver(id, snapshot.version, version)()
              .then((read) => (E.isLeft(read) || read.right.backed ? finish(folded(E.map((over: EventsOver) => over.events)(read), snapshot)) : ignore(snapshot)))
      // Start from the freshest known state (a cached aggregate, else a
      // snapshot), then fold only the events after it. A cached aggregate was
      // folded from events in this process; a snapshot is a row of its own
      // table, which a restore or a hand can set apart from the events.
      const cached = cache?.get(kind.name, id)
      if (cached !== undefined && (version === undefined || cached.version <= version)) return fold(cached)
      // Without snapshots there is nothing else to start from but the beginning.
      if (snapshots === undefined) return fold(undefined)
      return snapshots
        .latest(kind, id, version)()
        .then((snapshot) => (snapshot === undefined ? fold(undefined) : foldOver(snapshot)))
    }

  return {
    get: (kind, id, options) => {
      if (!isKind(kind)) return TE.left(notAKind(kind))
      const version = versionOf(options)
      if (E.isLeft(version)) return TE.left(version.left)
      return rebuild(kind, id, version.right, (aggregate): E.Either<GetError, AggregateOf<typeof kind>> => {
        const found = atVersion(aggregate, id, version.right)
        if (E.isLeft(found)) return found
        const live = liveness(kind, found.right as Aggregate<unknown, TypedEvent>)
        if (E.isLeft(live)) return live
        return live.right ? found : E.left(aggregateNotFound(id, version.right))
      })
    },
    load: (<K extends AnyKind>(kind: K, id: string, options?: GetOptions): TE.TaskEither<GetError, AggregateOf<K>> => {
      if (!isKind(kind)) return TE.left(notAKind(kind))
      if (options === undefined) return rebuild(kind, id, undefined, identity)
      const version = versionOf(options)
      if (E.isLeft(version)) return TE.left(version.left)
      return rebuild(kind, id, version.right, (aggregate) => atVersion(aggregate, id, version.right))
    }) as Repository['load'],
    has: (id) =>
      pipe(
        isOriginatorId(id) ? store.recordManager.listItems(id, { limit: 1 }) : TE.left(notAnOriginatorId()),
        TE.chainW((first) => {
          const head = first[0]
          if (head === undefined) return TE.right(false)
          const entry = registry.topics.get(head.topic)
          if (entry === undefined) return TE.left(unknownTopic(head.topic))
          return pipe(
            rebuild(entry.kind, id, undefined, identity),
            TE.chainEitherKW((aggregate) => liveness(entry.kind, aggregate as Aggregate<unknown, TypedEvent>))
          )
        })
      )
  }
}
