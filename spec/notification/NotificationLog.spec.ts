import { randomUUID } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApplication, notificationLog, START, type Application, type Section } from '../../lib/index.js'
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
