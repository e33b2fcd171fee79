import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import {
  CamelCasePlugin,
  Kysely,
  OperationNodeTransformer,
  PrimitiveValueListNode,
  SqliteDialect,
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow
} from 'kysely'
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { START, type RecordManager, type RecordsDatabase, type StoredEvent } from '../../lib/store/RecordManager.js'
import { DEFAULT_TABLE_NAME } from '../../lib/store/schema.js'
import { sqliteDialect } from '../../lib/store/sqlite/sqlite-dialect.js'
import { classifySqliteError } from '../../lib/store/sqlite/sqlite-errors.js'
import { insertCompiler } from '../../lib/store/sqlite/sqlite-insert.js'
import { ROWS_PER_INSERT, sqliteRecordManager, type SqliteOptions } from '../../lib/store/sqlite/sqlite-record-manager.js'
import { guard } from '../support/hooks.js'
import { tempDatabase, type TempDatabase } from '../support/sqlite.js'
import { expectLeft, expectRight, freshTableName, storeConformance } from './conformance.js'

// -------------------------------------------------------------------------------------
// the shared behaviours, on memory and on a file
// -------------------------------------------------------------------------------------

{
  // One database shared by every record manager, since each `:memory:` open is a new database.
  const database = new BetterSqlite3(':memory:')
  storeConformance(
    'sqlite :memory:',
    (tableName) => expectRight(sqliteRecordManager({ database, tableName })),
    async () => {
      database.close()
    }
  )
}

{
  // A database the caller opened to read integers as BigInt: the store still gives numbers.
  const database = new BetterSqlite3(':memory:')
  database.defaultSafeIntegers(true)
  storeConformance(
    'sqlite :memory:, a database that reads integers as BigInt',
    (tableName) => expectRight(sqliteRecordManager({ database, tableName })),
    async () => {
      database.close()
    }
  )
}

{
  // Each record manager opens its own connection to the file, as separate processes would.
  const file = tempDatabase()
  storeConformance(
    'sqlite file',
    (tableName) => expectRight(sqliteRecordManager({ filename: file.filename, tableName })),
    async () => file.remove()
  )
}

// -------------------------------------------------------------------------------------
// what only SQLite does
// -------------------------------------------------------------------------------------

interface Context {
  file: TempDatabase
  opened: Array<RecordManager>
}

const test = suite<Context>('sqlite record manager', { file: tempDatabase(), opened: [] })

const item = (originatorId: string, originatorVersion: number): StoredEvent => ({
  originatorId,
  originatorVersion,
  topic: 'eventfold.spec.Happened',
  state: Uint8Array.of(1, 2, 3)
})

const toRow = (e: StoredEvent) => ({
  originator_id: e.originatorId,
  originator_version: e.originatorVersion,
  topic: e.topic,
  state: e.state
})

const openStore = async (context: Context, options: SqliteOptions): Promise<RecordManager> => {
  const rm = await expectRight(sqliteRecordManager(options))
  context.opened.push(rm)
  return rm
}

test.before(
  guard('sqlite: temp file', (context: Context) => {
    assert.not.ok(existsSync(context.file.filename))
  })
)

test.after(
  guard('sqlite: close and remove', async (context: Context) => {
    for (const rm of context.opened.splice(0)) await rm.close()
    context.file.remove()
  })
)

test('a file database is in WAL mode, with synchronous = FULL and a busy timeout', async (context) => {
  const rm = await openStore(context, { filename: context.file.filename, tableName: freshTableName() })
  const pragma = async (name: string) => (await sql.raw(`pragma ${name}`).execute(rm.db)).rows[0]
  assert.equal(await pragma('journal_mode'), { journal_mode: 'wal' })
  assert.equal(await pragma('synchronous'), { synchronous: 2 })
  assert.equal(await pragma('busy_timeout'), { timeout: 5000 })
})

