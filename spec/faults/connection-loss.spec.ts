/**
 * The connection drops mid-work. Workers save (one or two aggregates a save)
 * and read (aggregates, the notification log) through the public API while
 * the spec kills the application's server connections, again and again:
 * `pg_terminate_backend` on PostgreSQL (the application's connections carry
 * an `application_name` of their own), `KILL` on MariaDB (the connections to
 * a database of the spec's own).
 *
 * Every call in flight returns `Right` or a typed `Left` (`StoreUnavailable`,
 * or `ConcurrencyError` for a save whose aggregate a save that reported
 * `StoreUnavailable` did write after all): never a rejected promise, never an
 * uncaught exception, never a call left hanging. Once the killing stops,
 * every worker's next calls succeed. No acknowledged save is lost and no save
 * is partly there.
 *
 * "Succeed" allows up to two `StoreUnavailable` first, on PostgreSQL: in
 * postgres.js 3.4.9 a connection whose socket closed with a write buffered
 * stalls on its next connects until the connect timeout (see "Known limits"
 * in docs/reliability.md), so the applications here use a short one. A save
 * is never retried as it is: after `StoreUnavailable` it may have landed.
 */
import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import * as E from 'fp-ts/Either'
import type { TaskEither } from 'fp-ts/TaskEither'
import type { RowDataPacket } from 'mysql2'
import postgres from 'postgres'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApplication, type Aggregate, type Application, type EventfoldError } from '../../lib/index.js'
import { between, right, saveId, since, sleep, Tally, verifyStore, type Intent, type Part, type TallyEvent, type TallyState } from '../support/faults.js'
import { guard } from '../support/hooks.js'
import { adminConnection, mysqlUrl } from '../support/mysql.js'
import { postgresUrl } from '../support/postgres.js'

type Tallied = Aggregate<TallyState, TallyEvent>

const WORKERS = 6
const WARM_UP_MS = 300
const KILLING_MS = 2500
/** A call still unanswered after this long has hung. */
const CALL_DEADLINE_MS = 8000
/** Tries each call gets once the killing stopped. */
const CALM_ATTEMPTS = 3
/** close() waits for calls in flight; after the load has stopped it has none to wait for. */
const CLOSE_DEADLINE_MS = 3000
/** The applications' connect timeout: a call that meets a poisoned postgres.js connection waits this long. */
const CONNECT_TIMEOUT_SECONDS = 2

// -------------------------------------------------------------------------------------
// the load
// -------------------------------------------------------------------------------------

interface Outcomes {
  calls: number
  right: number
  unavailable: number
  conflicts: number
  /** Lefts of any other tag, and rejected promises: both are failures. */
  readonly unexpected: Array<string>
  readonly uncaught: Array<unknown>
  killed: number
  kills: number
}

interface Shared {
  readonly intents: Map<string, Intent>
  readonly acknowledged: Set<string>
  /** The last version of each aggregate a save of which was acknowledged. */
  readonly savedVersion: Map<string, number>
  readonly outcomes: Outcomes
}

/** Runs a task and files its outcome; a rejected promise is filed as unexpected. */
const call = async <A>(shared: Shared, what: string, task: TaskEither<EventfoldError, A>): Promise<E.Either<EventfoldError, A> | undefined> => {
  const { outcomes } = shared
  outcomes.calls++
  try {
    const result = await Promise.race([task(), sleep(CALL_DEADLINE_MS).then(() => 'hung' as const)])
    if (result === 'hung') {
      outcomes.unexpected.push(`${what}: no answer within ${CALL_DEADLINE_MS} ms`)
      return undefined
    }
    if (E.isRight(result)) outcomes.right++
    else if (result.left._tag === 'StoreUnavailable') outcomes.unavailable++
    else if (result.left._tag === 'ConcurrencyError' && what === 'save') outcomes.conflicts++
    else outcomes.unexpected.push(`${what}: Left ${result.left._tag}: ${'message' in result.left ? result.left.message.slice(0, 300) : ''}`)
    return result
  } catch (error) {
    outcomes.unexpected.push(`${what}: rejected with ${inspect(error, { depth: 0 }).slice(0, 300)}`)
    return undefined
  }
}

