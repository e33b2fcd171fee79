import { randomUUID } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApplication, notificationLog, START, type Application, type RecordManager, type Section } from '../../lib/index.js'
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
// read-ahead
// -------------------------------------------------------------------------------------

/** The application's own log rebuilt over its record manager, counting the pages it asks the store for. */
const counted = (app: Application, signal?: AbortSignal) => {
  const asked: Array<string> = []
  const store = app.eventStore.recordManager
  const spy: RecordManager = {
    ...store,
    selectNotifications: (position, limit) => {
      asked.push(position)
      return store.selectNotifications(position, limit)
    }
  }
  return { asked, log: notificationLog(spy, app.eventStore.mapper.toLogged, signal === undefined ? {} : { signal }) }
}

const ahead = suite('NotificationLog read-ahead')

ahead('after a full page, the next is fetched ahead and handed out without asking again', async () => {
  const app = await open(25)
  try {
    const { asked, log } = counted(app)
    const first = await expectRight(log.readFrom(START, 10))
    assert.equal(asked, [START, first.position], 'the next page was asked for with the first')
    const second = await expectRight(log.readFrom(first.position, 10))
    assert.equal(second.items.map((n) => n.id), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    assert.equal(asked, [START, first.position, second.position], 'the second page came from the read-ahead')
    const third = await expectRight(log.readFrom(second.position, 10))
    assert.equal(third.items.map((n) => n.id), [21, 22, 23, 24, 25])
  } finally {
    await app.close()
  }
})

ahead('a short page fetched ahead is fetched again, so events logged since are not missed', async () => {
  const app = await open(10)
  try {
    const { asked, log } = counted(app)
    const first = await expectRight(log.readFrom(START, 10))
    await new Promise((resolve) => setTimeout(resolve, 10)) // the read-ahead finds nothing after 10
    for (let i = 0; i < 3; i++) await expectRight(app.handle(Counter, randomUUID(), { type: 'Open', at: new Date() }))
    const second = await expectRight(log.readFrom(first.position, 10))
    assert.equal(second.items.map((n) => n.id), [11, 12, 13])
    assert.equal(asked, [START, first.position, first.position], 'asked twice for the page after the first')
  } finally {
    await app.close()
  }
})

ahead('once its signal is aborted, no page fetched ahead is handed out: a closed store answers', async () => {
  const app = await open(25)
  const closing = new AbortController()
  const { log } = counted(app, closing.signal)
  const first = await expectRight(log.readFrom(START, 10))
  await new Promise((resolve) => setTimeout(resolve, 10)) // the page after it is fetched and held
  closing.abort()
  await app.close()
  assert.is((await expectLeft(log.readFrom(first.position, 10)))._tag, 'StoreUnavailable')
})

ahead('with readAhead 0 nothing is fetched ahead', async () => {
  const app = await open(25)
  try {
    const asked: Array<string> = []
    const store = app.eventStore.recordManager
    const log = notificationLog(
      { ...store, selectNotifications: (position, limit) => (asked.push(position), store.selectNotifications(position, limit)) },
      app.eventStore.mapper.toLogged,
      { readAhead: 0 }
    )
    await expectRight(log.readFrom(START, 10))
    assert.equal(asked, [START])
  } finally {
    await app.close()
  }
})

ahead('a decoder that throws is a DecodeError; a record manager that throws or rejects is a StoreFailure', async () => {
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

ahead('a reader following a growing log through the read-ahead sees every event once, in order', async () => {
  const app = await open(0)
  try {
    const reader = app.reader({ pageSize: 4 })
    const seen: Array<number> = []
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < round % 5; i++) await expectRight(app.handle(Counter, randomUUID(), { type: 'Open', at: new Date() }))
      for (;;) {
        const page = await expectRight(reader.read({ limit: 4 }))
        seen.push(...page.map((n) => n.id))
        if (page.length < 4) break
      }
    }
    const max = await expectRight(app.notificationLog.maxId())
    assert.ok(max > 0)
    assert.equal(seen, Array.from({ length: max }, (_, i) => i + 1))
  } finally {
    await app.close()
  }
})

ahead.run()