test('items written to a file survive closing it, and another connection sees them', async (context) => {
  const tableName = freshTableName()
  const id = randomUUID()
  const first = await expectRight(sqliteRecordManager({ filename: context.file.filename, tableName }))
  await expectRight(first.insertItems([item(id, 1), item(id, 2)]))
  const other = new BetterSqlite3(context.file.filename, { readonly: true })
  try {
    assert.equal(other.prepare(`select originator_version from ${tableName} order by id`).pluck().all(), [1, 2])
  } finally {
    other.close()
  }
  await first.close()

  const again = await openStore(context, { filename: context.file.filename, tableName })
  assert.equal((await expectRight(again.listItems(id))).map((e) => e.originatorVersion), [1, 2])
})

test('a record manager on a file it opened is closed by close(), and then returns StoreUnavailable', async (context) => {
  const rm = await expectRight(sqliteRecordManager({ filename: context.file.filename, tableName: freshTableName() }))
  await rm.close()
  await rm.close() // twice is harmless
  const error = await expectLeft(rm.listItems(randomUUID()))
  assert.is(error._tag, 'StoreUnavailable')
  assert.is((await expectLeft(rm.insertItems([item(randomUUID(), 1)])))._tag, 'StoreUnavailable')
})

test('a database passed in is left open by close()', async () => {
  const database = new BetterSqlite3(':memory:')
  try {
    const rm = await expectRight(sqliteRecordManager({ database }))
    await expectRight(rm.insertItems([item(randomUUID(), 1)]))
    await rm.close()
    assert.ok(database.open)
    assert.is(database.prepare(`select count(*) from ${DEFAULT_TABLE_NAME}`).pluck().get(), 1)
    // The record manager itself is closed, though the connection it borrowed is not.
    const after = await rm.insertItems([item(randomUUID(), 1)])()
    assert.ok(after._tag === 'Left' && after.left._tag === 'StoreUnavailable')
    assert.is(database.prepare(`select count(*) from ${DEFAULT_TABLE_NAME}`).pluck().get(), 1)
  } finally {
    database.close()
  }
})

test("a save on a database inside another's transaction (a second Kysely over it) is StoreUnavailable and writes nothing; after it ends, the save lands", async () => {
  const database = new BetterSqlite3(':memory:')
  const theirs = new Kysely<Record<string, never>>({ dialect: sqliteDialect({ database, closeOnDestroy: false }) })
  try {
    await sql`create table orders (id integer primary key)`.execute(theirs)
    const rm = await expectRight(sqliteRecordManager({ database }))
    let during: E.Either<unknown, void> | undefined
    const rolledBack = theirs
      .transaction()
      .execute(async (trx) => {
        await sql`insert into orders values (1)`.execute(trx)
        during = await rm.insertItems([item('a', 1)])()
        throw new Error('rolled back')
      })
      .catch((e: unknown) => (e instanceof Error ? e.message : String(e)))
    assert.is(await rolledBack, 'rolled back')
    assert.ok(during !== undefined && E.isLeft(during) && (during.left as { _tag: string })._tag === 'StoreUnavailable', JSON.stringify(during))
    assert.is(database.prepare(`select count(*) from ${DEFAULT_TABLE_NAME}`).pluck().get(), 0)
    // Reported as not saved, and so it was not: a retry now lands.
    await expectRight(rm.insertItems([item('a', 1)]))
    assert.is(database.prepare(`select count(*) from ${DEFAULT_TABLE_NAME}`).pluck().get(), 1)
    // Its own transactions are its own: a chunked save still works.
    await expectRight(rm.insertItems(Array.from({ length: ROWS_PER_INSERT + 1 }, (_, i) => item('b', i + 1))))
    await rm.close()
  } finally {
    await theirs.destroy()
    database.close()
  }
})

