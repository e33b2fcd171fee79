/**
 * PostgreSQL: the library beside raw postgres.js, in one process, on the same
 * schema shape and data. Saves run on 1 connection and on 8 concurrent ones;
 * loads and the log read on a pool of 8.
 */
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { createApplication } from '../lib/index.js'
import { EVENTS_PER_AGGREGATE, Tally, must, pool, rate, rawState, serverWorkload } from './workload.js'

export interface ServerFigures {
  readonly [key: string]: number
  readonly save1: number
  readonly save8: number
  readonly load: number
  readonly log: number
}

const table = (): string => `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`

const library = (url: string) => async (aggregates: number): Promise<ServerFigures> => {
  const name = table()
  const one = postgres(url, { max: 1, onnotice: () => undefined })
  const eight = postgres(url, { max: 8, onnotice: () => undefined })
  try {
    const app1 = await must(createApplication({ sql: one, tableName: name, persist: [Tally], env: {} }))
    const app8 = await must(createApplication({ sql: eight, tableName: name, persist: [Tally], env: {} }))
    const { save1, save8, load, log } = await serverWorkload(app1, app8, aggregates)
    await app1.close()
    await app8.close()
    await eight.unsafe(`DROP TABLE ${name}`)
    return { save1, save8, load, log }
  } finally {
    await one.end()
    await eight.end()
  }
}

const raw = (url: string) => async (aggregates: number): Promise<ServerFigures> => {
  const name = table()
  const one = postgres(url, { max: 1, onnotice: () => undefined })
  const eight = postgres(url, { max: 8, onnotice: () => undefined })
  try {
    // The same shape as the library's table.
    await eight.unsafe(`CREATE TABLE ${name} (id bigserial UNIQUE, originator_id text NOT NULL, originator_version integer NOT NULL,
      topic text NOT NULL, state bytea NOT NULL, transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      PRIMARY KEY (originator_id, originator_version))`)
    await eight.unsafe(`CREATE INDEX ${name}_tx ON ${name} (transaction_id, id)`)
    const rows = (id: string) =>
      Array.from({ length: EVENTS_PER_AGGREGATE }, (_, i) => ({
        originator_id: id,
        originator_version: i + 1,
        topic: i === 0 ? 'bench#Tally.Started' : 'bench#Tally.Counted',
        state: rawState(i + 1, id)
      }))
    // One multi-row statement per save, atomic on its own: the library's shape.
    const insert = (sql: postgres.Sql, id: string) =>
      sql`INSERT INTO ${sql(name)} ${sql(rows(id), 'originator_id', 'originator_version', 'topic', 'state')}`
    const ids = Array.from({ length: aggregates }, () => randomUUID())
    const half = Math.floor(aggregates / 2)
    const save1 = await rate(half * EVENTS_PER_AGGREGATE, async () => {
      for (const id of ids.slice(0, half)) await insert(one, id)
    })
    const save8 = await rate((aggregates - half) * EVENTS_PER_AGGREGATE, () =>
      pool(ids.slice(half), 8, async (id) => {
        await insert(eight, id)
      })
    )
    const load = await rate(aggregates, () =>
      pool(ids, 8, async (id) => {
        const got = await eight`SELECT originator_id, originator_version, topic, state FROM ${eight(name)}
          WHERE originator_id = ${id} ORDER BY originator_version`
        if (got.length !== EVENTS_PER_AGGREGATE) throw new Error('raw load')
      })
    )
    const log = await rate(aggregates * EVENTS_PER_AGGREGATE, async () => {
      let tx = '0'
      let last = 0
      let count = 0
      for (;;) {
        const page = await eight`SELECT id, originator_id, originator_version, topic, state, transaction_id::text AS tx FROM ${eight(name)}
          WHERE (transaction_id, id) > (${tx}::xid8, ${last}) AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY transaction_id, id LIMIT 1000`
        count += page.length
        const end = page[page.length - 1]
        if (page.length < 1000 || end === undefined) break
        tx = end['tx'] as string
        last = Number(end['id'])
      }
      if (count !== aggregates * EVENTS_PER_AGGREGATE) throw new Error(`raw log read ${count}`)
    })
    await eight.unsafe(`DROP TABLE ${name}`)
    return { save1, save8, load, log }
  } finally {
    await one.end()
    await eight.end()
  }
}

export const postgresBench = (url: string) => ({ name: `postgresql (${new URL(url).host})`, library: library(url), raw: raw(url) })
