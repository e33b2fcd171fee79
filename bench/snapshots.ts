/**
 * npm run bench -- --suite snapshots [--loads N] [--only sqlite,postgres,mysql]
 *
 * Load time of one aggregate of 10,000 events with snapshots every 100
 * versions, beside an aggregate of 10 events (in the same application, so its
 * loads also ask for a snapshot and find none), and beside the same 10,000
 * events without snapshots; and, as the worst case, 10,099 events (99 after
 * the last snapshot). The figures are medians of N loads each, after a
 * warm-up; the target is a 10,000-event load with snapshots within 2× of a
 * 10-event load. PostgreSQL needs PG_URL and MySQL MYSQL_URL; without them,
 * those stores are skipped, with a message.
 */
import { randomUUID } from 'node:crypto'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { aggregateKind, createApplication, type Application } from '../lib/index.js'
import { Tally, median, must } from './workload.js'

// -------------------------------------------------------------------------------------
// the workload
// -------------------------------------------------------------------------------------

export const LONG = 10_000
export const SHORT = 10
export const INTERVAL = 100
/** The worst case beside it: as many events as can follow the last snapshot. */
export const WORST = LONG + INTERVAL - 1

/** The benchmark's tally, snapshotted every INTERVAL versions. */
const Snapshotted = aggregateKind(Tally.name, Tally.decider, Tally.events, {
  snapshots: { state: t.type({ total: t.number }), interval: INTERVAL }
})
type Kind = typeof Snapshotted

/** Saves an aggregate of `events` events, INTERVAL events per save (so each save crosses the interval). */
const build = async (app: Application, kind: Kind, events: number): Promise<string> => {
  const id = randomUUID()
  let aggregate = kind.initial(id)
  for (let version = 1; version <= events; version += INTERVAL) {
    for (let v = version; v < Math.min(version + INTERVAL, events + 1); v++) {
      const next = kind.execute(v === 1 ? { type: 'Start', name: id } : { type: 'Count', n: v })(aggregate)
      if (E.isLeft(next)) throw new Error('unreachable: the tally refuses nothing')
      aggregate = next.right
    }
    ;[aggregate] = await must(app.save(aggregate))
  }
  return id
}

/** Milliseconds of each of `n` loads. */
const time = async (app: Application, kind: Kind, id: string, events: number, n: number): Promise<ReadonlyArray<number>> => {
  const times: Array<number> = []
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint()
    const loaded = await must(app.repository.get(kind, id))
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
    if (loaded.version !== events) throw new Error(`loaded version ${loaded.version}, not ${events}`)
  }
  return times
}

export interface SnapshotFigures {
  /** How many loads each median is of: the short and long with snapshots, and the long without. */
  readonly loads: number
  readonly loadsWithout: number
  /** Median milliseconds per load. */
  readonly short: number
  readonly longWithSnapshots: number
  readonly worstWithSnapshots: number
  readonly longWithout: number
}

/** Where to run: a connection string, and how to drop a table afterwards. */
export interface Target {
  readonly name: string
  readonly uri: string
}

const table = (): string => `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`

const drop = async (app: Application): Promise<void> => {
  for (const rm of [app.snapshots?.recordManager, app.eventStore.recordManager]) {
    if (rm !== undefined) await rm.db.schema.dropTable(rm.tableName).ifExists().execute()
  }
}