test('a Kysely instance passed in is left open by close(), and its transactions work', async () => {
  const kysely = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) })
  try {
    const rm = await expectRight(sqliteRecordManager({ kysely, tableName: 'events' }))
    const id = randomUUID()
    // More rows than one statement carries: chunked inside Kysely's own transaction.
    const many = Array.from({ length: ROWS_PER_INSERT + 5 }, (_, i) => item(id, i + 1))
    await expectRight(rm.insertItems(many))
    await rm.close()
    // The Kysely is still open and holds every row; the closed record manager answers StoreUnavailable.
    const top = await (kysely as unknown as Kysely<RecordsDatabase>)
      .selectFrom('events')
      .select((eb) => eb.fn.max('originator_version').as('v'))
      .where('originator_id', '=', id)
      .executeTakeFirst()
    assert.is(Number(top?.v), ROWS_PER_INSERT + 5)
    const after = await rm.listItems(id)()
    assert.ok(after._tag === 'Left' && after.left._tag === 'StoreUnavailable')
  } finally {
    await kysely.destroy()
  }
})

test('the default table is stored_events, with an INTEGER PRIMARY KEY and the unique key', async (context) => {
  const database = new BetterSqlite3(':memory:')
  context.opened.push(await expectRight(sqliteRecordManager({ database })))
  const rm = context.opened[context.opened.length - 1]!
  assert.is(rm.tableName, DEFAULT_TABLE_NAME)
  assert.is(rm.dialect, 'sqlite')
  const columns = database.prepare(`pragma table_info(${DEFAULT_TABLE_NAME})`).all() as ReadonlyArray<{ name: string; type: string; notnull: number; pk: number }>
  assert.equal(
    columns.map((c) => [c.name, c.type.toUpperCase(), c.notnull, c.pk]),
    [
      ['id', 'INTEGER', 0, 1],
      ['originator_id', 'TEXT', 1, 0],
      ['originator_version', 'INTEGER', 1, 0],
      ['topic', 'TEXT', 1, 0],
      ['state', 'BLOB', 1, 0]
    ]
  )
  const indexes = database.prepare(`pragma index_list(${DEFAULT_TABLE_NAME})`).all() as ReadonlyArray<{ name: string; unique: number }>
  const unique = indexes.filter((i) => i.unique === 1).map((i) => database.prepare(`pragma index_info(${i.name})`).all().map((c) => (c as { name: string }).name))
  assert.equal(unique, [['originator_id', 'originator_version']])
  await rm.close()
  database.close()
})

test('opening twice on one database keeps the table and its rows', async () => {
  const database = new BetterSqlite3(':memory:')
  try {
    const id = randomUUID()
    const first = await expectRight(sqliteRecordManager({ database, tableName: 'twice' }))
    await expectRight(first.insertItems([item(id, 1)]))
    const second = await expectRight(sqliteRecordManager({ database, tableName: 'twice' }))
    assert.is((await expectRight(second.listItems(id))).length, 1)
    await first.close()
    await second.close()
  } finally {
    database.close()
  }
})

/** Opens a store on a table made by other hands from `columns`; returns the error, or undefined if it opened. */
const openOnMadeTable = async (columns: string, options: { readonly safeIntegers?: boolean } = {}) => {
  const database = new BetterSqlite3(':memory:')
  if (options.safeIntegers === true) database.defaultSafeIntegers(true)
  try {
    database.exec(`create table made (${columns})`)
    const opened = await sqliteRecordManager({ database, tableName: 'made' })()
    if (E.isRight(opened)) {
      await opened.right.close()
      return undefined
    }
    return opened.left
  } finally {
    database.close()
  }
}

const OUR_COLUMNS = 'id integer primary key, originator_id text not null, originator_version integer not null, topic text not null, state blob not null'

test('a table made by other hands in our shape opens, on a database that reads integers as BigInt too', async () => {
  for (const safeIntegers of [false, true]) {
    assert.is(await openOnMadeTable(`${OUR_COLUMNS}, unique (originator_version, originator_id)`, { safeIntegers }), undefined, String(safeIntegers))
  }
})

