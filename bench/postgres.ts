/**
 * PostgreSQL: the library beside raw postgres.js, in one process, on the same
 * schema shape and data. Saves run on 1 connection and on 8 concurrent ones;
 * loads and the log read on a pool of 8.
 */
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { createApplication } from '../lib/index.js'
import type { PostgresMode } from '../lib/postgres.js'
import { EVENTS_PER_AGGREGATE, PAGE, Tally, librarySide, must, parseState, pool, rawState, type Comparison, type Side } from './workload.js'

const table = (): string => `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`

const pools = (url: string) => [postgres(url, { max: 1, onnotice: () => undefined }), postgres(url, { max: 8, onnotice: () => undefined })] as const

const library = (url: string, postgresMode: PostgresMode = 'snapshot') => async (): Promise<Side> => {
  const name = table()
  const [one, eight] = pools(url)
  const app1 = await must(createApplication({ sql: one, tableName: name, persist: [Tally], env: {}, postgresMode }))
  const app8 = await must(createApplication({ sql: eight, tableName: name, persist: [Tally], env: {}, postgresMode }))
  const empty = async () => {
    await eight.unsafe(`TRUNCATE ${name}`)
  }
  return librarySide(app1, app8, empty, async () => {
    await app1.close()
    await app8.close()
    await eight.unsafe(`DROP TABLE ${name}`)
    await one.end()
    await eight.end()
  })
}

/**
 * Raw postgres.js. With `parse`, it also JSON.parses each state it reads: the
 * least any reader of these events must do, which the `floor` suite compares
 * with the bare driver.
 */
const raw = (url: string, parse = false) => async (): Promise<Side> => {
  const name = table()
  const [one, eight] = pools(url)
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
  // The table's identifier, built once: a fresh sql(name) in every statement
  // left garbage that outlived the young generation (about 3 MB of every 11 MB
  // allocated survived a scavenge, against 0.2 MB with one identifier), and the
  // collections it caused fell on whichever side was running, the library too.
  const ident = eight(name)
  // One multi-row statement per save, atomic on its own: the library's shape.
  const insert = (sql: postgres.Sql, id: string) =>
    sql`INSERT INTO ${ident} ${sql(rows(id), 'originator_id', 'originator_version', 'topic', 'state')}`
  let tx = '0'
  let last = 0
  const rewind = (): void => {
    tx = '0'
    last = 0
  }
  return {
    saveOne: async (ids) => {
      for (const id of ids) await insert(one, id)
    },
    saveEight: (ids) =>
      pool(ids, 8, async (id) => {
        await insert(eight, id)
      }),
    load: (ids) =>
      pool(ids, 8, async (id) => {
        const got = await eight`SELECT originator_id, originator_version, topic, state FROM ${ident}
          WHERE originator_id = ${id} ORDER BY originator_version`
        if (got.length !== EVENTS_PER_AGGREGATE) throw new Error('raw load')
        if (parse) for (const row of got) parseState(row['state'])
      }),
    // The library's ordering rule: settled transactions only, by (transaction_id, id).
    nextPage: async () => {
      const page = await eight`SELECT id, originator_id, originator_version, topic, state, transaction_id::text AS tx FROM ${ident}
        WHERE (transaction_id, id) > (${tx}::xid8, ${last}) AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, id LIMIT ${PAGE}`
      if (parse) for (const row of page) parseState(row['state'])
      const end = page[page.length - 1]
      if (end !== undefined) {
        tx = end['tx'] as string
        last = Number(end['id'])
      }
      return page.length
    },
    rewind,
    reset: async () => {
      await eight.unsafe(`TRUNCATE ${name}`)
      rewind()
    },
    close: async () => {
      await eight.unsafe(`DROP TABLE ${name}`)
      await one.end()
      await eight.end()
    }
  }
}

export const postgresBench = (url: string): Comparison => ({ name: `postgresql (${new URL(url).host})`, library: library(url), raw: raw(url) })

/**
 * The library in `postgresMode: 'serialised'` (every save holds a table lock
 * to its commit) beside the same raw baseline. Only its saves differ from the
 * default mode's; its reads are the same.
 */
export const postgresSerialisedBench = (url: string): Comparison => ({
  name: `postgresql (${new URL(url).host}), postgresMode 'serialised'`,
  library: library(url, 'serialised'),
  raw: raw(url)
})

/**
 * Raw postgres.js beside itself: the same code on both sides, so every ratio
 * away from 1 is the bench's own noise and bias on this machine.
 */
export const postgresCalibration = (url: string): Comparison => ({
  name: `postgresql (${new URL(url).host}): raw postgres.js beside itself`,
  library: raw(url),
  raw: raw(url)
})

/**
 * The floor under the library's reads: raw postgres.js that JSON.parses each
 * state (in the library's place) beside the bare driver. Its saves are the
 * same on both sides.
 */
export const postgresFloor = (url: string): Comparison => ({
  name: `postgresql (${new URL(url).host}): raw postgres.js + JSON.parse of each state, beside raw postgres.js`,
  library: raw(url, true),
  raw: raw(url)
})
