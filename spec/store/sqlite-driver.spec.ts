import BetterSqlite3 from 'better-sqlite3'
import { Kysely, sql, type Generated } from 'kysely'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { sqliteDialect } from '../../lib/store/sqlite/sqlite-dialect.js'
import { statementCache, type SqliteDatabase, type SqliteDriverConfig } from '../../lib/store/sqlite/sqlite-driver.js'
import { guard } from '../support/hooks.js'
import { tempDatabase, type TempDatabase } from '../support/sqlite.js'

interface Db {
  counters: { id: Generated<number>; name: string; value: number }
}

/** A real database whose `prepare` calls are recorded, SQL text by SQL text. */
const recording = (database: BetterSqlite3.Database) => {
  const prepared: Array<string> = []
  const wrapped: SqliteDatabase = {
    prepare: (text) => {
      prepared.push(text)
      return database.prepare(text)
    },
    close: () => database.close(),
    get inTransaction() {
      return database.inTransaction
    }
  }
  return { prepared, wrapped, count: (text: string) => prepared.filter((p) => p === text).length }
}

const kyselyOver = (config: SqliteDriverConfig) => new Kysely<Db>({ dialect: sqliteDialect(config) })

const createCounters = (db: Kysely<Db>) =>
  db.schema
    .createTable('counters')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute()

interface Context {
  file: TempDatabase
}

const test = suite<Context>('sqlite driver', { file: tempDatabase() })

test.after(
  guard('sqlite driver: remove the temp file', (context: Context) => {
    context.file.remove()
  })
)

test('a statement run again is not prepared again', async () => {
  const { wrapped, count } = recording(new BetterSqlite3(':memory:'))
  const db = kyselyOver({ database: wrapped, closeOnDestroy: true })
  await createCounters(db)
  for (let i = 0; i < 20; i++) await db.insertInto('counters').values({ name: `c${i}`, value: i }).execute()
  for (let i = 0; i < 20; i++) await db.selectFrom('counters').selectAll().where('value', '>', i).execute()
  const insert = db.insertInto('counters').values({ name: 'x', value: 0 }).compile().sql
  const select = db.selectFrom('counters').selectAll().where('value', '>', 0).compile().sql
  assert.is(count(insert), 1)
  assert.is(count(select), 1)
  assert.is(await db.selectFrom('counters').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((r) => r.n), 20)
  await db.destroy()
})

test('the cache evicts the least recently used statement beyond its capacity', () => {
  const { wrapped, count } = recording(new BetterSqlite3(':memory:'))
  const cache = statementCache(wrapped, 2)
  cache.get('select 1')
  cache.get('select 2')
  cache.get('select 1') // now the most recently used
  cache.get('select 3') // evicts select 2
  assert.is(cache.size(), 2)
  cache.get('select 1')
  assert.is(count('select 1'), 1)
  cache.get('select 2')
  assert.is(count('select 2'), 2)
  wrapped.close()
})

test('the driver caps its cache at statementCacheSize', async () => {
  const { wrapped, count } = recording(new BetterSqlite3(':memory:'))
  const db = kyselyOver({ database: wrapped, closeOnDestroy: true, statementCacheSize: 3 })
  const run = (n: number) => sql.raw(`select ${n} as n`).execute(db)
  for (const n of [1, 2, 3, 4, 1]) await run(n)
  assert.is(count('select 1 as n'), 2)
  for (const n of [1, 4]) await run(n)
  assert.is(count('select 1 as n'), 2)
  assert.is(count('select 4 as n'), 1)
  await db.destroy()
})

test('writes report affected rows and the insert id; RETURNING gives rows', async () => {
  const db = kyselyOver({ database: new BetterSqlite3(':memory:'), closeOnDestroy: true })
  await createCounters(db)
  const inserted = await db
    .insertInto('counters')
    .values([
      { name: 'a', value: 1 },
      { name: 'b', value: 2 }
    ])
    .executeTakeFirstOrThrow()
  assert.is(inserted.numInsertedOrUpdatedRows, 2n)
  assert.is(inserted.insertId, 2n)
  const returned = await db.insertInto('counters').values({ name: 'c', value: 3 }).returning(['id', 'name']).execute()
  assert.equal(returned, [{ id: 3, name: 'c' }])
  const updated = await db.updateTable('counters').set({ value: 0 }).where('value', '<', 3).executeTakeFirstOrThrow()
  assert.is(updated.numUpdatedRows, 2n)
  await db.destroy()
})

