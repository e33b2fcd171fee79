/**
 * The three stores the application specs run on, as one list (`DIALECTS`):
 * SQLite in memory, PostgreSQL (`postgresUrl()`: `PG_URL` or an embedded
 * server) and MySQL / MariaDB (`mysqlUrl()`, which prints one SKIPPED line and
 * is left out when no server answers outside CI).
 *
 * A `Store` is one fresh records table (and its `_snapshots` table) that any
 * number of applications open: on the servers each through its own
 * connection; on SQLite in memory the later ones through the first one's
 * connection, and with `{ file: true }` through a temporary file that each
 * opens on its own. `teardown` drops every table and file the stores made.
 *
 * @example
 * for (const dialect of await dialects()) {
 *   const test = suite(`snapshots: ${dialect.name}`)
 *   test.after(guard('teardown', dialect.teardown))
 *   test('…', async () => { const app = await dialect.store().open({ persist: [Kind] }) })
 *   test.run()
 * }
 */
import { randomUUID } from 'node:crypto'
import { inspect } from 'node:util'
import * as E from 'fp-ts/Either'
import { createApplication, type Application, type ApplicationOptions, type DialectName, type RecordManager } from '../../lib/index.js'
import { adminConnection, dropOrphanSequences, mysqlUrl } from './mysql.js'
import { freshDatabase, type FreshDatabase } from './postgres.js'
import { tempDatabase, type TempDatabase } from './sqlite.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** Options of an application on a store: everything but where the store is. */
export type AppOptions = Omit<ApplicationOptions, 'uri' | 'kysely' | 'sql' | 'dialect' | 'tableName' | 'schema' | 'env'>

/** One records table that applications open. */
export interface Store {
  readonly dialect: DialectName
  readonly tableName: string
  /** Opens one more application on this store, closed by `close` (or by the dialect's teardown). */
  readonly open: (options?: AppOptions) => Promise<Application>
  /** Closes the applications opened on this store, newest first. */
  readonly close: () => Promise<void>
}

