/**
 * MySQL / MariaDB: the library (whose writers are serialised so that readers
 * never skip) beside raw mysql2 with plain AUTO_INCREMENT inserts (which are
 * not), in one process, on the same data. The save ratio is the price of
 * that ordering guarantee.
 */
import { randomUUID } from 'node:crypto'
import mysql from 'mysql2/promise'
import { createApplication } from '../lib/index.js'
import { EVENTS_PER_AGGREGATE, PAGE, Tally, librarySide, must, pool, rawState, type Comparison, type Side } from './workload.js'

const table = (): string => `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`
const withLimit = (url: string, n: number): string => `${url}${url.includes('?') ? '&' : '?'}connectionLimit=${n}`

const library = (url: string) => async (): Promise<Side> => {
  const name = table()
  const app1 = await must(createApplication({ uri: withLimit(url, 1), tableName: name, persist: [Tally], env: {} }))
  const app8 = await must(createApplication({ uri: withLimit(url, 8), tableName: name, persist: [Tally], env: {} }))
  // Rows only: the library's id counter row stays, and new ids carry on from it.
  const empty = async () => {
    const admin = await mysql.createConnection(url)
    await admin.query(`DELETE FROM ${name}`)
    await admin.end()
  }
  return librarySide(app1, app8, empty, async () => {
    await app1.close()
    await app8.close()
    const admin = await mysql.createConnection(url)
    await admin.query(`DROP TABLE IF EXISTS ${name}`)
    await admin.query('DELETE FROM eventfold_sequence WHERE table_name = ?', [name]).catch(() => undefined)
    await admin.end()
  })
}

const raw = (url: string) => async (): Promise<Side> => {
  const name = table()
  const one = mysql.createPool({ uri: url, connectionLimit: 1 })
  const eight = mysql.createPool({ uri: url, connectionLimit: 8 })
  await eight.query(`CREATE TABLE ${name} (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    originator_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, originator_version INT UNSIGNED NOT NULL,
    topic VARCHAR(255) NOT NULL, state LONGBLOB NOT NULL, UNIQUE KEY (originator_id, originator_version)) ENGINE=InnoDB`)
  const values = Array.from({ length: EVENTS_PER_AGGREGATE }, () => '(?, ?, ?, ?)').join(', ')
  const insertSql = `INSERT INTO ${name} (originator_id, originator_version, topic, state) VALUES ${values}`
  const params = (id: string) =>
    Array.from({ length: EVENTS_PER_AGGREGATE }, (_, i) => [id, i + 1, i === 0 ? 'bench#Tally.Started' : 'bench#Tally.Counted', rawState(i + 1, id)]).flat()
  let last = 0
  const rewind = (): void => {
    last = 0
  }
  return {
    saveOne: async (ids) => {
      for (const id of ids) await one.execute(insertSql, params(id))
    },
    saveEight: (ids) =>
      pool(ids, 8, async (id) => {
        await eight.execute(insertSql, params(id))
      }),
    load: (ids) =>
      pool(ids, 8, async (id) => {
        const [rows] = await eight.execute(`SELECT originator_id, originator_version, topic, state FROM ${name} WHERE originator_id = ? ORDER BY originator_version`, [id])
        if ((rows as Array<unknown>).length !== EVENTS_PER_AGGREGATE) throw new Error('raw load')
      }),
    nextPage: async () => {
      const [rows] = await eight.execute(`SELECT id, originator_id, originator_version, topic, state FROM ${name} WHERE id > ? ORDER BY id LIMIT ${PAGE}`, [last])
      const page = rows as Array<{ id: number }>
      const end = page[page.length - 1]
      if (end !== undefined) last = Number(end.id)
      return page.length
    },
    rewind,
    reset: async () => {
      await eight.query(`DELETE FROM ${name}`)
      rewind()
    },
    close: async () => {
      await eight.query(`DROP TABLE ${name}`)
      await one.end()
      await eight.end()
    }
  }
}

export const mysqlBench = (url: string): Comparison => ({ name: `mysql (${new URL(url).host})`, library: library(url), raw: raw(url) })
