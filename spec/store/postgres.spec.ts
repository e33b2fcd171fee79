import { randomUUID } from 'node:crypto'
import { CamelCasePlugin, Kysely, ParseJSONResultsPlugin, sql as raw } from 'kysely'
import postgres from 'postgres'
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Notification, RecordManager, StoredEvent } from '../../lib/store/RecordManager.js'
import { START } from '../../lib/store/RecordManager.js'
import { postgresDialect } from '../../lib/store/postgres/postgres-dialect.js'
import { postgresRecordManager, type PostgresOptions } from '../../lib/store/postgres/postgres-record-manager.js'
import { guard } from '../support/hooks.js'
import { freshDatabase, uniqueName, type FreshDatabase } from '../support/postgres.js'
import { expectLeft, expectRight, freshTableName, storeConformance } from './conformance.js'

const item = (originatorId: string, originatorVersion: number, topic = 'spec.Happened'): StoredEvent => ({
  originatorId,
  originatorVersion,
  topic,
  state: Uint8Array.of(originatorVersion % 256, 0x7b, 0x7d)
})

const ids = (ns: ReadonlyArray<Notification>) => ns.map((n) => n.id)

/** What `decodeItems` hands the decoder for each of an originator's items: its version, and its state as text or as bytes. */
const handedOver = (rm: RecordManager, originatorId: string) => {
  if (rm.decodeItems === undefined) throw new Error('the PostgreSQL record manager has no decodeItems')
  return rm.decodeItems(originatorId, undefined, (_id, version, _topic, state) =>
    E.right(typeof state === 'string' ? [version, 'text', state] : [version, 'bytes', Array.from(state)])
  )
}

// -------------------------------------------------------------------------------------
// the conformance suite, in both modes
// -------------------------------------------------------------------------------------

/** One fresh database for the whole file, created on first use. */
let database: Promise<FreshDatabase> | undefined
const db = () => (database ??= freshDatabase('store'))

// Snapshot mode over a pool the spec owns (passed in, so left open by close()).
let pool: postgres.Sql | undefined
storeConformance(
  'postgres, snapshot mode, a passed-in postgres.js pool',
  async (tableName) => {
    pool ??= postgres((await db()).url, { onnotice: () => undefined })
    return expectRight(postgresRecordManager({ sql: pool, tableName }))
  },
  async () => {
    await pool?.end()
    pool = undefined
  }
)

// Serialised mode over a url: each record manager opens and ends its own pool.
storeConformance('postgres, serialised mode, a url', async (tableName) =>
  expectRight(postgresRecordManager({ url: (await db()).url, tableName, mode: 'serialised' }))
)

// -------------------------------------------------------------------------------------
// what only PostgreSQL has
// -------------------------------------------------------------------------------------

interface Context {
  url: string
  sql: postgres.Sql
  opened: Array<RecordManager>
}

const pg = suite<Context>('postgres store', { url: '', sql: undefined as unknown as postgres.Sql, opened: [] })

pg.before(
  guard('postgres store: open', async (context) => {
    context.url = (await db()).url
    context.sql = postgres(context.url, { max: 4, onnotice: () => undefined })
  })
)

pg.after(
  guard('postgres store: close', async (context) => {
    for (const rm of context.opened.splice(0)) await rm.close()
    await context.sql.end()
    await (await db()).drop()
  })
)

const openWith = async (context: Context, options: Partial<PostgresOptions> & Record<string, unknown> = {}) => {
  const rm = await expectRight(postgresRecordManager({ sql: context.sql, tableName: freshTableName('pg'), ...options } as PostgresOptions))
  context.opened.push(rm)
  return rm
}

pg('opening by url is a lazy task: each run opens its own pool, and closing one leaves the other open', async (context) => {
  const open = postgresRecordManager({ url: context.url, tableName: freshTableName('lazy') })
  const first = await expectRight(open)
  const second = await expectRight(open)
  assert.is.not(first.db, second.db)
  await first.close()
  assert.is(await expectRight(second.maxNotificationId()), 0)
  await second.close()
})

