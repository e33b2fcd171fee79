import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aesGcm, aggregateKind, DateFromISOString, encodedRandomBytes, eventMapper, topicRegistry, transcoder, type Decider, type EventMapper } from '../../lib/index.js'
import { Counter, Note } from '../support/kinds.js'

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left))
  return e.right
}
const registry = right(topicRegistry([Counter, Note]))
const plain: EventMapper = eventMapper(registry, transcoder())
const at = new Date('2026-11-27T10:00:00.000Z')

const mapper = suite('EventMapper')

mapper('a domain event becomes a stored item under its topic, and back', () => {
  const item = right(plain.toStored(Counter, 'c-1', 1, { type: 'Opened', at }, at))
  assert.is(item.topic, 'spec#Counter.Opened')
  assert.is(item.originatorVersion, 1)
  assert.is(Buffer.from(item.state).toString(), '{"timestamp":"2026-11-27T10:00:00.000Z","data":{"at":"2026-11-27T10:00:00.000Z"}}')
  const event = right(plain.toDomain(item))
  assert.equal(event, { originatorId: 'c-1', originatorVersion: 1, timestamp: at, topic: 'spec#Counter.Opened', payload: { type: 'Opened', at } })
})

mapper('the stored JSON does not repeat the type: the topic carries it', () => {
  const item = right(plain.toStored(Counter, 'c-1', 2, { type: 'Added', by: 2 }, at))
  assert.not.match(Buffer.from(item.state).toString(), '"type"')
})

mapper('a payload that carries its own type cannot change the decoded type', () => {
  const sneaky = { originatorId: 'c', originatorVersion: 1, topic: 'spec#Counter.Added', state: Buffer.from('{"timestamp":"2026-11-27T10:00:00.000Z","data":{"by":1,"type":"Closed"}}') }
  assert.is(right(plain.toDomain(sneaky)).payload.type, 'Added')
})

mapper('an event that fails its codec is an EncodeError naming the path', () => {
  const result = plain.toStored(Counter, 'c-1', 2, { type: 'Added', by: 'x' } as never, at)
  assert.ok(E.isLeft(result) && result.left._tag === 'EncodeError')
  assert.match(result.left.message, 'by')
})

// Codecs whose decode does not give back what their encode was given: the event
// would load as another than the one decided, and the aggregate a save returns
// (and caches, and snapshots) would not be the fold of what was stored.
type Said = { readonly type: 'Said'; readonly text: string; readonly when?: Date | string }
const saying: Decider<Said, Said, number> = { initialState: 0, evolve: (n) => n + 1, decide: (e) => E.right([e]), isTerminal: () => false }
const Strict = aggregateKind('spec#Strict', saying, { Said: t.strict({ text: t.string }) as unknown as t.Type<Omit<Said, 'type'>, unknown, unknown> })
const Lossy = aggregateKind('spec#Lossy', saying, { Said: t.type({ text: t.string, when: t.union([t.string, DateFromISOString]) }) as unknown as t.Type<Omit<Said, 'type'>, unknown, unknown> })
const Faithful = aggregateKind('spec#Faithful', saying, { Said: t.type({ text: t.string, when: DateFromISOString }) as unknown as t.Type<Omit<Said, 'type'>, unknown, unknown> })
const lossy = eventMapper(right(topicRegistry([Strict, Lossy, Faithful])), transcoder())

mapper('an event its codec would not read back as it is is an EncodeError: a strict codec dropping a field, a union reading a Date back as a string', () => {
  for (const [kind, event] of [
    [Strict, { type: 'Said', text: 'hi', when: 'today' }],
    [Lossy, { type: 'Said', text: 'hi', when: at }]
  ] as const) {
    const result = lossy.toStored(kind, 'x', 1, event, at)
    assert.ok(E.isLeft(result) && result.left._tag === 'EncodeError', kind.name)
    assert.match(result.left.message, 'would not load as it was saved')
  }
})

mapper('what such codecs do read back is saved; so is what a transforming codec gives back whole', () => {
  right(lossy.toStored(Strict, 'x', 1, { type: 'Said', text: 'hi' }, at))
  right(lossy.toStored(Lossy, 'x', 1, { type: 'Said', text: 'hi', when: 'today' }, at))
  const item = right(lossy.toStored(Faithful, 'x', 1, { type: 'Said', text: 'hi', when: at }, at))
  assert.equal(right(lossy.toDomain(item)).payload, { type: 'Said', text: 'hi', when: at })
})

