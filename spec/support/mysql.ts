/**
 * Finds the MySQL / MariaDB server the MySQL specs run against.
 *
 * - `MYSQL_URL` set: that server, and it must answer, or the run fails.
 * - otherwise the local default, `mysql://root@127.0.0.1:3306/test`.
 * - neither reachable: one loud `SKIPPED mysql` line and no MySQL tests, unless
 *   `CI` is set, where the run fails: in CI these specs must run.
 */
import * as E from 'fp-ts/Either'
import mysql from 'mysql2/promise'
import { SEQUENCE_TABLE } from '../../lib/store/mysql/mysql-schema.js'
import { parseMysqlUrl } from '../../lib/store/mysql/mysql-url.js'

/** The server the specs use when `MYSQL_URL` is not set. */
export const LOCAL_MYSQL_URL = 'mysql://root@127.0.0.1:3306/test'

const PROBE_TIMEOUT_MS = 2000

/** A connection of its own, for what a spec does beside the store (killing sessions, counting rows). */
export const adminConnection = async (url: string): Promise<mysql.Connection> => {
  const options = parseMysqlUrl(url)
  if (E.isLeft(options)) throw new Error(options.left.message)
  return mysql.createConnection({ ...options.right, connectTimeout: PROBE_TIMEOUT_MS })
}

const probe = async (url: string): Promise<string | undefined> => {
  try {
    const connection = await adminConnection(url)
    try {
      await connection.query('SELECT 1')
    } finally {
      await connection.end()
    }
    return undefined
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown }
    return `${String(e.code ?? 'error')}: ${String(e.message ?? error)}`
  }
}

const redact = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')

const find = async (): Promise<string | undefined> => {
  const given = process.env['MYSQL_URL']
  if (given !== undefined && given !== '') {
    const why = await probe(given)
    if (why !== undefined) throw new Error(`MYSQL_URL=${redact(given)} is set but unreachable (${why})`)
    return given
  }
  const why = await probe(LOCAL_MYSQL_URL)
  if (why === undefined) return LOCAL_MYSQL_URL
  const reason = `no MYSQL_URL, and ${LOCAL_MYSQL_URL} is unreachable (${why})`
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') {
    throw new Error(`CI is set, so the MySQL specs must run, but ${reason}`)
  }
  console.error(`SKIPPED mysql specs: ${reason}`)
  return undefined
}

let found: Promise<string | undefined> | undefined

/**
 * The URL of the server to test against, or `undefined` when the MySQL specs
 * are to be skipped. Probes once per process, so the three MySQL specs print
 * one SKIPPED line between them.
 */
export const mysqlUrl = (): Promise<string | undefined> => (found ??= find())

/**
 * Deletes the sequence rows of records tables that no longer exist (the specs
 * drop theirs). Only rows that were orphans before the delete began: a store
 * creates its table before its sequence row, so a run starting beside this one
 * keeps its row.
 */
export const dropOrphanSequences = async (url: string): Promise<void> => {
  const connection = await adminConnection(url)
  const missing = `table_name NOT IN (SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE())`
  try {
    const [rows] = await connection.query<Array<mysql.RowDataPacket>>(`SELECT table_name FROM ${SEQUENCE_TABLE} WHERE ${missing}`)
    const orphans = rows.map((r) => String(r['table_name']))
    if (orphans.length > 0) {
      await connection.query(`DELETE FROM ${SEQUENCE_TABLE} WHERE table_name IN (?) AND ${missing}`, [orphans])
    }
  } catch (error) {
    // No sequence table yet: nothing to clean.
    if ((error as { code?: unknown }).code !== 'ER_NO_SUCH_TABLE') throw error
  } finally {
    await connection.end()
  }
}