for (const encoding of ['LATIN1', 'SQL_ASCII', 'EUC_JP'] as const) {
  pg(`in a ${encoding} database, text and bytes states come back byte for byte`, async () => {
    // Text would pass through the database's encoding, and EUC_JP turns U+00A6 into U+FFE4.
    const other = await freshDatabase('encoding', encoding)
    const rm = await expectRight(postgresRecordManager({ url: other.url, tableName: 'events' }))
    try {
      const encode = (text: string) => new TextEncoder().encode(text)
      const items = [
        { ...item('enc', 1), state: encode('{"latin":"é"}') },
        { ...item('enc', 2), state: encode('{"beyond":"☕ 𝄞"}') },
        { ...item('enc', 3), state: Uint8Array.of(0x7b, 0xe9, 0x7d) }
      ]
      await expectRight(rm.insertItems(items))
      const plain = (e: StoredEvent) => [e.originatorVersion, Array.from(e.state)]
      assert.equal((await expectRight(rm.listItems('enc'))).map(plain), items.map(plain))
      assert.equal((await expectRight(rm.listItems('enc', { lte: 1 }))).map(plain), items.slice(0, 1).map(plain))
      assert.equal(await expectRight(handedOver(rm, 'enc')), items.map((e) => [e.originatorVersion, 'bytes', Array.from(e.state)]))
      assert.equal((await expectRight(rm.selectNotifications(START, 10))).map(plain), items.map(plain))
      // Alone, so that no character the encoding lacks sends the whole read to bytes.
      const broken = [{ ...item('alone', 1), state: encode('{"note":"a¦b"}') }]
      await expectRight(rm.insertItems(broken))
      assert.equal((await expectRight(rm.listItems('alone'))).map(plain), broken.map(plain))
      const after = (await expectRight(rm.selectNotifications(START, 3)))[2]?.position ?? START
      assert.equal((await expectRight(rm.selectNotifications(after, 10))).map(plain), broken.map(plain))
    } finally {
      await rm.close()
      await other.drop()
    }
  })
}

for (const mode of ['snapshot', 'serialised'] as const)
  pg(`a caller's transaction that wrote before version 1 committed cannot save version 2 in it: the log would list 2 before 1 (${mode})`, async (context) => {
    // The log is ordered by the transaction id, which a transaction is given at its first write.
    const rm = await openWith(context, { mode })
    const side = freshTableName('side')
    await raw`create table ${raw.table(side)} (x int)`.execute(rm.db)
    const id = randomUUID()
    const versions = async () => (await expectRight(rm.selectNotifications(START, 10))).filter((n) => n.originatorId === id).map((n) => n.originatorVersion)
    const callerSaves = (contiguous: boolean) =>
      rm.db.transaction().execute(async (trx) => {
        await raw`insert into ${raw.table(side)} values (1)`.execute(trx) // the caller's own write: its transaction id is taken now
        await expectRight(rm.insertItems([item(id, contiguous ? 1 : 3)])) // meanwhile another writer saves, and commits
        return rm.insertItems([item(id, contiguous ? 2 : 4)], trx, { contiguous })()
      })
    try {
      // Without the contiguity check (the bare record manager API), the hazard is real.
      assert.is((await callerSaves(false))._tag, 'Right')
      assert.equal(await versions(), [4, 3], 'the younger save sorts first')
      // A save checks its predecessors: one written by a younger transaction does not count.
      const refused = await callerSaves(true)
      assert.ok(refused._tag === 'Left' && refused.left._tag === 'ConcurrencyError', JSON.stringify(refused))
      assert.match(refused.left.message, 'retry in a new transaction')
      assert.equal(await versions(), [4, 3, 1], 'nothing of the refused save was written')
      // In a new transaction it saves, and the log lists the versions in order.
      await rm.db.transaction().execute(async (trx) => expectRight(rm.insertItems([item(id, 2)], trx, { contiguous: true })))
      assert.equal(await versions(), [4, 3, 1, 2])
    } finally {
      await raw`drop table ${raw.table(side)}`.execute(rm.db)
    }
  })

pg("over a caller's Kysely whose plugins rewrite results, JSON states still come back byte for byte", async (context) => {
  // ParseJSONResultsPlugin parses any string that looks like JSON: text state would come back an object.
  const kysely = new Kysely<any>({ dialect: postgresDialect({ sql: context.sql, endOnDestroy: false }), plugins: [new ParseJSONResultsPlugin()] })
  const rm = await expectRight(postgresRecordManager({ kysely, tableName: freshTableName('plugin') }))
  try {
    const items = [{ ...item('json', 1), state: new TextEncoder().encode('{"a":1,"length":2}') }]
    await expectRight(rm.insertItems(items))
    const plain = (e: StoredEvent) => [e.originatorVersion, Array.from(e.state)]
    assert.equal((await expectRight(rm.listItems('json'))).map(plain), items.map(plain))
    assert.equal((await expectRight(rm.selectNotifications(START, 10))).map(plain), items.map(plain))
    assert.equal(await expectRight(handedOver(rm, 'json')), items.map((e) => [e.originatorVersion, 'bytes', Array.from(e.state)]))
  } finally {
    await rm.close()
    await kysely.destroy()
  }
})

