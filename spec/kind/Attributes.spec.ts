import { pipe } from 'fp-ts/function'
import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { KindCommandOf } from '../../lib/kind/AggregateKind.js'
import { AggregateRoot, attributes } from '../../lib/kind/Attributes.js'
import { DateFromISOString } from '../../lib/codec/types.js'
import { fromValidation } from '../../lib/codec/validation.js'
import { changeAttribute, create, discard, type AggregateRootEvent } from '../../lib/domain/AggregateRoot.js'
import { deciderSpecification, hasCode, leftOf, rightOf } from '../support/decider.js'

// -------------------------------------------------------------------------------------
// fixtures
// -------------------------------------------------------------------------------------

const World = attributes('spec#World', { a: t.number, name: t.string, at: DateFromISOString })
type WorldAttributes = { a: number; name: string; at: Date }
type WorldEvent = AggregateRootEvent<WorldAttributes>

const at = new Date('2024-02-29T12:00:00.000Z')
const first: WorldAttributes = { a: 1, name: 'one', at }
const created: WorldEvent = { type: 'Created', attributes: first }
const spec = deciderSpecification(World.decider)

/** A command as it might come from JSON: the types do not vouch for it. */
const untyped = (command: unknown): KindCommandOf<typeof World> => command as KindCommandOf<typeof World>

/** A live world, created with `first`. */
const live = () => rightOf(() => World.execute(create(first))(World.initial('world-1')), 'create')

/** Encodes a payload with its codec, through JSON text, and decodes it back. */
const throughJson = <A>(codec: t.Type<A, unknown, unknown>, value: A): E.Either<t.Errors, A> =>
  codec.decode(JSON.parse(JSON.stringify(codec.encode(value))))

const Root = AggregateRoot

const untypedRoot = (command: unknown): KindCommandOf<typeof Root> => command as KindCommandOf<typeof Root>

/** A live generic root. */
const rootCreated = () => rightOf(() => Root.execute(create({ title: 'x' }))(Root.initial('root-1')), 'create')

class Money {
  constructor(readonly cents: number) {}
}

const cycle = (): Record<string, unknown> => {
  const c: Record<string, unknown> = {}
  c['self'] = c
  return c
}

// Values the generic aggregate root must refuse, since JSON would change or drop them.
const notJson: ReadonlyArray<readonly [string, unknown]> = [
  ['a Date', new Date(0)],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['undefined', undefined],
  ['a class instance', new Money(5)],
  ['a cycle', cycle()],
  ['a bigint', 10n],
  ['a function', () => 0],
  ['a Date inside an array', [1, new Date(0)]],
  ['NaN inside an object', { x: { y: NaN } }]
]

// -------------------------------------------------------------------------------------
// specification
// -------------------------------------------------------------------------------------

const test = suite('Attributes')

// typed attributes

test('typed attribute changes are accepted and recorded', () => {
  const after = rightOf(() =>
    pipe(live(), World.execute(changeAttribute('a', 2)), E.chain(World.execute(changeAttribute('at', new Date(0)))))
  )
  assert.is(after.version, 3)
  assert.equal(after.pending, [
    created,
    { type: 'AttributeChanged', name: 'a', value: 2 },
    { type: 'AttributeChanged', name: 'at', value: new Date(0) }
  ])
  assert.equal(after.state, { status: 'live', attributes: { a: 2, name: 'one', at: new Date(0) } })
})

test('a change of the wrong type does not compile', () => {
  // @ts-expect-error: `a` holds a number
  World.execute(changeAttribute('a', 'two'))
  // @ts-expect-error: `at` holds a Date
  World.execute(changeAttribute('at', '2024-01-01T00:00:00Z'))
  // @ts-expect-error: there is no attribute `b`
  World.execute(changeAttribute('b', 1))
  // @ts-expect-error: creation needs every attribute
  World.execute(create({ a: 1, name: 'x' }))
  // A name typed as a union of keys would take the value of any of them: refused, whatever the value.
  const either = 'a' as 'a' | 'name'
  // @ts-expect-error: `a` holds a number, `name` a string
  World.execute(changeAttribute(either, 'two'))
  // @ts-expect-error: one key at a time
  World.execute(changeAttribute(either, 2))
  // One key at a time compiles, and runs.
  assert.ok(E.isRight(World.execute(create({ a: 1, name: 'x', at: new Date(0) }))(World.initial('w'))))
})