test('a table made by other hands that would fold ids together or let a version land twice is InvalidConfig, and is left as it was', async () => {
  const refused: ReadonlyArray<readonly [string, string]> = [
    ['originator_id text not null, originator_version integer not null, topic text not null, state blob not null, unique (originator_id, originator_version)', 'no column(s) id'],
    [OUR_COLUMNS.replace('originator_id text', 'originator_id text collate nocase') + ', unique (originator_id, originator_version)', 'compares without case'],
    [OUR_COLUMNS.replace('originator_id text', 'originator_id text collate rtrim') + ', unique (originator_id, originator_version)', 'trailing spaces'],
    [OUR_COLUMNS, 'no unique key'],
    [OUR_COLUMNS + ', unique (originator_id collate nocase, originator_version)', 'no unique key'],
    [OUR_COLUMNS + ', unique (originator_id, originator_version, topic)', 'no unique key'],
    // Types that would misread rows: versions that sort as text, an id that is not the rowid and stays NULL.
    [OUR_COLUMNS.replace('originator_version integer', 'originator_version text') + ', unique (originator_id, originator_version)', 'its originator_version is text'],
    [OUR_COLUMNS.replace('id integer primary key', 'id text primary key') + ', unique (originator_id, originator_version)', 'its id is text'],
    [OUR_COLUMNS.replace('id integer primary key', 'id int primary key') + ', unique (originator_id, originator_version)', 'its id is int'],
    [OUR_COLUMNS.replace('id integer primary key', 'id integer') + ', unique (originator_id, originator_version)', 'not the primary key']
  ]
  for (const [columns, why] of refused) {
    const error = await openOnMadeTable(columns)
    assert.ok(error !== undefined, columns)
    assert.is(error._tag, 'InvalidConfig', columns)
    // SQLite may give a declared type in upper case.
    assert.match(error.message.toLowerCase(), why.toLowerCase(), columns)
  }
  // A partial unique index guards only some rows: refused too, and the table is not touched.
  const database = new BetterSqlite3(':memory:')
  try {
    database.exec(`create table made (${OUR_COLUMNS}); create unique index made_v on made (originator_id, originator_version) where originator_version > 1`)
    const before = database.prepare(`select sql from sqlite_schema where tbl_name = 'made' order by name`).pluck().all()
    const error = await expectLeft(sqliteRecordManager({ database, tableName: 'made' }))
    assert.is(error._tag, 'InvalidConfig')
    assert.match(error.message, 'no unique key')
    assert.equal(database.prepare(`select sql from sqlite_schema where tbl_name = 'made' order by name`).pluck().all(), before)
  } finally {
    database.close()
  }
})

test('a bad table name, or a schema, is InvalidConfig', async () => {
  for (const tableName of ['', 'drop table x;', '1abc', 'a-b', 'x'.repeat(64), 'main.events']) {
    const error = await expectLeft(sqliteRecordManager({ filename: ':memory:', tableName }))
    assert.is(error._tag, 'InvalidConfig', tableName)
  }
  const error = await expectLeft(sqliteRecordManager({ filename: ':memory:', schema: 'main' }))
  assert.is(error._tag, 'InvalidConfig')
})

test('a file that cannot be opened is StoreUnavailable', async (context) => {
  const error = await expectLeft(sqliteRecordManager({ filename: join(context.file.filename, 'no', 'such', 'dir.sqlite') }))
  assert.is(error._tag, 'StoreUnavailable')
})

test('a database locked by another writer is StoreUnavailable once the busy timeout passes', async (context) => {
  const tableName = freshTableName()
  context.opened.push(await expectRight(sqliteRecordManager({ filename: context.file.filename, tableName })))
  const impatient = new BetterSqlite3(context.file.filename, { timeout: 20 })
  const holder = new BetterSqlite3(context.file.filename)
  try {
    const rm = await expectRight(sqliteRecordManager({ database: impatient, tableName }))
    holder.exec('begin immediate')
    const error = await expectLeft(rm.insertItems([item(randomUUID(), 1)]))
    assert.is(error._tag, 'StoreUnavailable')
    holder.exec('rollback')
    await expectRight(rm.insertItems([item(randomUUID(), 1)]))
    await rm.close()
  } finally {
    holder.close()
    impatient.close()
  }
})