pg('decodeItems hands plain JSON state over as its text, other state as bytes, and all as bytes where text fails', async (context) => {
  const rm = await openWith(context)
  const json = '{"s":"é ☕ 𝄞","n":[1,2]}'
  const binary = Uint8Array.of(0x00, 0xff, 0x7b)
  await expectRight(rm.insertItems([{ ...item('mixed', 1), state: new TextEncoder().encode(json) }, { ...item('mixed', 2), state: binary }]))
  assert.equal(await expectRight(handedOver(rm, 'mixed')), [
    [1, 'text', json],
    [2, 'bytes', Array.from(binary)]
  ])
  // One state that begins like JSON but is not UTF-8 sends the whole read to bytes.
  const notUtf8 = Uint8Array.of(0x7b, 0xff, 0x7d)
  await expectRight(rm.insertItems([{ ...item('fallback', 1), state: new TextEncoder().encode(json) }, { ...item('fallback', 2), state: notUtf8 }]))
  assert.equal(await expectRight(handedOver(rm, 'fallback')), [
    [1, 'bytes', Array.from(new TextEncoder().encode(json))],
    [2, 'bytes', Array.from(notUtf8)]
  ])
})

pg('selectRawNotifications hands plain JSON state over as its text, other state as bytes, and all as bytes where text fails', async (context) => {
  const rm = await openWith(context)
  if (rm.selectRawNotifications === undefined) throw new Error('the PostgreSQL record manager has no selectRawNotifications')
  const raw = rm.selectRawNotifications
  const json = '{"s":"é ☕ 𝄞","n":[1,2]}'
  const binary = Uint8Array.of(0x00, 0xff, 0x7b)
  const asBytes = (state: Uint8Array | string) => Array.from(typeof state === 'string' ? new TextEncoder().encode(state) : state)
  await expectRight(rm.insertItems([{ ...item('raw', 1), state: new TextEncoder().encode(json) }, { ...item('raw', 2), state: binary }]))
  const first = await expectRight(raw(START, 10))
  assert.equal(first.map((n) => (typeof n.state === 'string' ? n.state : Array.from(n.state))), [json, Array.from(binary)])
  const plain = await expectRight(rm.selectNotifications(START, 10))
  assert.equal(first.map((n) => ({ ...n, state: asBytes(n.state) })), plain.map((n) => ({ ...n, state: Array.from(n.state) })))
  // Paging resumes from a raw position as from any other.
  assert.equal((await expectRight(raw(first[0]?.position ?? START, 10))).map((n) => n.originatorVersion), [2])
  // One state that begins like JSON but is not UTF-8 sends the whole page to bytes.
  await expectRight(rm.insertItems([{ ...item('raw', 3), state: Uint8Array.of(0x7b, 0xff, 0x7d) }]))
  const fallen = await expectRight(raw(START, 10))
  assert.ok(fallen.every((n) => n.state instanceof Uint8Array))
  assert.equal(fallen.map((n) => asBytes(n.state)), (await expectRight(rm.selectNotifications(START, 10))).map((n) => Array.from(n.state)))
  assert.is((await expectLeft(raw('not a position', 10)))._tag, 'InvalidArgument')
})

pg("a caller's Kysely that renames result columns is InvalidConfig at open; the same without plugins reads every column", async (context) => {
  const kysely = new Kysely<any>({ dialect: postgresDialect({ sql: context.sql, endOnDestroy: false }), plugins: [new CamelCasePlugin()] })
  const tableName = freshTableName('camel')
  const refused = await expectLeft(postgresRecordManager({ kysely, tableName }))
  assert.is(refused._tag, 'InvalidConfig')
  const [exists] = await context.sql`select to_regclass(${tableName}) as t`
  assert.is(exists?.['t'], null, 'no table for a refused instance')
  const rm = await expectRight(postgresRecordManager({ kysely: kysely.withoutPlugins(), tableName }))
  try {
    await expectRight(rm.insertItems([item('camel', 1)]))
    const [read] = await expectRight(rm.listItems('camel'))
    assert.equal([read?.originatorId, read?.originatorVersion], ['camel', 1])
  } finally {
    await rm.close()
    await context.sql.unsafe(`drop table ${tableName}`)
    await kysely.destroy()
  }
})

pg("a caller's Kysely made with withSchema() is InvalidConfig at open: its plugin would send the store's queries past the table it checked", async (context) => {
  const schema = freshTableName('ws')
  await context.sql.unsafe(`create schema ${schema}`)
  const kysely = new Kysely<any>({ dialect: postgresDialect({ sql: context.sql, endOnDestroy: false }) })
  try {
    const tableName = freshTableName('ws')
    const refused = await expectLeft(postgresRecordManager({ kysely: kysely.withSchema(schema), tableName }))
    assert.is(refused._tag, 'InvalidConfig')
    assert.match(refused.message, 'withSchema()')
    const made = await context.sql`select table_schema from information_schema.tables where table_name = ${tableName}`
    assert.is(made.length, 0, 'no table for a refused instance')
    // The schema option is the way: table and queries both there.
    const rm = await expectRight(postgresRecordManager({ kysely, tableName, schema }))
    await expectRight(rm.insertItems([item('ws', 1)]))
    assert.equal((await expectRight(rm.listItems('ws'))).map((e) => e.originatorVersion), [1])
    await rm.close()
  } finally {
    await context.sql.unsafe(`drop schema ${schema} cascade`)
    await kysely.destroy()
  }
})

