/**
 * An aggregate kind binds a pure decider to the io-ts codecs of its events and
 * a name. The name prefixes every topic (`${name}.${event type}`), so stored
 * events say which codec reads them back.
 *
 * @since 0.1.0
 */
import type * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { execute, initial, type Aggregate } from '../domain/Aggregate.js'
import type { CommandOf, Decider, ErrorOf, TypedEvent } from '../domain/Decider.js'
import type { DomainEvent } from '../domain/DomainEvent.js'
import { current, type Upcaster } from '../codec/Upcaster.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * `Omit` applied to each member of a union on its own.
 *
 * @category model
 * @since 0.1.0
 */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/**
 * The payload of an event: the event without its `type`, which the topic
 * carries instead.
 *
 * @category model
 * @since 0.1.0
 */
export type PayloadOf<Ev extends TypedEvent, K extends Ev['type']> = DistributiveOmit<Extract<Ev, { readonly type: K }>, 'type'>

/**
 * One io-ts codec per event type, checked against the domain's event type at
 * compile time.
 *
 * @category model
 * @since 0.1.0
 */
export type EventCodecs<Ev extends TypedEvent> = {
  readonly [K in Ev['type']]: t.Type<PayloadOf<Ev, K>, unknown, unknown>
}

/**
 * The older versions of some event types: for each, an upcaster whose newest
 * version is the type's codec in `events`.
 *
 * @category model
 * @since 0.1.0
 */
export type EventUpcasters<Ev extends TypedEvent> = {
  readonly [K in Ev['type']]?: Upcaster<PayloadOf<Ev, K>>
}

/**
 * How to snapshot a kind's state.
 *
 * @category model
 * @since 0.1.0
 */
export interface SnapshotOptions<S> {
  /** The state's codec, or an upcaster when the state's shape has changed over time. */
  readonly state: t.Type<S, unknown, unknown> | Upcaster<S>
  /** Take a snapshot when a save crosses a multiple of this version; on demand only when omitted. */
  readonly interval?: number
}

/**
 * Options of an aggregate kind: event versions, renamed topics, snapshots.
 *
 * @category model
 * @since 0.1.0
 */
export interface KindOptions<Ev extends TypedEvent, S> {
  /** Older versions of event types, lifted to the newest on read. */
  readonly upcasters?: EventUpcasters<Ev>
  /** Topics events were once stored under, mapped to today's event type. */
  readonly aliases?: { readonly [oldTopic: string]: Ev['type'] }
  /** Snapshots of the state, so long-lived aggregates load fast. */
  readonly snapshots?: SnapshotOptions<S>
}

/**
 * A decider with a name and its event codecs: what an application needs to
 * store and load aggregates of one kind.
 *
 * @category model
 * @since 0.1.0
 */
export interface AggregateKind<C, Ev extends TypedEvent, S, Err> {
  readonly name: string
  readonly decider: Decider<C, Ev, S, Err>
  readonly events: EventCodecs<Ev>
  /** The topic of an event type. */
  readonly topicOf: (type: Ev['type']) => string
  /** A new aggregate of this kind, with no events, at version 0. */
  readonly initial: (id: string) => Aggregate<S, Ev>
  /** Runs a command against an aggregate of this kind. Pure. */
  readonly execute: (command: C) => (aggregate: Aggregate<S, Ev>) => E.Either<Err, Aggregate<S, Ev>>
  /** Whether a decoded event is one of this kind's: narrows its payload type. */
  readonly owns: <D extends DomainEvent>(event: D) => event is D & DomainEvent<Ev>
  /** The readers of each event type, every stored version lifted to the newest. */
  readonly readers: { readonly [K in Ev['type']]: Upcaster<PayloadOf<Ev, K>> }
  readonly aliases: { readonly [oldTopic: string]: Ev['type'] }
  /** Snapshot settings, when the kind takes snapshots. */
  readonly snapshots: { readonly state: Upcaster<S>; readonly interval: number | undefined } | undefined
}

/**
 * Any aggregate kind, for collections of kinds.
 *
 * @category model
 * @since 0.1.0
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKind = AggregateKind<any, any, any, any> // a variance escape: each kind is used at its own types

/**
 * The aggregate type of a kind.
 *
 * @category type lambdas
 * @since 0.1.0
 */
export type AggregateOf<K> = K extends AggregateKind<infer _C, infer Ev, infer S, infer _Err> ? Aggregate<S, Ev> : never

/**
 * The domain error type of a kind.
 *
 * @category type lambdas
 * @since 0.1.0
 */
export type KindErrorOf<K> = K extends { readonly decider: infer D } ? ErrorOf<D> : never

/**
 * The command type of a kind.
 *
 * @category type lambdas
 * @since 0.1.0
 */
export type KindCommandOf<K> = K extends { readonly decider: infer D } ? CommandOf<D> : never

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Names a decider and gives the codecs of its events.
 *
 * @example
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as t from 'io-ts'
 * import { aggregateKind, type Decider } from 'eventfold'
 * type Ev = { readonly type: 'Added'; readonly n: number }
 * const sum: Decider<number, Ev, number> = {
 *   initialState: 0,
 *   evolve: (s, e) => s + e.n,
 *   decide: (n) => E.right([{ type: 'Added', n }]),
 *   isTerminal: () => false
 * }
 * const Sum = aggregateKind('example#Sum', sum, { Added: t.type({ n: t.number }) })
 * Sum.topicOf('Added') // 'example#Sum.Added'
 *
 * @category constructors
 * @since 0.1.0
 */
export const aggregateKind = <C, Ev extends TypedEvent, S, Err>(
  name: string,
  decider: Decider<C, Ev, S, Err>,
  events: EventCodecs<Ev>,
  options: KindOptions<Ev, S> = {}
): AggregateKind<C, Ev, S, Err> => {
  const upcasters = (options.upcasters ?? {}) as unknown as Partial<Record<string, Upcaster<unknown>>> // each is checked against its type above
  const readers = Object.fromEntries(
    Object.entries(events as Record<string, t.Type<unknown, unknown, unknown>>).map(([type, codec]) => [
      type,
      // Own properties only: a type named `constructor` or `toString` has no upcaster in `{}`.
      (Object.hasOwn(upcasters, type) ? upcasters[type] : undefined) ?? current(codec)
    ])
  ) as AggregateKind<C, Ev, S, Err>['readers']
  const snapshots = options.snapshots
  const ownTopics = new Map(Object.keys(events).map((type) => [type, `${name}.${type}`]))
  return {
    name,
    decider,
    events,
    topicOf: (type) => `${name}.${type}`,
    initial: (id) => initial(decider)(name, id),
    execute: execute(decider),
    // A load asks this of every event: look the topic up rather than build it.
    owns: <D extends DomainEvent>(event: D): event is D & DomainEvent<Ev> => ownTopics.get(event.payload.type) === event.topic,
    readers,
    aliases: options.aliases ?? {},
    snapshots:
      snapshots === undefined
        ? undefined
        : { state: 'read' in snapshots.state ? snapshots.state : current(snapshots.state), interval: snapshots.interval }
  }
}
