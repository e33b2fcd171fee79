import { randomUUID } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { createApplication, notificationLog, START, type Application, type Position, type RecordManager, type Section } from '../../lib/index.js'
import { storeFailure } from '../../lib/errors/EventfoldError.js'
import { guard } from '../support/hooks.js'
import { Counter } from '../support/kinds.js'
import { expectLeft, expectRight } from '../store/conformance.js'

const open = async (n: number, sectionSize = 10): Promise<Application> => {
  const app = await expectRight(createApplication({ persist: [Counter], sectionSize, env: {} }))
  for (let i = 0; i < n; i++) await expectRight(app.handle(Counter, randomUUID(), { type: 'Open', at: new Date() }))
  return app
}

const log = suite<{ app: Application }>('NotificationLog')

log.before(guard('an application with 25 events', async (ctx) => {
  ctx.app = await open(25)
}))
log.after(guard('close it', (ctx) => ctx.app.close()))

log('sections page by notification id, with links both ways', async ({ app }) => {
  const first = await expectRight(app.notificationLog.section('1,10'))
  assert.equal(first.items.map((n) => n.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  assert.is(first.previousId, undefined)
  assert.is(first.nextId, '11,20')
  const last = await expectRight(app.notificationLog.section('21,30'))
  assert.equal(last.items.map((n) => n.id), [21, 22, 23, 24, 25])
  assert.is(last.previousId, '11,20')
  assert.is(last.nextId, undefined)
})

log('following the next links visits every notification once', async ({ app }) => {
  const seen: Array<number> = []
  let id: string | undefined = '1,10'
  while (id !== undefined) {
    const section: Section = await expectRight(app.notificationLog.section(id))
    seen.push(...section.items.map((n) => n.id))
    id = section.nextId
  }
  assert.equal(seen, Array.from({ length: 25 }, (_, i) => i + 1))
})

log('items are decoded events with their ids and positions', async ({ app }) => {
  const [first] = (await expectRight(app.notificationLog.section('1,1'))).items
  assert.ok(first !== undefined)
  assert.is(first.id, 1)
  assert.is(first.originatorVersion, 1)
  assert.is(first.topic, 'spec#Counter.Opened')
  assert.is(first.payload.type, 'Opened')
  assert.ok(first.timestamp instanceof Date)
  assert.type(first.position, 'string')
})

log('readFrom returns a page and the position after it', async ({ app }) => {
  const page = await expectRight(app.notificationLog.readFrom('', 7))
  assert.equal(page.items.map((n) => n.id), [1, 2, 3, 4, 5, 6, 7])
  const next = await expectRight(app.notificationLog.readFrom(page.position, 100))
  assert.equal(next.items.map((n) => n.id), Array.from({ length: 18 }, (_, i) => i + 8))
  const none = await expectRight(app.notificationLog.readFrom(next.position, 100))
  assert.equal(none.items, [])
  assert.is(none.position, next.position)
})

log('malformed section ids and limits are InvalidArgument', async ({ app }) => {
  for (const id of ['', '0,10', '10,1', 'a,b', '1,10,20', '1, 10', '1,100000']) {
    assert.is((await expectLeft(app.notificationLog.section(id)))._tag, 'InvalidArgument', id)
  }
  for (const limit of [0, -1, 1.5, 1e9]) {
    assert.is((await expectLeft(app.notificationLog.readFrom('', limit)))._tag, 'InvalidArgument', String(limit))
  }
})

log('maxId is the highest notification id', async ({ app }) => {
  assert.is(await expectRight(app.notificationLog.maxId()), 25)
})

log.run()

// -------------------------------------------------------------------------------------
// what the log is given
// -------------------------------------------------------------------------------------

const given = suite('NotificationLog over any decoder and record manager')

given('a decoder that throws is a DecodeError; a record manager that throws or rejects is a StoreFailure', async () => {
  const app = await open(3)
  try {
    const store = app.eventStore.recordManager
    const throwing = notificationLog(store, () => {
      throw new Error('decoder broke')
    })
    const decoded = await expectLeft(throwing.readFrom(START, 10))
    assert.is(decoded._tag, 'DecodeError')
    const rejecting = notificationLog({ ...store, selectNotifications: () => () => Promise.reject(new Error('store broke')) }, app.eventStore.mapper.toLogged)
    assert.is((await expectLeft(rejecting.readFrom(START, 10)))._tag, 'StoreFailure')
    const raising = notificationLog(
      {
        ...store,
        selectNotifications: () => {
          throw new Error('store broke')
        }
      },
      app.eventStore.mapper.toLogged
    )
    assert.is((await expectLeft(raising.readFrom(START, 10)))._tag, 'StoreFailure')
  } finally {
    await app.close()
  }
})

given.run()

// -------------------------------------------------------------------------------------
// read-ahead
// -------------------------------------------------------------------------------------

const ahead = suite('NotificationLog read-ahead')

/** The application's log over its record manager, with every select it makes recorded. */
const counted = (app: Application, fail?: (call: number) => boolean) => {
  const store = app.eventStore.recordManager
  const calls: Array<{ readonly position: Position; readonly limit: number }> = []
  const watched: RecordManager = {
    ...store,
    selectNotifications: (position, limit) => {
      calls.push({ position, limit })
      const call = calls.length
      return fail?.(call) === true ? TE.left(storeFailure(`select ${call} failed`, undefined)) : store.selectNotifications(position, limit)
    }
  }
  return { calls, log: notificationLog(watched, app.eventStore.mapper.toLogged) }
}

ahead('after a full page the next is asked for at once, and the next read uses it', async () => {
  const app = await open(25)
  try {
    const { calls, log } = counted(app)
    const first = await expectRight(log.readFrom(START, 10))
    assert.equal(calls, [{ position: START, limit: 10 }, { position: first.position, limit: 10 }])
    const second = await expectRight(log.readFrom(first.position, 10))
    assert.equal(second.items.map((n) => n.id), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    // The second page came from the read-ahead; being full, it asked for the third.
    assert.equal(calls.slice(2), [{ position: second.position, limit: 10 }])
    // The third page was short when read ahead, so it is read again rather than trusted.
    const third = await expectRight(log.readFrom(second.position, 10))
    assert.equal(third.items.map((n) => n.id), [21, 22, 23, 24, 25])
    assert.equal(calls.slice(3), [{ position: second.position, limit: 10 }])
  } finally {
    await app.close()
  }
})

ahead('events saved after a short page was read ahead are not missed', async () => {
  const app = await open(20)
  try {
    const { log } = counted(app)
    const first = await expectRight(log.readFrom(START, 10))
    const second = await expectRight(log.readFrom(first.position, 10))
    // Read ahead now: an empty page after event 20.
    for (let i = 0; i < 3; i++) await expectRight(app.handle(Counter, randomUUID(), { type: 'Open', at: new Date() }))
    const third = await expectRight(log.readFrom(second.position, 10))
    assert.equal(third.items.map((n) => n.id), [21, 22, 23])
  } finally {
    await app.close()
  }
})

ahead('a read at another position or limit, or after a failed read-ahead, reads afresh', async () => {
  const app = await open(25)
  try {
    const { calls, log } = counted(app, (call) => call === 2)
    const first = await expectRight(log.readFrom(START, 10))
    // The read-ahead (call 2) failed: the next read asks again and succeeds.
    const second = await expectRight(log.readFrom(first.position, 10))
    assert.equal(second.items.map((n) => n.id), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    assert.equal(calls[2], { position: first.position, limit: 10 })
    // Read ahead from event 20 with limit 10; asked for with limit 3, it reads afresh.
    const other = await expectRight(log.readFrom(second.position, 3))
    assert.equal(other.items.map((n) => n.id), [21, 22, 23])
    // Asked afresh, then (that page being full) read ahead after it.
    assert.equal(calls.slice(-2), [{ position: second.position, limit: 3 }, { position: other.position, limit: 3 }])
    const again = await expectRight(log.readFrom(START, 4))
    assert.equal(again.items.map((n) => n.id), [1, 2, 3, 4])
  } finally {
    await app.close()
  }
})

ahead('readers at different places each keep their own page read ahead', async () => {
  const app = await open(40)
  try {
    const at = async (n: number) => (await expectRight(app.eventStore.recordManager.selectNotifications(START, n)))[n - 1]?.position ?? START
    const [p5, p10, p20, p25, p30] = [await at(5), await at(10), await at(20), await at(25), await at(30)]
    const { calls, log } = counted(app)
    await expectRight(log.readFrom(START, 5))
    await expectRight(log.readFrom(p20, 5))
    assert.equal(calls, [
      { position: START, limit: 5 },
      { position: p5, limit: 5 },
      { position: p20, limit: 5 },
      { position: p25, limit: 5 }
    ])
    // Each goes on from its own page read ahead: only the next read-aheads are asked for.
    assert.equal((await expectRight(log.readFrom(p5, 5))).items.map((n) => n.id), [6, 7, 8, 9, 10])
    assert.equal((await expectRight(log.readFrom(p25, 5))).items.map((n) => n.id), [26, 27, 28, 29, 30])
    assert.equal(calls.slice(4), [
      { position: p10, limit: 5 },
      { position: p30, limit: 5 }
    ])
  } finally {
    await app.close()
  }
})

ahead('a page read ahead is not served once the store is closed, nor after a second', async () => {
  const app = await open(25)
  const { calls, log } = counted(app)
  const first = await expectRight(log.readFrom(START, 10))
  await new Promise((resolve) => setTimeout(resolve, 1100))
  // Kept too long: read afresh (and, being full, read ahead again).
  const second = await expectRight(log.readFrom(first.position, 10))
  assert.equal(second.items.map((n) => n.id), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
  assert.equal(calls.slice(2, 3), [{ position: first.position, limit: 10 }])
  // The application's own log knows when it is closed.
  const page = await expectRight(app.notificationLog.readFrom(START, 10))
  await app.close()
  assert.is((await expectLeft(app.notificationLog.readFrom(page.position, 10)))._tag, 'StoreUnavailable')
})

ahead.run()
