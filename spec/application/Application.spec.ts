import { randomUUID } from 'node:crypto'
import * as E from 'fp-ts/Either'
import { pipe } from 'fp-ts/function'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  AggregateRoot,
  changeAttribute,
  create,
  createApplication,
  type Application,
  type StoredEvent
} from '../../lib/index.js'
import { guard } from '../support/hooks.js'
import { Counter, Note } from '../support/kinds.js'
import { expectLeft, expectRight } from '../store/conformance.js'

const ok = <A>(either: E.Either<unknown, A>): A => {
  if (E.isLeft(either)) throw new Error(`expected Right, got ${JSON.stringify(either.left)}`)
  return either.right
}

const records = async (app: Application): Promise<ReadonlyArray<unknown>> =>
  app.eventStore.recordManager.query().selectAll().orderBy('id').execute()

const opened = (id: string, at = new Date('2026-01-02T03:04:05.678Z')) => ok(Counter.execute({ type: 'Open', at })(Counter.initial(id)))

const app = suite<{ app: Application }>('Application')

app.before.each(
  guard('open an application', async (ctx) => {
    ctx.app = await expectRight(createApplication({ persist: [Counter, Note, AggregateRoot], env: {} }))
  })
)
app.after.each(guard('close the application', (ctx) => ctx.app.close()))

app('saves pending events and returns the aggregate marked saved', async ({ app }) => {
  const [saved] = await expectRight(app.save(opened(randomUUID())))
  assert.is(saved.version, 1)
  assert.equal(saved.pending, [])
})

app('gets an aggregate back with its state, version and Date values intact', async ({ app }) => {
  const id = randomUUID()
  const counter = ok(pipe(opened(id), Counter.execute({ type: 'Add', by: 2 }), E.chain(Counter.execute({ type: 'Add', by: 3 }))))
  await expectRight(app.save(counter))
  const loaded = await expectRight(app.repository.get(Counter, id))
  assert.is(loaded.version, 3)
  assert.is(loaded.state.total, 5)
  assert.ok(loaded.state.openedAt instanceof Date)
  assert.is(loaded.state.openedAt?.toISOString(), '2026-01-02T03:04:05.678Z')
})

app('gets an aggregate at an earlier version', async ({ app }) => {
  const id = randomUUID()
  await expectRight(app.save(ok(pipe(opened(id), Counter.execute({ type: 'Add', by: 2 }), E.chain(Counter.execute({ type: 'Add', by: 3 }))))))
  const v2 = await expectRight(app.repository.get(Counter, id, { version: 2 }))
  assert.is(v2.version, 2)
  assert.is(v2.state.total, 2)
  const missing = await expectLeft(app.repository.get(Counter, id, { version: 4 }))
  assert.equal(missing, { _tag: 'AggregateNotFound', originatorId: id, version: 4 })
  const bad = await expectLeft(app.repository.get(Counter, id, { version: 0 }))
  assert.is(bad._tag, 'InvalidArgument')
})

app('a missing id and a discarded (terminal) aggregate are not found', async ({ app }) => {
  const none = await expectLeft(app.repository.get(Counter, randomUUID()))
  assert.is(none._tag, 'AggregateNotFound')
  const id = randomUUID()
  await expectRight(app.save(ok(pipe(opened(id), Counter.execute({ type: 'Close' })))))
  assert.is((await expectLeft(app.repository.get(Counter, id)))._tag, 'AggregateNotFound')
  assert.is(await expectRight(app.repository.has(id)), false)
})

app('has() is true for a live aggregate of any registered kind', async ({ app }) => {
  const id = randomUUID()
  await expectRight(app.save(ok(Note.execute(create({ text: 'hi', stars: 3 }))(Note.initial(id)))))
  assert.is(await expectRight(app.repository.has(id)), true)
  assert.is(await expectRight(app.repository.has(randomUUID())), false)
})

app('getting an aggregate as the wrong kind is a DecodeError, not a wrong state', async ({ app }) => {
  const id = randomUUID()
  await expectRight(app.save(opened(id)))
  const wrong = await expectLeft(app.repository.get(Note, id))
  assert.is(wrong._tag, 'DecodeError')
})

app('a stale save gives ConcurrencyError and writes nothing', async ({ app }) => {
  const id = randomUUID()
  const [first] = await expectRight(app.save(opened(id)))
  await expectRight(app.save(ok(Counter.execute({ type: 'Add', by: 1 })(first))))
  const before = await records(app)
  const error = await expectLeft(app.save(ok(Counter.execute({ type: 'Add', by: 9 })(first))))
  assert.is(error._tag, 'ConcurrencyError')
  assert.equal(await records(app), before)
})