pg('a postgres.js sql that is not one is InvalidConfig, not an exception', async () => {
  const refused = await postgresRecordManager({ sql: {} as never })()
  assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidConfig')
})

pg('a schema option puts the table in that schema, created if missing, and reopening is idempotent', async (context) => {
  const schema = uniqueName('ef_schema')
  const first = await openWith(context, { schema, tableName: 'events' })
  assert.is(first.tableName, `${schema}.events`)
  await expectRight(first.insertItems([item('a', 1)]))
  const again = await openWith(context, { schema, tableName: 'events' })
  assert.is((await expectRight(again.listItems('a'))).length, 1)
  assert.is((await first.query().selectAll().execute()).length, 1)

  const [where] = await context.sql<Array<{ table_schema: string }>>`
    select table_schema from information_schema.tables where table_name = 'events' and table_schema = ${schema}`
  assert.is(where?.table_schema, schema)
  // Nothing leaked into the default schema.
  const [leaked] = await context.sql`select to_regclass('public.events') as t`
  assert.is(leaked?.['t'], null)
  await context.sql.unsafe(`drop schema "${schema}" cascade`)
})

pg('processes racing to create the same table all open it', async (context) => {
  const schema = uniqueName('ef_race')
  const tableName = 'raced'
  const racers = await Promise.all(
    Array.from({ length: 6 }, () => postgresRecordManager({ url: context.url, schema, tableName })())
  )
  for (const r of racers) {
    assert.is(r._tag, 'Right', JSON.stringify(r))
    if (r._tag === 'Right') context.opened.push(r.right)
  }
  await context.sql.unsafe(`drop schema "${schema}" cascade`)
})

pg('the table has the columns, keys and index the notification reader relies on', async (context) => {
  const rm = await openWith(context)
  const columns = await context.sql<Array<{ column_name: string; data_type: string }>>`
    select column_name, data_type from information_schema.columns where table_name = ${rm.tableName} order by ordinal_position`
  assert.equal(
    columns.map((c) => `${c.column_name} ${c.data_type}`),
    ['id bigint', 'originator_id text', 'originator_version integer', 'topic text', 'state bytea', 'transaction_id xid8']
  )
  const indexes = await context.sql<Array<{ indexdef: string }>>`select indexdef from pg_indexes where tablename = ${rm.tableName}`
  const defs = indexes.map((i) => i.indexdef).join('\n')
  assert.match(defs, /UNIQUE INDEX \S+ ON \S+ USING btree \(originator_id, originator_version\)/)
  assert.match(defs, /UNIQUE INDEX \S+ ON \S+ USING btree \(id\)/)
  assert.match(defs, /INDEX \S+ ON \S+ USING btree \(transaction_id, id\)/)
})

pg('two table names on one database are isolated', async (context) => {
  const [a, b] = [await openWith(context), await openWith(context)]
  await expectRight(a.insertItems([item('x', 1, 'in a')]))
  await expectRight(b.insertItems([item('x', 1, 'in b'), item('x', 2, 'in b')]))
  assert.equal((await expectRight(a.listItems('x'))).map((e) => e.topic), ['in a'])
  assert.equal(ids(await expectRight(b.selectNotifications(START, 10))), [1, 2])
})

pg('a passed-in postgres.js pool stays open after close()', async (context) => {
  const rm = await expectRight(postgresRecordManager({ sql: context.sql, tableName: freshTableName('pg') }))
  await rm.close()
  await rm.close() // idempotent
  const [row] = await context.sql`select 1 as one`
  assert.is(row?.['one'], 1)
  const error = await expectLeft(rm.listItems('a'))
  assert.is(error._tag, 'StoreUnavailable')
})

pg('a passed-in Kysely instance stays usable after close()', async (context) => {
  const kysely = new Kysely<Record<string, never>>({ dialect: postgresDialect({ sql: context.sql, endOnDestroy: false }) })
  const rm = await expectRight(postgresRecordManager({ kysely, tableName: freshTableName('pg') }))
  await expectRight(rm.insertItems([item('k', 1)]))
  await rm.close()
  const { rows } = await raw<{ one: number }>`select 1 as one`.execute(kysely)
  assert.equal(rows, [{ one: 1 }])
  await kysely.destroy()
})

interface CallerDatabase {
  orders: { id: string; total: number }
}

const callerKysely = (context: Context) =>
  new Kysely<CallerDatabase>({ dialect: postgresDialect({ sql: context.sql, endOnDestroy: false }) })

