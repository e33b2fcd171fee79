/**
 * SQLite: the library (decide, encode, store through Kysely and our caching
 * driver) beside raw better-sqlite3, in one process, on the same schema shape
 * and data, each in its own in-memory database.
 */
import BetterSqlite3 from 'better-sqlite3'
import { sql } from 'kysely'
import { createApplication } from '../lib/index.js'
import { EVENTS_PER_AGGREGATE, PAGE, Tally, librarySide, must, rawState, type Comparison, type Side } from './workload.js'

const library = async (): Promise<Side> => {
  const app = await must(createApplication({ uri: 'sqlite:///:memory:', persist: [Tally], env: {} }))
  const empty = async () => {
    await sql`delete from ${sql.table(app.eventStore.recordManager.tableName)}`.execute(app.eventStore.recordManager.db)
  }
  return librarySide(app, undefined, empty, () => app.close())
}

const raw = async (): Promise<Side> => {
  const db = new BetterSqlite3(':memory:')
  db.exec(`CREATE TABLE raw_events (id INTEGER PRIMARY KEY, originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL,
    topic TEXT NOT NULL, state BLOB NOT NULL)`)
  db.exec('CREATE UNIQUE INDEX raw_events_version ON raw_events (originator_id, originator_version)')
  const values = Array.from({ length: EVENTS_PER_AGGREGATE }, () => '(?, ?, ?, ?)').join(', ')
  const insert = db.prepare(`INSERT INTO raw_events (originator_id, originator_version, topic, state) VALUES ${values}`)
  const select = db.prepare('SELECT originator_id, originator_version, topic, state FROM raw_events WHERE originator_id = ? ORDER BY originator_version')
  const page = db.prepare(`SELECT id, originator_id, originator_version, topic, state FROM raw_events WHERE id > ? ORDER BY id LIMIT ${PAGE}`)
  const empty = db.prepare('DELETE FROM raw_events')
  let last = 0
  const rewind = (): void => {
    last = 0
  }
  return {
    saveOne: async (ids) => {
      for (const id of ids) {
        const params: Array<unknown> = []
        for (let v = 1; v <= EVENTS_PER_AGGREGATE; v++) params.push(id, v, v === 1 ? 'bench#Tally.Started' : 'bench#Tally.Counted', rawState(v, id))
        db.transaction(() => insert.run(params)).immediate()
      }
    },
    load: async (ids) => {
      for (const id of ids) if (select.all(id).length !== EVENTS_PER_AGGREGATE) throw new Error('raw load')
    },
    nextPage: async () => {
      const rows = page.all(last) as Array<{ id: number }>
      last = rows[rows.length - 1]?.id ?? last
      return rows.length
    },
    rewind,
    reset: async () => {
      empty.run()
      rewind()
    },
    close: async () => {
      db.close()
    }
  }
}

export const sqliteBench: Comparison = { name: 'sqlite (:memory:)', library, raw }
