/**
 * A Kysely `Driver` over postgres.js that sends prepared statements.
 *
 * The public `kysely-postgres-js` dialect reserves a connection for every
 * query and sends it unprepared (parse and describe, then bind and execute:
 * two round trips), which ran at 0.70 of raw postgres.js here. This driver
 * runs each statement on the pool with `prepare: true`, so after its first use
 * on a connection a statement costs one round trip, and it reserves a
 * connection only for the life of a transaction.
 *
 * Outside a transaction, consecutive queries may run on different
 * connections: session state (`SET`, temporary tables) needs a transaction.
 *
 * @since 0.1.0
 */
import { identity } from 'fp-ts/lib/function.js'
import {
  AbortedTransactionError,
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings
} from 'kysely'
import type postgres from 'postgres'
import { isConnectionLoss } from './postgres-errors.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A postgres.js pool, whatever custom types it was built with.
 *
 * @category model
 * @since 0.1.0
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PostgresSql = postgres.Sql<any> // driver boundary: the caller's custom types are theirs

/**
 * How to build a {@link postgresDriver}.
 *
 * @category model
 * @since 0.1.0
 */
export interface PostgresDriverConfig {
  readonly sql: PostgresSql
  /** End `sql` when Kysely is destroyed. False for a pool the caller still owns. */
  readonly endOnDestroy: boolean
  /**
   * Statements with more parameters than this (big multi-row inserts) run
   * unnamed, so that one-off giants do not stay in every connection's cache of
   * prepared statements. Defaults to {@link DEFAULT_MAX_PREPARED_PARAMETERS}.
   */
  readonly maxPreparedParameters?: number
}

/**
 * The driver, and a way around Kysely's executor for the hot reads.
 *
 * @category model
 * @since 0.1.0
 */
export interface PostgresDriver extends Driver {
  /**
   * Runs a compiled statement on the pool (outside any transaction), prepared,
   * and returns its rows. Kysely's executor passes each statement through
   * several async steps on its way to the driver: a load, one short select,
   * spent about a twentieth of its time there. Nothing here runs a plugin,
   * so only a Kysely instance without plugins should be read around this
   * way. Destroying the driver waits for these statements as for its own.
   */
  readonly readRows: <R>(compiled: CompiledQuery) => Promise<Array<R>>
}

/**
 * The default of {@link PostgresDriverConfig.maxPreparedParameters}.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_MAX_PREPARED_PARAMETERS = 1024

/** How long destroying Kysely waits for this driver's statements still in flight before it ends the pool regardless. */
const DESTROY_GRACE_MS = 5000

/** Released connection objects kept for reuse; more than the pool ever has in flight is waste. */
const MAX_IDLE_CONNECTIONS = 64

/** How often a `reserve()` still waiting for a connection asks again (see `reserveFrom`). */
const RESERVE_RETRY_MS = 1000

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** The commands whose row count Kysely reports as `numAffectedRows`. */
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

type Runner = (compiled: CompiledQuery) => postgres.PendingQuery<postgres.Row[]>

const runner =
  (target: PostgresSql, maxPrepared: number): Runner =>
  ({ sql, parameters }) =>
    // postgres.js sends a query without parameters over the simple protocol whatever `prepare` says.
    target.unsafe(sql, parameters as Array<postgres.ParameterOrJSON<never>>, {
      prepare: parameters.length <= maxPrepared
    })

/**
 * The rows of a result, as a plain array. postgres.js 3.4.9 numbers rows with a
 * counter per connection that a connection lost mid-result leaves where it was,
 * so the next result on that connection begins with as many holes. A row is
 * never `undefined`: skip them, or a read would fail, or find no row.
 */
const rowsOf = <R>(result: ReadonlyArray<unknown>): Array<R> => {
  // An indexed loop: Array.from walks the Result through its iterator, at several times the cost.
  const rows: Array<R> = []
  for (let i = 0; i < result.length; i++) {
    const row = result[i]
    if (row !== undefined) rows.push(row as R)
  }
  return rows
}

const toQueryResult = <R>(result: postgres.RowList<postgres.Row[]>): QueryResult<R> => {
  // postgres.js gives the count as a number; Kysely wants a bigint. Rows come in a
  // Result array that also carries the statement and columns: copy out the rows only.
  const rows = rowsOf<R>(result)
  return WRITES.has(result.command) ? { numAffectedRows: BigInt(result.count), rows } : { rows }
}

const beginStatement = ({ isolationLevel, accessMode }: TransactionSettings): string =>
  isolationLevel === undefined && accessMode === undefined
    ? 'begin'
    : ['start transaction', isolationLevel && `isolation level ${isolationLevel}`, accessMode]
        .filter(Boolean)
        .join(' ')

