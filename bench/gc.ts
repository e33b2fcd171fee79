/**
 * npm run bench -- --suite gc [--runs N --aggregates N]
 *
 * What the collection the benchmark forces before each workload (`--gc`, see
 * `GcMode` in workload.ts) does to the library's loads: rounds of loading
 * every aggregate, each round after a scavenge, a forced full collection, or
 * none, the three taking turns. It prints the client CPU per load of each.
 * On PostgreSQL with PG_URL set, otherwise on SQLite in memory. To see why a
 * forced collection costs what it does, count the deoptimizations it causes:
 *
 *   npm run bench -- --suite gc > /dev/null   # compiles .bench/
 *   node --expose-gc --trace-deopt .bench/bench/index.js --suite gc | grep -c 'weak objects'
 */
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { createApplication, type Application } from '../lib/index.js'
import { collectGarbage, median, must, pool, Tally, tenEvents, type GcMode } from './workload.js'

const MODES: ReadonlyArray<GcMode> = ['minor', 'full', 'none']

const open = async (url: string | undefined): Promise<{ readonly app: Application; readonly name: string; readonly close: () => Promise<void> }> => {
  if (url === undefined || url === '') {
    const app = await must(createApplication({ uri: 'sqlite:///:memory:', persist: [Tally], env: {} }))
    return { app, name: 'sqlite (:memory:)', close: () => app.close() }
  }
  const sql = postgres(url, { max: 8, onnotice: () => undefined })
  const tableName = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`
  const app = await must(createApplication({ sql, tableName, persist: [Tally], env: {} }))
  return {
    app,
    name: `postgresql (${new URL(url).host})`,
    close: async () => {
      await app.close()
      await sql.unsafe(`DROP TABLE ${tableName}`)
      await sql.end()
    }
  }
}

/** Client CPU per load, in µs, of each mode's rounds: `runs` rounds of each, after one uncounted round. */
export const gcBench = async (options: { readonly runs: number; readonly aggregates: number }): Promise<void> => {
  const { app, name, close } = await open(process.env['PG_URL'])
  try {
    const ids = Array.from({ length: options.aggregates }, () => randomUUID())
    await pool(ids, 8, async (id) => {
      await must(app.save(tenEvents(id)))
    })
    const load = async (id: string): Promise<void> => {
      const aggregate = await must(app.repository.get(Tally, id))
      if (aggregate.version !== 10) throw new Error('library load')
    }
    const cpu = new Map<GcMode, Array<number>>(MODES.map((mode) => [mode, []]))
    for (let round = 0; round <= options.runs; round++) {
      // The modes take turns, and which goes first moves on each round.
      for (let k = 0; k < MODES.length; k++) {
        const mode = MODES[(round + k) % MODES.length] as GcMode
        collectGarbage(mode)
        const start = process.cpuUsage()
        await pool(ids, 8, load)
        const used = process.cpuUsage(start)
        if (round > 0) cpu.get(mode)?.push((used.user + used.system) / ids.length)
      }
    }
    console.log(`\n${name}: library loads of ${options.aggregates} aggregates × 10 events, after each kind of collection, median of ${options.runs} rounds`)
    for (const mode of MODES) console.log(`  --gc ${mode.padEnd(6)} client CPU ${median(cpu.get(mode) ?? []).toFixed(1)} µs per load`)
  } finally {
    await close()
  }
}