pg("a caller's Kysely transaction that rolls back writes nothing; one that commits writes its rows and the events", async (context) => {
  const rm = await openWith(context)
  const caller = callerKysely(context)
  await raw`create table if not exists orders (id text primary key, total integer not null)`.execute(caller)
  const [rolledBack, committed] = [randomUUID(), randomUUID()]

  const failure = new Error('the caller changes its mind')
  const outcome = await caller
    .transaction()
    .execute(async (trx) => {
      await trx.insertInto('orders').values({ id: rolledBack, total: 1 }).execute()
      await expectRight(rm.insertItems([item(rolledBack, 1), item(rolledBack, 2)], trx))
      throw failure
    })
    .catch((e: unknown) => e)
  assert.is(outcome, failure)
  assert.equal(await expectRight(rm.listItems(rolledBack)), [])
  assert.is((await caller.selectFrom('orders').where('id', '=', rolledBack).selectAll().execute()).length, 0)

  await caller.transaction().execute(async (trx) => {
    await trx.insertInto('orders').values({ id: committed, total: 2 }).execute()
    await expectRight(rm.insertItems([item(committed, 1), item(committed, 2)], trx))
  })
  assert.is((await expectRight(rm.listItems(committed))).length, 2)
  assert.equal(await caller.selectFrom('orders').where('id', '=', committed).selectAll().execute(), [{ id: committed, total: 2 }])
  await caller.destroy()
})

pg("a conflict inside a caller's transaction leaves it usable: its other writes still commit", async (context) => {
  const rm = await openWith(context, { mode: 'serialised' })
  const caller = callerKysely(context)
  await raw`create table if not exists orders (id text primary key, total integer not null)`.execute(caller)
  const id = randomUUID()
  await expectRight(rm.insertItems([item(id, 1)]))
  await caller.transaction().execute(async (trx) => {
    const error = await expectLeft(rm.insertItems([item(id, 2), item(id, 1)], trx))
    assert.is(error._tag, 'ConcurrencyError')
    await trx.insertInto('orders').values({ id, total: 3 }).execute()
  })
  assert.is((await caller.selectFrom('orders').where('id', '=', id).selectAll().execute()).length, 1)
  assert.equal((await expectRight(rm.listItems(id))).map((e) => e.originatorVersion), [1])
  await caller.destroy()
})

pg('injection-looking names are refused before any SQL runs', async (context) => {
  for (const options of [
    { tableName: 'events; drop table orders' },
    { tableName: 'events"--' },
    { tableName: 'public.events' },
    { tableName: 'events', schema: 'x"; drop schema public cascade; --' },
    { tableName: '' }
  ]) {
    const error = await expectLeft(postgresRecordManager({ sql: context.sql, ...options }))
    assert.is(error._tag, 'InvalidConfig', JSON.stringify(options))
  }
})

pg('bad settings are InvalidConfig', async (context) => {
  const cases: ReadonlyArray<PostgresOptions> = [
    { url: 'mysql://root@localhost/x' },
    { url: 'not a url' },
    { url: context.url, connectTimeoutSeconds: 0 },
    { url: context.url, mode: 'eventual' as 'snapshot' },
    { sql: postgres(context.url, { transform: postgres.camel }) }
  ]
  for (const options of cases) assert.is((await expectLeft(postgresRecordManager(options)))._tag, 'InvalidConfig')
})

pg('a table made without transaction_id is refused with InvalidConfig', async (context) => {
  const tableName = freshTableName('old')
  await context.sql.unsafe(`create table "${tableName}" (id bigserial, originator_id text, originator_version int, topic text, state bytea)`)
  const error = await expectLeft(postgresRecordManager({ sql: context.sql, tableName }))
  assert.is(error._tag, 'InvalidConfig')
  assert.match(error.message, 'transaction_id')
})