test('transactions begin IMMEDIATE: the write lock is held from the start, even before a write', async (context) => {
  const db = kyselyOver({ database: new BetterSqlite3(context.file.filename), closeOnDestroy: true })
  await sql`pragma journal_mode = wal`.execute(db)
  await createCounters(db)
  const other = new BetterSqlite3(context.file.filename, { timeout: 0 })
  try {
    const trx = await db.startTransaction().execute()
    await trx.selectFrom('counters').selectAll().execute()
    // A DEFERRED transaction that has only read holds no write lock, and this write would succeed.
    assert.throws(() => other.prepare(`insert into counters (name, value) values ('other', 1)`).run(), /locked|busy/i)
    await trx.rollback().execute()
    other.prepare(`insert into counters (name, value) values ('other', 1)`).run()
  } finally {
    other.close()
    await db.destroy()
  }
})

test('a failed transaction rolls back, and a committed one stays', async () => {
  const database = new BetterSqlite3(':memory:')
  const db = kyselyOver({ database, closeOnDestroy: true })
  await createCounters(db)
  const failure = new Error('roll back')
  const outcome = await db
    .transaction()
    .execute(async (trx) => {
      await trx.insertInto('counters').values({ name: 'gone', value: 1 }).execute()
      throw failure
    })
    .catch((e: unknown) => e)
  assert.is(outcome, failure)
  assert.not.ok(database.inTransaction)
  await db.transaction().execute((trx) => trx.insertInto('counters').values({ name: 'kept', value: 1 }).execute())
  assert.equal(await db.selectFrom('counters').select('name').execute(), [{ name: 'kept' }])
  await db.destroy()
})

test('savepoints roll back part of a transaction', async () => {
  const db = kyselyOver({ database: new BetterSqlite3(':memory:'), closeOnDestroy: true })
  await createCounters(db)
  const trx = await db.startTransaction().execute()
  await trx.insertInto('counters').values({ name: 'before', value: 1 }).execute()
  const sp = await trx.savepoint('a "quoted" name').execute()
  await sp.insertInto('counters').values({ name: 'inside', value: 2 }).execute()
  await sp.rollbackToSavepoint('a "quoted" name').execute()
  const sp2 = await trx.savepoint('second').execute()
  await sp2.insertInto('counters').values({ name: 'released', value: 3 }).execute()
  await sp2.releaseSavepoint('second').execute()
  await trx.commit().execute()
  assert.equal(await db.selectFrom('counters').select('name').orderBy('id').execute(), [{ name: 'before' }, { name: 'released' }])
  await db.destroy()
})

test('concurrent transactions take the one connection in turn', async () => {
  const db = kyselyOver({ database: new BetterSqlite3(':memory:'), closeOnDestroy: true })
  await createCounters(db)
  await db.insertInto('counters').values({ name: 'n', value: 0 }).execute()
  // Each reads, yields to the event loop, then writes: interleaving would lose increments.
  const increment = () =>
    db.transaction().execute(async (trx) => {
      const { value } = await trx.selectFrom('counters').select('value').where('name', '=', 'n').executeTakeFirstOrThrow()
      await new Promise((resolve) => setImmediate(resolve))
      await trx.updateTable('counters').set({ value: value + 1 }).where('name', '=', 'n').execute()
    })
  await Promise.all(Array.from({ length: 50 }, increment))
  assert.equal(await db.selectFrom('counters').select('value').executeTakeFirst(), { value: 50 })
  await db.destroy()
})

test('a select can be streamed in chunks', async () => {
  const db = kyselyOver({ database: new BetterSqlite3(':memory:'), closeOnDestroy: true })
  await createCounters(db)
  await db
    .insertInto('counters')
    .values(Array.from({ length: 25 }, (_, i) => ({ name: `c${i}`, value: i })))
    .execute()
  const seen: Array<number> = []
  for await (const row of db.selectFrom('counters').select('value').orderBy('value').stream(10)) seen.push(row.value)
  assert.equal(seen, Array.from({ length: 25 }, (_, i) => i))
  // The connection was released: the next query runs.
  assert.is((await db.selectFrom('counters').selectAll().execute()).length, 25)
  await db.destroy()
})

test('destroy closes the database only when the driver owns it', async () => {
  // Kysely starts its driver on the first query, and destroys only a started one.
  const used = async (database: BetterSqlite3.Database, closeOnDestroy: boolean) => {
    const db = kyselyOver({ database, closeOnDestroy })
    await sql`select 1`.execute(db)
    await db.destroy()
  }
  const kept = new BetterSqlite3(':memory:')
  await used(kept, false)
  assert.ok(kept.open)
  kept.close()
  const owned = new BetterSqlite3(':memory:')
  await used(owned, true)
  assert.not.ok(owned.open)
})

test('a statement that fails rejects, and the connection is released', async () => {
  const db = kyselyOver({ database: new BetterSqlite3(':memory:'), closeOnDestroy: true })
  const error = await sql`select * from missing`.execute(db).catch((e: unknown) => e)
  assert.instance(error, Error)
  assert.equal((await sql<{ one: number }>`select 1 as one`.execute(db)).rows, [{ one: 1 }])
  await db.destroy()
})

test.run()
