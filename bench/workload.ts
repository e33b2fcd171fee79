/**
 * The benchmark's workload: a small kind whose aggregates take ten events each,
 * and the same shapes of data for the raw-driver baselines.
 */
import { randomUUID } from 'node:crypto'
import * as E from 'fp-ts/Either'
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

export const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
}

/** Runs `f` and returns how many units per second it did. */
export const rate = async (units: number, f: () => Promise<void>): Promise<number> => {
  const start = process.hrtime.bigint()
  await f()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return units / seconds
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

/**
 * Follows an application's log the way a projection does: a page of 1000 at a
 * time, each page handled and let go. Returns how many events it read.
 */
export const follow = async (app: Application): Promise<number> => {
  const reader = app.reader({ pageSize: 1000 })
  let count = 0
  for (;;) {
    const page = await must(reader.read({ limit: 1000 }))
    count += page.length
    if (page.length < 1000) return count
  }
}

/**
 * The library's side of a server benchmark: half the aggregates saved one at a
 * time through `one` (a pool of 1), the other half 8 at a time through `eight`
 * (a pool of 8), then each loaded and the whole log followed through `eight`.
 */
export const serverWorkload = async (
  one: Application,
  eight: Application,
  aggregates: number
): Promise<{ readonly save1: number; readonly save8: number; readonly load: number; readonly log: number }> => {
  const ids = Array.from({ length: aggregates }, () => randomUUID())
  const half = Math.floor(aggregates / 2)
  const save1 = await rate(half * EVENTS_PER_AGGREGATE, async () => {
    for (const id of ids.slice(0, half)) await must(one.save(tenEvents(id)))
  })
  const save8 = await rate((aggregates - half) * EVENTS_PER_AGGREGATE, () =>
    pool(ids.slice(half), 8, async (id) => {
      await must(eight.save(tenEvents(id)))
    })
  )
  const load = await rate(aggregates, () =>
    pool(ids, 8, async (id) => {
      await must(eight.repository.get(Tally, id))
    })
  )
  const log = await rate(aggregates * EVENTS_PER_AGGREGATE, async () => {
    const read = await follow(eight)
    if (read !== aggregates * EVENTS_PER_AGGREGATE) throw new Error(`read ${read} events`)
  })
  return { save1, save8, load, log }
}