test('a rolled-back save leaves no gap in the notification ids', async (context) => {
  const rm = await openStore(context, { filename: ':memory:' })
  const [a, b] = [randomUUID(), randomUUID()]
  await expectRight(rm.insertItems([item(a, 1)]))
  await expectLeft(rm.insertItems([item(b, 1), item(a, 1)]))
  await expectRight(rm.insertItems([item(b, 1)]))
  assert.equal((await expectRight(rm.selectNotifications(START, 10))).map((n) => [n.id, n.position]), [
    [1, '1'],
    [2, '2']
  ])
})

test('positions are decimal ids: others are InvalidArgument, and 0 is START', async (context) => {
  const rm = await openStore(context, { filename: ':memory:' })
  await expectRight(rm.insertItems([item(randomUUID(), 1), item(randomUUID(), 1)]))
  for (const position of ['01', '-1', '1.5', ' 1', '1e3', '0x10', '9007199254740993', '12345678901234567']) {
    assert.is((await expectLeft(rm.selectNotifications(position, 10)))._tag, 'InvalidArgument', position)
  }
  assert.equal((await expectRight(rm.selectNotifications('0', 10))).map((n) => n.id), [1, 2])
  assert.equal((await expectRight(rm.selectNotifications('1', 10))).map((n) => n.id), [2])
  assert.equal(await expectRight(rm.selectNotifications('1', 0)), [])
})

test('a notification id past 2^53 - 1 is a StoreFailure that says so, not a position the store then refuses as not its own', async () => {
  const database = new BetterSqlite3(':memory:')
  try {
    const rm = await expectRight(sqliteRecordManager({ database }))
    await expectRight(rm.insertItems([item('small', 1)]))
    // Rows copied in from elsewhere with ids that high: the next one the store writes is past 2^53 - 1.
    database
      .prepare(`insert into ${DEFAULT_TABLE_NAME} (id, originator_id, originator_version, topic, state) values (?, 'copied', 1, 't', x'7b7d')`)
      .run(2n ** 53n - 1n)
    await expectRight(rm.insertItems([item('big', 1)]))
    assert.is(database.prepare(`select id from ${DEFAULT_TABLE_NAME} where originator_id = 'big'`).safeIntegers(true).pluck().get(), 2n ** 53n)
    const read = await expectRight(rm.selectNotifications(START, 2))
    assert.equal(read.map((n) => [n.originatorId, n.position]), [['small', '1'], ['copied', '9007199254740991']])
    for (const failed of [await expectLeft(rm.selectNotifications(read[1]?.position ?? START, 10)), await expectLeft(rm.maxNotificationId())]) {
      assert.is(failed._tag, 'StoreFailure')
      assert.is(failed.message, 'notification id 9007199254740992 is past 2^53 - 1, the largest a number holds exactly: eventfold cannot read the log past it (was the id sequence set that high?)')
    }
    await rm.close()
  } finally {
    database.close()
  }
})