pg('a table made by other hands that would let a version land twice, or fold ids together, is InvalidConfig', async (context) => {
  const columns = 'id bigserial, originator_id text, originator_version int, topic text, state bytea, transaction_id xid8 default pg_current_xact_id()'
  const refusedWith = async (ddl: (table: string) => string, why: string) => {
    const tableName = freshTableName('made')
    await context.sql.unsafe(ddl(`"${tableName}"`))
    const indexes = async () => (await context.sql`select indexrelid::regclass::text as name from pg_index where indrelid = to_regclass(${`"${tableName}"`}) order by 1`).map((r) => r['name'])
    const before = await indexes()
    const error = await expectLeft(postgresRecordManager({ sql: context.sql, tableName }))
    assert.is(error._tag, 'InvalidConfig', ddl('t'))
    assert.match(error.message, why, ddl('t'))
    assert.equal(await indexes(), before, 'a refused table is left as it was')
  }
  const noKey = 'no unique key on exactly (originator_id, originator_version)'
  await refusedWith((t) => `create table ${t} (${columns})`, noKey)
  await refusedWith((t) => `create table ${t} (${columns}, unique (originator_id, originator_version, topic))`, noKey)
  await refusedWith((t) => `create table ${t} (${columns}); create unique index on ${t} (originator_id, originator_version) where originator_version > 1`, noKey)
  await refusedWith((t) => `create table ${t} (${columns}); create unique index on ${t} (lower(originator_id), originator_version)`, noKey)
  // A deferred key is checked at commit, after eventfold has called the save a success.
  await refusedWith((t) => `create table ${t} (${columns}, unique (originator_id, originator_version) deferrable initially deferred)`, noKey)
  // Ours, and the same key made by other hands (the other way round, as an index), open.
  for (const ddl of [`(${columns}, primary key (originator_id, originator_version))`, `(${columns}, unique (originator_version, originator_id))`]) {
    const tableName = freshTableName('made')
    await context.sql.unsafe(`create table "${tableName}" ${ddl}`)
    await (await expectRight(postgresRecordManager({ sql: context.sql, tableName }))).close()
  }
  // Only ICU makes a collation that folds case; where the server has none, none can be made.
  const [icu] = await context.sql`select exists (select 1 from pg_collation where collprovider = 'i') as present`
  const collation = uniqueName('ci')
  if (icu?.['present'] === true) {
    await context.sql.unsafe(`create collation "${collation}" (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`)
    await refusedWith(
      (t) => `create table ${t} (${columns.replace('originator_id text', `originator_id text collate "${collation}"`)}, primary key (originator_id, originator_version))`,
      'nondeterministic collation'
    )
    await refusedWith(
      (t) => `create table ${t} (${columns}); create unique index on ${t} (originator_id collate "${collation}", originator_version)`,
      noKey
    )
  } else {
    const made = await context.sql.unsafe(`create collation "${collation}" (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`).then(
      () => true,
      () => false
    )
    assert.not.ok(made, 'a server without ICU collations made a nondeterministic one')
  }
})

pg('ids PostgreSQL text cannot hold, and versions its integer cannot, are InvalidArgument', async (context) => {
  const rm = await openWith(context)
  for (const bad of [item('a\u0000b', 1), item('a', 2 ** 31), item('a', 1, 'topic\u0000')])
    assert.is((await expectLeft(rm.insertItems([bad])))._tag, 'InvalidArgument')
  await expectRight(rm.insertItems([item('a', 2 ** 31 - 1)]))
  assert.is((await expectLeft(rm.listItems('a\u0000')))._tag, 'InvalidArgument')
})

pg('malformed positions are InvalidArgument; positions round-trip', async (context) => {
  const rm = await openWith(context)
  for (const bad of ['1', '1/0', '-1/2', '1/2/3', ' 1/2', '01/2', '18446744073709551616/1', '1/9223372036854775808'])
    assert.is((await expectLeft(rm.selectNotifications(bad, 10)))._tag, 'InvalidArgument', bad)
  await expectRight(rm.insertItems([item('p', 1), item('p', 2), item('p', 3)]))
  const [first, ...rest] = await expectRight(rm.selectNotifications(START, 10))
  assert.match(first?.position ?? '', /^\d+\/1$/)
  assert.equal(ids(await expectRight(rm.selectNotifications(first!.position, 10))), ids(rest))
  assert.equal(await expectRight(rm.selectNotifications(START, 0)), [])
  assert.is((await expectLeft(rm.selectNotifications(START, -1)))._tag, 'InvalidArgument')
})

pg('notification ids can have gaps after a failed insert, and readers do not mind', async (context) => {
  const rm = await openWith(context)
  await expectRight(rm.insertItems([item('g', 1)]))
  await expectLeft(rm.insertItems([item('h', 1), item('g', 1)])) // consumes two sequence values
  await expectRight(rm.insertItems([item('g', 2)]))
  const ns = await expectRight(rm.selectNotifications(START, 10))
  assert.equal(ids(ns), [1, 4])
  assert.is(await expectRight(rm.maxNotificationId()), 4)
  assert.equal(ids(await expectRight(rm.selectNotificationRange(1, 4))), [1, 4])
})

pg('a notification written by a transaction still open is not returned until it commits', async (context) => {
  const rm = await openWith(context)
  const caller = callerKysely(context)
  await expectRight(rm.insertItems([item('early', 1)]))
  let release = () => undefined as void
  const held = new Promise<void>((resolve) => (release = resolve))
  let inserted = () => undefined as void
  const written = new Promise<void>((resolve) => (inserted = resolve))
  const slow = caller.transaction().execute(async (trx) => {
    await expectRight(rm.insertItems([item('slow', 1)], trx))
    inserted()
    await held
  })
  await written
  // Committed after the slow one's insert, so with a higher id.
  await expectRight(rm.insertItems([item('fast', 1)]))
  // 'early' too, unless another session on a shared server holds an older transaction open.
  const before = (await expectRight(rm.selectNotifications(START, 10))).map((n) => n.originatorId)
  assert.ok(!before.includes('fast') && !before.includes('slow'), `nothing past the open transaction is settled yet: ${before.join()}`)
  assert.is(await expectRight(rm.maxNotificationId()), before.length === 0 ? 0 : 1)
  release()
  await slow
  assert.equal((await expectRight(rm.selectNotifications(START, 10))).map((n) => n.originatorId).sort(), ['early', 'fast', 'slow'])
  await caller.destroy()
})

