// A reader following the log while many connections write: it must never skip an event.
import { randomInt, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mysqlRecordManager } from '../../lib/store/mysql/mysql-record-manager.js'
import { START, type Notification, type RecordManager, type StoredEvent } from '../../lib/store/RecordManager.js'
import { guard } from '../support/hooks.js'
import { adminConnection, dropOrphanSequences, mysqlUrl } from '../support/mysql.js'
import { expectLeft, expectRight, freshTableName } from './conformance.js'

const url = await mysqlUrl()

const WRITERS = 8
const WRITE_FOR_MS = 3000
const PAGE = 50

const key = (e: StoredEvent): string => `${e.originatorId}#${e.originatorVersion}`

if (url !== undefined) {
  const test = suite('mysql notification log under concurrent writers')
  const opened: Array<RecordManager> = []

  const open = async (): Promise<RecordManager> => {
    const withPool = `${url}${url.includes('?') ? '&' : '?'}connectionLimit=${WRITERS + 4}`
    const rm = await expectRight(mysqlRecordManager({ url: withPool, tableName: freshTableName('log') }))
    opened.push(rm)
    return rm
  }

  test.after(
    guard('mysql notifications: close', async () => {
      for (const rm of opened.splice(0)) {
        await rm.db.schema.dropTable(rm.tableName).ifExists().execute()
        await rm.close()
      }
      await dropOrphanSequences(url)
    })
  )

  test('a save that commits late holds back later saves, so a reader cannot pass it', async () => {
    const rm = await open()
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let inserted!: () => void
    const insertedFirst = new Promise<void>((resolve) => (inserted = resolve))
    const slow = rm.db.transaction().execute(async (trx) => {
      await expectRight(rm.insertItems([{ originatorId: 'slow', originatorVersion: 1, topic: 't', state: new Uint8Array() }], trx))
      inserted()
      await held
    })
    await insertedFirst
    const fast = expectRight(rm.insertItems([{ originatorId: 'fast', originatorVersion: 1, topic: 't', state: new Uint8Array() }]))
    await sleep(200)
    // The fast save waits for the slow one's lock: nothing is visible yet.
    assert.equal(await expectRight(rm.selectNotifications(START, 10)), [])
    release()
    await slow
    await fast
    const log = await expectRight(rm.selectNotifications(START, 10))
    assert.equal(
      log.map((n) => [n.id, n.originatorId]),
      [
        [1, 'slow'],
        [2, 'fast']
      ]
    )
  })

  test(`a reader following the log while ${WRITERS} connections write sees every committed event once, in order`, async () => {
    const rm = await open()
    const committed: Array<StoredEvent> = []
    const rolledBack: Array<StoredEvent> = []
    let writing = true
    let finished = false

    const writer = async (w: number): Promise<void> => {
      // Each writer owns a few aggregates, and sometimes contends for a shared one.
      const versions = new Map<string, number>()
      const own = Array.from({ length: 3 }, () => `w${w}-${randomUUID()}`)
      while (writing) {
        const id = randomInt(10) === 0 ? 'shared' : own[randomInt(own.length)]!
        const from = versions.get(id) ?? 0
        const items = Array.from({ length: 1 + randomInt(4) }, (_, i) => ({
          originatorId: id,
          originatorVersion: from + i,
          topic: `writer.${w}`,
          state: Uint8Array.of(w, i)
        }))
        const pause = randomInt(3) === 0 ? randomInt(1, 6) / 1000 : 0
        const rollBack = randomInt(10) === 0
        const outcome = await rm.db
          .transaction()
          .execute(async (trx) => {
            const result = await rm.insertItems(items, trx)()
            if (result._tag === 'Left') return result.left._tag
            // Hold the transaction open a little before it commits.
            if (pause > 0) await sql`DO SLEEP(${pause})`.execute(trx)
            if (rollBack) throw new Error('roll back')
            return 'committed'
          })
          .catch(() => 'rolled back')
        if (outcome === 'committed') {
          committed.push(...items)
          versions.set(id, from + items.length)
        } else if (outcome === 'rolled back') {
          rolledBack.push(...items)
        } else {
          assert.is(outcome, 'ConcurrencyError')
          // Someone else moved 'shared' on: catch up.
          const last = await expectRight(rm.listItems(id, { desc: true, limit: 1 }))
          versions.set(id, (last[0]?.originatorVersion ?? -1) + 1)
        }
      }
    }

    const seen: Array<Notification> = []
    let pagesWhileWriting = 0
    const reader = async (): Promise<void> => {
      let position = START
      for (;;) {
        const done = finished
        const page = await expectRight(rm.selectNotifications(position, PAGE))
        if (page.length > 0 && writing) pagesWhileWriting++
        seen.push(...page)
        position = page[page.length - 1]?.position ?? position
        // Stop at the first empty page read after every writer has finished.
        if (done && page.length === 0) return
      }
    }

    const running = Array.from({ length: WRITERS }, (_, w) => writer(w))
    const following = reader()
    await sleep(WRITE_FOR_MS)
    writing = false
    await Promise.all(running)
    finished = true
    await following

    const all = await expectRight(rm.selectNotifications(START, 1_000_000))
    assert.ok(all.length > 500, `only ${all.length} events were written`)
    assert.ok(rolledBack.length > 0, 'no transaction rolled back')
    assert.ok(pagesWhileWriting > 20, `the reader read only ${pagesWhileWriting} pages while the writers wrote`)

    // The reader saw exactly the final log: nothing skipped, nothing twice.
    assert.equal(
      seen.map((n) => n.id),
      all.map((n) => n.id)
    )
    assert.equal(
      all.map((n) => n.id),
      Array.from({ length: all.length }, (_, i) => i + 1),
      'ids have gaps'
    )
    // The log is exactly what committed (a rolled-back save's versions are
    // written again by a later save, so they are checked through this too).
    assert.equal(new Set(all.map(key)), new Set(committed.map(key)))
    assert.is(all.length, committed.length)
    // Per aggregate, versions follow each other in log order.
    const next = new Map<string, number>()
    for (const n of seen) {
      assert.is(n.originatorVersion, next.get(n.originatorId) ?? 0, `${n.originatorId} out of order`)
      next.set(n.originatorId, n.originatorVersion + 1)
    }
  })

  test('a writer killed while it waits for the lock gets StoreUnavailable, and the log stays gapless', async () => {
    const rm = await open()
    const admin = await adminConnection(url)
    try {
      let release!: () => void
      const held = new Promise<void>((resolve) => (release = resolve))
      let locked!: () => void
      const holding = new Promise<void>((resolve) => (locked = resolve))
      const holder = rm.db.transaction().execute(async (trx) => {
        await expectRight(rm.insertItems([{ originatorId: 'holder', originatorVersion: 1, topic: 't', state: new Uint8Array() }], trx))
        locked()
        await held
      })
      await holding
      // A writer now waits for the lock; kill its connection while it waits.
      let waited: unknown
      await rm.db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ id: number }>`SELECT CONNECTION_ID() AS id`.execute(trx)
          setTimeout(() => void admin.query(`KILL ${Number(rows[0]?.id)}`), 200)
          waited = await rm.insertItems([{ originatorId: 'waiter', originatorVersion: 1, topic: 't', state: new Uint8Array() }], trx)()
        })
        .catch(() => undefined) // its commit fails too
      assert.is((waited as { left?: { _tag?: string } } | undefined)?.left?._tag, 'StoreUnavailable')
      release()
      await holder
      await expectRight(rm.insertItems([{ originatorId: 'after', originatorVersion: 1, topic: 't', state: new Uint8Array() }]))
      assert.equal(
        (await expectRight(rm.selectNotifications(START, 10))).map((n) => [n.id, n.originatorId]),
        [
          [1, 'holder'],
          [2, 'after']
        ]
      )
      assert.is((await expectLeft(rm.selectNotifications('x', 1)))._tag, 'InvalidArgument')
    } finally {
      await admin.end()
    }
  })

  test.run()
}