test('bad limits and bounds are InvalidArgument', async (context) => {
  const rm = await openStore(context, { filename: ':memory:' })
  const id = randomUUID()
  assert.is((await expectLeft(rm.selectNotifications(START, -1)))._tag, 'InvalidArgument')
  assert.is((await expectLeft(rm.selectNotifications(START, 1.5)))._tag, 'InvalidArgument')
  assert.is((await expectLeft(rm.listItems(id, { limit: -1 })))._tag, 'InvalidArgument')
  assert.is((await expectLeft(rm.listItems(id, { gt: Number.NaN })))._tag, 'InvalidArgument')
  assert.is((await expectLeft(rm.listItems(id, { lte: 0.5 })))._tag, 'InvalidArgument')
  assert.is((await expectLeft(rm.selectNotificationRange(1, Number.POSITIVE_INFINITY)))._tag, 'InvalidArgument')
  const badTopic = { ...item(id, 1), topic: '' }
  const badState = { ...item(id, 1), state: 'bytes' as unknown as Uint8Array }
  assert.is((await expectLeft(rm.insertItems([badTopic])))._tag, 'InvalidArgument')
  assert.is((await expectLeft(rm.insertItems([badState])))._tag, 'InvalidArgument')
})

test('a big save inside a caller transaction is all or nothing, and the transaction goes on', async (context) => {
  const rm = await openStore(context, { filename: ':memory:' })
  const [a, b] = [randomUUID(), randomUUID()]
  const many = Array.from({ length: ROWS_PER_INSERT + 1 }, (_, i) => item(a, i + 1))
  await rm.db.transaction().execute(async (trx) => {
    const error = await expectLeft(rm.insertItems([...many, item(a, 1)], trx))
    assert.is(error._tag, 'ConcurrencyError')
    // The savepoint rolled back only the failed save: the caller's transaction continues.
    await expectRight(rm.insertItems([item(b, 1)], trx))
  })
  assert.equal(await expectRight(rm.listItems(a)), [])
  assert.is((await expectRight(rm.listItems(b))).length, 1)
})

test('a conflict names the originators of the failed save', async (context) => {
  const rm = await openStore(context, { filename: ':memory:' })
  const [a, b] = [randomUUID(), randomUUID()]
  await expectRight(rm.insertItems([item(a, 1)]))
  const error = await expectLeft(rm.insertItems([item(b, 1), item(a, 1), item(a, 2)]))
  assert.equal(error, { ...error, _tag: 'ConcurrencyError', originatorIds: [b, a] })
})

/** A plugin that rewrites the values of an insert: the compiled SQL of one save cannot serve the next. */
class ShoutTopics extends OperationNodeTransformer {
  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return PrimitiveValueListNode.create(node.values.map((v) => (typeof v === 'string' && v.includes('topic') ? v.toUpperCase() : v)))
  }
}
const shoutTopics: KyselyPlugin = {
  transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => new ShoutTopics().transformNode(args.node),
  transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => args.result
}

test('the SQL of a save is compiled once per row count, and binds the values row by row', () => {
  const database = new BetterSqlite3(':memory:')
  const db = new Kysely<RecordsDatabase>({ dialect: new SqliteDialect({ database }) })
  const compile = insertCompiler(db, 'events')
  const [a, b] = [randomUUID(), randomUUID()]
  const first = compile([item(a, 1), item(a, 2)])
  const second = compile([item(b, 7), { ...item(b, 8), topic: 'other' }])
  assert.is(second.sql, first.sql)
  assert.equal(second.parameters, [b, 7, 'eventfold.spec.Happened', Uint8Array.of(1, 2, 3), b, 8, 'other', Uint8Array.of(1, 2, 3)])
  assert.equal(second.sql, db.insertInto('events').values([toRow(item(b, 7)), toRow(item(b, 8))]).compile().sql)
  database.close()
})

test('a Kysely whose plugins rewrite values gets a fresh compile for every save', async () => {
  const database = new BetterSqlite3(':memory:')
  const kysely = new Kysely<RecordsDatabase>({ dialect: new SqliteDialect({ database }), plugins: [shoutTopics] })
  const compile = insertCompiler(kysely, 'events')
  const id = randomUUID()
  assert.equal(compile([{ ...item(id, 1), topic: 'a topic' }]).parameters.slice(2, 3), ['A TOPIC'])
  assert.equal(compile([{ ...item(id, 1), topic: 'my topic' }]).parameters.slice(2, 3), ['MY TOPIC'])
  const rm = await expectRight(sqliteRecordManager({ kysely, tableName: 'shouted' }))
  await expectRight(rm.insertItems([{ ...item(id, 1), topic: 'quiet topic' }]))
  assert.equal((await expectRight(rm.listItems(id))).map((e) => e.topic), ['QUIET TOPIC'])
  await kysely.destroy()
})

