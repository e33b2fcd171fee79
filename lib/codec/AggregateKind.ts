/**
 * An aggregate kind binds a pure decider to the io-ts codecs of its events and
 * a name. The name prefixes every topic (`${name}.${event type}`), so stored
 * events say which codec reads them back.
 *
 * @since 0.1.0
 */
import type * as E from 'fp-ts/Either'
import type * as t from 'io-ts'
import { execute, initial, type Aggregate } from '../domain/Aggregate.js'
import type { Decider, TypedEvent } from '../domain/Decider.js'
import type { DomainEvent } from '../domain/DomainEvent.js'

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
  readonly owns: (event: DomainEvent) => event is DomainEvent<Ev>
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
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AggregateOf<K> = K extends AggregateKind<any, infer Ev, infer S, any> ? Aggregate<S, Ev> : never // inference only

/**
 * The domain error type of a kind.
 *
 * @category type lambdas
 * @since 0.1.0
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KindErrorOf<K> = K extends AggregateKind<any, any, any, infer Err> ? Err : never // inference only

/**
 * The command type of a kind.
 *
 * @category type lambdas
 * @since 0.1.0
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KindCommandOf<K> = K extends AggregateKind<infer C, any, any, any> ? C : never // inference only

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Names a decider and gives the codecs of its events.
 *
 * @example
 * import * as E from 'fp-ts/Either'
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
  events: EventCodecs<Ev>
): AggregateKind<C, Ev, S, Err> => ({
  name,
  decider,
  events,
  topicOf: (type) => `${name}.${type}`,
  initial: (id) => initial(decider)(name, id),
  execute: execute(decider),
  owns: (event): event is DomainEvent<Ev> =>
    Object.prototype.hasOwnProperty.call(events, event.payload.type) && event.topic === `${name}.${event.payload.type}`
})
