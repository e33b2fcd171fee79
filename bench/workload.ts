/**
 * The benchmark's workload: a small kind whose aggregates take ten events each,
 * and the same shapes of data for the raw-driver baselines.
 */
import { randomUUID } from 'node:crypto'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { aggregateKind, type Aggregate, type Application, type Decider } from '../lib/index.js'

export type TallyEvent = { readonly type: 'Started'; readonly name: string } | { readonly type: 'Counted'; readonly n: number; readonly note: string }
type TallyCommand = { readonly type: 'Count'; readonly n: number }
type TallyState = { readonly total: number }

const tally: Decider<TallyCommand | { readonly type: 'Start'; readonly name: string }, TallyEvent, TallyState> = {
  initialState: { total: 0 },
  evolve: (s, e) => (e.type === 'Counted' ? { total: s.total + e.n } : s),
  decide: (c) => E.right(c.type === 'Start' ? [{ type: 'Started', name: c.name }] : [{ type: 'Counted', n: c.n, note: 'counted once' }]),
  isTerminal: () => false
}

export const Tally = aggregateKind('bench#Tally', tally, {
  Started: t.type({ name: t.string }),
  Counted: t.type({ n: t.number, note: t.string })
})

export const EVENTS_PER_AGGREGATE = 10

/** A new aggregate with ten pending events, decided through the kind. */
export const tenEvents = (id: string): Aggregate<TallyState, TallyEvent> => {
  let aggregate: E.Either<never, Aggregate<TallyState, TallyEvent>> = Tally.execute({ type: 'Start', name: id })(Tally.initial(id))
  for (let n = 1; n < EVENTS_PER_AGGREGATE; n++) aggregate = E.chain(Tally.execute({ type: 'Count', n }))(aggregate)
  if (E.isLeft(aggregate)) throw new Error('unreachable')
  return aggregate.right
}

/** The stored state the library writes for the same events, for the raw baselines. */
export const rawState = (version: number, id: string): Buffer =>
  Buffer.from(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      data: version === 1 ? { name: id } : { n: version - 1, note: 'counted once' }
    })
  )

/** Reads a state as the raw baselines wrote it; throws unless it is the envelope. */
export const parseState = (state: unknown): unknown => {
  const parsed: unknown = JSON.parse((state as Buffer).toString('utf8'))
  if (typeof parsed !== 'object' || parsed === null || !('data' in parsed)) throw new Error('not a stored state')
  return parsed
}

export const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
}

/** Runs `worker` over `items` with at most `concurrency` in flight. */
export const pool = async <A>(items: ReadonlyArray<A>, concurrency: number, worker: (a: A) => Promise<void>): Promise<void> => {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as A
        await worker(item)
      }
    })
  )
}

export const must = async <A>(task: () => Promise<E.Either<unknown, A>>): Promise<A> => {
  const r = await task()
  if (E.isLeft(r)) throw new Error(`benchmark step failed: ${JSON.stringify(r.left)}`)
  return r.right
}

/** Events per page of the log, on both sides. */
export const PAGE = 1000

/**
 * One side of a comparison, the library or the raw driver, on its own table
 * of the same shape. Each method does one slice of a workload.
 */
export interface Side {
  /** Saves each aggregate (10 events, one save each), one after the other. */
  readonly saveOne: (ids: ReadonlyArray<string>) => Promise<void>
  /** Saves each aggregate, 8 saves in flight (servers only). */
  readonly saveEight?: (ids: ReadonlyArray<string>) => Promise<void>
  /** Loads each aggregate (8 in flight on servers), checking it has its 10 events. */
  readonly load: (ids: ReadonlyArray<string>) => Promise<void>
  /** Reads the next page of the log, at most PAGE events; returns how many. */
  readonly nextPage: () => Promise<number>
  /** Starts its log reading over from the beginning. */
  readonly rewind: () => void
  /** Empties the side's table and starts its log reading over, for the next run. */
  readonly reset: () => Promise<void>
  readonly close: () => Promise<void>
}

/**
 * A store's two sides. Each is opened once and emptied between runs, so that
 * every run meets warm connections and a warm JIT, as a long-running service
 * does: a side opened afresh for each run spent its only pass over the data
 * compiling code for its new connections and closures.
 */
export interface Comparison {
  readonly name: string
  readonly library: () => Promise<Side>
  readonly raw: () => Promise<Side>
}

/** Figures of one side in one run: units per second for each workload. */
export type Figures = Readonly<Record<string, number>>

