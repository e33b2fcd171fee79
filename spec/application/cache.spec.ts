// The repository's aggregate cache, on every store (SQLite in a file, so that
// a second application can write beside the first). Whether a load came from
// the cache is proved by breaking stored events behind the library's back: a
// load that reads them fails, a cache hit reads only the events after it.
import { randomUUID } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApplication, type Application } from '../../lib/index.js'
import { dialects, overwrite, type AppOptions, type Store } from '../support/app-dialects.js'
import { guard } from '../support/hooks.js'
import { deposit, expectedState, ledgerKind, open, run } from '../support/ledger.js'
import { expectLeft, expectRight } from '../store/conformance.js'

const Ledger = ledgerKind()

/** Breaks events of `id` so that any load that reads them fails. */
const breakEvents = (app: Application, id: string, versions: ReadonlyArray<number>) => overwrite(app.eventStore.recordManager, id, versions)

/** Opens a ledger for Ada and deposits `amounts`, one save each. */
const ledger = async (app: Application, id: string, amounts: ReadonlyArray<number> = []) => {
  await expectRight(app.handle(Ledger, id, open('Ada')))
  for (const amount of amounts) await expectRight(app.handle(Ledger, id, deposit(amount)))
}

for (const dialect of await dialects()) {
  const test = suite(`cache: ${dialect.name}`)
  test.after(guard(`cache: ${dialect.name}: teardown`, dialect.teardown))

  /** Two applications on one store (a file on SQLite): `cached` with a cache, `other` without. */
  const pair = async (options: AppOptions = { cacheSize: 10 }): Promise<{ store: Store; cached: Application; other: Application }> => {
    const store = dialect.store({ file: true })
    const cached = await store.open({ persist: [Ledger], ...options })
    const other = await store.open({ persist: [Ledger] })
    return { store, cached, other }
  }

  test('a hit fast-forwards: it reads only the events after the cached version, and sees what another application wrote', async () => {
    const { cached, other } = await pair()
    const id = randomUUID()
    await ledger(cached, id, [10, 20]) // v3, cached by the save
    await breakEvents(cached, id, [1, 2, 3])
    // The cache holds v3: nothing before it is read, so the broken events do not matter.
    assert.equal((await expectRight(cached.repository.get(Ledger, id))).state, expectedState('Ada', [10, 20]))
    // An application without the cache reads them, and fails: they really are broken.
    assert.is((await expectLeft(other.repository.get(Ledger, id)))._tag, 'DecodeError')

    // The other application appends v4 and v5 (from an aggregate it did not load, since it cannot).
    const v3 = await expectRight(cached.repository.get(Ledger, id))
    await expectRight(other.save(run(Ledger.execute, v3, deposit(30), deposit(40))))
    const seen = await expectRight(cached.repository.get(Ledger, id))
    assert.is(seen.version, 5, 'the hit was fast-forwarded past what the other application wrote')
    assert.equal(seen.state, expectedState('Ada', [10, 20, 30, 40]))
    // And a command decides against the newest version, so it does not conflict.
    const decided = await expectRight(cached.handle(Ledger, id, deposit(50)))
    assert.is(decided.version, 6)
    assert.equal(decided.state, expectedState('Ada', [10, 20, 30, 40, 50]))

    // A version older than the cached one is not served from the cache: it reads the (broken) events.
    assert.is((await expectLeft(cached.repository.get(Ledger, id, { version: 4 })))._tag, 'DecodeError')
  })

  test('it never serves a version older than one this process saved', async () => {
    const { cached, other } = await pair()
    const id = randomUUID()
    await ledger(cached, id)
    const v1 = await expectRight(cached.repository.get(Ledger, id)) // cached at v1
    // Save two more from that copy, and one more from the other application.
    const [v3] = await expectRight(cached.save(run(Ledger.execute, v1, deposit(1), deposit(2))))
    assert.is(v3.version, 3)
    await breakEvents(cached, id, [1, 2, 3])
    const got = await expectRight(cached.repository.get(Ledger, id))
    assert.is(got.version, 3)
    assert.equal(got.state, v3.state, 'the saved aggregate, not the one loaded before the save')
    assert.is((await expectRight(cached.repository.load(Ledger, id))).version, 3)
    // Loads that began before a save and end after it do not put the older version back.
    const loads = [cached.repository.load(Ledger, id)(), cached.repository.get(Ledger, id)()]
    const [v4] = await expectRight(cached.save(run(Ledger.execute, got, deposit(4))))
    await Promise.all(loads)
    assert.is((await expectRight(cached.repository.get(Ledger, id))).version, v4.version)
    assert.equal((await expectRight(other.eventStore.recordManager.listItems(id))).length, 4)
  })

  test('a saveWithin is never cached: a rolled-back one is never served, a committed one is read from the store', async () => {
    const { cached } = await pair()
    const id = randomUUID()
    await ledger(cached, id, [1]) // v2, cached
    const v2 = await expectRight(cached.repository.get(Ledger, id))
    const db = cached.eventStore.recordManager.db
    const outcome = await db
      .transaction()
      .execute(async (trx) => {
        await expectRight(cached.saveWithin(trx)(run(Ledger.execute, v2, deposit(100))))
        throw new Error('roll back')
      })
      .catch((e: Error) => e.message)
    assert.is(outcome, 'roll back')
    const after = await expectRight(cached.repository.get(Ledger, id))
    assert.is(after.version, 2)
    assert.equal(after.state, expectedState('Ada', [1]))
    await db.transaction().execute(async (trx) => {
      await expectRight(cached.saveWithin(trx)(run(Ledger.execute, v2, deposit(5))))
    })
    const committed = await expectRight(cached.repository.get(Ledger, id))
    assert.is(committed.version, 3)
    assert.equal(committed.state, expectedState('Ada', [1, 5]))
  })

  test('past cacheSize, the least recently used aggregate is evicted first', async () => {
    const { cached } = await pair({ cacheSize: 2 })
    const [x, y, z] = [randomUUID(), randomUUID(), randomUUID()]
    await ledger(cached, x, [1])
    await ledger(cached, y, [2])
    await expectRight(cached.repository.get(Ledger, x)) // x is now more recent than y
    await ledger(cached, z, [3]) // so y is evicted
    for (const id of [x, y, z]) await breakEvents(cached, id, [1, 2])
    assert.equal((await expectRight(cached.repository.get(Ledger, x))).state, expectedState('Ada', [1]), 'x: a hit')
    assert.equal((await expectRight(cached.repository.get(Ledger, z))).state, expectedState('Ada', [3]), 'z: a hit')
    assert.is((await expectLeft(cached.repository.get(Ledger, y)))._tag, 'DecodeError', 'y: evicted, so read from the store')
  })

  test('looking up ids that do not exist evicts nothing', async () => {
    const { cached } = await pair({ cacheSize: 2 })
    const [x, y] = [randomUUID(), randomUUID()]
    await ledger(cached, x, [1])
    await ledger(cached, y, [2])
    for (let i = 0; i < 3; i++) {
      assert.is((await expectLeft(cached.repository.get(Ledger, randomUUID())))._tag, 'AggregateNotFound')
      assert.is((await expectRight(cached.repository.load(Ledger, randomUUID()))).version, 0)
    }
    for (const id of [x, y]) await breakEvents(cached, id, [1, 2])
    assert.is((await expectRight(cached.repository.get(Ledger, x))).version, 2)
    assert.is((await expectRight(cached.repository.get(Ledger, y))).version, 2)
  })

  test('cacheSize 0, like no cacheSize, caches nothing', async () => {
    for (const options of [{ cacheSize: 0 }, {}, { cacheSize: 1 }] as const) {
      const { cached } = await pair(options)
      const id = randomUUID()
      await ledger(cached, id, [1])
      assert.is((await expectRight(cached.repository.get(Ledger, id))).version, 2)
      await breakEvents(cached, id, [1])
      const loaded = await cached.repository.get(Ledger, id)()
      const what = JSON.stringify(options)
      if (options.cacheSize === 1) assert.is(loaded._tag, 'Right', `${what}: a hit`)
      else assert.ok(loaded._tag === 'Left' && loaded.left._tag === 'DecodeError', `${what}: read from the store`)
    }
  })

  test.run()
}

// -------------------------------------------------------------------------------------
// settings
// -------------------------------------------------------------------------------------

const settings = suite('cache: settings')

settings('cacheSize must be an integer of at least 0', async () => {
  for (const cacheSize of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    const error = await expectLeft(createApplication({ persist: [Ledger], cacheSize, env: {} }))
    assert.is(error._tag, 'InvalidConfig', String(cacheSize))
  }
})

settings.run()