test('a change of the wrong type is refused at run time', () => {
  for (const [name, value] of [
    ['a', 'two'],
    ['name', 2],
    ['at', '2024-01-01T00:00:00Z'],
    ['at', new Date(NaN)],
    ['a', undefined]
  ] as const) {
    const error = leftOf(() => World.execute(untyped({ type: 'ChangeAttribute', name, value }))(live()), `${name} = ${String(value)}`)
    assert.ok(hasCode('InvalidAttribute')(error), `${name} = ${String(value)}: ${error.code}`)
    assert.match(error.message, `the value of ${name}`)
  }
})

test('a change of an unknown attribute is refused at run time, inherited names included', () => {
  for (const name of ['b', 'toString', '__proto__', 'constructor', '']) {
    spec
      .given([created])
      .when(untyped({ type: 'ChangeAttribute', name, value: 1 }))
      .thenFails((e) => e.code === 'InvalidAttribute' && e.message === `no attribute named ${name}`)
  }
})

test('a creation whose attributes do not fit is refused at run time', () => {
  for (const attributes of [{ a: 1, name: 'x' }, { a: '1', name: 'x', at }, { a: 1, name: 'x', at: 'today' }, null, []]) {
    spec.given([]).when(untyped({ type: 'Create', attributes })).thenFails(hasCode('InvalidAttribute'))
  }
})

test('a creation with an attribute the kind does not declare is refused at run time: nothing could ever change it', () => {
  for (const extra of ['zzz', 'toString', '__proto__']) {
    const attributes = JSON.parse(`{"a": 1, "name": "x", "at": "2026-11-27T10:00:00.000Z", ${JSON.stringify(extra)}: 5}`) as Record<string, unknown>
    attributes['at'] = at
    spec
      .given([])
      .when(untyped({ type: 'Create', attributes }))
      .thenFails((e) => e.code === 'InvalidAttribute' && e.message === `no attribute named ${extra}`)
  }
})

test('the aggregate root rules still hold for typed attributes', () => {
  spec.given([]).when(create(first)).then([created])
  spec.given([created]).when(create(first)).thenFails(hasCode('AlreadyCreated'))
  spec.given([]).when(changeAttribute('a', 2)).thenFails(hasCode('NotCreated'))
  spec.given([created, { type: 'Discarded' }]).when(changeAttribute('a', 2)).thenFails(hasCode('Discarded'))
  spec.given([created]).when(discard).then([{ type: 'Discarded' }])
})

test('a typed kind names its topics after itself', () => {
  assert.is(World.name, 'spec#World')
  assert.equal(Object.keys(World.events).sort(), ['AttributeChanged', 'Created', 'Discarded'])
  assert.is(World.topicOf('AttributeChanged'), 'spec#World.AttributeChanged')
})

test('a Created event with a Date survives encode, JSON and decode', () => {
  const payload = { attributes: first }
  const encoded = World.events.Created.encode(payload)
  assert.equal(JSON.parse(JSON.stringify(encoded)), { attributes: { a: 1, name: 'one', at: '2024-02-29T12:00:00.000Z' } })
  const decoded = rightOf(() => throughJson(World.events.Created, payload))
  assert.instance(decoded.attributes.at, Date)
  assert.equal(decoded, payload)
})

test('an AttributeChanged event survives encode, JSON and decode, for each attribute', () => {
  const codec = World.events.AttributeChanged
  for (const payload of [
    { name: 'a', value: 2 },
    { name: 'name', value: 'two' },
    { name: 'at', value: new Date(0) }
  ] as const) {
    assert.equal(rightOf(() => throughJson(codec, payload), payload.name), payload)
  }
  assert.equal(codec.encode({ name: 'at', value: new Date(0) }), { name: 'at', value: '1970-01-01T00:00:00.000Z' })
})

test('a Discarded event survives encode, JSON and decode', () => {
  assert.equal(rightOf(() => throughJson(World.events.Discarded, {})), {})
})

