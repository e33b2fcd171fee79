// The MySQL / MariaDB store: the shared conformance suite, then what only MySQL has.
import { randomUUID } from 'node:crypto'
import { CamelCasePlugin, Kysely, MysqlDialect, sql } from 'kysely'
import mysql from 'mysql2'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as E from 'fp-ts/lib/Either.js'
import type { InvalidConfig, StoreError } from '../../lib/errors/EventfoldError.js'
import { createApplication } from '../../lib/index.js'
import { mysqlRecordManager, type MysqlOptions } from '../../lib/store/mysql/mysql-record-manager.js'
import { parseMysqlUrl } from '../../lib/store/mysql/mysql-url.js'
import { START, type RecordManager, type StoredEvent } from '../../lib/store/RecordManager.js'
import { guard } from '../support/hooks.js'
import { adminConnection, dropOrphanSequences, mysqlUrl } from '../support/mysql.js'
import { expectLeft, expectRight, freshTableName, storeConformance } from './conformance.js'

const url = await mysqlUrl()

const item = (originatorId: string, originatorVersion: number, topic = 'mysql.spec.Happened'): StoredEvent => ({
  originatorId,
  originatorVersion,
  topic,
  state: new TextEncoder().encode(`{"v":${originatorVersion}}`)
})

if (url !== undefined) {
  storeConformance('mysql', (tableName) => expectRight(mysqlRecordManager({ url, tableName })), () =>
    dropOrphanSequences(url)
  )

  const test = suite('mysql store')
  const opened: Array<RecordManager> = []
  const extraTables: Array<string> = []

  const open = async (options: Partial<MysqlOptions> = {}): Promise<RecordManager> => {
    const rm = await expectRight(mysqlRecordManager({ url, tableName: freshTableName('my'), ...options } as MysqlOptions))
    opened.push(rm)
    return rm
  }
  const idsOf = async (rm: RecordManager, position = START): Promise<ReadonlyArray<number>> =>
    (await expectRight(rm.selectNotifications(position, 1000))).map((n) => n.id)

  test.after(
    guard('mysql store: close', async () => {
      const admin = await adminConnection(url)
      try {
        for (const rm of opened.splice(0)) {
          await admin.query(`DROP TABLE IF EXISTS ${rm.tableName}`)
          await rm.close()
        }
        for (const table of extraTables.splice(0)) await admin.query(`DROP TABLE IF EXISTS ${table}`)
      } finally {
        await admin.end()
      }
      await dropOrphanSequences(url)
    })
  )

  // configuration ---------------------------------------------------------------------

  test('a SQLAlchemy-style URL with charset and binary_prefix opens the store', async () => {
    const rm = await open({ url: `${url}${url.includes('?') ? '&' : '?'}charset=utf8mb4&binary_prefix=true` })
    const id = `émoji ☕ 🚀 ${randomUUID()}`
    await expectRight(rm.insertItems([item(id, 1)]))
    assert.equal((await expectRight(rm.listItems(id))).map((e) => e.originatorId), [id])
  })

  test("a URL that names only the server's socket file, as SQLAlchemy writes it, opens the store through it", async () => {
    const admin = await adminConnection(url)
    let socket: string
    try {
      const [rows] = await admin.query('SELECT @@socket AS socket')
      socket = (rows as Array<{ socket: string }>)[0]?.socket ?? ''
    } finally {
      await admin.end()
    }
    const { username, pathname, hostname } = new URL(url)
    const socketUrl = `mysql+pymysql://${username}@${pathname}?unix_socket=${socket}`
    const parsed = parseMysqlUrl(`mysql://${username}@${pathname}?unix_socket=${socket}`)
    assert.ok(E.isRight(parsed) && parsed.right.socketPath === socket && socket !== '', JSON.stringify(parsed))
    // A socket file is on the server's machine: this one is ours where the server is.
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname)) return
    const app = await expectRight(createApplication({ uri: socketUrl, tableName: freshTableName('sock'), env: {} }))
    extraTables.push(app.eventStore.recordManager.tableName)
    assert.is(await expectRight(app.eventStore.recordManager.maxNotificationId()), 0)
    await app.close()
  })

  test('an unknown URL option, a narrow charset or a bad scheme is InvalidConfig, without the password', async () => {
    for (const bad of [
      'mysql://u:s3cret@127.0.0.1/test?binary_prefx=true',
      'mysql://u:s3cret@127.0.0.1/test?charset=utf8',
      'mysql://u:s3cret@127.0.0.1/test?ssl_mode=SOMETIMES',
      'mysql://u:s3cret@127.0.0.1/',
      'postgres://u:s3cret@127.0.0.1/test'
    ]) {
      const error = await expectLeft(mysqlRecordManager({ url: bad }))
      assert.is(error._tag, 'InvalidConfig', bad)
      assert.not.match(error.message, 's3cret')
    }
  })

  test('no error shows the password: not one with @ or / in it, nor one misplaced in the query', () => {
    for (const bad of [
      'mysql://root:top/s3cret@127.0.0.1/test', // not a URL at all: where the password ends cannot be told
      'mysql://root:top@s3cret@127.0.0.1/test?oops=1',
      'mysql://root:top:s3cret@127.0.0.1/test?oops=1',
      'mysql://root@127.0.0.1/test?password=s3cret'
    ]) {
      const parsed = parseMysqlUrl(bad)
      assert.ok(parsed._tag === 'Left' && parsed.left._tag === 'InvalidConfig', bad)
      assert.not.match(parsed.left.message, 's3cret', bad)
    }
  })

  test("an option named like an Object member is unknown, not a crash or a silent drop", () => {
    for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__proto__']) {
      const parsed = parseMysqlUrl(`mysql://root@127.0.0.1/test?${key}=1`)
      assert.ok(parsed._tag === 'Left' && parsed.left._tag === 'InvalidConfig', key)
      assert.match(parsed.left.message, `unknown option "${key}"`)
    }
  })

  test('URL parts and options map onto mysql2 settings', () => {
    const parsed = parseMysqlUrl(
      'mysql://us%40er:p%40ss%2Fw@[::1]:3307/my_db?charset=utf8mb4_bin&connect_timeout=5&ssl_mode=REQUIRED&connectionLimit=3&binary_prefix=true'
    )
    assert.equal(parsed, {
      _tag: 'Right',
      right: {
        host: '::1',
        port: 3307,
        database: 'my_db',
        user: 'us@er',
        password: 'p@ss/w',
        charset: 'UTF8MB4_BIN',
        connectTimeout: 5000,
        ssl: { rejectUnauthorized: false },
        connectionLimit: 3
      }
    })
    const plain = parseMysqlUrl('mariadb://localhost/db')
    assert.equal(plain, { _tag: 'Right', right: { host: 'localhost', port: 3306, database: 'db' } })
  })

  test('a bad connectTimeoutMs is InvalidConfig', async () => {
    for (const connectTimeoutMs of [0, -1, 1.5, Number.NaN]) {
      assert.is((await expectLeft(mysqlRecordManager({ url, connectTimeoutMs })))._tag, 'InvalidConfig')
    }
  })

  test('a schema is refused: on MySQL it is the database, named in the URL', async () => {
    const error = await expectLeft(mysqlRecordManager({ url, schema: 'other' }))
    assert.is(error._tag, 'InvalidConfig')
  })

  test('an unsafe table name is refused', async () => {
    for (const tableName of ['drop table x', 'a-b', 'eventfold_sequence']) {
      assert.is((await expectLeft(mysqlRecordManager({ url, tableName })))._tag, 'InvalidConfig', tableName)
    }
  })

  /** What opening the store gives on a table made beforehand by other hands, with `columns`. */
  const openOnMadeTable = async (columns: string) => {
    const tableName = freshTableName('my')
    extraTables.push(tableName)
    const admin = await adminConnection(url)
    try {
      await admin.query(`CREATE TABLE ${tableName} (${columns})`)
    } finally {
      await admin.end()
    }
    const opened = await mysqlRecordManager({ url, tableName })()
    // One that opens after all is closed, so that the failure ends the run rather than hanging it.
    if (E.isRight(opened)) {
      await opened.right.close()
      assert.unreachable(`a store opened on the table made of ${columns}`)
    }
    return (opened as E.Left<InvalidConfig | StoreError>).left
  }

  test('a table of that name but another shape is InvalidConfig naming what it lacks, not the first statement that trips on it', async () => {
    const error = await openOnMadeTable('name VARCHAR(10), originator_id VARCHAR(255)')
    assert.is(error._tag, 'InvalidConfig')
    assert.match(error.message, 'no column(s) id, originator_version, topic, state')
  })

  test('a table whose ids compare without case is InvalidConfig: Alice and alice would be one aggregate', async () => {
    const error = await openOnMadeTable(`id BIGINT NOT NULL PRIMARY KEY, originator_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
      originator_version INT UNSIGNED NOT NULL, topic VARCHAR(255) NOT NULL, state LONGBLOB NOT NULL, UNIQUE KEY v (originator_id, originator_version)`)
    assert.is(error._tag, 'InvalidConfig')
    assert.match(error.message, 'utf8mb4_general_ci')
  })

  test('a table without the unique key on (originator_id, originator_version), or with one on a prefix of the id, is InvalidConfig', async () => {
    const columns = `id BIGINT NOT NULL PRIMARY KEY, originator_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      originator_version INT UNSIGNED NOT NULL, topic VARCHAR(255) NOT NULL, state LONGBLOB NOT NULL`
    for (const key of ['', ', KEY v (originator_id, originator_version)', ', UNIQUE KEY v (originator_id(8), originator_version)', ', UNIQUE KEY v (originator_id, originator_version, topic)']) {
      const error = await openOnMadeTable(columns + key)
      assert.is(error._tag, 'InvalidConfig', key)
      assert.match(error.message, 'no unique key on exactly (originator_id, originator_version)', key)
    }
    // The same key the other way round is the same guarantee: it opens.
    const tableName = freshTableName('my')
    extraTables.push(tableName)
    const admin = await adminConnection(url)
    try {
      await admin.query(`CREATE TABLE ${tableName} (${columns}, UNIQUE KEY v (originator_version, originator_id))`)
    } finally {
      await admin.end()
    }
    await (await expectRight(mysqlRecordManager({ url, tableName }))).close()
  })

  test('on a table made by other hands whose primary key is the version key, a duplicate version is a ConcurrencyError, a duplicate id a StoreFailure', async () => {
    const tableName = freshTableName('my')
    extraTables.push(tableName)
    const admin = await adminConnection(url)
    try {
      await admin.query(`CREATE TABLE ${tableName} (id BIGINT NOT NULL, originator_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        originator_version INT UNSIGNED NOT NULL, topic VARCHAR(255) NOT NULL, state LONGBLOB NOT NULL,
        PRIMARY KEY (originator_id, originator_version), UNIQUE KEY notification_id (id)) ENGINE=InnoDB`)
      const rm = await expectRight(mysqlRecordManager({ url, tableName }))
      try {
        // An id that spells the key eventfold's own table has on its ids is the caller's data, not the key.
        const id = "for key 'PRIMARY'"
        await expectRight(rm.insertItems([item(id, 1)]))
        const duplicate = await expectLeft(rm.insertItems([item(id, 1)]))
        assert.is(duplicate._tag, 'ConcurrencyError', duplicate.message)
        // A row written behind the sequence's back takes the next id.
        await admin.query(`INSERT INTO ${tableName} (id, originator_id, originator_version, topic, state) VALUES (2, 'x', 1, 't', '{}')`)
        const taken = await expectLeft(rm.insertItems([item(randomUUID(), 1)]))
        assert.is(taken._tag, 'StoreFailure')
        assert.match(taken.message, 'notification id already taken')
      } finally {
        await rm.close()
      }
    } finally {
      await admin.end()
    }
  })

  test("on eventfold's own table, an originator id that spells its key's name is still a ConcurrencyError when its version is taken", async () => {
    const rm = await open()
    const id = "x' for key 'PRIMARY'"
    await expectRight(rm.insertItems([item(id, 1)]))
    assert.is((await expectLeft(rm.insertItems([item(id, 1)])))._tag, 'ConcurrencyError')
  })

  /** Runs `during` while another session holds the writers' lock of `tableName` (its sequence row), then lets go. */
  const whileLocked = async <A>(tableName: string, during: () => Promise<A>): Promise<A> => {
    const holder = await adminConnection(url)
    try {
      await holder.query('START TRANSACTION')
      await holder.query('SELECT last_id FROM eventfold_sequence WHERE table_name = ? FOR UPDATE', [tableName])
      return await during()
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined)
      await holder.end()
    }
  }

  test("opening gives StoreUnavailable within connectTimeoutMs while another session holds the writers' lock", async () => {
    const rm = await open()
    const started = Date.now()
    const error = await whileLocked(rm.tableName, () => expectLeft(mysqlRecordManager({ url, tableName: rm.tableName, connectTimeoutMs: 1000 })))
    const waited = Date.now() - started
    assert.is(error._tag, 'StoreUnavailable')
    assert.match(error.message, 'within 1000 ms')
    // It waited for the lock until innodb_lock_wait_timeout (50 s by default) before.
    assert.ok(waited < 4000, `settled after ${waited} ms`)
  })

  test("close() returns after its grace even while a save waits on a lock another session holds; the save gets an error", async () => {
    const rm = await expectRight(mysqlRecordManager({ url, tableName: freshTableName('my') }))
    extraTables.push(rm.tableName)
    const { save, closedAfter } = await whileLocked(rm.tableName, async () => {
      const save = rm.insertItems([item(randomUUID(), 1)])()
      await new Promise((resolve) => setTimeout(resolve, 200))
      const started = Date.now()
      await rm.close()
      const closedAfter = Date.now() - started
      // Held past the close: it waited for the lock until the session let go before.
      await new Promise((resolve) => setTimeout(resolve, 500))
      return { save, closedAfter }
    })
    assert.ok(closedAfter >= 4500 && closedAfter < 8000, `closed after ${closedAfter} ms (5 s of grace, then at most 1 s)`)
    const saved = await save
    assert.ok(E.isLeft(saved), 'the save that waited did not report success on a closed store')
  })

  test('opening the store twice on one table is harmless', async () => {
    const rm = await open()
    await expectRight(rm.insertItems([item(randomUUID(), 1)]))
    const again = await open({ tableName: rm.tableName })
    opened.pop() // the first one drops the table
    await expectRight(again.insertItems([item(randomUUID(), 1)]))
    assert.equal(await idsOf(rm), [1, 2])
    await again.close()
  })

  test('stores opening one new table at once all succeed, and share one sequence', async () => {
    const tableName = freshTableName('my')
    const all = await Promise.all(Array.from({ length: 8 }, () => open({ tableName })))
    await Promise.all(all.map((rm) => expectRight(rm.insertItems([item(randomUUID(), 1), item(randomUUID(), 1)]))))
    assert.equal(await idsOf(all[0]!), Array.from({ length: 16 }, (_, i) => i + 1))
  })

  // A server that accepts and never answers: spec/faults/unreachable.spec.ts, on loopback.
  test('an unreachable server gives StoreUnavailable within connectTimeoutMs', async () => {
    for (const target of ['mysql://root@127.0.0.1:1/test']) {
      const started = Date.now()
      const error = await expectLeft(mysqlRecordManager({ url: target, connectTimeoutMs: 800 }))
      assert.is(error._tag, 'StoreUnavailable', target)
      assert.ok(Date.now() - started < 3000, `${target} took ${Date.now() - started} ms`)
    }
  })

  test('calls in flight when close() is called finish on the open pool; none fails for the close', async () => {
    const rm = await open()
    const calls = Array.from({ length: 60 }, (_, i) =>
      i % 2 === 0 ? rm.insertItems([item(randomUUID(), 1)])() : rm.listItems(randomUUID())()
    )
    await rm.close()
    const results = await Promise.all(calls)
    const lefts = results.flatMap((r) => (r._tag === 'Left' ? [`${r.left._tag}: ${r.left.message}`] : []))
    assert.equal(lefts, [], 'every call begun before close() finished')
    assert.is((await expectLeft(rm.listItems(randomUUID())))._tag, 'StoreUnavailable', 'a call after close()')
  })

  test('a pool whose queue is full (queueLimit) answers StoreUnavailable, to retry', async () => {
    const rm = await open({ url: `${url}${url.includes('?') ? '&' : '?'}connectionLimit=1&queueLimit=1` })
    const results = await Promise.all(Array.from({ length: 10 }, () => rm.listItems(randomUUID())()))
    const tags = results.flatMap((r) => (r._tag === 'Left' ? [r.left._tag] : []))
    assert.ok(tags.length > 0, 'some calls found the queue full')
    assert.equal([...new Set(tags)], ['StoreUnavailable'])
  })

  // notification ids ------------------------------------------------------------------

  test("ids have no gaps after a conflicting save (the seed's walkthrough)", async () => {
    const rm = await open()
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()]
    await expectRight(rm.insertItems([item(a, 1), item(a, 2)]))
    await expectRight(rm.insertItems([item(b, 1)]))
    assert.equal(await idsOf(rm), [1, 2, 3])
    assert.is((await expectLeft(rm.insertItems([item(c, 1), item(a, 2)])))._tag, 'ConcurrencyError')
    await expectRight(rm.insertItems([item(c, 1)]))
    await expectRight(rm.insertItems([item(randomUUID(), 1)]))
    assert.equal(await idsOf(rm, '3'), [4, 5])
  })

  test('a recreated table numbers from 1 again', async () => {
    const rm = await open()
    await expectRight(rm.insertItems([item(randomUUID(), 1), item(randomUUID(), 1)]))
    await rm.db.schema.dropTable(rm.tableName).execute()
    const again = await open({ tableName: rm.tableName })
    await expectRight(again.insertItems([item(randomUUID(), 1)]))
    assert.equal(await idsOf(again), [1])
  })

  test('notification ids past 2^53 - 1 are a StoreFailure that says so: a save that would give one out writes nothing, and a read that meets one stops', async () => {
    const rm = await open()
    const admin = await adminConnection(url)
    try {
      await expectRight(rm.insertItems([item('small', 1)]))
      // The sequence set by hand just below the largest id a number holds exactly.
      await admin.query('UPDATE eventfold_sequence SET last_id = ? WHERE table_name = ?', [String(2n ** 53n - 2n), rm.tableName])
      await expectRight(rm.insertItems([item('last', 1)]))
      const refused = await expectLeft(rm.insertItems([item('past', 1)]))
      assert.is(refused._tag, 'StoreFailure')
      assert.is(
        refused.message,
        'notification id 9007199254740992 is past 2^53 - 1, the largest a number holds exactly: eventfold cannot give out ids past it (was the id sequence set that high?)'
      )
      assert.equal(await expectRight(rm.listItems('past')), [], 'nothing of the save was written')
      // A row copied in past it, behind the sequence's back.
      await admin.query(`INSERT INTO ${rm.tableName} (id, originator_id, originator_version, topic, state) VALUES (?, 'copied', 1, 't', '{}')`, [String(2n ** 53n + 1n)])
      const read = await expectRight(rm.selectNotifications(START, 2))
      assert.equal(read.map((n) => [n.originatorId, n.position]), [['small', '1'], ['last', '9007199254740991']])
      for (const failed of [await expectLeft(rm.selectNotifications(read[1]?.position ?? START, 10)), await expectLeft(rm.maxNotificationId())]) {
        assert.is(failed._tag, 'StoreFailure')
        // mysql2 reads a BIGINT as a number, already rounded to 2^53.
        assert.match(failed.message, /^notification id 900719925474099[23] is past 2\^53 - 1, the largest a number holds exactly: eventfold cannot read the log past it/)
      }
    } finally {
      await admin.end()
    }
  })

  test("a state too large for the server's max_allowed_packet is InvalidArgument before anything is written, not a dropped connection; the store goes on", async () => {
    const rm = await open()
    const admin = await adminConnection(url)
    const [rows] = await admin.query('SELECT @@max_allowed_packet AS packet').finally(() => admin.end())
    const packet = Number((rows as Array<{ packet: number }>)[0]?.packet)
    assert.ok(packet > 0 && packet <= 256 * 1024 * 1024, `max_allowed_packet ${packet}`)
    const id = randomUUID()
    // mysql2 sends bytes as hex: half the packet is already too much.
    const big = { ...item(id, 2), state: new Uint8Array(packet / 2).fill(65) }
    const error = await expectLeft(rm.insertItems([item(id, 1), big]))
    assert.is(error._tag, 'InvalidArgument')
    assert.match(error.message, `max_allowed_packet (${packet})`)
    assert.equal(await expectRight(rm.listItems(id)), [], 'nothing of the save was written')
    await expectRight(rm.insertItems([item(id, 1)]))
    // Just within it, alone in its statement: written.
    const fits = { ...item(id, 2), state: new Uint8Array(Math.floor(packet / 2) - 4096).fill(66) }
    await expectRight(rm.insertItems([fits]))
    assert.equal((await expectRight(rm.listItems(id))).map((e) => e.state.byteLength), [item(id, 1).state.byteLength, fits.state.byteLength])
  })

  // originator ids ---------------------------------------------------------------------

  test('originator ids are compared byte for byte: case, accents and trailing spaces count', async () => {
    const rm = await open()
    const base = randomUUID()
    const ids = [`a${base}`, `A${base}`, `á${base}`, `a${base} `, `a${base}  `]
    await expectRight(rm.insertItems(ids.map((id) => item(id, 1))))
    for (const id of ids) assert.equal((await expectRight(rm.listItems(id))).map((e) => e.originatorId), [id])
  })

  test('ids and topics up to 255 characters fit, counted in code points; longer ones are InvalidArgument', async () => {
    const rm = await open()
    const longest = '🚀'.repeat(255)
    await expectRight(rm.insertItems([item(longest, 1, 't'.repeat(255))]))
    assert.equal((await expectRight(rm.listItems(longest))).map((e) => e.topic), ['t'.repeat(255)])
    for (const bad of [item(`${longest}x`, 1), item('x', 1, 'é'.repeat(256)), item('\uD800x', 1), item('x', 2 ** 32)]) {
      assert.is((await expectLeft(rm.insertItems([bad])))._tag, 'InvalidArgument')
    }
  })

  test('a save larger than max_allowed_packet is split into statements and still all or nothing', async () => {
    const rm = await open()
    const { rows } = await sql<{ p: number }>`SELECT @@max_allowed_packet AS p`.execute(rm.db)
    const mib = 1024 * 1024
    const count = Math.floor(Number(rows[0]?.p) / mib) + 2
    const id = randomUUID()
    const big = Array.from({ length: count }, (_, v) => ({ ...item(id, v), state: new Uint8Array(mib).fill(v) }))
    assert.is((await expectLeft(rm.insertItems([...big, item(id, 0)])))._tag, 'ConcurrencyError')
    assert.equal(await idsOf(rm), [])
    await expectRight(rm.insertItems(big))
    const read = await expectRight(rm.listItems(id, { gt: count - 2 }))
    assert.is(read[0]?.state.byteLength, mib)
    assert.is(read[0]?.state[mib - 1], count - 1)
  })

  // connections -------------------------------------------------------------------------

  test('a pool passed in stays open after close', async () => {
    const pool = mysql.createPool({ uri: url.replace(/\?.*$/, ''), connectionLimit: 2 })
    try {
      const rm = await expectRight(mysqlRecordManager({ pool, tableName: freshTableName('my') }))
      await expectRight(rm.insertItems([item(randomUUID(), 1)]))
      extraTables.push(rm.tableName)
      await rm.close()
      const [rows] = await pool.promise().query('SELECT 1 AS one')
      assert.equal(rows, [{ one: 1 }])
    } finally {
      await pool.promise().end()
    }
  })

  test('a Kysely passed in stays open after close', async () => {
    const db = new Kysely<Record<string, never>>({
      dialect: new MysqlDialect({ pool: mysql.createPool({ uri: url.replace(/\?.*$/, '') }) })
    })
    try {
      const rm = await expectRight(mysqlRecordManager({ kysely: db, tableName: freshTableName('my') }))
      extraTables.push(rm.tableName)
      await rm.close()
      assert.equal((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows, [{ one: 1 }])
    } finally {
      await db.destroy()
    }
  })

  test("a caller's Kysely that renames result columns is InvalidConfig at open; the same without plugins reads every column", async () => {
    const db = new Kysely<Record<string, never>>({
      dialect: new MysqlDialect({ pool: mysql.createPool({ uri: url.replace(/\?.*$/, '') }) }),
      plugins: [new CamelCasePlugin()]
    })
    try {
      const tableName = freshTableName('camel')
      const refused = await expectLeft(mysqlRecordManager({ kysely: db, tableName }))
      assert.is(refused._tag, 'InvalidConfig')
      const rm = await expectRight(mysqlRecordManager({ kysely: db.withoutPlugins(), tableName }))
      extraTables.push(rm.tableName)
      const id = randomUUID()
      await expectRight(rm.insertItems([{ originatorId: id, originatorVersion: 1, topic: 'spec.Camel', state: Uint8Array.of(1) }]))
      const [read] = await expectRight(rm.listItems(id))
      assert.equal([read?.originatorId, read?.originatorVersion], [id, 1])
      await rm.close()
    } finally {
      await db.destroy()
    }
  })

  test("a caller's pool or Kysely that does not speak utf8mb4 is InvalidConfig at open, and is left open; a utf8mb4 one reads ids back as written", async () => {
    const base = url.replace(/\?.*$/, '')
    for (const charset of ['utf8', 'latin1']) {
      const pool = mysql.createPool({ uri: base, charset, connectionLimit: 1 })
      const db = new Kysely<Record<string, never>>({ dialect: new MysqlDialect({ pool: mysql.createPool({ uri: base, charset, connectionLimit: 1 }) }) })
      try {
        for (const options of [{ pool }, { kysely: db }]) {
          const error = await expectLeft(mysqlRecordManager({ ...options, tableName: freshTableName('cs') }))
          assert.is(error._tag, 'InvalidConfig', charset)
          assert.match(error.message, 'not utf8mb4')
        }
        const [rows] = await pool.promise().query('SELECT 1 AS one')
        assert.equal(rows, [{ one: 1 }], 'the pool is still the caller\'s, and open')
      } finally {
        await pool.promise().end()
        await db.destroy()
      }
    }
    const pool = mysql.createPool({ uri: base, charset: 'utf8mb4', connectionLimit: 1 })
    try {
      const rm = await expectRight(mysqlRecordManager({ pool, tableName: freshTableName('cs') }))
      extraTables.push(rm.tableName)
      const ids = ['é-😀', 'é-😁']
      await expectRight(rm.insertItems(ids.map((id) => item(id, 1))))
      assert.equal((await expectRight(rm.selectNotifications('', 10))).map((n) => n.originatorId), ids)
      await rm.close()
    } finally {
      await pool.promise().end()
    }
  })

  test('a mysql2/promise pool passed in is refused, not left to hang', async () => {
    const pool = mysql.createPool({ uri: url.replace(/\?.*$/, '') }).promise()
    try {
      const error = await expectLeft(mysqlRecordManager({ pool: pool as unknown as mysql.Pool }))
      assert.is(error._tag, 'InvalidConfig')
    } finally {
      await pool.end()
    }
  })

  test('a statement on a killed connection is StoreUnavailable', async () => {
    const rm = await open()
    const admin = await adminConnection(url)
    try {
      let seen: unknown
      await rm.db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ id: number }>`SELECT CONNECTION_ID() AS id`.execute(trx)
          await admin.query(`KILL ${Number(rows[0]?.id)}`)
          seen = await rm.insertItems([item(randomUUID(), 1)], trx)()
        })
        .catch(() => undefined)
      assert.is((seen as { _tag: string; left: { _tag: string } }).left._tag, 'StoreUnavailable')
      // The pool replaces the dead connection.
      assert.is(await expectRight(rm.maxNotificationId()), 0)
    } finally {
      await admin.end()
    }
  })

  // caller transactions ---------------------------------------------------------------

  const withCallerTable = async (rm: RecordManager): Promise<string> => {
    const table = freshTableName('caller')
    extraTables.push(table)
    await sql`CREATE TABLE ${sql.table(table)} (note VARCHAR(50) NOT NULL) ENGINE=InnoDB`.execute(rm.db)
    return table
  }

  test("a caller's transaction that commits writes both its rows and the events", async () => {
    const rm = await open()
    const table = await withCallerTable(rm)
    const id = randomUUID()
    await rm.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO ${sql.table(table)} (note) VALUES ('mine')`.execute(trx)
      await expectRight(rm.insertItems([item(id, 1), item(id, 2)], trx))
    })
    assert.is((await sql`SELECT note FROM ${sql.table(table)}`.execute(rm.db)).rows.length, 1)
    assert.equal(await idsOf(rm), [1, 2])
  })

  test("a caller's transaction that rolls back writes nothing, and takes no ids", async () => {
    const rm = await open()
    const table = await withCallerTable(rm)
    await rm.db
      .transaction()
      .execute(async (trx) => {
        await sql`INSERT INTO ${sql.table(table)} (note) VALUES ('mine')`.execute(trx)
        await expectRight(rm.insertItems([item(randomUUID(), 1)], trx))
        throw new Error('roll back')
      })
      .catch(() => undefined)
    assert.is((await sql`SELECT note FROM ${sql.table(table)}`.execute(rm.db)).rows.length, 0)
    assert.equal(await idsOf(rm), [])
    await expectRight(rm.insertItems([item(randomUUID(), 1)]))
    assert.equal(await idsOf(rm), [1])
  })

  test("a conflict inside a caller's transaction that still commits writes its rows and leaves no gap", async () => {
    const rm = await open()
    const table = await withCallerTable(rm)
    const id = randomUUID()
    await expectRight(rm.insertItems([item(id, 1)]))
    await rm.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO ${sql.table(table)} (note) VALUES ('mine')`.execute(trx)
      assert.is((await expectLeft(rm.insertItems([item(randomUUID(), 1), item(id, 1)], trx)))._tag, 'ConcurrencyError')
    })
    assert.is((await sql`SELECT note FROM ${sql.table(table)}`.execute(rm.db)).rows.length, 1)
    await expectRight(rm.insertItems([item(id, 2)]))
    assert.equal(await idsOf(rm), [1, 2])
  })

  test("a caller's transaction that started reading before another writer committed still takes fresh ids", async () => {
    const rm = await open()
    await rm.db.transaction().execute(async (trx) => {
      // Fixes this transaction's snapshot while the log is empty ...
      const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(rm.tableName)}`.execute(trx)
      assert.equal(rows, [{ n: 0 }])
      // ... then another writer commits ...
      await expectRight(rm.insertItems([item(randomUUID(), 1)]))
      // ... and this save must not reuse id 1.
      await expectRight(rm.insertItems([item(randomUUID(), 1)], trx))
    })
    assert.equal(await idsOf(rm), [1, 2])
  })

  test.run()
}