mapper('-0 is an EncodeError: JSON would write it as 0', () => {
  const result = plain.toStored(Counter, 'c-1', 2, { type: 'Added', by: -0 }, at)
  assert.ok(E.isLeft(result) && result.left._tag === 'EncodeError')
  assert.match(result.left.message, '-0 is written as 0')
})

mapper('a kind that is not registered is UnknownTopic', () => {
  const only = eventMapper(right(topicRegistry([Note])), transcoder())
  const result = only.toStored(Counter, 'c-1', 1, { type: 'Closed' }, at)
  assert.ok(E.isLeft(result) && result.left._tag === 'UnknownTopic')
})

mapper('with a cipher, the state is sealed and opens only with the same key', () => {
  const sealed = eventMapper(registry, transcoder({ cipher: right(aesGcm(encodedRandomBytes(32))) }))
  const item = right(sealed.toStored(Note, 'n-1', 1, { type: 'Created', attributes: { text: 'secret', stars: 2 } }, at))
  assert.not.match(Buffer.from(item.state).toString('latin1'), 'secret')
  assert.is(right(sealed.toDomain(item)).payload.type, 'Created')
  const other = eventMapper(registry, transcoder({ cipher: right(aesGcm(encodedRandomBytes(32))) }))
  const wrong = other.toDomain(item)
  assert.ok(E.isLeft(wrong) && wrong.left._tag === 'CipherError')
})

mapper('encrypted state is bound to its event: copied onto another event, it does not decrypt', () => {
  const sealed = eventMapper(registry, transcoder({ cipher: right(aesGcm(encodedRandomBytes(32))) }))
  const first = right(sealed.toStored(Counter, 'c-1', 2, { type: 'Added', by: 1 }, at))
  const second = right(sealed.toStored(Counter, 'c-1', 3, { type: 'Added', by: 1_000_000 }, at))
  for (const moved of [
    { ...first, state: second.state },
    { ...first, originatorId: 'c-2' },
    { ...first, originatorVersion: 3 }
  ]) {
    const result = sealed.toDomain(moved)
    assert.ok(E.isLeft(result) && result.left._tag === 'CipherError', JSON.stringify(moved.originatorId))
  }
  assert.ok(E.isRight(sealed.toDomain(first)))
})

mapper('decodeItem reads an item from its fields as toDomain reads the item, with its state as bytes or as text', () => {
  const stored = [
    right(plain.toStored(Counter, 'c-1', 1, { type: 'Opened', at }, at)),
    right(plain.toStored(Note, 'n-1', 2, { type: 'Created', attributes: { text: 'é ☕', stars: 2 } }, at)),
    { originatorId: 'c-1', originatorVersion: 3, topic: 'spec#Counter.Added', state: Buffer.from('{"timestamp":"2026-11-27T10:00:00.000Z","data":{"by":"x"}}') },
    { originatorId: 'c-1', originatorVersion: 4, topic: 'spec#Nobody.Knows', state: Buffer.from('{}') },
    { originatorId: 'c-1', originatorVersion: 5, topic: 'spec#Counter.Added', state: Buffer.from('{"data":1}') }
  ]
  for (const item of stored) {
    const expected = plain.toDomain(item)
    const { originatorId, originatorVersion, topic, state } = item
    assert.equal(plain.decodeItem(originatorId, originatorVersion, topic, state), expected, `${originatorVersion} as bytes`)
    assert.equal(plain.decodeItem(originatorId, originatorVersion, topic, Buffer.from(state).toString('utf8')), expected, `${originatorVersion} as text`)
  }
})

mapper('with a cipher, decodeItem refuses text state as toDomain refuses plain bytes', () => {
  const sealed = eventMapper(registry, transcoder({ cipher: right(aesGcm(encodedRandomBytes(32))) }))
  const item = right(plain.toStored(Counter, 'c-1', 1, { type: 'Opened', at }, at))
  const asText = sealed.decodeItem(item.originatorId, item.originatorVersion, item.topic, Buffer.from(item.state).toString('utf8'))
  assert.ok(E.isLeft(asText) && asText.left._tag === 'CipherError')
  assert.equal(asText, sealed.toDomain(item))
})

mapper.run()
