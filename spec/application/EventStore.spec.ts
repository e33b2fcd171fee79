import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApplication, eventStore, type Application } from '../../lib/index.js'
import { guard } from '../support/hooks.js'
import { Counter } from '../support/kinds.js'
import { expectLeft, expectRight } from '../store/conformance.js'

const store = suite<{ app: Application }>('EventStore')

store.before(
  guard('a counter with three events', async (ctx) => {
    ctx.app = await expectRight(createApplication({ persist: [Counter], env: {} }))
    await expectRight(ctx.app.handle(Counter, 'c', { type: 'Open', at: new Date('2026-01-01T00:00:00Z') }))
    await expectRight(ctx.app.handle(Counter, 'c', { type: 'Add', by: 2 }))
    await expectRight(ctx.app.handle(Counter, 'c', { type: 'Add', by: 3 }))
  })
)
store.after(guard('close', (ctx) => ctx.app.close()))

store('listEvents decodes in version order, with the list options of listItems', async ({ app }) => {
  const all = await expectRight(app.eventStore.listEvents('c'))
  assert.equal(all.map((e) => e.originatorVersion), [1, 2, 3])
  assert.equal(all[1]?.payload, { type: 'Added', by: 2 })
  assert.equal((await expectRight(app.eventStore.listEvents('c', { desc: true, limit: 2 }))).map((e) => e.originatorVersion), [3, 2])
  assert.equal((await expectRight(app.eventStore.listEvents('c', { gt: 1, lte: 2 }))).map((e) => e.originatorVersion), [2])
})

store('an unknown id lists nothing; an empty id is InvalidArgument', async ({ app }) => {
  assert.equal(await expectRight(app.eventStore.listEvents('nobody')), [])
  assert.is((await expectLeft(app.eventStore.listEvents('')))._tag, 'InvalidArgument')
})

store('store() writes stored events all or none', async ({ app }) => {
  const items = await expectRight(app.eventStore.recordManager.listItems('c'))
  const copy = items.map((i) => ({ ...i, originatorId: 'copy' }))
  await expectRight(app.eventStore.store(copy))
  assert.is((await expectRight(app.eventStore.listEvents('copy'))).length, 3)
  const error = await expectLeft(app.eventStore.store([{ ...copy[0]!, originatorId: 'new' }, copy[1]!]))
  assert.is(error._tag, 'ConcurrencyError')
  assert.equal(await expectRight(app.eventStore.listEvents('new')), [])
})

store('over a record manager without decodeItems, listEvents decodes what listItems returns, to the same events', async ({ app }) => {
  const { decodeItems, ...records } = app.eventStore.recordManager
  assert.ok(decodeItems !== undefined, 'SQLite decodes items as it reads them')
  const without = eventStore(records, app.eventStore.mapper)
  for (const options of [undefined, { desc: true, limit: 2 }, { gt: 1 }]) {
    assert.equal(await expectRight(without.listEvents('c', options)), await expectRight(app.eventStore.listEvents('c', options)))
  }
  assert.is((await expectLeft(without.listEvents('c', { gt: -1 })))._tag, 'InvalidArgument')
})

store('listEvents gives the first item that fails to decode as its error', async ({ app }) => {
  const items = await expectRight(app.eventStore.recordManager.listItems('c'))
  const broken = [{ ...items[0]!, originatorId: 'broken' }, { ...items[1]!, originatorId: 'broken', state: Buffer.from('{"nope":1}') }, { ...items[2]!, originatorId: 'broken', topic: 'spec#Nobody.Knows' }]
  await expectRight(app.eventStore.store(broken))
  const error = await expectLeft(app.eventStore.listEvents('broken'))
  assert.equal(error, { _tag: 'DecodeError', topic: items[1]!.topic, path: '', message: 'the stored state has no timestamp and data' })
})

store.run()
