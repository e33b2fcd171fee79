import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { StoreError } from '../../lib/errors/EventfoldError.js'
import { postgresRecordManager, type PostgresMode } from '../../lib/store/postgres/postgres-record-manager.js'
import { guard } from '../support/hooks.js'
import { freshDatabase, type FreshDatabase } from '../support/postgres.js'
import { expectRight, freshTableName } from './conformance.js'

const WRITERS = 16
const ROUNDS = 200

interface Context {
  database: FreshDatabase
  sql: postgres.Sql
}

const race = suite<Context>('postgres concurrency', {} as Context)

race.before(
  guard('postgres concurrency: open', async (context) => {
    context.database = await freshDatabase('race')
    context.sql = postgres(context.database.url, { max: WRITERS, onnotice: () => undefined })
  })
)

race.after(
  guard('postgres concurrency: close', async (context) => {
    await context.sql.end()
    await context.database.drop()
  })
)

interface Won {
  readonly version: number
  readonly topic: string
}

for (const mode of ['snapshot', 'serialised'] as const satisfies ReadonlyArray<PostgresMode>)
  race(`${WRITERS} writers racing ${ROUNDS} times on one aggregate: every version once, every loser told (${mode})`, async (context) => {
    const rm = await expectRight(postgresRecordManager({ sql: context.sql, tableName: freshTableName('race'), mode }))
    const id = randomUUID()
    const won: Array<Won> = []
    const lost: Array<StoreError> = []

    const writer = async (w: number) => {
      for (let round = 0; round < ROUNDS; round++) {
        // Read the current version, then claim the next: the read is stale by the time most writers insert.
        const [last] = await expectRight(rm.listItems(id, { desc: true, limit: 1 }))
        const version = (last?.originatorVersion ?? 0) + 1
        const topic = `writer ${w} round ${round}`
        const saved = await rm.insertItems([{ originatorId: id, originatorVersion: version, topic, state: Uint8Array.of(w, round % 256) }])()
        if (saved._tag === 'Right') won.push({ version, topic })
        else lost.push(saved.left)
      }
    }
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)))

    assert.is(won.length + lost.length, WRITERS * ROUNDS)
    assert.equal([...new Set(lost.map((e) => e._tag))], lost.length === 0 ? [] : ['ConcurrencyError'], 'every loser got ConcurrencyError')
    assert.ok(lost.length > 0, 'the writers did contend')
    for (const e of lost) if (e._tag === 'ConcurrencyError') assert.equal(e.originatorIds, [id])

    const stored = await expectRight(rm.listItems(id))
    // Versions 1..n, each exactly once, and n is the number of winners.
    assert.equal(
      stored.map((e) => e.originatorVersion),
      Array.from({ length: won.length }, (_, i) => i + 1)
    )
    // Each winner's own event is the one stored at its version: none lost, none overwritten.
    const byVersion = new Map(stored.map((e) => [e.originatorVersion, e.topic]))
    for (const w of won) assert.is(byVersion.get(w.version), w.topic)
    assert.is(new Set(won.map((w) => w.version)).size, won.length)

    await rm.db.schema.dropTable(rm.tableName).execute()
    await rm.close()
  })

// Two saves of the same new aggregates, x and y, given in opposite orders:
// each inserts its first aggregate, then waits for the row of the other's
// first, and the server breaks the deadlock by failing one of them. Caller
// transactions hold each save open at the right moment, so the deadlock
// happens every time rather than now and then.
race('two saves of the same aggregates in opposite orders that deadlock: the one the server fails gets ConcurrencyError', async (context) => {
  const rm = await expectRight(postgresRecordManager({ sql: context.sql, tableName: freshTableName('deadlock') }))
  const [x, y] = [randomUUID(), randomUUID()]
  const event = (id: string) => ({ originatorId: id, originatorVersion: 1, topic: 'spec.Happened', state: Uint8Array.of(0x7b, 0x7d) })
  let firstsIn = 0
  let bothIn: () => void = () => undefined
  const bothFirstsIn = new Promise<void>((resolve) => (bothIn = resolve))
  const save = (first: string, second: string) =>
    rm.db
      .transaction()
      .execute(async (trx) => {
        await expectRight(rm.insertItems([event(first)], trx))
        if (++firstsIn === 2) bothIn()
        await bothFirstsIn
        const saved = await rm.insertItems([event(second)], trx)()
        if (saved._tag === 'Left') throw Object.assign(new Error('rolled back'), { left: saved.left })
      })
      .then(
        () => undefined,
        (e: { left?: StoreError }) => e.left
      )
  const outcomes = await Promise.all([save(x, y), save(y, x)])
  const failed = outcomes.filter((o) => o !== undefined)
  assert.is(failed.length, 1, 'one save won, one lost')
  assert.is(failed[0]?._tag, 'ConcurrencyError', `the loser got ${failed[0]?._tag}: ${failed[0]?.message}`)
  assert.match(failed[0]?.message ?? '', 'deadlock')
  // The winner's two events, and nothing of the loser's.
  for (const id of [x, y]) assert.is((await expectRight(rm.listItems(id))).length, 1)
  await rm.db.schema.dropTable(rm.tableName).execute()
  await rm.close()
})

race.run()
