import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import * as E from 'fp-ts/lib/Either.js'
import { Kysely, sql } from 'kysely'
import postgres from 'postgres'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { notificationLog } from '../../lib/notification/NotificationLog.js'
import { notificationLogReader } from '../../lib/notification/NotificationLogReader.js'
import { START, type Notification, type RecordManager, type StoredEvent } from '../../lib/store/RecordManager.js'
import { postgresDialect } from '../../lib/store/postgres/postgres-dialect.js'
import { postgresRecordManager, type PostgresMode } from '../../lib/store/postgres/postgres-record-manager.js'
import { guard } from '../support/hooks.js'
import { freshDatabase, type FreshDatabase } from '../support/postgres.js'
import { expectRight, freshTableName } from './conformance.js'

const WRITERS = 8
const PAGE = 50
/** How long the writers write, per mode. */
const LOAD_MS: Record<PostgresMode, number> = { snapshot: 3000, serialised: 2000 }

interface Context {
  database: FreshDatabase
  /** The writers' pool: one connection each. */
  writerPool: postgres.Sql
  /** The readers' own pool, so that writers holding connections cannot starve them. */
  readerPool: postgres.Sql
}

const log = suite<Context>('postgres notification order', {} as Context)

log.before(
  guard('postgres notifications: open', async (context) => {
    context.database = await freshDatabase('notify')
    context.writerPool = postgres(context.database.url, { max: WRITERS, onnotice: () => undefined })
    context.readerPool = postgres(context.database.url, { max: 2, onnotice: () => undefined })
  })
)

log.after(
  guard('postgres notifications: close', async (context) => {
    await context.writerPool.end()
    await context.readerPool.end()
    await context.database.drop()
  })
)

// -------------------------------------------------------------------------------------
// load
// -------------------------------------------------------------------------------------

const events = (originatorId: string, from: number, count: number): ReadonlyArray<StoredEvent> =>
  Array.from({ length: count }, (_, i) => ({
    originatorId,
    originatorVersion: from + i,
    topic: 'spec.Written',
    state: Uint8Array.of(from % 256)
  }))

/**
 * One writer: transactions of 1 to 3 events on its own aggregates. Most go
 * through a caller's transaction that may sleep on the server after the
 * insert and before the commit; that is what commits ids out of order.
 */
const writer = async (rm: RecordManager, caller: Kysely<Record<string, never>>, until: number): Promise<number> => {
  let written = 0
  while (Date.now() < until) {
    const id = randomUUID()
    for (let version = 1; version <= 12 && Date.now() < until; ) {
      const batch = events(id, version, 1 + Math.floor(Math.random() * 3))
      if (Math.random() < 0.2) await expectRight(rm.insertItems(batch))
      else {
        const pauseMs = Math.random() < 0.5 ? Math.random() * 15 : 0
        await caller.transaction().execute(async (trx) => {
          await expectRight(rm.insertItems(batch, trx))
          if (pauseMs > 0) await sql`select pg_sleep(${pauseMs / 1000})`.execute(trx)
        })
      }
      version += batch.length
      written += batch.length
    }
  }
  return written
}

// -------------------------------------------------------------------------------------
// readers
// -------------------------------------------------------------------------------------

interface Seen {
  readonly id: number
  readonly originatorId: string
  readonly originatorVersion: number
  readonly position?: string
}

/** Follows the log by position, as eventfold's readers do, until told to stop and caught up with `total()`. */
const follower = async (rm: RecordManager, done: () => boolean, total: () => number): Promise<ReadonlyArray<Seen>> => {
  const seen: Array<Notification> = []
  let position = START
  let deadline: number | undefined
  const giveUp = () => Date.now() > (deadline ??= Date.now() + 10_000)
  for (;;) {
    const page = await expectRight(rm.selectNotifications(position, PAGE))
    seen.push(...page)
    const last = page[page.length - 1]
    if (last !== undefined) position = last.position
    // Once the writers are done, read on until every committed row is in (or give up, and let the asserts say why).
    if (page.length < PAGE && done() && (seen.length >= total() || giveUp())) return seen
    if (page.length === 0) await sleep(1)
  }
}

/** Follows through eventfold's notification log and reader, as an application does: it must see the same. */
const logFollower = async (rm: RecordManager, done: () => boolean, total: () => number): Promise<ReadonlyArray<Seen>> => {
  const log = notificationLog(rm, (n) =>
    E.right({ ...n, timestamp: new Date(0), payload: { type: 'Raw' } })
  )
  const reader = notificationLogReader(log, { pageSize: PAGE })
  const seen: Array<Seen> = []
  let deadline: number | undefined
  const giveUp = () => Date.now() > (deadline ??= Date.now() + 10_000)
  for (;;) {
    const page = await expectRight(reader.read({ limit: PAGE }))
    seen.push(...page)
    if (page.length < PAGE && done() && (seen.length >= total() || giveUp())) return seen
    if (page.length === 0) await sleep(1)
  }
}