/** One worker: its own aggregates, saved and read in a loop until `stopped()`. */
const worker = async (app: Application, ids: ReadonlyArray<string>, shared: Shared, stopped: () => boolean): Promise<void> => {
  const current = new Map<string, Tallied | undefined>(ids.map((id) => [id, undefined]))
  const reader = app.reader({ pageSize: 50 })
  const load = async (id: string): Promise<Tallied | undefined> => {
    const loaded = await call(shared, 'load', app.repository.load(Tally, id))
    if (loaded === undefined || E.isLeft(loaded)) return undefined
    // Read your writes: at least every acknowledged event is there.
    assert.ok(loaded.right.version >= (shared.savedVersion.get(id) ?? 0), `${id} lost acknowledged events`)
    return loaded.right
  }
  while (!stopped()) {
    const dice = Math.random()
    if (dice < 0.55) {
      // Save one or two aggregates, loading first any whose version is in doubt.
      const chosen = Math.random() < 0.5 ? ids : [ids[between(0, ids.length - 1)] as string]
      const aggregates: Array<Tallied> = []
      for (const id of chosen) {
        const known = current.get(id) ?? (await load(id))
        current.set(id, known)
        if (known !== undefined) aggregates.push(known)
      }
      if (aggregates.length < chosen.length) continue
      const save = saveId()
      const parts: Array<Part> = []
      const decided = aggregates.map((a) => {
        const count = between(1, 3)
        parts.push([a.id, a.version, count])
        return E.getOrElseW(() => a)(Tally.execute({ type: 'Tick', save, count })(a))
      })
      shared.intents.set(save, { save, parts })
      const saved = await call(shared, 'save', app.save(...decided))
      if (saved !== undefined && E.isRight(saved)) {
        shared.acknowledged.add(save)
        for (const a of saved.right) {
          current.set(a.id, a)
          shared.savedVersion.set(a.id, a.version)
        }
      } else for (const id of chosen) current.set(id, undefined) // written or not: ask the store
    } else if (dice < 0.8) {
      const id = ids[between(0, ids.length - 1)] as string
      const loaded = await load(id)
      if (loaded !== undefined) current.set(id, loaded)
    } else {
      await call(shared, 'read log', reader.read({ limit: 200 }))
    }
  }
}

/** Closes an application; one that takes longer than {@link CLOSE_DEADLINE_MS} fails the test. */
const closeWithin = async (app: Application): Promise<void> => {
  const started = performance.now()
  const closed = await Promise.race([app.close().then(() => true), sleep(CLOSE_DEADLINE_MS).then(() => false)])
  assert.ok(closed, `close() still running after ${CLOSE_DEADLINE_MS} ms (${since(started).toFixed(0)} ms)`)
}

interface Target {
  readonly name: string
  /** The applications under load; workers take turns among them. */
  readonly apps: ReadonlyArray<Application>
  /** Kills the applications' server connections; says how many it killed. */
  readonly kill: () => Promise<number>
  readonly gapless: boolean
}

const underFire = async (target: Target): Promise<void> => {
  const started = performance.now()
  const shared: Shared = {
    intents: new Map(),
    acknowledged: new Set(),
    savedVersion: new Map(),
    outcomes: { calls: 0, right: 0, unavailable: 0, conflicts: 0, unexpected: [], uncaught: [], killed: 0, kills: 0 }
  }
  const { outcomes } = shared
  const onUncaught = (error: unknown) => void outcomes.uncaught.push(error)
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
  const tag = randomBytes(3).toString('hex')
  const ids = Array.from({ length: WORKERS }, (_, w) => [`w${w}-a-${tag}`, `w${w}-b-${tag}`] as const)
  const all = ids.flat()
  try {
    let stop = false
    const workers = ids.map((own, w) => worker(target.apps[w % target.apps.length] as Application, own, shared, () => stop))
    await sleep(WARM_UP_MS)
    const before = outcomes.right
    const until = performance.now() + KILLING_MS
    while (performance.now() < until) {
      outcomes.killed += await target.kill()
      outcomes.kills++
      await sleep(between(60, 220))
    }
    stop = true
    await Promise.all(workers)
    const underKills = outcomes.right - before

    // Calm again: every worker's next calls succeed, allowing a few StoreUnavailable first (see the header).
    const settled = { retried: 0 }
    const soon = async <A>(what: string, task: TaskEither<EventfoldError, A>): Promise<A> => {
      for (let attempt = 1; ; attempt++) {
        const result = await task()
        if (E.isRight(result)) return result.right
        if (result.left._tag !== 'StoreUnavailable' || attempt === CALM_ATTEMPTS) {
          throw new Error(`after the kills, ${what}: ${inspect(result.left, { depth: 1 })} (attempt ${attempt})`)
        }
        settled.retried++
      }
    }
    for (const [w, own] of ids.entries()) {
      const app = target.apps[w % target.apps.length] as Application
      for (let attempt = 1; ; attempt++) {
        // A save that failed is not retried as it is (its events may have landed): load, decide and save again.
        const aggregates = await Promise.all(own.map((id) => soon(`load ${id}`, app.repository.load(Tally, id))))
        const save = saveId()
        const decided = aggregates.map((a) => E.getOrElseW(() => a)(Tally.execute({ type: 'Tick', save, count: 2 })(a)))
        shared.intents.set(save, { save, parts: aggregates.map((a) => [a.id, a.version, 2] as const) })
        const saved = await app.save(...decided)()
        if (E.isRight(saved)) {
          shared.acknowledged.add(save)
          break
        }
        if (saved.left._tag !== 'StoreUnavailable' || attempt === CALM_ATTEMPTS) {
          throw new Error(`after the kills, worker ${w} cannot save: ${inspect(saved.left, { depth: 1 })} (attempt ${attempt})`)
        }
        settled.retried++
      }
      await soon(`worker ${w} reads the log`, app.reader().read())
    }

    const report = await verifyStore(target.apps[0] as Application, all, shared.intents, shared.acknowledged, { gapless: target.gapless })
    console.log(
      `  ${target.name}: ${outcomes.kills} rounds killed ${outcomes.killed} connections in ${(since(started) / 1000).toFixed(1)} s; ` +
        `${outcomes.calls} calls: ${outcomes.right} Right (${underKills} while killing), ${outcomes.unavailable} StoreUnavailable, ` +
        `${outcomes.conflicts} conflicts; ${shared.acknowledged.size} saves acknowledged, ${report.landed} of ${shared.intents.size} landed; ` +
        `${settled.retried} calls retried once calm`
    )
    assert.equal(outcomes.uncaught.map((e) => inspect(e, { depth: 1 })), [], 'nothing thrown past the API')
    assert.equal(outcomes.unexpected, [], 'every call gives Right or a typed Left')
    // Not vacuous: connections died under calls in flight, and work went on between the kills.
    assert.ok(outcomes.killed >= 10, `only ${outcomes.killed} connections killed`)
    assert.ok(outcomes.unavailable >= 3, `only ${outcomes.unavailable} calls saw StoreUnavailable`)
    assert.ok(underKills >= 50, `only ${underKills} calls succeeded while connections were being killed`)
  } finally {
    process.off('uncaughtException', onUncaught)
    process.off('unhandledRejection', onUncaught)
  }
}