/**
 * What one run measured: units per second of each side, and the client CPU
 * each side spent per unit, in microseconds (on a machine shared with the
 * database server, the client's CPU share is what the library can change).
 */
export interface PairedFigures {
  readonly library: Figures
  readonly raw: Figures
  readonly libraryCpu: Figures
  readonly rawCpu: Figures
}

/** Times each side follows the whole log in one run. */
const FOLLOWS = 4

/** Slices each save and load phase is cut into, alternating between the sides. */
const SLICES = 10

const slices = <A>(as: ReadonlyArray<A>, n: number): ReadonlyArray<ReadonlyArray<A>> => {
  const size = Math.ceil(as.length / n)
  return Array.from({ length: n }, (_, i) => as.slice(i * size, (i + 1) * size)).filter((slice) => slice.length > 0)
}

/** Wall-clock seconds and this process's CPU seconds (the client's, not the server's) that `f` took. */
const measure = async (f: () => Promise<unknown>): Promise<{ readonly wall: number; readonly cpu: number }> => {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  await f()
  const used = process.cpuUsage(cpu)
  return { wall: Number(process.hrtime.bigint() - start) / 1e9, cpu: (used.user + used.system) / 1e6 }
}

/**
 * The collection before each workload (npm run bench passes --expose-gc), so
 * that no workload pays for the garbage of the one before: the saves leave
 * enough behind that whichever side's load slice met the collection looked
 * tens of percent slower.
 *
 * - `'minor'` (the default): a scavenge. The young garbage goes; old garbage
 *   stays for V8's own collections, which fall on both sides alike.
 * - `'full'`: a forced mark-compact, the default until 2026-12-02. A forced
 *   collection also drops the maps (hidden classes) that no live object
 *   uses, which V8's own collections keep for a while, and every optimized
 *   function that depends on one is thrown away. With `node --trace-deopt`,
 *   8 rounds of 2000 library loads, each after a forced `gc()`, showed 136
 *   deoptimizations for "weak objects"; after a scavenge, or with no
 *   collection, none; over 8 rounds with saves between them (6 of V8's own
 *   mark-compacts), none. Compiling it all again took some 180 ms of
 *   TurboFan time after each forced collection (`--trace-opt`), and the
 *   loads' client CPU grew by 60% (124–130 µs per load over three runs,
 *   against 71–80 after a scavenge). That is a cost no running service pays, and it is larger the
 *   more code a workload runs, so it fell on the library more than on the
 *   raw driver.
 * - `'none'`: nothing.
 *
 * The choice moves the ratios (see docs/performance.md), which is why it is
 * an option and printed with the figures.
 */
export type GcMode = 'minor' | 'full' | 'none'

/** Runs the collection `mode` names (nothing without --expose-gc). */
export const collectGarbage = (mode: GcMode): void => {
  // Node 20's gc() takes no options bag: any truthy argument means a scavenge.
  const gc = (globalThis as { gc?: (minor?: boolean) => void }).gc
  if (gc === undefined || mode === 'none') return
  if (mode === 'minor') gc(true)
  else gc()
}

/**
 * One run of a comparison: each save and load workload is cut into slices
 * that the library and the raw driver take in turn, alternating which goes
 * first, so that both meet the same machine. On a shared machine whose
 * speed drifts by the second, comparing a library run with a raw run made
 * seconds later swung the ratios by ±0.2; interleaved slices do not.
 *
 * Servers: half the aggregates are saved one at a time (`save1`), half 8 at a
 * time (`save8`). SQLite: all of them one at a time (`save`).
 */