pg('a server that refuses connections gives StoreUnavailable at once', async () => {
  const started = Date.now()
  const error = await expectLeft(postgresRecordManager({ url: 'postgres://postgres@127.0.0.1:1/nothing', connectTimeoutSeconds: 5 }))
  assert.is(error._tag, 'StoreUnavailable')
  assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`)
})

pg('a server that never answers gives StoreUnavailable within connectTimeoutSeconds', async () => {
  // A listening socket that accepts and then says nothing: the start-up message gets no reply.
  const { createServer } = await import('node:net')
  const sockets: Array<import('node:net').Socket> = []
  const silent = createServer((s) => void sockets.push(s))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const address = silent.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const started = Date.now()
  const error = await expectLeft(postgresRecordManager({ url: `postgres://postgres@127.0.0.1:${port}/x`, connectTimeoutSeconds: 1 }))
  const elapsed = Date.now() - started
  for (const s of sockets) s.destroy()
  silent.close()
  assert.is(error._tag, 'StoreUnavailable')
  assert.ok(elapsed >= 900 && elapsed < 3000, `took ${elapsed} ms`)
})

/** The unhandled rejections of the process while `f` runs, and for `settleMs` after it. */
const unhandledDuring = async (f: () => Promise<void>, settleMs = 50): Promise<Array<unknown>> => {
  const leaked: Array<unknown> = []
  const onRejection = (reason: unknown) => void leaked.push(reason)
  process.on('unhandledRejection', onRejection)
  try {
    await f()
    await new Promise((resolve) => setTimeout(resolve, settleMs))
  } finally {
    process.off('unhandledRejection', onRejection)
  }
  return leaked
}

pg('a pool eventfold opens leaks no rejection when a new connection\'s first statement fails (postgres.js fetch_types)', async (context) => {
  // Every statement of these connections is cancelled after 1 ms: on a new connection, postgres.js's
  // own catalog query for array types is (porsager/postgres#1192), and its rejection escapes.
  const cancelling = new URL(context.url)
  cancelling.searchParams.set('statement_timeout', '1')
  const control = await unhandledDuring(async () => {
    // Most new connections' catalog query takes longer than 1 ms; a few pools make one certain.
    for (let pool = 0; pool < 10; pool++) {
      const sql = postgres(cancelling.toString(), { max: 4, onnotice: () => undefined })
      await Promise.allSettled(Array.from({ length: 8 }, () => sql`select 1`))
      await sql.end({ timeout: 0 })
    }
  })
  assert.ok(control.length > 0, 'a default postgres.js pool no longer leaks here: postgres.js fixed #1192, and openPool may fetch types again')

  const tableName = freshTableName('types')
  await (await expectRight(postgresRecordManager({ url: context.url, tableName }))).close()
  const outcomes: Array<string> = []
  const leaked = await unhandledDuring(async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const opened = await postgresRecordManager({ url: cancelling.toString(), tableName })()
      if (E.isLeft(opened)) {
        outcomes.push(opened.left._tag)
        continue
      }
      const reads = await Promise.all(Array.from({ length: 8 }, () => opened.right.listItems('types')()))
      outcomes.push(...reads.map((r) => (E.isRight(r) ? 'Right' : r.left._tag)))
      await opened.right.close()
    }
  })
  assert.equal(leaked, [], 'nothing escapes the API')
  // Each call gives Right or a typed store error, and some statements really were cancelled.
  assert.equal([...new Set(outcomes)].filter((tag) => !['Right', 'StoreFailure', 'StoreUnavailable'].includes(tag)), [])
  assert.ok(outcomes.some((tag) => tag !== 'Right'), `no statement was cancelled: ${outcomes.join(' ')}`)
})

pg('max in the url bounds the pool eventfold opens; one that is not a number of connections is InvalidConfig', async (context) => {
  // postgres.js 3.4.9 alone makes ?max=3 a pool of one connection.
  const name = uniqueName('max')
  const url = new URL(context.url)
  url.searchParams.set('max', '3')
  url.searchParams.set('application_name', name)
  const rm = await expectRight(postgresRecordManager({ url: url.toString(), tableName: freshTableName('max') }))
  try {
    const reads = await Promise.all(Array.from({ length: 6 }, () => rm.listItems('someone')()))
    assert.ok(reads.every(E.isRight))
    const [row] = await context.sql<Array<{ n: string }>>`select count(*) as n from pg_stat_activity where application_name = ${name}`
    // Three for the reads, and the lane that created the table at opening.
    assert.is(Number(row?.n), 4, 'six reads at once: three connections, no more and no fewer')
  } finally {
    await rm.close()
  }
  for (const max of ['0', 'eight', '1.5', '-2', '']) {
    const bad = new URL(context.url)
    bad.searchParams.set('max', max)
    const error = await expectLeft(postgresRecordManager({ url: bad.toString(), tableName: freshTableName('max') }))
    assert.is(error._tag, 'InvalidConfig', `max=${max}`)
  }
})