const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`

type Session = Awaited<ReturnType<PostgresSql['reserve']>>

/** Counts what a driver has in flight, so that `destroy` can wait for it. */
interface InFlight {
  /** `work`, counted until it settles; its value passed through `then` in the same step. */
  readonly track: <A, B>(work: Promise<A>, then: (value: A) => B) => Promise<B>
  /** Resolves once nothing is in flight, or after `ms`. */
  readonly drained: (ms: number) => Promise<void>
  /** Set once the driver is destroyed. */
  destroyed: boolean
}

const inFlight = (): InFlight => {
  let running = 0
  const waiting = new Set<() => void>()
  return {
    destroyed: false,
    // Plain promise steps rather than async functions: every statement passes here.
    track: (work, then) => {
      running++
      const settle = (): void => {
        if (--running === 0) for (const done of [...waiting]) done()
      }
      return work.then(
        (value) => {
          settle()
          return then(value)
        },
        (error: unknown) => {
          settle()
          throw error
        }
      )
    },
    drained: (ms) =>
      running === 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            const done = (): void => {
              clearTimeout(timer)
              waiting.delete(done)
              resolve()
            }
            const timer = setTimeout(done, ms)
            waiting.add(done)
          })
  }
}

/**
 * `pool.reserve()`, but one that cannot wait for ever. postgres.js 3.4.9
 * drops a `reserve()` waiting in its queue when the connection that was to
 * serve it closes (porsager/postgres#1195): its promise never settles, and
 * the transaction that wanted it hangs. So while a reservation waits, ask
 * again every {@link RESERVE_RETRY_MS}: the first connection to come is
 * used, and any later one is released at once.
 */
const reserveFrom = (pool: PostgresSql, flight: InFlight): Promise<Session> =>
  new Promise((resolve, reject) => {
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const settle = (): boolean => {
      if (settled) return false
      settled = true
      clearTimeout(timer)
      return true
    }
    const ask = (): void => {
      if (flight.destroyed) {
        if (settle()) reject(Object.assign(new Error('the driver was destroyed'), { code: 'CONNECTION_ENDED' }))
        return
      }
      pool.reserve().then(
        (session) => (settle() ? resolve(session) : session.release()),
        (error: unknown) => settle() && reject(error)
      )
      timer = setTimeout(ask, RESERVE_RETRY_MS)
    }
    ask()
  })

// -------------------------------------------------------------------------------------
// connection
// -------------------------------------------------------------------------------------

/**
 * One Kysely connection: the pool until a transaction begins, then a reserved
 * postgres.js connection until it ends.
 *
 * postgres.js 3.4.9 crashes the process (an uncaught `TypeError` in
 * `nextWrite`) when a query is sent on a reserved connection whose socket has
 * closed, and wrongly returns it to the pool on `release()`
 * (porsager/postgres#1208). So once a statement fails because the connection
 * was lost, this session sends nothing more on it and does not release it:
 * the pool has already taken the closed connection back. A backend killed
 * while the transaction sits idle between statements is still out of reach.
 */
interface PostgresConnection extends DatabaseConnection {
  begin(settings: TransactionSettings): Promise<void>
  commit(): Promise<void>
  rollback(): Promise<void>
  release(): Promise<void>
  /** Whether no transaction holds a reserved connection and no lost one is remembered: ready for anyone. */
  reusable(): boolean
}

const connection = (pool: PostgresSql, maxPrepared: number, flight: InFlight): PostgresConnection => {
  const onPool = runner(pool, maxPrepared)
  let session: Session | undefined
  let onSession: Runner | undefined
  let lost: unknown

  const run = (compiled: CompiledQuery): Promise<postgres.RowList<postgres.Row[]>> => {
    try {
      if (onSession === undefined) return flight.track(onPool(compiled), identity)
      if (lost !== undefined) return Promise.reject(lost)
      // A statement that settles after its session ended must not mark whatever this object holds next.
      const current = session
      return flight.track(onSession(compiled), identity).catch((error: unknown) => {
        if (session === current && isConnectionLoss(error)) lost = error
        throw error
      })
    } catch (error) {
      // postgres.js may refuse a query before sending it: a rejection, like any other failure.
      return Promise.reject(error)
    }
  }

  // Clears first, so that the object is clean for its next use whatever release() does.
  /** Rolls back whatever the session holds (unless its connection was lost), then ends it. */
  const rollbackAndEnd = async (): Promise<void> => {
    if (session === undefined) return
    try {
      if (lost === undefined) await run(CompiledQuery.raw('rollback'))
    } finally {
      end()
    }
  }

  const end = (): void => {
    const ending = session
    const wasLost = lost
    session = onSession = lost = undefined
    if (ending === undefined || wasLost !== undefined) return
    try {
      ending.release()
    } catch {
      // A release on a dead socket can throw (porsager/postgres#1208): that connection is gone either way.
    }
  }

  return {
    executeQuery: <R>(compiled: CompiledQuery): Promise<QueryResult<R>> => run(compiled).then(toQueryResult<R>),

    streamQuery: async function* <R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
      if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0) throw new Error('chunkSize must be a positive integer')
      if (lost !== undefined) throw lost
      // A postgres.js cursor: rows come `chunkSize` at a time from one portal, and
      // breaking out of the loop closes it.
      const cursor = (onSession ?? onPool)(compiled).cursor(chunkSize)
      for await (const rows of cursor) yield { rows: rowsOf<R>(rows) }
    },

    begin: async (settings) => {
      if (session !== undefined) throw new Error('a transaction is already open on this connection')
      session = await flight.track(reserveFrom(pool, flight), identity)
      onSession = runner(session, maxPrepared)
      try {
        await run(CompiledQuery.raw(beginStatement(settings)))
      } catch (error) {
        end()
        throw error
      }
    },

    commit: async () => {
      if (session === undefined) return
      try {
        const result = await run(CompiledQuery.raw('commit'))
        // PostgreSQL completes COMMIT with a ROLLBACK tag when an earlier error aborted the transaction.
        if (result.command === 'ROLLBACK') throw new AbortedTransactionError()
      } finally {
        end()
      }
    },

    rollback: rollbackAndEnd,

    reusable: () => session === undefined && lost === undefined,

    // Kysely releases without rolling back only if `begin` itself failed, which
    // ended the session already; anything else still open is rolled back, not leaked.
    release: rollbackAndEnd
  }
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const savepointCommand =
  (command: string) =>
  async (conn: DatabaseConnection, name: string): Promise<void> => {
    await conn.executeQuery(CompiledQuery.raw(`${command} ${quoteIdentifier(name)}`))
  }

/**
 * A Kysely driver over a postgres.js pool: prepared statements on the pool,
 * and a connection reserved only while a transaction is open.
 *
 * @example
 * import postgres from 'postgres'
 * import { postgresDriver } from 'eventfold/postgres'
 * const driver = postgresDriver({ sql: postgres('postgres://localhost/db'), endOnDestroy: true })
 *
 * @category constructors
 * @since 0.1.0
 */
export const postgresDriver = (config: PostgresDriverConfig): PostgresDriver => {
  const { sql, endOnDestroy } = config
  const maxPrepared = config.maxPreparedParameters ?? DEFAULT_MAX_PREPARED_PARAMETERS
  const as = (conn: DatabaseConnection) => conn as PostgresConnection
  const flight = inFlight()
  const idle: Array<PostgresConnection> = []
  const onPool = runner(sql, maxPrepared)
  return {
    readRows: <R>(compiled: CompiledQuery): Promise<Array<R>> => {
      if (flight.destroyed) return Promise.reject(Object.assign(new Error('the driver was destroyed'), { code: 'CONNECTION_ENDED' }))
      try {
        return flight.track(onPool(compiled), (result) => rowsOf<R>(result))
      } catch (error) {
        // postgres.js may refuse a query before sending it: a rejection, like any other failure.
        return Promise.reject(error)
      }
    },
    init: async () => undefined,
    // Cheap: nothing is taken from the pool until a statement or a transaction needs it.
    // Released connections are reused: Kysely remembers every connection it is given
    // in a WeakSet, and a fresh one per statement cost more than the statement's own work.
    acquireConnection: () => Promise.resolve(idle.pop() ?? connection(sql, maxPrepared, flight)),
    beginTransaction: (conn, settings) => as(conn).begin(settings),
    commitTransaction: (conn) => as(conn).commit(),
    rollbackTransaction: (conn) => as(conn).rollback(),
    savepoint: savepointCommand('savepoint'),
    rollbackToSavepoint: savepointCommand('rollback to savepoint'),
    releaseSavepoint: savepointCommand('release savepoint'),
    releaseConnection: (conn) => {
      const released = as(conn)
      // Only a clean object goes back for reuse; one whose release failed is dropped.
      const reuse = (): void => {
        if (released.reusable() && idle.length < MAX_IDLE_CONNECTIONS) idle.push(released)
      }
      if (released.reusable()) {
        reuse()
        return Promise.resolve()
      }
      return released.release().then(reuse)
    },
    destroy: async () => {
      flight.destroyed = true
      if (!endOnDestroy) return
      // postgres.js's end() waits for every query a connection believes it runs, and a
      // connection lost mid-query may believe so for ever (porsager/postgres#1097). So wait
      // (a bounded time) for this driver's own statements, then end without waiting.
      await flight.drained(DESTROY_GRACE_MS)
      await sql.end({ timeout: 0 })
    }
  }
}
