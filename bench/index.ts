/**
 * npm run bench [-- --runs N --aggregates N --only sqlite,postgres,mysql]
 * npm run bench -- --suite snapshots [--loads N --only …]: see bench/snapshots.ts
 *
 * Each workload runs through the whole library (decide, encode, store) and
 * through the raw driver in the same process, on the same data shape; the
 * figures are medians of N runs, and the ratio is library / raw.
 * PostgreSQL uses PG_URL and MySQL uses MYSQL_URL; without them, those stores
 * are left out (say so, loudly).
 */
import { parseArgs } from 'node:util'
import { mysqlBench } from './mysql.js'
import { postgresBench } from './postgres.js'
import { snapshotsBench } from './snapshots.js'
import { sqliteBench } from './sqlite.js'
import { median } from './workload.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    aggregates: { type: 'string', default: '2000' },
    only: { type: 'string', default: 'sqlite,postgres,mysql' },
    suite: { type: 'string', default: 'drivers' },
    loads: { type: 'string', default: '25' }
  }
})
const runs = Number(values.runs)
const aggregates = Number(values.aggregates)
const only = new Set(values.only.split(','))

type Figures = Readonly<Record<string, number>>

interface Bench {
  readonly name: string
  readonly library: (aggregates: number) => Promise<Figures>
  readonly raw: (aggregates: number) => Promise<Figures>
}

const LABELS: Readonly<Record<string, string>> = {
  save: 'save, one save per aggregate (ev/s)',
  save1: 'save, 1 connection (ev/s)',
  save8: 'save, 8 concurrent connections (ev/s)',
  load: 'load each aggregate (aggregates/s)',
  log: 'follow the whole log (ev/s)'
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(10)

const report = async (bench: Bench): Promise<void> => {
  const lib: Array<Figures> = []
  const raw: Array<Figures> = []
  // Warm up the JIT and the statement caches with one full-size run of each,
  // not counted: a smaller one left the first counted run of the log read at
  // half its steady speed, so the median depended on which run went first.
  await bench.library(aggregates)
  await bench.raw(aggregates)
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always meets a warmer machine.
    if (i % 2 === 0) {
      lib.push(await bench.library(aggregates))
      raw.push(await bench.raw(aggregates))
    } else {
      raw.push(await bench.raw(aggregates))
      lib.push(await bench.library(aggregates))
    }
  }
  console.log(`\n${bench.name}: ${aggregates} aggregates × 10 events, median of ${runs} runs`)
  console.log(`  ${'workload'.padEnd(40)}${'library'.padStart(10)}${'raw'.padStart(10)}   ratio`)
  for (const key of Object.keys(lib[0] ?? {})) {
    const l = median(lib.map((f) => f[key] ?? NaN))
    const r = median(raw.map((f) => f[key] ?? NaN))
    console.log(`  ${(LABELS[key] ?? key).padEnd(40)}${fmt(l)}${fmt(r)}   ${(l / r).toFixed(2)}`)
  }
}

const benches: Array<Bench> = []
if (only.has('sqlite')) benches.push(sqliteBench)
if (only.has('postgres')) {
  const url = process.env['PG_URL']
  if (url === undefined || url === '') console.log('SKIPPED postgresql: set PG_URL to benchmark it')
  else benches.push(postgresBench(url))
}
if (only.has('mysql')) {
  const url = process.env['MYSQL_URL']
  if (url === undefined || url === '') console.log('SKIPPED mysql: set MYSQL_URL to benchmark it')
  else benches.push(mysqlBench(url))
}
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores, load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)}`)
if (values.suite === 'snapshots') await snapshotsBench({ loads: Number(values.loads), only })
else for (const bench of benches) await report(bench)