// -------------------------------------------------------------------------------------
// PostgreSQL
// -------------------------------------------------------------------------------------

const pg = suite('faults: PostgreSQL connections killed mid-work')

const pgTables: Array<string> = []

pg.after(
  guard('faults: postgres cleanup', async () => {
    if (pgTables.length === 0) return
    const sql = postgres(await postgresUrl(), { max: 1, onnotice: () => undefined })
    try {
      for (const table of pgTables) await sql.unsafe(`drop table if exists "${table}"`)
    } finally {
      await sql.end()
    }
  })
)

pg('pg_terminate_backend under load: typed StoreUnavailable, then reconnection, and nothing acknowledged lost', async () => {
  const base = await postgresUrl()
  const applicationName = `eventfold_faults_${randomBytes(4).toString('hex')}`
  const uri = new URL(base)
  uri.searchParams.set('application_name', applicationName)
  const tableName = `faults_drop_${randomBytes(6).toString('hex')}`
  pgTables.push(tableName)
  const admin = postgres(base, { max: 1, onnotice: () => undefined })
  // One application per notification mode: 'serialised' saves in a transaction (lock, insert, commit).
  const apps = [
    await right(createApplication({ uri: uri.toString(), tableName, persist: [Tally], connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS }), 'opening (snapshot)'),
    await right(createApplication({ uri: uri.toString(), tableName, persist: [Tally], postgresMode: 'serialised', connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS }), 'opening (serialised)')
  ]
  try {
    await underFire({
      name: 'postgres',
      apps,
      gapless: false,
      kill: async () => {
        const killed = await admin`
          select pg_terminate_backend(pid) as done from pg_stat_activity
          where application_name = ${applicationName} and pid <> pg_backend_pid()`
        return killed.filter((r) => r['done'] === true).length
      }
    })
  } finally {
    for (const app of apps) await closeWithin(app)
    await admin.end()
  }
})

pg.run()

// -------------------------------------------------------------------------------------
// MariaDB / MySQL
// -------------------------------------------------------------------------------------

const url = await mysqlUrl()
if (url !== undefined) {
  const my = suite('faults: MariaDB connections killed mid-work')
  const database = `eventfold_faults_${randomBytes(4).toString('hex')}`

  my.after(
    guard('faults: mysql cleanup', async () => {
      const admin = await adminConnection(url)
      try {
        await admin.query(`DROP DATABASE IF EXISTS \`${database}\``)
      } finally {
        await admin.end()
      }
    })
  )

  my('KILL under load: typed StoreUnavailable, then reconnection, and nothing acknowledged lost', async () => {
    const admin = await adminConnection(url)
    await admin.query(`CREATE DATABASE \`${database}\``)
    const uri = new URL(url)
    uri.pathname = `/${database}`
    const app = await right(createApplication({ uri: uri.toString(), tableName: 'stored_events', persist: [Tally], connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS }), 'opening')
    try {
      await underFire({
        name: 'mariadb',
        apps: [app],
        gapless: true,
        kill: async () => {
          const [rows] = await admin.query<Array<{ id: number } & RowDataPacket>>(
            'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
            [database]
          )
          let killed = 0
          for (const row of rows) {
            // The connection may have gone between the SELECT and the KILL.
            await admin.query(`KILL ${Number(row.id)}`).then(
              () => killed++,
              () => undefined
            )
          }
          return killed
        }
      })
    } finally {
      await closeWithin(app)
      await admin.end()
    }
  })

  my.run()
}
