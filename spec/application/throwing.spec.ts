/**
 * User code that throws where it should return: a decider's decide, evolve or
 * isTerminal, or a codec. No exception escapes the application: each is a
 * typed Left, and nothing is written.
 */
import { randomUUID } from 'node:crypto'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aggregateKind, createApplication, type Application, type Decider } from '../../lib/index.js'
import { guard } from '../support/hooks.js'
import { expectLeft, expectRight } from '../store/conformance.js'

type Added = { readonly type: 'Added'; readonly n: number }

// decide throws on 99; evolve throws when the total reaches 13; isTerminal throws at 7.
const touchy: Decider<number, Added, number> = {
  initialState: 0,
  decide: (n) => {
    if (n === 99) throw new Error('decide broke')
    return E.right([{ type: 'Added', n }])
  },
  evolve: (total, e) => {
    if (total + e.n === 13) throw new TypeError('evolve broke')
    return total + e.n
  },
  isTerminal: (total) => {
    if (total === 7) throw new RangeError('isTerminal broke')
    return false
  }
}
const Touchy = aggregateKind('spec#Touchy', touchy, { Added: t.type({ n: t.number }) })

/** A number codec whose decode throws on 666 and whose is() throws on -1. */
const Fragile = new t.Type<number, number, unknown>(
  'Fragile',
  (u): u is number => {
    if (u === -1) throw new Error('is broke')
    return typeof u === 'number'
  },
  (u, c) => {
    if (u === 666) throw new Error('decode broke')
    return typeof u === 'number' ? t.success(u) : t.failure(u, c)
  },
  (n) => n
)
type Stored = { readonly type: 'Stored'; readonly n: number }
const keeper: Decider<number, Stored, number> = {
  initialState: 0,
  decide: (n) => E.right([{ type: 'Stored', n }]),
  evolve: (_, e) => e.n,
  isTerminal: () => false
}
const Keeper = aggregateKind('spec#Keeper', keeper, { Stored: t.type({ n: Fragile }) })

const test = suite<{ app: Application }>('code that throws')

test.before(
  guard('an application of the touchy kinds', async (ctx) => {
    ctx.app = await expectRight(createApplication({ persist: [Touchy, Keeper], env: {} }))
  })
)
test.after(guard('close', (ctx) => ctx.app.close()))

test('a decide that throws is DeciderThrew, and nothing is written', async ({ app }) => {
  const id = randomUUID()
  const error = await expectLeft(app.handle(Touchy, id, 99))
  assert.is(error._tag, 'DeciderThrew')
  assert.equal(error, { ...error, kind: 'spec#Touchy', originatorId: id })
  assert.match((error as { message: string }).message, /decide broke/)
  assert.equal(await expectRight(app.eventStore.listEvents(id)), [])
})

test('an evolve that throws on a command is DeciderThrew, and nothing is written', async ({ app }) => {
  const id = randomUUID()
  await expectRight(app.handle(Touchy, id, 10))
  const error = await expectLeft(app.handle(Touchy, id, 3))
  assert.is(error._tag, 'DeciderThrew')
  assert.match((error as { message: string }).message, /evolve broke/)
  assert.is((await expectRight(app.eventStore.listEvents(id))).length, 1)
})

test('an evolve that throws on a load is DeciderThrew, from get, load, has and handle', async ({ app }) => {
  const id = randomUUID()
  // Stored directly, as another version of the code might have: 10, then 3 (the fold throws at 13).
  const stored = (version: number, n: number) => {
    const item = app.eventStore.mapper.toStored(Touchy, id, version, { type: 'Added', n }, new Date())
    if (E.isLeft(item)) throw new Error('setup: cannot encode')
    return item.right
  }
  await expectRight(app.eventStore.store([stored(1, 10), stored(2, 3)]))
  const tasks: ReadonlyArray<() => Promise<E.Either<unknown, unknown>>> = [
    app.repository.get(Touchy, id),
    app.repository.load(Touchy, id),
    app.repository.has(id),
    app.handle(Touchy, id, 1)
  ]
  for (const task of tasks) {
    const error = (await expectLeft(task)) as { _tag: string; message: string }
    assert.is(error._tag, 'DeciderThrew')
    assert.match(error.message, /evolve of spec#Touchy threw/)
    assert.match(error.message, /evolve broke/)
  }
})

test('an isTerminal that throws is DeciderThrew, from get and has', async ({ app }) => {
  const id = randomUUID()
  await expectRight(app.handle(Touchy, id, 7))
  const tasks: ReadonlyArray<() => Promise<E.Either<unknown, unknown>>> = [app.repository.get(Touchy, id), app.repository.has(id)]
  for (const task of tasks) {
    const error = (await expectLeft(task)) as { _tag: string; message: string }
    assert.is(error._tag, 'DeciderThrew')
    assert.match(error.message, /isTerminal broke/)
  }
})

test('a codec whose decode throws: a save of what it cannot read back is EncodeError, and such a stored event is DecodeError on every read', async ({ app }) => {
  const id = randomUUID()
  // The save reads back what the codec wrote (it is not a plain io-ts type), and the codec throws.
  const refused = await expectLeft(app.handle(Keeper, id, 666))
  assert.is(refused._tag, 'EncodeError')
  assert.match((refused as { message: string }).message, /decode broke/)
  assert.equal(await expectRight(app.eventStore.listEvents(id)), [], 'nothing was written')
  // Stored by other means (an older codec, another program), it still reads as a typed error.
  const state = new TextEncoder().encode(JSON.stringify({ timestamp: new Date().toISOString(), data: { n: 666 } }))
  await expectRight(app.eventStore.recordManager.insertItems([{ originatorId: id, originatorVersion: 1, topic: 'spec#Keeper.Stored', state }]))
  const got = await expectLeft(app.repository.get(Keeper, id))
  assert.is(got._tag, 'DecodeError')
  assert.match((got as { message: string }).message, /decode broke/)
  assert.is((await expectLeft(app.eventStore.listEvents(id)))._tag, 'DecodeError')
  const reader = app.reader()
  assert.is((await expectLeft(reader.read()))._tag, 'DecodeError')
})

test('a codec whose is() throws is EncodeError on save, and nothing is written', async ({ app }) => {
  const id = randomUUID()
  const error = await expectLeft(app.handle(Keeper, id, -1))
  assert.is(error._tag, 'EncodeError')
  assert.match((error as { message: string }).message, /is broke/)
  assert.equal(await expectRight(app.eventStore.listEvents(id)), [])
})

test.run()