/** One database the specs run against. */
export interface Dialect {
  readonly name: string
  readonly dialect: DialectName
  /** A store on a fresh table; on SQLite, `file` puts it in a temporary file instead of memory. */
  readonly store: (options?: { readonly file?: boolean }) => Store
  /** Closes every store's applications, then drops their tables and files. */
  readonly teardown: () => Promise<void>
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** The value of a `TaskEither` that must succeed; a `Left` fails the test with its contents. */
const must = async <A>(task: () => Promise<E.Either<unknown, A>>): Promise<A> => {
  const result = await task()
  if (E.isLeft(result)) throw new Error(`expected Right, got Left ${inspect(result.left, { depth: 4 })}`)
  return result.right
}

const freshTable = (): string => `app_${randomUUID().replace(/-/g, '').slice(0, 16)}`

/** Where an application finds a store: a connection string, or another application's connection. */
type Where = { readonly uri: string } | { readonly via: Application }

const storeOn = (
  dialect: DialectName,
  tableName: string,
  where: (previous: Application | undefined) => Promise<Where>,
  stores: Array<Store>
): Store => {
  const apps: Array<Application> = []
  const store: Store = {
    dialect,
    tableName,
    open: async (options = {}) => {
      const at = await where(apps[0])
      const source =
        'uri' in at ? { uri: at.uri } : { kysely: at.via.eventStore.recordManager.db, dialect: at.via.eventStore.recordManager.dialect }
      const app = await must(createApplication({ ...options, ...source, tableName, env: {} }))
      apps.push(app)
      return app
    },
    close: async () => {
      for (const app of apps.splice(0).reverse()) await app.close()
    }
  }
  stores.push(store)
  return store
}

// -------------------------------------------------------------------------------------
// dialects
// -------------------------------------------------------------------------------------

const sqlite = (): Dialect => {
  const stores: Array<Store> = []
  const files: Array<TempDatabase> = []
  return {
    name: 'sqlite',
    dialect: 'sqlite',
    store: ({ file = false } = {}) => {
      if (!file) {
        // One in-memory database per store: the first application opens it, the others share its connection.
        return storeOn('sqlite', freshTable(), async (first) => (first === undefined ? { uri: 'sqlite:///:memory:' } : { via: first }), stores)
      }
      const temp = tempDatabase()
      files.push(temp)
      return storeOn('sqlite', freshTable(), async () => ({ uri: `sqlite:///${temp.filename}` }), stores)
    },
    teardown: async () => {
      for (const store of stores.splice(0)) await store.close()
      for (const temp of files.splice(0)) temp.remove()
    }
  }
}

const postgres = (): Dialect => {
  const stores: Array<Store> = []
  // One database of this spec file's own, made on first use and dropped at the end.
  let database: Promise<FreshDatabase> | undefined
  const db = () => (database ??= freshDatabase('app'))
  return {
    name: 'postgres',
    dialect: 'postgres',
    store: () => storeOn('postgres', freshTable(), async () => ({ uri: (await db()).url }), stores),
    teardown: async () => {
      for (const store of stores.splice(0)) await store.close()
      if (database !== undefined) await (await database).drop()
      database = undefined
    }
  }
}

const mysql = (url: string): Dialect => {
  const stores: Array<Store> = []
  return {
    name: 'mysql',
    dialect: 'mysql',
    store: () => storeOn('mysql', freshTable(), async () => ({ uri: url }), stores),
    teardown: async () => {
      const tables = stores.map((s) => s.tableName)
      for (const store of stores.splice(0)) await store.close()
      const admin = await adminConnection(url)
      try {
        for (const table of tables) await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_snapshots`)
      } finally {
        await admin.end()
      }
      await dropOrphanSequences(url)
    }
  }
}

/**
 * The dialects to run on: SQLite and PostgreSQL always, MySQL when a server
 * answers (else `mysqlUrl()` prints why it is skipped). Call once per spec
 * file: each call makes its own PostgreSQL database and tables.
 */
export const dialects = async (): Promise<ReadonlyArray<Dialect>> => {
  const my = await mysqlUrl()
  return [sqlite(), postgres(), ...(my === undefined ? [] : [mysql(my)])]
}

// -------------------------------------------------------------------------------------
// rows
// -------------------------------------------------------------------------------------

/** A row of a records table, with its state as text (or hex, when it is not UTF-8 JSON). */
export interface Row {
  readonly originatorId: string
  readonly originatorVersion: number
  readonly topic: string
  readonly state: string
}

const text = (state: Uint8Array): string => {
  const buffer = Buffer.from(state)
  return buffer[0] === 0x7b ? buffer.toString('utf8') : `0x${buffer.toString('hex')}`
}

/** Every row of a records table, in notification order: a dump to compare before and after. */
export const dump = async (rm: RecordManager): Promise<ReadonlyArray<Row>> => {
  const rows = await rm.query().selectAll().orderBy('id').execute()
  return rows.map((r) => ({
    originatorId: r.originator_id,
    originatorVersion: Number(r.originator_version),
    topic: r.topic,
    state: text(r.state)
  }))
}

/** The rows of one originator, in version order. */
export const rowsOf = async (rm: RecordManager, originatorId: string): Promise<ReadonlyArray<Row>> =>
  (await dump(rm)).filter((r) => r.originatorId === originatorId).sort((a, b) => a.originatorVersion - b.originatorVersion)

/** Overwrites the stored state of some versions of an originator, behind the library's back. */
export const overwrite = async (
  rm: RecordManager,
  originatorId: string,
  versions: ReadonlyArray<number>,
  state: Uint8Array = Buffer.from('not JSON at all', 'utf8')
): Promise<void> => {
  await rm.db
    .updateTable(rm.tableName)
    .set({ state })
    .where('originator_id', '=', originatorId)
    .where('originator_version', 'in', [...versions])
    .execute()
  // Read back rather than trust the affected-row count, which MySQL reports as rows changed.
  const rows = await rowsOf(rm, originatorId)
  const expected = text(state)
  const done = rows.filter((r) => versions.includes(r.originatorVersion) && r.state === expected).length
  if (done !== versions.length) throw new Error(`overwrote ${done} rows of ${originatorId}, not ${versions.length}`)
}

/** Stored state as the library writes it: `{"timestamp":…,"v":n,"data":…}` (no `v` for version 1). */
export const rawState = (data: unknown, version = 1, timestamp = '2025-01-02T03:04:05.000Z'): Uint8Array =>
  Buffer.from(JSON.stringify(version === 1 ? { timestamp, data } : { timestamp, v: version, data }), 'utf8')