/** Pages by `id > last` in id order, with no regard to transactions: what eventfold must not do. */
const naive = async (rm: RecordManager, done: () => boolean): Promise<ReadonlyArray<Seen>> => {
  const seen: Array<Seen> = []
  let last = 0
  for (;;) {
    const page = await rm
      .query()
      .select(['id', 'originator_id', 'originator_version'])
      .where('id', '>', last)
      .orderBy('id')
      .limit(PAGE)
      .execute()
    // PostgreSQL's bigint comes back as a string, whatever the row type says: hence Number().
    for (const r of page) {
      seen.push({ id: Number(r.id), originatorId: r.originator_id, originatorVersion: r.originator_version })
      last = Number(r.id)
    }
    if (page.length < PAGE && done()) return seen
    if (page.length === 0) await sleep(1)
  }
}

const compareXid = (a: string, b: string): number => {
  const [ax = '0', ai = '0'] = a.split('/')
  const [bx = '0', bi = '0'] = b.split('/')
  const x = BigInt(ax) - BigInt(bx)
  return x !== 0n ? (x < 0n ? -1 : 1) : Number(BigInt(ai) - BigInt(bi))
}

// -------------------------------------------------------------------------------------
// tests
// -------------------------------------------------------------------------------------

for (const mode of ['snapshot', 'serialised'] as const)
  log(`a reader following positions sees every committed event exactly once, in order, under ${WRITERS} writers (${mode})`, async (context) => {
    const tableName = freshTableName('log')
    const writing = await expectRight(postgresRecordManager({ sql: context.writerPool, tableName, mode }))
    const reading = await expectRight(postgresRecordManager({ sql: context.readerPool, tableName, mode }))
    const caller = new Kysely<Record<string, never>>({ dialect: postgresDialect({ sql: context.writerPool, endOnDestroy: false }) })

    let finished = false
    let total = 0
    const until = Date.now() + LOAD_MS[mode]
    const readers = Promise.all([
      follower(reading, () => finished, () => total),
      naive(reading, () => finished),
      logFollower(reading, () => finished, () => total)
    ])
    const written = (await Promise.all(Array.from({ length: WRITERS }, () => writer(writing, caller, until)))).reduce((a, b) => a + b, 0)
    const all = await writing.query().select(['id', 'originator_id', 'originator_version']).orderBy('id').execute()
    total = all.length
    finished = true
    const [followed, paged, logged] = await readers

    assert.is(all.length, written, 'the full scan holds every event written')
    assert.ok(written > 100, `only ${written} events written: too little load to mean anything`)

    // Exactly once, and nothing missing.
    const followedIds = followed.map((n) => n.id)
    assert.is(new Set(followedIds).size, followedIds.length, 'no notification seen twice')
    assert.equal([...followedIds].sort((a, b) => a - b), all.map((r) => Number(r.id)), 'every committed event seen')

    // Positions strictly increase, and each aggregate's versions arrive as 1, 2, 3...
    for (let i = 1; i < followed.length; i++)
      assert.ok(compareXid(followed[i - 1]!.position!, followed[i]!.position!) < 0, `positions out of order at ${i}`)
    const next = new Map<string, number>()
    for (const n of followed) {
      const expected = next.get(n.originatorId) ?? 1
      assert.is(n.originatorVersion, expected, `aggregate ${n.originatorId} version order`)
      next.set(n.originatorId, expected + 1)
    }

    // The log's reader sees exactly what the position follower saw.
    assert.equal(
      logged.map((n) => n.id),
      followed.map((n) => n.id),
      'the log reader sees every event once, in the same order'
    )

    // The same load makes plain id paging skip events (in snapshot mode, where
    // ids are not handed out in commit order): so this test can fail.
    const pagedIds = new Set(paged.map((n) => n.id))
    const skipped = all.filter((r) => !pagedIds.has(Number(r.id))).length
    console.log(`    ${mode}: ${written} events by ${WRITERS} writers; position reader missed 0, id > last paging missed ${skipped}`)
    if (mode === 'snapshot') assert.ok(skipped > 0, 'id > last paging should have skipped some events under this load')

    await writing.db.schema.dropTable(writing.tableName).execute()
    await caller.destroy()
    await writing.close()
    await reading.close()
  })

log.run()
