import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  aggregateKind,
  type AggregateOf,
  type EventCodecs,
  type KindCommandOf,
  type KindErrorOf,
  type PayloadOf
} from '../../lib/kind/AggregateKind.js'
import type { Aggregate } from '../../lib/domain/Aggregate.js'
import type { Decider } from '../../lib/domain/Decider.js'
import { domainError, type DomainError } from '../../lib/domain/DomainError.js'
import type { DomainEvent } from '../../lib/domain/DomainEvent.js'
import { deciderSpecification, hasCode, leftOf, rightOf } from '../support/decider.js'

// -------------------------------------------------------------------------------------
// a tiny decider: a tally of added numbers, that can be reset
// -------------------------------------------------------------------------------------

type Command = { readonly type: 'Add'; readonly n: number } | { readonly type: 'Reset' }
type Event = { readonly type: 'Added'; readonly n: number } | { readonly type: 'Reset' }

const tally: Decider<Command, Event, number, DomainError> = {
  initialState: 0,
  evolve: (s, e) => (e.type === 'Added' ? s + e.n : 0),
  decide: (c, s) => {
    if (c.type === 'Reset') return E.right(s === 0 ? [] : [{ type: 'Reset' }])
    return Number.isInteger(c.n) ? E.right([{ type: 'Added', n: c.n }]) : E.left(domainError('NotInteger', `${c.n}`))
  },
  isTerminal: () => false
}

const codecs: EventCodecs<Event> = { Added: t.type({ n: t.number }), Reset: t.type({}) }
const Tally = aggregateKind('spec#Tally', tally, codecs)

const eventOf = <P extends { readonly type: string }>(topic: string, payload: P): DomainEvent => ({
  originatorId: 'tally-1',
  originatorVersion: 1,
  timestamp: new Date(0),
  topic,
  payload
})

// Compile-time checks: each line fails the type check if the type lambda is wrong.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
export const commandOfKind: Equals<KindCommandOf<typeof Tally>, Command> = true
export const errorOfKind: Equals<KindErrorOf<typeof Tally>, DomainError> = true
export const aggregateOfKind: Equals<AggregateOf<typeof Tally>, Aggregate<number, Event>> = true
export const payloadOfAdded: Equals<PayloadOf<Event, 'Added'>, { readonly n: number }> = true

// -------------------------------------------------------------------------------------
// specification
// -------------------------------------------------------------------------------------

const test = suite('AggregateKind')

test('a kind keeps its name, its decider and its codecs', () => {
  assert.is(Tally.name, 'spec#Tally')
  assert.is(Tally.decider, tally)
  assert.is(Tally.events, codecs)
})

test('the topic of an event type is the kind name, a dot, and the type', () => {
  assert.is(Tally.topicOf('Added'), 'spec#Tally.Added')
  assert.is(Tally.topicOf('Reset'), 'spec#Tally.Reset')
})

test('a new aggregate of a kind carries the kind name, at version 0', () => {
  assert.equal(Tally.initial('tally-1'), { kind: 'spec#Tally', id: 'tally-1', version: 0, state: 0, pending: [] })
})

test('a kind runs commands through its decider', () => {
  const after = rightOf(() => Tally.execute({ type: 'Add', n: 2 })(Tally.initial('tally-1')))
  assert.equal(after, {
    kind: 'spec#Tally',
    id: 'tally-1',
    version: 1,
    state: 2,
    pending: [{ type: 'Added', n: 2 }]
  })
  const refused = leftOf(() => Tally.execute({ type: 'Add', n: 0.5 })(after))
  assert.ok(hasCode('NotInteger')(refused))
})

test('the decider of a kind reads as a specification', () => {
  const spec = deciderSpecification(Tally.decider)
  spec.given([{ type: 'Added', n: 2 }]).when({ type: 'Reset' }).then([{ type: 'Reset' }])
  spec.given([]).when({ type: 'Reset' }).thenNothingHappened()
  spec.given([{ type: 'Added', n: 2 }]).when({ type: 'Add', n: 3 }).thenState(5)
  spec.given([]).when({ type: 'Add', n: NaN }).thenFails(hasCode('NotInteger'))
})

test('the codecs of a kind check the payloads of its events', () => {
  rightOf(() => Tally.events.Added.decode({ n: 1 }))
  leftOf(() => Tally.events.Added.decode({ n: '1' }))
})

test('a kind owns an event of one of its types under its own topic', () => {
  const event = eventOf('spec#Tally.Added', { type: 'Added', n: 1 })
  assert.ok(Tally.owns(event))
  assert.ok(Tally.owns(eventOf('spec#Tally.Reset', { type: 'Reset' })))
})

test('a kind does not own an event of another kind, even with a type of the same name', () => {
  assert.not.ok(Tally.owns(eventOf('spec#Other.Added', { type: 'Added', n: 1 })))
})

test('a kind does not own an event whose topic and type disagree', () => {
  assert.not.ok(Tally.owns(eventOf('spec#Tally.Added', { type: 'Reset' })))
  assert.not.ok(Tally.owns(eventOf('spec#Tally.Reset', { type: 'Added', n: 1 })))
})

test('a kind does not own an event of a type it does not have', () => {
  assert.not.ok(Tally.owns(eventOf('spec#Tally.Removed', { type: 'Removed' })))
  assert.not.ok(Tally.owns(eventOf('spec#Tally.toString', { type: 'toString' })), 'an inherited member is no type')
})

test('owning an event narrows its payload to the kind events', () => {
  const event = eventOf('spec#Tally.Added', { type: 'Added', n: 4 })
  if (!Tally.owns(event)) return assert.unreachable('the kind should own its event')
  const n: number = event.payload.type === 'Added' ? event.payload.n : 0
  assert.is(n, 4)
})

test('the codecs of a kind are checked against its events at compile time', () => {
  // @ts-expect-error: the codec of Added must give a number n
  aggregateKind('spec#Bad', tally, { Added: t.type({ n: t.string }), Reset: t.type({}) })
  // @ts-expect-error: every event type needs a codec
  aggregateKind('spec#Bad', tally, { Added: t.type({ n: t.number }) })
})

test('event types named like members of Object.prototype read back through their own codecs', () => {
  type Odd = { readonly type: 'constructor'; readonly n: number } | { readonly type: 'toString'; readonly n: number }
  const odd: Decider<Odd, Odd, number, never> = {
    initialState: 0,
    evolve: (s, e) => s + e.n,
    decide: (c) => E.right([c]),
    isTerminal: () => false
  }
  const Odd = aggregateKind('spec#Odd', odd, { constructor: t.type({ n: t.number }), toString: t.type({ n: t.number }) })
  for (const type of ['constructor', 'toString'] as const) {
    assert.is(Odd.readers[type].version, 1)
    assert.equal(Odd.readers[type].read(`spec#Odd.${type}`, 1, { n: 2 }), E.right({ n: 2 }))
    assert.ok(E.isLeft(Odd.readers[type].read(`spec#Odd.${type}`, 1, { n: 'two' })), 'its codec still checks')
  }
})

test.run()