pg("query() rows give the notification id as EventRow types it, a number, from a url's pool; a passed-in pool parses bigint its own way", async (context) => {
  const rm = await expectRight(postgresRecordManager({ url: context.url, tableName: freshTableName('ids') }))
  try {
    await expectRight(rm.insertItems([item('n', 1), item('n', 2)]))
    const rows = await rm.query().select(['id', 'originator_version']).orderBy('id').execute()
    assert.equal(rows.map((r) => typeof r.id), ['number', 'number'])
    // Filtering and the other reads are unchanged by it.
    const [first] = rows
    assert.equal(await rm.query().select('originator_version').where('id', '=', first?.id as number).execute(), [{ originator_version: 1 }])
    assert.is(await expectRight(rm.maxNotificationId()), first === undefined ? NaN : first.id + 1)
    // postgres.js's default, on the caller's own pool: a string.
    const theirs = await openWith(context, { tableName: rm.tableName })
    const [row] = await theirs.query().select('id').orderBy('id').limit(1).execute()
    assert.is(typeof row?.id, 'string')
  } finally {
    await rm.close()
  }
})

pg('rows written with their ids behind the sequence make a save a StoreFailure, not a ConcurrencyError that a retry cannot mend', async (context) => {
  const rm = await openWith(context)
  await context.sql.unsafe(`insert into "${rm.tableName}" (id, originator_id, originator_version, topic, state) select g, 'copied', g, 't', '\\x7b7d' from generate_series(1, 5) g`)
  const error = await expectLeft(rm.insertItems([item('fresh', 1)], undefined, { contiguous: true }))
  assert.is(error._tag, 'StoreFailure')
  assert.match(error.message, 'notification id already taken')
  // A taken version is still a conflict.
  assert.is((await expectLeft(rm.insertItems([item('copied', 1)], undefined, { contiguous: true })))._tag, 'ConcurrencyError')
})

pg("failed saves inside a caller's transaction leave no savepoint of eventfold's open", async (context) => {
  const rm = await openWith(context)
  await expectRight(rm.insertItems([item('s', 1)]))
  const open = await rm.db.transaction().execute(async (trx) => {
    for (let i = 0; i < 3; i++) assert.is((await expectLeft(rm.insertItems([item('s', 1)], trx)))._tag, 'ConcurrencyError')
    // Releasing a savepoint that is not there fails: count how many are.
    let n = 0
    for (;;) {
      await raw`savepoint probe`.execute(trx)
      const released = await raw`release savepoint eventfold_insert`.execute(trx).then(() => true, () => false)
      if (!released) {
        await raw`rollback to savepoint probe`.execute(trx)
        await raw`release savepoint probe`.execute(trx)
        return n
      }
      n++
    }
  })
  assert.is(open, 0)
})

pg('a notification id past 2^53 - 1 is a StoreFailure that says so, to a reader and to maxNotificationId, not a position that reads the same event for ever', async (context) => {
  for (const rm of [await openWith(context), await expectRight(postgresRecordManager({ url: context.url, tableName: freshTableName('big') }))]) {
    try {
      await expectRight(rm.insertItems([item('small', 1)]))
      await context.sql.unsafe(`select setval(pg_get_serial_sequence('"${rm.tableName}"', 'id'), 9007199254740992)`)
      await expectRight(rm.insertItems([item('big', 1)]))
      const [first] = await expectRight(rm.selectNotifications(START, 1))
      assert.is(first?.originatorId, 'small')
      for (const error of [await expectLeft(rm.selectNotifications(first?.position ?? START, 10)), await expectLeft(rm.maxNotificationId())]) {
        assert.is(error._tag, 'StoreFailure')
        assert.match(error.message, 'notification id 9007199254740993 is past 2^53 - 1')
      }
    } finally {
      await rm.close()
    }
  }
})

pg('a url record manager ends its own pool on close()', async (context) => {
  const rm = await expectRight(postgresRecordManager({ url: context.url, tableName: freshTableName('own') }))
  await expectRight(rm.insertItems([item('u', 1)]))
  const before = await context.sql<Array<{ n: string }>>`select count(*) as n from pg_stat_activity where datname = current_database()`
  await rm.close()
  const after = await context.sql<Array<{ n: string }>>`select count(*) as n from pg_stat_activity where datname = current_database()`
  assert.ok(Number(after[0]?.n) < Number(before[0]?.n), `connections ${before[0]?.n} then ${after[0]?.n}`)
  assert.is((await expectLeft(rm.maxNotificationId()))._tag, 'StoreUnavailable')
})

pg.run()
