/**
 * npm run bench [-- --runs N --aggregates N]
 *
 * Each workload runs through the whole library (decide, encode, store) and
 * through the raw driver in the same process, on the same data shape; the
 * figures are medians of N runs, and the ratio is library / raw.
 */
import { parseArgs } from 'node:util'
import { sqliteBench, type Figures } from './sqlite.js'
import { median } from './workload.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    aggregates: { type: 'string', default: '2000' }
  }
})
const runs = Number(values.runs)
const aggregates = Number(values.aggregates)

interface Bench {
  readonly name: string
  readonly library: (aggregates: number) => Promise<Figures>
  readonly raw: (aggregates: number) => Promise<Figures>
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(10)

const report = async (bench: Bench): Promise<void> => {
  const lib: Array<Figures> = []
  const raw: Array<Figures> = []
  await bench.library(Math.min(aggregates, 200)) // warm up the JIT and the statement caches
  await bench.raw(Math.min(aggregates, 200))
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
  console.log(`  ${'workload'.padEnd(34)}${'library'.padStart(10)}${'raw'.padStart(10)}   ratio`)
  for (const [key, label] of [
    ['save', 'save, one save per aggregate (ev/s)'],
    ['load', 'load each aggregate (aggregates/s)'],
    ['log', 'follow the whole log (ev/s)']
  ] as const) {
    const l = median(lib.map((f) => f[key]))
    const r = median(raw.map((f) => f[key]))
    console.log(`  ${label.padEnd(34)}${fmt(l)}${fmt(r)}   ${(l / r).toFixed(2)}`)
  }
}

for (const bench of [sqliteBench]) await report(bench)