app('a save of several aggregates is all or nothing', async ({ app }) => {
  const taken = randomUUID()
  const [stale] = [opened(taken)]
  await expectRight(app.save(opened(taken)))
  const fresh = opened(randomUUID())
  const before = await records(app)
  const error = await expectLeft(app.save(fresh, stale))
  assert.is(error._tag, 'ConcurrencyError')
  assert.equal(await records(app), before)
  assert.is((await expectLeft(app.repository.get(Counter, fresh.id)))._tag, 'AggregateNotFound')
})

app('an empty save is refused, and an aggregate with no pending events writes nothing', async ({ app }) => {
  assert.is((await expectLeft(app.save()))._tag, 'InvalidArgument')
  const [saved] = await expectRight(app.save(opened(randomUUID())))
  const before = await records(app)
  const [again] = await expectRight(app.save(saved))
  assert.is(again, saved)
  assert.equal(await records(app), before)
})

app('the same aggregate twice in one save is refused', async ({ app }) => {
  const id = randomUUID()
  const error = await expectLeft(app.save(opened(id), opened(id)))
  assert.is(error._tag, 'InvalidArgument')
  assert.equal(await records(app), [])
})

app('an aggregate of an unregistered kind is refused', async ({ app }) => {
  const error = await expectLeft(app.save({ ...opened(randomUUID()), kind: 'spec#Unknown' }))
  assert.is(error._tag, 'InvalidArgument')
})

app('handle() loads, decides and saves, and creates new aggregates', async ({ app }) => {
  const id = randomUUID()
  const openedAt = new Date()
  await expectRight(app.handle(Counter, id, { type: 'Open', at: openedAt }))
  const added = await expectRight(app.handle(Counter, id, { type: 'Add', by: 4 }))
  assert.is(added.version, 2)
  assert.is(added.state.total, 4)
  const refused = await expectLeft(app.handle(Counter, randomUUID(), { type: 'Add', by: 1 }))
  assert.equal(refused, { _tag: 'DomainError', code: 'NotOpen', message: 'not open' })
})

app('handle() retries on ConcurrencyError, so concurrent commands all land', async ({ app }) => {
  const id = randomUUID()
  await expectRight(app.handle(Counter, id, { type: 'Open', at: new Date() }))
  const results = await Promise.all(Array.from({ length: 5 }, () => app.handle(Counter, id, { type: 'Add', by: 1 }, { attempts: 10 })()))
  assert.ok(results.every(E.isRight))
  const final = await expectRight(app.repository.get(Counter, id))
  assert.is(final.state.total, 5)
  assert.is(final.version, 6)
})

app('handle() gives up after the given attempts', async ({ app }) => {
  const id = randomUUID()
  await expectRight(app.handle(Counter, id, { type: 'Open', at: new Date() }))
  const results = await Promise.all(Array.from({ length: 6 }, () => app.handle(Counter, id, { type: 'Add', by: 1 }, { attempts: 1 })()))
  const conflicts = results.filter((r) => E.isLeft(r) && r.left._tag === 'ConcurrencyError').length
  const final = await expectRight(app.repository.get(Counter, id))
  assert.ok(conflicts > 0, 'some writer must have lost the race')
  assert.is(final.state.total, 6 - conflicts)
})

app('saveWithin() writes inside a caller transaction that can roll back', async ({ app }) => {
  const db = app.eventStore.recordManager.db
  const id = randomUUID()
  const rolledBack = await db
    .transaction()
    .execute(async (trx) => {
      const saved = await app.saveWithin(trx)(opened(id))()
      assert.ok(E.isRight(saved))
      throw new Error('roll back')
    })
    .catch((e: Error) => e.message)
  assert.is(rolledBack, 'roll back')
  assert.is(await expectRight(app.repository.has(id)), false)
  await db.transaction().execute(async (trx) => {
    await expectRight(app.saveWithin(trx)(opened(id)))
  })
  assert.is(await expectRight(app.repository.has(id)), true)
})

app('listEvents returns envelopes with originator, version, timestamp and topic', async ({ app }) => {
  const id = randomUUID()
  await expectRight(app.save(ok(Note.execute(create({ text: 'x', stars: 1 }))(Note.initial(id)))))
  await expectRight(app.handle(Note, id, changeAttribute('stars', 5)))
  const events = await expectRight(app.eventStore.listEvents(id))
  assert.equal(events.map((e) => [e.originatorId, e.originatorVersion, e.topic]), [
    [id, 1, 'spec#Note.Created'],
    [id, 2, 'spec#Note.AttributeChanged']
  ])
  assert.ok(events.every((e) => e.timestamp instanceof Date))
})

