import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { closable } from '../../lib/store/closable.js'
import { START } from '../../lib/store/RecordManager.js'
import { sqliteRecordManager } from '../../lib/store/sqlite/sqlite-record-manager.js'
import { expectLeft, expectRight } from './conformance.js'

const test = suite('closable')

test("after close, the port's optional methods answer StoreUnavailable too, and are left out where the store has none", async () => {
  const outer = await expectRight(sqliteRecordManager({ filename: ':memory:', tableName: 'events' }))
  assert.not.ok('selectRawNotifications' in closable(outer), 'SQLite has no selectRawNotifications, and closable adds none')
  // Optional methods that know nothing of the wrapper's close: another store's, still open after it.
  const inner = await expectRight(sqliteRecordManager({ filename: ':memory:', tableName: 'events' }))
  await expectRight(inner.insertItems([{ originatorId: 'a', originatorVersion: 1, topic: 'spec.Happened', state: Uint8Array.of(1) }]))
  if (inner.decodeItems === undefined) throw new Error('the SQLite record manager has no decodeItems')
  const wrapped = closable({ ...outer, decodeItems: inner.decodeItems, selectRawNotifications: inner.selectNotifications })
  const { decodeItems, selectRawNotifications } = wrapped
  if (decodeItems === undefined || selectRawNotifications === undefined) throw new Error('closable dropped an optional method')
  const decode = (id: string, version: number) => E.right(`${id}@${version}`)
  assert.equal(await expectRight(decodeItems('a', undefined, decode)), ['a@1'])
  assert.is((await expectRight(selectRawNotifications(START, 10))).length, 1)
  await wrapped.close()
  assert.is((await expectLeft(decodeItems('a', undefined, decode)))._tag, 'StoreUnavailable')
  assert.is((await expectLeft(selectRawNotifications(START, 10)))._tag, 'StoreUnavailable')
  assert.equal(await expectRight(inner.decodeItems('a', undefined, decode)), ['a@1'], 'the inner store is still open')
  await inner.close()
})

test('with drainMs, close waits for the tasks already running, and answers StoreUnavailable to the ones begun after', async () => {
  const inner = await expectRight(sqliteRecordManager({ filename: ':memory:', tableName: 'events' }))
  let finish: () => void = () => undefined
  const slow = new Promise<void>((resolve) => (finish = resolve))
  let innerClosed = false
  const wrapped = closable(
    {
      ...inner,
      // A save still running when close() is called.
      insertItems: (items) => async () => {
        await slow
        return inner.insertItems(items)()
      },
      close: async () => {
        innerClosed = true
        await inner.close()
      }
    },
    { drainMs: 5000 }
  )
  const running = wrapped.insertItems([{ originatorId: 'a', originatorVersion: 1, topic: 'spec.Happened', state: Uint8Array.of(1) }])()
  let closed = false
  const closing = wrapped.close().then(() => (closed = true))
  assert.is((await expectLeft(wrapped.listItems('a')))._tag, 'StoreUnavailable', 'a call begun after close()')
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.not.ok(closed || innerClosed, 'close() waits while a call is running')
  finish()
  assert.is((await running)._tag, 'Right', 'the running call finished on an open store')
  await closing
  assert.ok(innerClosed, 'then the store closed')
})

test('with drainMs, close gives up waiting on a task that never ends after drainMs', async () => {
  const inner = await expectRight(sqliteRecordManager({ filename: ':memory:', tableName: 'events' }))
  const wrapped = closable({ ...inner, listItems: () => () => new Promise(() => undefined) }, { drainMs: 100 })
  void wrapped.listItems('a')()
  const started = Date.now()
  await wrapped.close()
  const ms = Date.now() - started
  assert.ok(ms >= 90 && ms < 2000, `close took ${ms} ms for drainMs 100`)
})

test.run()
