/**
 * npm run bench [-- --runs N --aggregates N --only sqlite,postgres,postgres-serialised,mysql --gc minor|full|none]
 * npm run bench -- --suite snapshots [--loads N --only …]: see bench/snapshots.ts
 * npm run bench -- --suite floor: raw postgres.js that JSON.parses
 *   each state beside the bare driver, the floor under the library's reads
 * npm run bench -- --suite calibrate: raw postgres.js beside itself, the
 *   bench's own noise and bias
 * npm run bench -- --suite gc: the library's loads after each kind of
 *   collection `--gc` can force (see bench/gc.ts)
 *
 * Each workload runs through the whole library (decide, encode, store) and
 * through the raw driver in the same process, on the same data shape, the two
 * taking turns slice by slice (see `pairedRun` in workload.ts); the figures
 * are medians of N runs, and the ratio is library / raw.
 * PostgreSQL uses PG_URL and MySQL uses MYSQL_URL; without them, those stores
 * are left out (say so, loudly).
 */
import { parseArgs } from 'node:util'
import { gcBench } from './gc.js'
import { mysqlBench } from './mysql.js'
import { postgresBench, postgresCalibration, postgresFloor, postgresSerialisedBench } from './postgres.js'
import { snapshotsBench } from './snapshots.js'
import { sqliteBench } from './sqlite.js'
import { median, pairedRun, type Comparison, type Figures, type GcMode } from './workload.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    aggregates: { type: 'string', default: '2000' },
    only: { type: 'string', default: 'sqlite,postgres,postgres-serialised,mysql' },
    suite: { type: 'string', default: 'drivers' },
    loads: { type: 'string', default: '25' },
    gc: { type: 'string', default: 'minor' }
  }
})
const runs = Number(values.runs)
const aggregates = Number(values.aggregates)
const only = new Set(values.only.split(','))
const GC_MODES: ReadonlyArray<GcMode> = ['minor', 'full', 'none']
const gcMode = GC_MODES.find((mode) => mode === values.gc)
if (gcMode === undefined) throw new Error(`--gc ${values.gc}: one of ${GC_MODES.join(', ')} (see GcMode in bench/workload.ts)`)

const LABELS: Readonly<Record<string, string>> = {
  save: 'save, one save per aggregate (ev/s)',
  save1: 'save, 1 connection (ev/s)',
  save8: 'save, 8 concurrent connections (ev/s)',
  load: 'load each aggregate (aggregates/s)',
  log: 'follow the whole log (ev/s)'
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(10)

const report = async (bench: Comparison): Promise<void> => {
  const lib: Array<Figures> = []
  const raw: Array<Figures> = []
  const libCpu: Array<Figures> = []
  const rawCpu: Array<Figures> = []
  const sides = [await bench.library(), await bench.raw()] as const
  try {
    // Warm up the JIT and the statement caches with one full-size run, not
    // counted: a smaller one left the first counted run of the log read at half
    // its steady speed, so the median depended on which run went first.
    await pairedRun(sides, aggregates, 0, gcMode)
    for (let i = 0; i < runs; i++) {
      const run = await pairedRun(sides, aggregates, i, gcMode)
      lib.push(run.library)
      raw.push(run.raw)
      libCpu.push(run.libraryCpu)
      rawCpu.push(run.rawCpu)
    }
  } finally {
    for (const side of sides) await side.close()
  }
  console.log(`\n${bench.name}: ${aggregates} aggregates × 10 events, median of ${runs} runs`)
  console.log(`  ${'workload'.padEnd(40)}${'library'.padStart(10)}${'raw'.padStart(10)}   ratio   client CPU µs/unit, library / raw`)
  for (const key of Object.keys(lib[0] ?? {})) {
    const at = (figures: ReadonlyArray<Figures>) => median(figures.map((f) => f[key] ?? NaN))
    const [l, r] = [at(lib), at(raw)]
    const cpu = `${at(libCpu).toFixed(1)} / ${at(rawCpu).toFixed(1)}`
    console.log(`  ${(LABELS[key] ?? key).padEnd(40)}${fmt(l)}${fmt(r)}   ${(l / r).toFixed(2)}    ${cpu}`)
  }
}

const benches: Array<Comparison> = []
// The snapshots and gc suites pick their stores themselves.
const paired = values.suite !== 'snapshots' && values.suite !== 'gc'
// The floor and calibration suites compare raw postgres.js with itself.
const rawOnly = values.suite === 'floor' || values.suite === 'calibrate'
if (paired && only.has('sqlite') && !rawOnly) benches.push(sqliteBench)
if (paired && only.has('postgres')) {
  const url = process.env['PG_URL']
  if (url === undefined || url === '') console.log('SKIPPED postgresql: set PG_URL to benchmark it')
  else benches.push(values.suite === 'floor' ? postgresFloor(url) : values.suite === 'calibrate' ? postgresCalibration(url) : postgresBench(url))
}
if (paired && only.has('postgres-serialised') && !rawOnly) {
  const url = process.env['PG_URL']
  if (url === undefined || url === '') console.log('SKIPPED postgresql serialised mode: set PG_URL to benchmark it')
  else benches.push(postgresSerialisedBench(url))
}
if (paired && only.has('mysql') && !rawOnly) {
  const url = process.env['MYSQL_URL']
  if (url === undefined || url === '') console.log('SKIPPED mysql: set MYSQL_URL to benchmark it')
  else benches.push(mysqlBench(url))
}
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores, load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)}, --gc ${gcMode}`)
if (values.suite === 'snapshots') await snapshotsBench({ loads: Number(values.loads), only })
else if (values.suite === 'gc') await gcBench({ runs, aggregates })
else for (const bench of benches) await report(bench)