export const measure = async (target: Target, loads: number): Promise<SnapshotFigures> => {
  const base = { uri: target.uri, env: {} }
  const withSnapshots = await must(createApplication({ ...base, tableName: table(), persist: [Snapshotted] }))
  const without = await must(createApplication({ ...base, tableName: table(), persist: [Tally] }))
  try {
    const long = await build(withSnapshots, Snapshotted, LONG)
    const worst = await build(withSnapshots, Snapshotted, WORST)
    const short = await build(withSnapshots, Snapshotted, SHORT)
    const plain = await build(without, Tally, LONG)
    const snapshots = await must(withSnapshots.snapshots?.recordManager.listItems(long) ?? (() => Promise.resolve(E.right([]))))
    if (snapshots.length !== LONG / INTERVAL) throw new Error(`${snapshots.length} snapshots, not ${LONG / INTERVAL}`)
    const warm = Math.max(3, Math.floor(loads / 5))
    // Warm up the JIT and the statement caches, then alternate which goes first, so none always meets a warmer machine.
    await time(withSnapshots, Snapshotted, short, SHORT, warm)
    await time(withSnapshots, Snapshotted, long, LONG, warm)
    await time(withSnapshots, Snapshotted, worst, WORST, warm)
    await time(without, Tally, plain, LONG, Math.min(warm, 3))
    const a: Array<number> = []
    const b: Array<number> = []
    const c: Array<number> = []
    const d: Array<number> = []
    const rounds = 5
    const perRound = Math.max(1, Math.ceil(loads / rounds))
    for (let round = 0; round < rounds; round++) {
      const order = [
        async () => void a.push(...(await time(withSnapshots, Snapshotted, short, SHORT, perRound))),
        async () => void b.push(...(await time(withSnapshots, Snapshotted, long, LONG, perRound))),
        async () => void d.push(...(await time(withSnapshots, Snapshotted, worst, WORST, perRound))),
        // Slow and steady: a few of these say as much as many.
        async () => void c.push(...(await time(without, Tally, plain, LONG, Math.max(1, Math.ceil(perRound / 5)))))
      ]
      for (let i = 0; i < order.length; i++) await (order[(i + round) % order.length] as () => Promise<void>)()
    }
    return { loads: a.length, loadsWithout: c.length, short: median(a), longWithSnapshots: median(b), worstWithSnapshots: median(d), longWithout: median(c) }
  } finally {
    await drop(withSnapshots).catch(() => undefined)
    await drop(without).catch(() => undefined)
    await withSnapshots.close()
    await without.close()
  }
}

const ms = (n: number): string => `${n.toFixed(3)} ms`.padStart(12)

export const report = (name: string, f: SnapshotFigures): boolean => {
  const ratio = f.longWithSnapshots / f.short
  console.log(`\n${name}: load one aggregate, median of ${f.loads} loads (${f.loadsWithout} without snapshots)`)
  console.log(`  ${`${SHORT} events`.padEnd(44)}${ms(f.short)}`)
  console.log(`  ${`${LONG.toLocaleString('en-US')} events, a snapshot every ${INTERVAL}`.padEnd(44)}${ms(f.longWithSnapshots)}`)
  console.log(`  ${`${WORST.toLocaleString('en-US')} events, ${WORST - LONG} after the last snapshot`.padEnd(44)}${ms(f.worstWithSnapshots)}`)
  console.log(`  ${`${LONG.toLocaleString('en-US')} events, no snapshots`.padEnd(44)}${ms(f.longWithout)}`)
  const met = ratio <= 2
  console.log(`  ratio ${LONG.toLocaleString('en-US')} with snapshots / ${SHORT} events: ${ratio.toFixed(2)} (target ≤ 2: ${met ? 'met' : 'MISSED'})`)
  console.log(`  worst case (${WORST - LONG} events to fold after the snapshot) / ${SHORT} events: ${(f.worstWithSnapshots / f.short).toFixed(2)}`)
  console.log(`  snapshots make the ${LONG.toLocaleString('en-US')}-event load ${(f.longWithout / f.longWithSnapshots).toFixed(0)}× faster`)
  return met
}

/** Runs the suite on every store that is configured (bench/index.ts says which are skipped, and why). */
export const snapshotsBench = async (options: { readonly loads: number; readonly only: ReadonlySet<string> }): Promise<void> => {
  const targets: Array<Target> = []
  if (options.only.has('sqlite')) targets.push({ name: 'sqlite (:memory:)', uri: 'sqlite:///:memory:' })
  for (const [store, variable] of [
    ['postgres', 'PG_URL'],
    ['mysql', 'MYSQL_URL']
  ] as const) {
    if (!options.only.has(store)) continue
    const url = process.env[variable]
    if (url !== undefined && url !== '') targets.push({ name: store, uri: url })
  }
  for (const target of targets) report(target.name, await measure(target, options.loads))
}
