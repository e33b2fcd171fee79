import * as E from 'fp-ts/Either'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fold } from '../../lib/domain/Decider.js'
import {
  aggregateRootDecider,
  attributesOf,
  changeAttribute,
  create,
  discard,
  type AggregateRootEvent,
  type AggregateRootState
} from '../../lib/domain/AggregateRoot.js'
import { deciderSpecification, hasCode } from '../support/decider.js'

// -------------------------------------------------------------------------------------
// fixtures
// -------------------------------------------------------------------------------------

type Attributes = { readonly a: number; readonly b: string }
type Event = AggregateRootEvent<Attributes>

const decider = aggregateRootDecider<Attributes>()
const spec = deciderSpecification(decider)

const created = (attributes: Attributes): Event => ({ type: 'Created', attributes })
const changed = <K extends keyof Attributes>(name: K, value: Attributes[K]): Event =>
  ({ type: 'AttributeChanged', name, value }) as Event
const discarded: Event = { type: 'Discarded' }

const first: Attributes = { a: 1, b: 'one' }

// -------------------------------------------------------------------------------------
// specification
// -------------------------------------------------------------------------------------

const test = suite('AggregateRoot')

test('the command constructors build the commands', () => {
  assert.equal(create(first), { type: 'Create', attributes: first })
  assert.equal(changeAttribute<Attributes, 'a'>('a', 2), { type: 'ChangeAttribute', name: 'a', value: 2 })
  assert.equal(discard, { type: 'Discard' })
})

test('a new aggregate root is created with its attributes', () => {
  spec.given([]).when(create(first)).then([created(first)])
  spec.given([]).when(create(first)).thenState({ status: 'live', attributes: first })
})

test('creating an aggregate root that exists is refused with AlreadyCreated', () => {
  spec.given([created(first)]).when(create({ a: 2, b: 'two' })).thenFails(hasCode('AlreadyCreated'))
})

test('creating a discarded aggregate root again is refused with AlreadyCreated', () => {
  spec.given([created(first), discarded]).when(create(first)).thenFails(hasCode('AlreadyCreated'))
})

test('a live aggregate root changes one attribute and keeps the others', () => {
  spec.given([created(first)]).when(changeAttribute('a', 2)).then([changed('a', 2)])
  spec.given([created(first)]).when(changeAttribute('b', 'two')).thenState({ status: 'live', attributes: { a: 1, b: 'two' } })
})

test('later changes of an attribute win over earlier ones', () => {
  spec
    .given([created(first), changed('a', 2), changed('b', 'x')])
    .when(changeAttribute('a', 3))
    .thenState({ status: 'live', attributes: { a: 3, b: 'x' } })
})

test('changing an attribute before creation is refused with NotCreated', () => {
  spec.given([]).when(changeAttribute('a', 2)).thenFails(hasCode('NotCreated'))
})

test('changing an attribute of a discarded aggregate root is refused with Discarded', () => {
  spec.given([created(first), discarded]).when(changeAttribute('a', 2)).thenFails(hasCode('Discarded'))
})

test('a live aggregate root is discarded, and keeps its attributes', () => {
  spec.given([created(first)]).when(discard).then([discarded])
  spec.given([created(first), changed('a', 5)]).when(discard).thenState({ status: 'discarded', attributes: { a: 5, b: 'one' } })
})

test('discarding before creation is refused with NotCreated', () => {
  spec.given([]).when(discard).thenFails(hasCode('NotCreated'))
})

test('discarding twice is refused with Discarded', () => {
  spec.given([created(first), discarded]).when(discard).thenFails(hasCode('Discarded'))
})

test('the refusals are DomainError values with a message', () => {
  const refusal = decider.decide(discard, decider.initialState)
  assert.equal(refusal, E.left({ _tag: 'DomainError', code: 'NotCreated', message: 'the aggregate has not been created' }))
})

test('a discarded aggregate root is terminal; a new or live one is not', () => {
  assert.not.ok(decider.isTerminal(decider.initialState))
  assert.not.ok(decider.isTerminal(fold(decider)([created(first)])))
  assert.ok(decider.isTerminal(fold(decider)([created(first), discarded])))
})

test('evolve ignores a change or a discard that comes before the creation', () => {
  assert.equal(fold(decider)([changed('a', 2)]), { status: 'initial' })
  assert.equal(fold(decider)([discarded]), { status: 'initial' })
})

test('evolve records a change that comes after the discard, and the root stays discarded', () => {
  assert.equal(fold(decider)([created(first), discarded, changed('a', 9)]), {
    status: 'discarded',
    attributes: { a: 9, b: 'one' }
  })
})

test('evolve does not change the attributes of the state it starts from', () => {
  const live = fold(decider)([created(first)])
  const attributes = attributesOf(live)
  const next = fold(decider)([changed('a', 2)], live)
  assert.equal(attributes, { a: 1, b: 'one' })
  assert.equal(first, { a: 1, b: 'one' })
  assert.equal(attributesOf(next), { a: 2, b: 'one' })
})

test('attributesOf is undefined before creation and the attributes afterwards, discarded or not', () => {
  const initial: AggregateRootState<Attributes> = decider.initialState
  assert.is(attributesOf(initial), undefined)
  assert.equal(attributesOf(fold(decider)([created(first)])), first)
  assert.equal(attributesOf(fold(decider)([created(first), discarded])), first)
})

test('a change of attribute is typed by the attribute', () => {
  // @ts-expect-error: `a` holds a number
  changeAttribute<Attributes, 'a'>('a', 'two')
  // @ts-expect-error: there is no attribute `c`
  changeAttribute<Attributes, 'c'>('c', 1)
  // @ts-expect-error: creation needs every attribute
  create<Attributes>({ a: 1 })
})

test.run()
