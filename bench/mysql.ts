/**
 * MySQL / MariaDB: the library (whose writers are serialised so that readers
 * never skip) beside raw mysql2 with plain AUTO_INCREMENT inserts (which are
 * not), in one process, on the same data. The save ratio is the price of
 * that ordering guarantee.
 */
import { randomUUID } from 'node:crypto'
import mysql from 'mysql2/promise'
import { createApplication } from '../lib/index.js'
import type { ServerFigures } from './postgres.js'
import { EVENTS_PER_AGGREGATE, Tally, must, pool, rate, rawState, serverWorkload } from './workload.js'

const table = (): string => `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`
const withLimit = (url: string, n: number): string => `${url}${url.includes('?') ? '&' : '?'}connectionLimit=${n}`

const library = (url: string) => async (aggregates: number): Promise<ServerFigures> => {
  const name = table()
  const app1 = await must(createApplication({ uri: withLimit(url, 1), tableName: name, persist: [Tally], env: {} }))
  const app8 = await must(createApplication({ uri: withLimit(url, 8), tableName: name, persist: [Tally], env: {} }))
  try {
    const { save1, save8, load, log } = await serverWorkload(app1, app8, aggregates)
    return { save1, save8, load, log }
  } finally {
    await app1.close()
    await app8.close()
    const admin = await mysql.createConnection(url)
    await admin.query(`DROP TABLE IF EXISTS ${name}`)
    await admin.query('DELETE FROM eventfold_sequence WHERE table_name = ?', [name]).catch(() => undefined)
    await admin.end()
  }
}

const raw = (url: string) => async (aggregates: number): Promise<ServerFigures> => {
  const name = table()
  const one = mysql.createPool({ uri: url, connectionLimit: 1 })
  const eight = mysql.createPool({ uri: url, connectionLimit: 8 })
  try {
    await eight.query(`CREATE TABLE ${name} (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      originator_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, originator_version INT UNSIGNED NOT NULL,
      topic VARCHAR(255) NOT NULL, state LONGBLOB NOT NULL, UNIQUE KEY (originator_id, originator_version)) ENGINE=InnoDB`)
    const values = Array.from({ length: EVENTS_PER_AGGREGATE }, () => '(?, ?, ?, ?)').join(', ')
    const insertSql = `INSERT INTO ${name} (originator_id, originator_version, topic, state) VALUES ${values}`
    const params = (id: string) =>
      Array.from({ length: EVENTS_PER_AGGREGATE }, (_, i) => [id, i + 1, i === 0 ? 'bench#Tally.Started' : 'bench#Tally.Counted', rawState(i + 1, id)]).flat()
    const ids = Array.from({ length: aggregates }, () => randomUUID())
    const half = Math.floor(aggregates / 2)
    const save1 = await rate(half * EVENTS_PER_AGGREGATE, async () => {
      for (const id of ids.slice(0, half)) await one.execute(insertSql, params(id))
    })
    const save8 = await rate((aggregates - half) * EVENTS_PER_AGGREGATE, () =>
      pool(ids.slice(half), 8, async (id) => {
        await eight.execute(insertSql, params(id))
      })
    )
    const load = await rate(aggregates, () =>
      pool(ids, 8, async (id) => {
        const [rows] = await eight.execute(
          `SELECT originator_id, originator_version, topic, state FROM ${name} WHERE originator_id = ? ORDER BY originator_version`,
          [id]
        )
        if ((rows as Array<unknown>).length !== EVENTS_PER_AGGREGATE) throw new Error('raw load')
      })
    )
    const log = await rate(aggregates * EVENTS_PER_AGGREGATE, async () => {
      let last = 0
      let count = 0
      for (;;) {
        const [rows] = await eight.execute(
          `SELECT id, originator_id, originator_version, topic, state FROM ${name} WHERE id > ? ORDER BY id LIMIT 1000`,
          [last]
        )
        const page = rows as Array<{ id: number }>
        count += page.length
        const end = page[page.length - 1]
        if (page.length < 1000 || end === undefined) break
        last = Number(end.id)
      }
      if (count !== aggregates * EVENTS_PER_AGGREGATE) throw new Error(`raw log read ${count}`)
    })
    await eight.query(`DROP TABLE ${name}`)
    return { save1, save8, load, log }
  } finally {
    await one.end()
    await eight.end()
  }
}

export const mysqlBench = (url: string) => ({ name: `mysql (${new URL(url).host})`, library: library(url), raw: raw(url) })
