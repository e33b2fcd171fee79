import { randomUUID } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApplication, type Application } from '../../lib/index.js'
import { guard } from '../support/hooks.js'
import { Counter } from '../support/kinds.js'
import { expectLeft, expectRight } from '../store/conformance.js'

const open = async (n: number, sectionSize = 10): Promise<Application> => {
  const app = await expectRight(createApplication({ persist: [Counter], sectionSize, env: {} }))
  for (let i = 0; i < n; i++) await expectRight(app.handle(Counter, randomUUID(), { type: 'Open', at: new Date() }))
  return app
}

const reader = suite<{ app: Application }>('NotificationLogReader')

reader.before.each(guard('an application with 3 events', async (ctx) => {
  ctx.app = await open(3)
}))
reader.after.each(guard('close it', (ctx) => ctx.app.close()))

reader('each read returns only what is new', async ({ app }) => {
  const r = app.reader()
  assert.equal((await expectRight(r.read())).map((n) => n.id), [1, 2, 3])
  assert.equal(await expectRight(r.read()), [])
  await expectRight(app.handle(Counter, randomUUID(), { type: 'Open', at: new Date() }))
  await expectRight(app.handle(Counter, randomUUID(), { type: 'Open', at: new Date() }))
  assert.equal((await expectRight(r.read())).map((n) => n.id), [4, 5])
})

reader('reads across many pages without skipping or repeating', async ({ app }) => {
  for (let i = 0; i < 20; i++) await expectRight(app.handle(Counter, randomUUID(), { type: 'Open', at: new Date() }))
  const r = app.reader({ pageSize: 4 })
  assert.equal((await expectRight(r.read())).map((n) => n.id), Array.from({ length: 23 }, (_, i) => i + 1))
})

reader('a limit reads part, and the next read carries on', async ({ app }) => {
  const r = app.reader({ pageSize: 2 })
  assert.equal((await expectRight(r.read({ limit: 2 }))).map((n) => n.id), [1, 2])
  assert.equal((await expectRight(r.read())).map((n) => n.id), [3])
})

reader('a saved position resumes in a new reader', async ({ app }) => {
  const r = app.reader()
  await expectRight(r.read({ limit: 2 }))
  const resumed = app.reader({ position: r.position() })
  assert.equal((await expectRight(resumed.read())).map((n) => n.id), [3])
  resumed.seek('')
  assert.equal((await expectRight(resumed.read())).map((n) => n.id), [1, 2, 3])
})

reader('a seek made while a read runs wins: the read returns what it read, and the position is the seek\'s', async ({ app }) => {
  const r = app.reader({ pageSize: 1 })
  await expectRight(r.read())
  assert.is(r.position(), '3')
  for (let i = 0; i < 5; i++) await expectRight(app.handle(Counter, randomUUID(), { type: 'Open', at: new Date() }))
  const running = r.read()()
  await new Promise((resolve) => setImmediate(resolve)) // the read has begun, one page at a time
  r.seek('')
  const read = await running
  assert.ok(read._tag === 'Right' && read.right.length > 0, 'the running read returns what it read')
  assert.is(r.position(), '', 'the seek is not undone')
  assert.equal((await expectRight(r.read())).map((n) => n.id), [1, 2, 3, 4, 5, 6, 7, 8])
})

reader('a seek made right after read() is called, before the read begins, wins too: nothing the caller drops is lost', async ({ app }) => {
  const r = app.reader()
  const running = r.read()() // queued behind nothing, but not begun in this tick
  r.seek('1')
  const read = await running
  assert.ok(read._tag === 'Right')
  assert.equal(read.right.map((n) => n.id), [2, 3], 'it read from the seek')
  assert.is(r.position(), '1', 'and left the position where the seek put it')
  assert.equal((await expectRight(r.read())).map((n) => n.id), [2, 3], 'so the next read returns them again')
})

reader('positions, limits and section ids of the wrong type are InvalidArgument, never a throw or a rejection', async ({ app }) => {
  const odd: ReadonlyArray<unknown> = [Symbol('p'), Object.create(null), 5n, { toString: () => { throw new Error('no') } }]
  for (const value of odd) {
    assert.is((await expectLeft(app.reader({ position: value as string }).read()))._tag, 'InvalidArgument')
    const r = app.reader()
    r.seek(value as string)
    assert.is((await expectLeft(r.read()))._tag, 'InvalidArgument')
    assert.is((await expectLeft(app.notificationLog.readFrom('', value as number)))._tag, 'InvalidArgument')
    assert.is((await expectLeft(app.notificationLog.readFrom(value as string, 10)))._tag, 'InvalidArgument')
    assert.is((await expectLeft(app.reader().read({ limit: value as number })))._tag, 'InvalidArgument')
    assert.is((await expectLeft(app.notificationLog.section(value as string)))._tag, 'InvalidArgument')
  }
})

reader('a pageSize outside 1 to 10,000 makes every read InvalidArgument; odd read options too, never a throw', async ({ app }) => {
  for (const pageSize of [0, 10_001, 1.5, Number.NaN]) {
    const r = app.reader({ pageSize })
    for (const options of [undefined, { limit: 1 }]) {
      const result = await r.read(options)()
      assert.ok(result._tag === 'Left' && result.left._tag === 'InvalidArgument', `pageSize ${pageSize}, ${JSON.stringify(options)}`)
    }
  }
  const throwing = {
    get limit(): number {
      throw new Error('boom')
    }
  }
  const result = await app.reader().read(throwing)()
  assert.ok(result._tag === 'Left' && result.left._tag === 'InvalidArgument')
  assert.equal((await expectRight(app.reader().read(null as never))).map((n) => n.id), [1, 2, 3], 'null options are no options')
})

reader('overlapping reads never return the same event twice', async ({ app }) => {
  const r = app.reader({ pageSize: 1 })
  const [a, b] = await Promise.all([expectRight(r.read()), expectRight(r.read())])
  assert.equal([...a, ...b].map((n) => n.id), [1, 2, 3])
})

reader('a failed read leaves the position where it was', async ({ app }) => {
  const r = app.reader()
  await expectRight(r.read({ limit: 1 }))
  const before = r.position()
  await app.close()
  assert.is((await r.read()())._tag, 'Left')
  assert.is(r.position(), before)
})

reader.run()
