/**
 * SQLite: the library (decide, encode, store through Kysely and our caching
 * driver) beside raw better-sqlite3, in one process, on the same schema shape
 * and data, in memory.
 */
import { randomUUID } from 'node:crypto'
import BetterSqlite3 from 'better-sqlite3'
import { createApplication } from '../lib/index.js'
import { EVENTS_PER_AGGREGATE, Tally, follow, must, rate, rawState, tenEvents } from './workload.js'

export interface Figures {
  readonly [key: string]: number
  readonly save: number
  readonly load: number
  readonly log: number
}

const library = async (aggregates: number): Promise<Figures> => {
  const app = await must(createApplication({ uri: 'sqlite:///:memory:', persist: [Tally], env: {} }))
  try {
    const ids = Array.from({ length: aggregates }, () => randomUUID())
    const save = await rate(aggregates * EVENTS_PER_AGGREGATE, async () => {
      for (const id of ids) await must(app.save(tenEvents(id)))
    })
    const load = await rate(aggregates, async () => {
      for (const id of ids) await must(app.repository.get(Tally, id))
    })
    const log = await rate(aggregates * EVENTS_PER_AGGREGATE, async () => {
      const read = await follow(app)
      if (read !== aggregates * EVENTS_PER_AGGREGATE) throw new Error(`read ${read} events`)
    })
    return { save, load, log }
  } finally {
    await app.close()
  }
}

const raw = async (aggregates: number): Promise<Figures> => {
  const db = new BetterSqlite3(':memory:')
  try {
    db.exec(`CREATE TABLE raw_events (id INTEGER PRIMARY KEY, originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL,
      topic TEXT NOT NULL, state BLOB NOT NULL)`)
    db.exec('CREATE UNIQUE INDEX raw_events_version ON raw_events (originator_id, originator_version)')
    const values = Array.from({ length: EVENTS_PER_AGGREGATE }, () => '(?, ?, ?, ?)').join(', ')
    const insert = db.prepare(`INSERT INTO raw_events (originator_id, originator_version, topic, state) VALUES ${values}`)
    const select = db.prepare('SELECT originator_id, originator_version, topic, state FROM raw_events WHERE originator_id = ? ORDER BY originator_version')
    const page = db.prepare('SELECT id, originator_id, originator_version, topic, state FROM raw_events WHERE id > ? ORDER BY id LIMIT 1000')
    const ids = Array.from({ length: aggregates }, () => randomUUID())
    const save = await rate(aggregates * EVENTS_PER_AGGREGATE, async () => {
      for (const id of ids) {
        const params: Array<unknown> = []
        for (let v = 1; v <= EVENTS_PER_AGGREGATE; v++) params.push(id, v, v === 1 ? 'bench#Tally.Started' : 'bench#Tally.Counted', rawState(v, id))
        db.transaction(() => insert.run(params)).immediate()
      }
    })
    const load = await rate(aggregates, async () => {
      for (const id of ids) if (select.all(id).length !== EVENTS_PER_AGGREGATE) throw new Error('raw load')
    })
    const log = await rate(aggregates * EVENTS_PER_AGGREGATE, async () => {
      let last = 0
      let count = 0
      for (;;) {
        const rows = page.all(last) as Array<{ id: number }>
        count += rows.length
        if (rows.length < 1000) break
        last = rows[rows.length - 1]?.id ?? last
      }
      if (count !== aggregates * EVENTS_PER_AGGREGATE) throw new Error('raw log')
    })
    return { save, load, log }
  } finally {
    db.close()
  }
}

export const sqliteBench = { name: 'sqlite (:memory:)', library, raw }