export const pairedRun = async (sides: readonly [Side, Side], aggregates: number, run = 0, gcMode: GcMode = 'minor'): Promise<PairedFigures> => {
  for (const side of sides) await side.reset()
  const ids = sides.map(() => Array.from({ length: aggregates }, () => randomUUID()))
  const spent = [new Map<string, number>(), new Map<string, number>()] as const
  const busy = [new Map<string, number>(), new Map<string, number>()] as const
  const add = (i: number, key: string, time: { readonly wall: number; readonly cpu: number }) => {
    spent[i]?.set(key, (spent[i]?.get(key) ?? 0) + time.wall)
    busy[i]?.set(key, (busy[i]?.get(key) ?? 0) + time.cpu)
  }
  const phase = async (key: string, work: (side: Side, ids: ReadonlyArray<string>) => Promise<void>, part: (ids: ReadonlyArray<string>) => ReadonlyArray<string>) => {
    collectGarbage(gcMode)
    const parts = sides.map((_, i) => slices(part(ids[i] as ReadonlyArray<string>), SLICES))
    for (let k = 0; k < (parts[0]?.length ?? 0); k++) {
      // Which side takes the first slice alternates from run to run too: with
      // the same code on both sides (npm run bench -- --suite calibrate), the
      // side that always went first came out at 0.84-0.87 on saves and
      // 1.07-1.20 on loads.
      for (const i of (k + run) % 2 === 0 ? [0, 1] : [1, 0]) {
        const side = sides[i] as Side
        add(i, key, await measure(() => work(side, parts[i]?.[k] ?? [])))
      }
    }
  }
  const half = Math.floor(aggregates / 2)
  const server = sides.every((side) => side.saveEight !== undefined)
  if (server) {
    await phase('save1', (side, some) => side.saveOne(some), (all) => all.slice(0, half))
    await phase('save8', (side, some) => (side.saveEight as NonNullable<Side['saveEight']>)(some), (all) => all.slice(half))
  } else {
    await phase('save', (side, some) => side.saveOne(some), (all) => all)
  }
  await phase('load', (side, some) => side.load(some), (all) => all)
  // The log: each side follows it to the end in one go, as a projection
  // catching up would (paging it in turns would time single pages of a few
  // milliseconds), FOLLOWS times, the sides taking turns (which goes first
  // alternates from run to run): one follow takes a tenth of a second, and
  // single follows swung by half on this shared machine.
  collectGarbage(gcMode)
  const read = [0, 0]
  const order = run % 2 === 0 ? [0, 1] : [1, 0]
  for (let follow = 0; follow < FOLLOWS; follow++) {
    for (const i of follow % 2 === 0 ? order : [...order].reverse()) {
      const side = sides[i] as Side
      side.rewind()
      add(
        i,
        'log',
        await measure(async () => {
          for (;;) {
            const got = await side.nextPage()
            read[i] = (read[i] ?? 0) + got
            if (got < PAGE) break
          }
        })
      )
    }
  }
  const events = aggregates * EVENTS_PER_AGGREGATE
  if (read[0] !== events * FOLLOWS || read[1] !== events * FOLLOWS) {
    throw new Error(`the log read ${read[0]} and ${read[1]} events, not ${FOLLOWS} × ${events}`)
  }
  const units: Readonly<Record<string, number>> = server
    ? { save1: half * EVENTS_PER_AGGREGATE, save8: (aggregates - half) * EVENTS_PER_AGGREGATE, load: aggregates, log: events * FOLLOWS }
    : { save: events, load: aggregates, log: events * FOLLOWS }
  const figures = (i: 0 | 1): Figures => Object.fromEntries(Object.entries(units).map(([key, n]) => [key, n / (spent[i].get(key) ?? NaN)]))
  const cpu = (i: 0 | 1): Figures => Object.fromEntries(Object.entries(units).map(([key, n]) => [key, (1e6 * (busy[i].get(key) ?? NaN)) / n]))
  return { library: figures(0), raw: figures(1), libraryCpu: cpu(0), rawCpu: cpu(1) }
}

/**
 * The library's side over an application: saves, loads with the repository,
 * and a reader for the log. `empty` deletes every row of its table.
 */
export const librarySide = (one: Application, eight: Application | undefined, empty: () => Promise<void>, close: () => Promise<void>): Side => {
  const loads = eight ?? one
  let reader = loads.reader({ pageSize: PAGE })
  const rewind = (): void => {
    reader = loads.reader({ pageSize: PAGE })
  }
  return {
    saveOne: async (ids) => {
      for (const id of ids) await must(one.save(tenEvents(id)))
    },
    ...(eight === undefined
      ? {}
      : {
          saveEight: (ids: ReadonlyArray<string>) =>
            pool(ids, 8, async (id) => {
              await must(eight.save(tenEvents(id)))
            })
        }),
    load: async (ids) => {
      const check = async (id: string) => {
        const aggregate = await must(loads.repository.get(Tally, id))
        if (aggregate.version !== EVENTS_PER_AGGREGATE) throw new Error('library load')
      }
      if (eight === undefined) for (const id of ids) await check(id)
      else await pool(ids, 8, check)
    },
    // A projection's loop: a page at a time, each handled and let go.
    nextPage: async () => (await must(reader.read({ limit: PAGE }))).length,
    rewind,
    reset: async () => {
      await empty()
      rewind()
    },
    close
  }
}
