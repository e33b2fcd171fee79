/**
 * The lanes of the PostgreSQL driver, over pools that only count: how many
 * are opened, reused, waited for, retired and ended. The driver spec runs
 * them against a real server.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lanes, type LanePool } from '../../lib/store/postgres/postgres-lanes.js'

interface FakePool extends LanePool {
  ended: boolean
  /** Calls the `onClose` its lane was opened with, as postgres.js does when the connection closes. */
  readonly close: () => void
}

const fakes = () => {
  const opened: Array<FakePool> = []
  const open = (onClose: () => void): FakePool => {
    const pool: FakePool = {
      ended: false,
      close: onClose,
      end: async () => {
        pool.ended = true
      }
    }
    opened.push(pool)
    return pool
  }
  return { opened, open }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const test = suite('postgres lanes')

test('lanes open as transactions need them, up to the limit, and the last given back is taken first', async () => {
  const { opened, open } = fakes()
  const all = lanes(open, 2)
  const a = await all.take()
  const b = await all.take()
  assert.is(opened.length, 2)
  all.give(a)
  all.give(b)
  assert.is((await all.take()).sql, b.sql)
  assert.is((await all.take()).sql, a.sql)
  assert.is(opened.length, 2, 'none opened beyond the limit')
  await all.end()
})

test('a take beyond the limit waits for the next lane given back, in order', async () => {
  const { open } = fakes()
  const all = lanes(open, 1)
  const first = await all.take()
  const order: Array<string> = []
  const second = all.take().then((lane) => (order.push('second'), lane))
  const third = all.take().then((lane) => (order.push('third'), lane))
  await sleep(5)
  assert.equal(order, [], 'both wait')
  all.give(first)
  const got = await second
  assert.is(got.sql, first.sql)
  all.give(got)
  assert.is((await third).sql, first.sql)
  assert.equal(order, ['second', 'third'])
  await all.end()
})

test('a lane counts the closes of its connection', async () => {
  const { opened, open } = fakes()
  const all = lanes(open, 1)
  const lane = await all.take()
  assert.is(lane.closes(), 0)
  opened[0]?.close()
  opened[0]?.close()
  assert.is(lane.closes(), 2)
  await all.end()
})

test('a lane idle for idleMs is ended, and the next take opens another', async () => {
  const { opened, open } = fakes()
  const all = lanes(open, 2, 20)
  const lane = await all.take()
  all.give(lane)
  await sleep(5)
  // Taken again before its time: not ended, and its timer no longer runs.
  assert.is((await all.take()).sql, lane.sql)
  all.give(lane)
  await sleep(60)
  assert.ok(opened[0]?.ended, 'ended once idle for idleMs')
  const next = await all.take()
  assert.is.not(next.sql, lane.sql)
  assert.is(opened.length, 2)
  await sleep(40)
  assert.not.ok(opened[1]?.ended, 'a lane held by a transaction is never ended for being idle')
  await all.end()
})

test('a dropped lane is ended and never taken again; a transaction waiting for a lane gets a new one', async () => {
  const { opened, open } = fakes()
  const all = lanes(open, 1)
  const lost = await all.take()
  const waiter = all.take()
  all.drop(lost)
  assert.ok(opened[0]?.ended, 'the lost lane is ended')
  const next = await waiter
  assert.is.not(next.sql, lost.sql)
  all.give(next)
  assert.is((await all.take()).sql, next.sql, 'the new lane is the one reused')
  assert.is(opened.length, 2)
  await all.end()
})

test('end() refuses every take, rejects every waiter, and ends every lane', async () => {
  const { opened, open } = fakes()
  const all = lanes(open, 1)
  await all.take()
  const waiter = all.take().then(
    () => 'taken',
    (error: { code?: string }) => error.code
  )
  await all.end()
  assert.is(await waiter, 'CONNECTION_ENDED')
  assert.is(
    await all.take().then(
      () => 'taken',
      (error: { code?: string }) => error.code
    ),
    'CONNECTION_ENDED'
  )
  assert.ok(opened.every((pool) => pool.ended))
})

test.run()
