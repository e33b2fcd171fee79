import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aggregateKind, type AnyKind } from '../../lib/kind/AggregateKind.js'
import { AggregateRoot, attributes } from '../../lib/kind/Attributes.js'
import { topicRegistry } from '../../lib/kind/TopicRegistry.js'
import type { Decider } from '../../lib/domain/Decider.js'
import { leftOf, rightOf } from '../support/decider.js'

/** A kind of the given name whose events have the given types, each with a payload `{ n: number }`. */
const kindOf = (name: string, ...types: ReadonlyArray<string>): AnyKind => {
  type Ev = { readonly type: string; readonly n: number }
  const decider: Decider<unknown, Ev, null> = {
    initialState: null,
    evolve: (s) => s,
    decide: () => E.right([]),
    isTerminal: () => false
  }
  return aggregateKind(name, decider, Object.fromEntries(types.map((type) => [type, t.type({ n: t.number })])))
}

const World = attributes('spec#World', { a: t.number })
const Tally = kindOf('spec#Tally', 'Added', 'Reset')

const test = suite('TopicRegistry')

test('a registry maps each topic to its kind, event type and codec', () => {
  const registry = rightOf(() => topicRegistry([World, Tally]))
  assert.equal([...registry.kinds.keys()], ['spec#World', 'spec#Tally'])
  assert.is(registry.kinds.get('spec#World'), World)
  assert.equal([...registry.topics.keys()].sort(), [
    'spec#Tally.Added',
    'spec#Tally.Reset',
    'spec#World.AttributeChanged',
    'spec#World.Created',
    'spec#World.Discarded'
  ])
  const entry = registry.topics.get('spec#World.Created')
  assert.ok(entry !== undefined)
  assert.is(entry.kind, World)
  assert.is(entry.type, 'Created')
  assert.is(entry.codec, World.events.Created)
})

test('the codec of a topic reads its payloads', () => {
  const registry = rightOf(() => topicRegistry([Tally]))
  const codec = registry.topics.get('spec#Tally.Added')?.codec
  assert.ok(codec !== undefined)
  assert.equal(rightOf(() => codec.decode({ n: 1 })), { n: 1 })
  leftOf(() => codec.decode({ n: 'one' }))
})

test('an empty registry has no kinds and no topics', () => {
  const registry = rightOf(() => topicRegistry([]))
  assert.is(registry.kinds.size, 0)
  assert.is(registry.topics.size, 0)
})

test('the same kind registered twice is registered once', () => {
  const registry = rightOf(() => topicRegistry([World, Tally, World]))
  assert.is(registry.kinds.size, 2)
  assert.is(registry.topics.size, 5)
})

test('two kinds with one name are an InvalidConfig', () => {
  const error = leftOf(() => topicRegistry([Tally, kindOf('spec#Tally', 'Other')]))
  assert.is(error._tag, 'InvalidConfig')
  assert.match(error.message, '"spec#Tally"')
})

test('two kinds with one name are an InvalidConfig even when their events are the same', () => {
  const error = leftOf(() => topicRegistry([attributes('spec#Twin', { a: t.number }), attributes('spec#Twin', { a: t.number })]))
  assert.is(error._tag, 'InvalidConfig')
})

test('a kind with an empty name is an InvalidConfig', () => {
  assert.is(leftOf(() => topicRegistry([kindOf('', 'Added')]))._tag, 'InvalidConfig')
})

test('one topic claimed by two kinds is an InvalidConfig', () => {
  // "a" with event "b.c" and "a.b" with event "c" both write the topic "a.b.c".
  const error = leftOf(() => topicRegistry([kindOf('a', 'b.c'), kindOf('a.b', 'c')]))
  assert.is(error._tag, 'InvalidConfig')
  assert.match(error.message, 'a.b.c')
})

test('the generic aggregate root registers beside typed kinds', () => {
  const registry = rightOf(() => topicRegistry([AggregateRoot, World]))
  assert.ok(registry.topics.has('eventfold#AggregateRoot.Created'))
  assert.is(registry.topics.get('eventfold#AggregateRoot.Created')?.kind, AggregateRoot)
})

test.run()
