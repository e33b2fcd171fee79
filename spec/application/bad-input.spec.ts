/**
 * Bad input: each row gives a typed Left, never an exception, and leaves the
 * store exactly as it was.
 */
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/Either'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApplication, encodedRandomBytes, type Application, type EventfoldError } from '../../lib/index.js'
import { guard } from '../support/hooks.js'
import { Counter } from '../support/kinds.js'
import { expectRight } from '../store/conformance.js'

interface Ctx {
  file: string
  key: string
  app: Application
  liveId: string
  strangerId: string
}

const rows = async (app: Application) => app.eventStore.recordManager.query().selectAll().orderBy('id').execute()

const json = (data: unknown) => new TextEncoder().encode(JSON.stringify({ timestamp: new Date().toISOString(), data }))

type Case = (ctx: Ctx) => Promise<E.Either<EventfoldError | { readonly _tag: string }, unknown>>

const cases: ReadonlyArray<readonly [name: string, expected: string, run: Case]> = [
  [
    'a payload that fails its codec on save',
    'EncodeError',
    ({ app }) => app.save({ ...Counter.initial(randomUUID()), version: 1, pending: [{ type: 'Added', by: 'two' as unknown as number }] })()
  ],
  [
    'NaN, which JSON would silently turn into null',
    'EncodeError',
    ({ app }) => app.save({ ...Counter.initial(randomUUID()), version: 1, pending: [{ type: 'Added', by: Number.NaN }] })()
  ],
  [
    'a stored payload that fails its codec on load',
    'DecodeError',
    async ({ app, liveId }) => app.repository.get(Counter, liveId)()
  ],
  [
    'an unknown topic in the store',
    'UnknownTopic',
    ({ app, strangerId }) => app.eventStore.listEvents(strangerId)()
  ],
  [
    'a wrong cipher key',
    'CipherError',
    async ({ file, liveId }) => {
      const other = await expectRight(createApplication({ uri: `sqlite:///${file}`, kinds: [Counter], cipherKey: encodedRandomBytes(32), env: {} }))
      try {
        return await other.eventStore.listEvents(liveId, { lte: 1 })()
      } finally {
        await other.close()
      }
    }
  ],
  [
    'tampered ciphertext',
    'CipherError',
    async ({ app, liveId }) => {
      const [item] = await expectRight(app.eventStore.recordManager.listItems(liveId, { limit: 1 }))
      if (item === undefined) throw new Error('setup wrote no item')
      const state = Uint8Array.from(item.state)
      state[state.length - 20] = (state[state.length - 20] ?? 0) ^ 1
      return app.eventStore.mapper.toDomain({ ...item, state })
    }
  ],
  ['an unknown id', 'AggregateNotFound', ({ app }) => app.repository.get(Counter, randomUUID())()],
  ['an empty id', 'InvalidArgument', ({ app }) => app.repository.get(Counter, '')()],
  ['a fractional version', 'InvalidArgument', ({ app, liveId }) => app.repository.get(Counter, liveId, { version: 1.5 })()],
  ['a negative version', 'InvalidArgument', ({ app, liveId }) => app.repository.get(Counter, liveId, { version: -1 })()],
  ['a malformed section id', 'InvalidArgument', ({ app }) => app.notificationLog.section('1;DROP TABLE')()],
  ['a malformed reader position', 'InvalidArgument', ({ app }) => app.reader({ position: 'x' }).read()()]
]

const bad = suite<Ctx>('bad input')

bad.before(
  guard('an encrypted file store with one good and one corrupt stream', async (ctx) => {
    ctx.file = join(tmpdir(), `eventfold-bad-${randomUUID()}.sqlite`)
    ctx.key = encodedRandomBytes(32)
    ctx.app = await expectRight(createApplication({ uri: `sqlite:///${ctx.file}`, persist: [Counter], cipherKey: ctx.key, env: {} }))
    ctx.liveId = randomUUID()
    await expectRight(ctx.app.handle(Counter, ctx.liveId, { type: 'Open', at: new Date() }))
    // A second event whose payload no longer fits the codec, written around the codec.
    const [good] = await expectRight(ctx.app.eventStore.recordManager.listItems(ctx.liveId))
    if (good === undefined) throw new Error('setup wrote no item')
    const { aesGcm, transcoder } = await import('../../lib/index.js')
    const cipher = aesGcm(ctx.key)
    if (E.isLeft(cipher)) throw new Error('bad key')
    const sealed = transcoder({ cipher: cipher.right }).toBytes(Counter.topicOf('Added'), { by: 'x' }, new Date())
    if (E.isLeft(sealed)) throw new Error('cannot encrypt')
    await expectRight(
      ctx.app.eventStore.recordManager.insertItems([{ originatorId: ctx.liveId, originatorVersion: 2, topic: Counter.topicOf('Added'), state: sealed.right }])
    )
    // A stream under a topic no kind registers.
    ctx.strangerId = randomUUID()
    await expectRight(
      ctx.app.eventStore.recordManager.insertItems([{ originatorId: ctx.strangerId, originatorVersion: 1, topic: 'nobody#Knows.This', state: json({}) }])
    )
  })
)
bad.after(
  guard('remove the file', async (ctx) => {
    await ctx.app.close()
    for (const suffix of ['', '-wal', '-shm']) rmSync(ctx.file + suffix, { force: true })
  })
)

for (const [name, expected, run] of cases) {
  bad(`${name} gives ${expected} and changes nothing`, async (ctx) => {
    const before = await rows(ctx.app)
    let result: E.Either<{ readonly _tag: string }, unknown>
    try {
      result = await run(ctx)
    } catch (e) {
      throw new Error(`threw instead of returning a Left: ${String(e)}`)
    }
    assert.ok(E.isLeft(result), `expected a Left ${expected}`)
    assert.is(result.left._tag, expected, JSON.stringify(result.left))
    assert.equal(await rows(ctx.app), before)
  })
}

bad('the decode error names the io-ts path and the topic', async ({ app, liveId }) => {
  const result = await app.repository.get(Counter, liveId)()
  assert.ok(E.isLeft(result) && result.left._tag === 'DecodeError')
  assert.is(result.left.path, 'by')
  assert.is(result.left.topic, 'spec#Counter.Added')
})

bad('the application is still usable afterwards', async ({ app }) => {
  const id = randomUUID()
  await expectRight(app.handle(Counter, id, { type: 'Open', at: new Date() }))
  assert.is((await expectRight(app.repository.get(Counter, id))).version, 1)
})

bad.run()