app('after close, calls give a typed Left and never throw; close is idempotent', async ({ app }) => {
  await app.close()
  await app.close()
  const result = await app.repository.get(Counter, randomUUID())()
  assert.ok(E.isLeft(result))
  const saved = await app.save(opened(randomUUID()))()
  assert.ok(E.isLeft(saved))
  // A save with nothing to write, too.
  const empty = await app.save(Counter.initial(randomUUID()))()
  assert.ok(E.isLeft(empty) && empty.left._tag === 'StoreUnavailable')
})

app.run()

const lazy = suite('Application saves are lazy tasks')

lazy('building a save writes nothing and reads no clock; running it stamps the time it runs', async () => {
  let now = new Date('2026-01-01T00:00:00.000Z')
  const application = await expectRight(createApplication({ persist: [Counter], env: {}, clock: () => now }))
  try {
    const id = randomUUID()
    const task = application.save(opened(id))
    assert.equal(await expectRight(application.eventStore.listEvents(id)), [], 'nothing written before the task runs')
    now = new Date('2026-06-01T12:00:00.000Z')
    await expectRight(task)
    const [event] = await expectRight(application.eventStore.listEvents(id))
    assert.equal(event?.timestamp, new Date('2026-06-01T12:00:00.000Z'))
  } finally {
    await application.close()
  }
})

lazy.run()

// -------------------------------------------------------------------------------------

const policy = suite('Application persistence policy')

policy('by default nothing is persisted', async () => {
  const app = await expectRight(createApplication({ kinds: [Counter], env: {} }))
  try {
    const [returned] = await expectRight(app.save(opened(randomUUID())))
    assert.is(returned.pending.length, 1, 'not persisted, so still pending')
    assert.equal(await records(app), [])
  } finally {
    await app.close()
  }
})

policy('only the kinds named are persisted', async () => {
  const app = await expectRight(createApplication({ persist: [Note], kinds: [Counter], env: {} }))
  try {
    await expectRight(app.save(opened(randomUUID()), ok(Note.execute(create({ text: 'kept', stars: 1 }))(Note.initial(randomUUID())))))
    const rows = (await records(app)) as ReadonlyArray<{ topic: string }>
    assert.equal(rows.map((r) => r.topic), ['spec#Note.Created'])
  } finally {
    await app.close()
  }
})

policy.run()

// -------------------------------------------------------------------------------------

const settings = suite('Application settings and the environment')

settings('DB_URI and CIPHER_KEY come from the environment when no option is given', async () => {
  const { encodedRandomBytes } = await import('../../lib/index.js')
  const app = await expectRight(
    createApplication({ persist: [Note], env: { DB_URI: 'sqlite:///:memory:', CIPHER_KEY: encodedRandomBytes(16) } })
  )
  try {
    const id = randomUUID()
    await expectRight(app.save(ok(Note.execute(create({ text: 'secret text', stars: 1 }))(Note.initial(id)))))
    const [item] = await expectRight(app.eventStore.recordManager.listItems(id))
    assert.ok(item !== undefined && !Buffer.from((item as StoredEvent).state).toString('latin1').includes('secret text'))
    assert.is((await expectRight(app.repository.get(Note, id))).state.status, 'live')
  } finally {
    await app.close()
  }
})

settings('options win over the environment', async () => {
  const { encodedRandomBytes } = await import('../../lib/index.js')
  const app = await expectRight(
    createApplication({
      uri: 'sqlite:///:memory:',
      cipherKey: encodedRandomBytes(24),
      persist: [Note],
      env: { DB_URI: 'nope://x', CIPHER_KEY: 'not base64!' }
    })
  )
  try {
    assert.is(app.eventStore.recordManager.dialect, 'sqlite')
    const id = randomUUID()
    await expectRight(app.save(ok(Note.execute(create({ text: 'x', stars: 1 }))(Note.initial(id)))))
    assert.is((await expectRight(app.repository.get(Note, id))).version, 1)
  } finally {
    await app.close()
  }
})

settings('bad settings give InvalidConfig before anything is opened', async () => {
  for (const options of [
    { uri: 'not a uri' },
    { uri: 'oracle://scott:tiger@host/db' },
    { cipherKey: 'c2hvcnQ=' },
    { cipherKey: 'not base64 at all!' },
    { compressor: 'lzma' },
    { tableName: 'events; DROP TABLE x' },
    { sectionSize: 0 },
    { uri: 'sqlite:///:memory:', sql: (() => undefined) as never }
  ]) {
    const error = await expectLeft(createApplication({ ...options, env: {} }))
    assert.is(error._tag, 'InvalidConfig', JSON.stringify(options))
  }
})

settings('two kinds that claim one name are refused', async () => {
  const error = await expectLeft(createApplication({ persist: [Note, { ...Note }], env: {} }))
  assert.is(error._tag, 'InvalidConfig')
})

settings.run()
