/**
 * The application's contract with callers who pass the unexpected: building
 * a task does nothing and cannot throw, running one cannot reject, and what
 * was not written is never cached.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import BetterSqlite3 from 'better-sqlite3'
import * as t from 'io-ts'
import { Kysely, SqliteDialect } from 'kysely'
import postgres from 'postgres'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { AggregateRoot, aggregateKind, createApplication, eventSourcedLog, logKind, type Decider } from '../../lib/index.js'
import { sqliteRecordManager } from '../../lib/store/sqlite/sqlite-record-manager.js'
import { expectLeft, expectRight } from '../store/conformance.js'
import { tempDatabase } from '../support/sqlite.js'

const test = suite('application contract')

type Added = { readonly type: 'Added'; readonly n: number }
const sum: Decider<number, Added, number> = {
  initialState: 0,
  decide: (n) => E.right([{ type: 'Added', n }]),
  evolve: (s, e) => s + e.n,
  isTerminal: () => false
}
const Sum = aggregateKind('spec#ContractSum', sum, { Added: t.type({ n: t.number }) })
const Snapped = aggregateKind('spec#ContractSnapped', sum, { Added: t.type({ n: t.number }) }, { snapshots: { state: t.number, interval: 1 } })

test('a save of an aggregate with nothing pending writes nothing and caches nothing', async () => {
  const app = await expectRight(createApplication({ persist: [Sum], cacheSize: 10, env: {} }))
  try {
    const ghost = { kind: Sum.name, id: randomUUID(), version: 5, state: 999, pending: [] as ReadonlyArray<Added> }
    await expectRight(app.save(ghost))
    assert.is((await expectLeft(app.repository.get(Sum, ghost.id)))._tag, 'AggregateNotFound')
  } finally {
    await app.close()
  }
})

test('saving what is not an aggregate, or with a clock that throws or gives no Date, is InvalidArgument and writes nothing', async () => {
  let clock: () => Date = () => new Date()
  const app = await expectRight(createApplication({ persist: [Sum], env: {}, clock: () => clock() }))
  try {
    const cases: ReadonlyArray<() => Promise<E.Either<unknown, unknown>>> = [
      app.save(null as never),
      app.save({ kind: Sum.name, id: randomUUID(), version: 1, state: 1, pending: [null] } as never),
      app.save({ kind: Sum.name, id: randomUUID(), version: 1, state: 1 } as never)
    ]
    for (const task of cases) assert.is(((await expectLeft(task)) as { _tag: string })._tag, 'InvalidArgument')
    const id = randomUUID()
    const decided = Sum.execute(1)(Sum.initial(id))
    if (E.isLeft(decided)) throw new Error('setup: cannot decide')
    const fresh = decided.right
    clock = () => {
      throw new Error('no time')
    }
    assert.is(((await expectLeft(app.save(fresh))) as { _tag: string })._tag, 'InvalidArgument')
    clock = () => 'noon' as never
    assert.is(((await expectLeft(app.save(fresh))) as { _tag: string })._tag, 'InvalidArgument')
    assert.equal(await expectRight(app.eventStore.listEvents(id)), [])
  } finally {
    await app.close()
  }
})

test('a snapshot that cannot be taken after a commit is a warning; the save still succeeds', async () => {
  const warnings: Array<string> = []
  let snapshotTime = false
  const app = await expectRight(
    createApplication({
      persist: [Snapped],
      env: {},
      onWarning: (w) => warnings.push(w._tag),
      clock: () => {
        // The first call stamps the events; the second, for the snapshot, throws.
        if (snapshotTime) throw new Error('no time for snapshots')
        snapshotTime = true
        return new Date()
      }
    })
  )
  try {
    const id = randomUUID()
    const saved = await expectRight(app.handle(Snapped, id, 7))
    assert.is(saved.version, 1)
    assert.equal(warnings, ['SnapshotNotTaken'])
    assert.is((await expectRight(app.eventStore.listEvents(id))).length, 1)
  } finally {
    await app.close()
  }
})

test('building a snapshot write reads no clock', async () => {
  let reads = 0
  const app = await expectRight(
    createApplication({
      persist: [Snapped],
      env: {},
      clock: () => {
        reads++
        return new Date()
      }
    })
  )
  try {
    const id = randomUUID()
    const saved = await expectRight(app.handle(Snapped, id, 2))
    const before = reads
    const write = app.snapshots?.write(Snapped, saved)
    assert.ok(write !== undefined)
    assert.is(reads, before, 'building the task read the clock')
    await expectRight(write)
    assert.is(reads, before + 1)
  } finally {
    await app.close()
  }
})

test('options that are not what they claim give InvalidConfig when run, and nothing when built', async () => {
  const cases: ReadonlyArray<Record<string, unknown>> = [
    { persist: AggregateRoot },
    { kinds: [undefined] },
    { cipherKey: 123 },
    { compressor: 1n },
    { kysely: {} },
    { kysely: {}, dialect: 'mysql' },
    { sql: {} },
    { postgresMode: 'bogus' },
    { connectTimeoutSeconds: -5 },
    { kysely: {}, dialect: 'oracle' },
    // null, as JSON configuration gives it, is not 'leave it out': uri: null opened an in-memory store.
    { uri: null, env: { DB_URI: 'sqlite:///:memory:' } },
    { kysely: null },
    { sql: null },
    // A section the log could never serve.
    { sectionSize: 10_001 },
    Object.defineProperty({}, 'persist', {
      enumerable: true,
      get: () => {
        throw new Error('no options today')
      }
    })
  ]
  for (const options of cases) {
    if (options['env'] === undefined) Object.defineProperty(options, 'env', { value: {}, enumerable: false })
    const task = createApplication(options as never)
    const result = await task()
    const shown = `case ${cases.indexOf(options)}`
    if (E.isRight(result)) await result.right.close()
    assert.ok(E.isLeft(result), `accepted ${shown}`)
    assert.is(result.left._tag, 'InvalidConfig', shown)
  }
})

test('a dialect that contradicts the Kysely adapter is InvalidConfig, and nothing is created', async () => {
  const database = new BetterSqlite3(':memory:')
  const kysely = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database }) })
  try {
    for (const dialect of ['postgres', 'mysql'] as const) {
      const refused = await createApplication({ kysely, dialect, env: {} })()
      assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidConfig' && refused.left.message.includes('contradicts'), dialect)
    }
    assert.equal(database.prepare("select name from sqlite_master where type = 'table'").all(), [], 'no table was made')
    const agreed = await createApplication({ kysely, dialect: 'sqlite', env: {} })()
    assert.ok(E.isRight(agreed), 'the dialect it has is fine')
    await agreed.right.close()
  } finally {
    await kysely.destroy()
  }
})

test('a dialect beside a uri, DB_URI or a postgres.js sql is InvalidConfig: it would be ignored', async () => {
  const file = tempDatabase('dialect.sqlite')
  const sql = postgres('postgres://127.0.0.1:1/none', { max: 1, onnotice: () => undefined })
  try {
    const cases = [
      { uri: `sqlite:///${file.filename}`, dialect: 'postgres' as const, env: {} },
      { uri: `sqlite:///${file.filename}`, dialect: 'sqlite' as const, env: {} },
      { dialect: 'mysql' as const, env: { DB_URI: `sqlite:///${file.filename}` } },
      { sql, dialect: 'postgres' as const, env: {} }
    ]
    for (const options of cases) {
      const refused = await createApplication(options)()
      assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidConfig' && refused.left.message.includes('dialect goes with kysely only'), JSON.stringify(options.dialect))
    }
    assert.not.ok(existsSync(file.filename), 'nothing was opened')
  } finally {
    await sql.end()
    file.remove()
  }
})

test('an unknown dialect beside a real Kysely is InvalidConfig, not a guess', async () => {
  const database = new BetterSqlite3(':memory:')
  const kysely = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database }) })
  try {
    const refused = await createApplication({ kysely, dialect: 'oracle' as never, env: {} })()
    assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidConfig' && refused.left.message.includes('oracle'))
  } finally {
    await kysely.destroy()
  }
})

test('appending to a log of a kind the application does not persist is InvalidArgument', async () => {
  const Log = logKind('spec#ContractLog', t.string)
  const app = await expectRight(createApplication({ kinds: [Log], env: {} }))
  try {
    const log = eventSourcedLog(app, Log, randomUUID())
    assert.is((await expectLeft(log.append('v')))._tag, 'InvalidArgument')
    assert.is(await expectRight(log.last()), undefined)
  } finally {
    await app.close()
  }
})

test('a snapshots table whose name cannot be is refused before the events table is created', async () => {
  const tableName = `t${'x'.repeat(58)}`
  const app = await createApplication({ persist: [Snapped], tableName, env: {} })()
  assert.ok(E.isLeft(app) && app.left._tag === 'InvalidConfig')
})

test('handle refuses attempts that are not a positive integer, and null options mean the defaults', async () => {
  const app = await expectRight(createApplication({ persist: [Sum], env: {} }))
  try {
    for (const attempts of [0, -1, 1.5, Number.NaN, '3']) {
      const refused = await expectLeft(app.handle(Sum, randomUUID(), 1, { attempts } as never))
      assert.is((refused as { _tag: string })._tag, 'InvalidArgument', String(attempts))
    }
    assert.is((await expectRight(app.handle(Sum, randomUUID(), 1, null as never))).version, 1)
  } finally {
    await app.close()
  }
})

test('opening a store is a lazy task: building it opens nothing, and each run opens its own', async () => {
  const file = join(tmpdir(), `eventfold-lazy-${randomUUID()}.sqlite`)
  try {
    const open = sqliteRecordManager({ filename: file })
    assert.not.ok(existsSync(file), 'building the task opened the database')
    const first = await expectRight(open)
    const second = await expectRight(open)
    assert.ok(existsSync(file))
    assert.is.not(first.db, second.db)
    await first.close()
    assert.is(await expectRight(second.maxNotificationId()), 0, 'closing one left the other open')
    await second.close()
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true })
  }
})

test.run()
