import * as E from 'fp-ts/Either'
import { Kysely, SqliteDialect } from 'kysely'
import Database from 'better-sqlite3'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect } from '../../lib/index.js'
import { expectLeft, expectRight } from './conformance.js'

const conn = suite('connect')

conn('a sqlite connection string opens a SQLite record manager with the default table', async () => {
  const store = await expectRight(connect({ uri: 'sqlite:///:memory:' }))
  assert.is(store.dialect, 'sqlite')
  assert.is(store.tableName, 'stored_events')
  await store.close()
})

conn('an existing Kysely is recognised by its adapter, used, and left open', async () => {
  const database = new Database(':memory:')
  const kysely = new Kysely<object>({ dialect: new SqliteDialect({ database }) })
  const store = await expectRight(connect({ kysely }, { tableName: 'mine' }))
  assert.is(store.dialect, 'sqlite')
  await expectRight(store.insertItems([{ originatorId: 'a', originatorVersion: 1, topic: 't', state: Uint8Array.from([1]) }]))
  await store.close()
  assert.is((database.prepare('select count(*) as n from mine').get() as { n: number }).n, 1)
  await kysely.destroy()
})

conn('a bad connection string or table name fails before anything opens', async () => {
  assert.is((await expectLeft(connect({ uri: 'nope' })))._tag, 'InvalidConfig')
  assert.is((await expectLeft(connect({ uri: 'sqlite:///:memory:' }, { tableName: 'x y' })))._tag, 'InvalidConfig')
})

conn('a connection or options that are not what they claim are InvalidConfig when the task runs, never a throw', async () => {
  const calls = [
    () => connect(null as never),
    () => connect({ kysely: {} } as never),
    () => connect({ uri: 'sqlite:///:memory:' }, null as never)
  ]
  for (const call of calls) {
    const task = call() // building the task runs nothing, so it cannot throw
    const result = await task()
    assert.ok(E.isLeft(result), 'refused')
    assert.is(result.left._tag, 'InvalidConfig')
  }
})

conn('an unreadable SQLite path is StoreUnavailable, not a throw', async () => {
  const result = await connect({ uri: 'sqlite:////proc/no/such/dir/db.sqlite' })()
  assert.ok(E.isLeft(result))
  assert.is(result.left._tag, 'StoreUnavailable')
})

conn.run()