test("a caller's Kysely that renames result columns is InvalidConfig at open; the same without plugins reads every column", async () => {
  const database = new BetterSqlite3(':memory:')
  const kysely = new Kysely<RecordsDatabase>({ dialect: new SqliteDialect({ database }), plugins: [new CamelCasePlugin()] })
  const refused = await expectLeft(sqliteRecordManager({ kysely, tableName: 'camel' }))
  assert.is(refused._tag, 'InvalidConfig')
  assert.match(refused.message, 'withoutPlugins()')
  assert.not.ok(await kysely.introspection.getTables().then((tables) => tables.some((t) => t.name === 'camel')), 'no table for a refused instance')
  const rm = await expectRight(sqliteRecordManager({ kysely: kysely.withoutPlugins(), tableName: 'camel' }))
  const id = randomUUID()
  await expectRight(rm.insertItems([item(id, 1)]))
  const [read] = await expectRight(rm.listItems(id))
  assert.equal([read?.originatorId, read?.originatorVersion], [id, 1])
  await kysely.destroy()
})

test('a Kysely whose plugin throws while compiling a read gives StoreFailure, not an exception', async () => {
  const database = new BetterSqlite3(':memory:')
  const refuseSelects: KyselyPlugin = {
    transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => {
      if (args.node.kind === 'SelectQueryNode') throw new Error('no selects today')
      return args.node
    },
    transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => args.result
  }
  const kysely = new Kysely<RecordsDatabase>({ dialect: new SqliteDialect({ database }), plugins: [refuseSelects] })
  const store = await expectRight(sqliteRecordManager({ kysely, tableName: 'refusing' }))
  const listed = await store.listItems(randomUUID())()
  assert.ok(E.isLeft(listed) && listed.left._tag === 'StoreFailure', 'listItems')
  const paged = await store.selectNotifications(START, 10)()
  assert.ok(E.isLeft(paged) && paged.left._tag === 'StoreFailure', 'selectNotifications')
  await store.close()
  database.close()
})

test('driver errors are classified once: conflicts, unavailability, and the rest', () => {
  const sqliteError = (code: string) => Object.assign(new Error(code.toLowerCase()), { code })
  const classify = classifySqliteError(() => ['x'])
  assert.equal(classify(sqliteError('SQLITE_CONSTRAINT_UNIQUE')), {
    _tag: 'ConcurrencyError',
    message: 'a version exists already: sqlite_constraint_unique',
    originatorIds: ['x']
  })
  assert.is(classify(sqliteError('SQLITE_CONSTRAINT_PRIMARYKEY'))._tag, 'ConcurrencyError')
  for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN']) {
    assert.is(classify(sqliteError(code))._tag, 'StoreUnavailable', code)
  }
  assert.is(classify(new TypeError('The database connection is not open'))._tag, 'StoreUnavailable')
  for (const code of ['SQLITE_CONSTRAINT_NOTNULL', 'SQLITE_ERROR', 'SQLITE_BUSYNESS', 'SQLITE_CORRUPT']) {
    assert.is(classify(sqliteError(code))._tag, 'StoreFailure', code)
  }
  assert.is(classify('a string')._tag, 'StoreFailure')
})

test('a statement SQLite refuses is StoreFailure, not a rejection', async (context) => {
  const database = new BetterSqlite3(':memory:')
  const rm = await openStore(context, { database, tableName: 'refused' })
  database.exec('drop table refused')
  const error = await expectLeft(rm.maxNotificationId())
  assert.is(error._tag, 'StoreFailure')
  await rm.close()
  database.close()
})

test.run()