test('a Created event that does not fit fails at the path of the attribute', () => {
  const decode = (u: unknown) => pipe(World.events.Created.decode(u), fromValidation(World.topicOf('Created')))
  const error = leftOf(() => decode({ attributes: { a: 'x', name: 'one', at: '2024-01-01T00:00:00.000Z' } }))
  assert.equal(
    { topic: error.topic, path: error.path },
    { topic: 'spec#World.Created', path: 'attributes.a' }
  )
  assert.is(leftOf(() => decode({ attributes: { a: 1, name: 'one', at: 'not a date' } })).path, 'attributes.at')
  assert.is(leftOf(() => decode({ attributes: { a: 1, at: '2024-01-01T00:00:00.000Z' } })).path, 'attributes.name')
  assert.is(leftOf(() => decode({})).path, 'attributes')
})

test('an AttributeChanged event that does not fit fails at value, or at name for an unknown attribute', () => {
  const decode = (u: unknown) => pipe(World.events.AttributeChanged.decode(u), fromValidation(World.topicOf('AttributeChanged')))
  assert.is(leftOf(() => decode({ name: 'a', value: 'x' })).path, 'value')
  assert.is(leftOf(() => decode({ name: 'at', value: 12 })).path, 'value')
  const unknown = leftOf(() => decode({ name: 'b', value: 1 }))
  assert.equal({ path: unknown.path, message: unknown.message }, { path: 'name', message: 'no attribute named b' })
  assert.is(leftOf(() => decode({ name: 'toString', value: 1 })).path, 'name')
  assert.is(leftOf(() => decode({ value: 1 })).path, 'name')
  assert.is(leftOf(() => decode('a = 1')).path, '')
  assert.is(leftOf(() => decode(null)).path, '')
})

test('the AttributeChanged codec recognises well-typed changes only', () => {
  const codec = World.events.AttributeChanged
  assert.ok(codec.is({ name: 'a', value: 1 }))
  assert.ok(codec.is({ name: 'at', value: new Date(0) }))
  assert.not.ok(codec.is({ name: 'a', value: '1' }))
  assert.not.ok(codec.is({ name: 'at', value: new Date(NaN) }))
  assert.not.ok(codec.is({ name: 'b', value: 1 }))
  assert.not.ok(codec.is(null))
})

// the generic aggregate root

test('the generic aggregate root takes any JSON attributes, and changes of any name', () => {
  const attributes = { title: 'x', tags: ['a', 'b'], meta: { n: 1, ok: true, none: null } }
  const after = rightOf(() =>
    pipe(
      Root.initial('root-1'),
      Root.execute(create(attributes)),
      E.chain(Root.execute(changeAttribute('count', 3))),
      E.chain(Root.execute(changeAttribute('title', { nested: [1, 2] })))
    )
  )
  assert.is(after.kind, 'eventfold#AggregateRoot')
  assert.equal(after.state, {
    status: 'live',
    attributes: { title: { nested: [1, 2] }, tags: ['a', 'b'], meta: { n: 1, ok: true, none: null }, count: 3 }
  })
})

test('the generic aggregate root refuses non-JSON attributes at creation', () => {
  const rootSpec = deciderSpecification(Root.decider)
  for (const [, value] of notJson) {
    rootSpec.given([]).when(untypedRoot({ type: 'Create', attributes: { value } })).thenFails(hasCode('InvalidAttribute'))
  }
})

test('the generic aggregate root refuses non-JSON attribute values in a change', () => {
  const rootSpec = deciderSpecification(Root.decider)
  for (const [what, value] of notJson) {
    const error = leftOf(
      () => Root.execute(untypedRoot({ type: 'ChangeAttribute', name: 'value', value }))(rootCreated()),
      what
    )
    assert.ok(hasCode('InvalidAttribute')(error), `${what}: ${error.code}`)
  }
  rootSpec.given([{ type: 'Created', attributes: {} }]).when(changeAttribute('value', 1)).then([
    { type: 'AttributeChanged', name: 'value', value: 1 }
  ])
})

test('the generic aggregate root refuses a non-record at creation', () => {
  for (const attributes of [null, [1], 'x', 1]) {
    leftOf(() => Root.execute(untypedRoot({ type: 'Create', attributes }))(Root.initial('root-1')), JSON.stringify(attributes))
  }
})

test('the generic aggregate root events survive encode, JSON and decode', () => {
  const attributes = { a: [1, { b: 'c' }], d: null }
  assert.equal(rightOf(() => throughJson(Root.events.Created, { attributes })), { attributes })
  assert.equal(rightOf(() => throughJson(Root.events.AttributeChanged, { name: 'x', value: [true] })), { name: 'x', value: [true] })
})

test.run()

