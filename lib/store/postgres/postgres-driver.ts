/**
 * A Kysely `Driver` over postgres.js that sends prepared statements.
 *
 * The public `kysely-postgres-js` dialect reserves a connection for every
 * query and sends it unprepared (parse and describe, then bind and execute:
 * two round trips), which ran at 0.70 of raw postgres.js here. This driver
 * runs each statement on the pool with `prepare: true`, so after its first use
 * on a connection a statement costs one round trip, and it holds a
 * connection only for the life of a transaction: a reserved one of the pool,
 * or, on a pool eventfold opened, a lane of its own (see `postgres-lanes.ts`).
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
import { destroyedError, lanes as openLanes, type Lanes, type OpenLane } from './postgres-lanes.js'

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
  /**
   * Opens a lane, a pool of one connection, for a transaction to run on
   * instead of reserving a connection of `sql` (see `postgres-lanes.ts`).
   * For a pool opened with `fetch_types: false`, whose `reserve()` would hang.
   */
  readonly openLane?: OpenLane<PostgresSql>
  /** The most lanes open at once; defaults to `sql`'s `max`. */
  readonly maxLanes?: number
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
  /**
   * Ends the connections of the driver's own lanes at once, without waiting
   * for what runs on them: for giving up on a server that does not answer.
   * Never rejects.
   */
  readonly abortLanes: () => Promise<void>
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

/** A connection held for one transaction. */
interface Held {
  readonly run: Runner
  /** Whether the connection is known to have closed since it was taken (the server rolled the transaction back). */
  readonly gone: () => boolean
  /** Gives it back; `lost` when a statement found the connection gone. */
  readonly release: (lost: boolean) => void
}

/** How a transaction takes its connection. */
type Hold = () => Promise<Held>

/** The error a transaction gets for a statement after its lane's connection closed. */
const connectionGone = (): Error =>
  Object.assign(new Error('the connection of this transaction closed: the server rolled it back'), { code: 'CONNECTION_CLOSED' })

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
        if (settle()) reject(destroyedError())
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

/**
 * Holds a reserved connection of the pool. Once a statement on it found the
 * connection lost, it is not released: the pool has already taken the closed
 * connection back, and postgres.js 3.4.9 would hand it out again
 * (porsager/postgres#1208). A close while the transaction sits idle between
 * statements cannot be seen here.
 */
const reserving =
  (pool: PostgresSql, maxPrepared: number, flight: InFlight): Hold =>
  () =>
    reserveFrom(pool, flight).then((session) => ({
      run: runner(session, maxPrepared),
      gone: () => false,
      release: (lost) => {
        if (lost) return
        try {
          session.release()
        } catch {
          // A release on a dead socket can throw (porsager/postgres#1208): that connection is gone either way.
        }
      }
    }))

/** Holds a lane; its closes since it was taken say whether the connection is gone, and a lost one is dropped. */
const onLane =
  (lanes: Lanes<PostgresSql>, maxPrepared: number, flight: InFlight): Hold =>
  () =>
    (flight.destroyed ? Promise.reject(destroyedError()) : lanes.take()).then((lane) => {
      const closes = lane.closes()
      return {
        run: runner(lane.sql, maxPrepared),
        gone: () => lane.closes() !== closes,
        release: (lost) => (lost ? lanes.drop(lane) : lanes.give(lane))
      }
    })

// -------------------------------------------------------------------------------------
// connection
// -------------------------------------------------------------------------------------

/**
 * One Kysely connection: the pool until a transaction begins, then a held
 * connection (see {@link Hold}) until it ends.
 *
 * postgres.js 3.4.9 crashes the process (an uncaught `TypeError` in
 * `nextWrite`) when a query is sent on a reserved connection whose socket has
 * closed (porsager/postgres#1208), and a lane would run it outside the
 * transaction. So once a statement fails because the connection was lost, or
 * the held connection is known to be gone, this session sends nothing more
 * on it.
 */
interface PostgresConnection extends DatabaseConnection {
  begin(settings: TransactionSettings): Promise<void>
  commit(): Promise<void>
  rollback(): Promise<void>
  release(): Promise<void>
  /** Whether no transaction holds a reserved connection and no lost one is remembered: ready for anyone. */
  reusable(): boolean
}

const connection = (pool: PostgresSql, maxPrepared: number, flight: InFlight, hold: Hold): PostgresConnection => {
  const onPool = runner(pool, maxPrepared)
  let held: Held | undefined
  let lost: unknown

  /** Why nothing more may be sent on the held connection, if anything. */
  const refusal = (): unknown => {
    if (lost === undefined && held?.gone() === true) lost = connectionGone()
    return lost
  }

  const run = (compiled: CompiledQuery): Promise<postgres.RowList<postgres.Row[]>> => {
    try {
      if (held === undefined) return flight.track(onPool(compiled), identity)
      if (refusal() !== undefined) return Promise.reject(lost)
      // A statement that settles after its transaction ended must not mark whatever this object holds next.
      const current = held
      return flight.track(current.run(compiled), identity).catch((error: unknown) => {
        if (held === current && isConnectionLoss(error)) lost = error
        throw error
      })
    } catch (error) {
      // postgres.js may refuse a query before sending it: a rejection, like any other failure.
      return Promise.reject(error)
    }
  }

  /** Rolls back whatever the transaction holds (unless its connection is gone), then ends it. */
  const rollbackAndEnd = async (): Promise<void> => {
    if (held === undefined) return
    try {
      if (refusal() === undefined) await run(CompiledQuery.raw('rollback'))
    } finally {
      end()
    }
  }

  // Clears first, so that the object is clean for its next use whatever release does.
  const end = (): void => {
    const ending = held
    const wasLost = lost !== undefined
    held = lost = undefined
    ending?.release(wasLost)
  }

  return {
    executeQuery: <R>(compiled: CompiledQuery): Promise<QueryResult<R>> => run(compiled).then(toQueryResult<R>),

    streamQuery: async function* <R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
      if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0) throw new Error('chunkSize must be a positive integer')
      if (refusal() !== undefined) throw lost
      // A postgres.js cursor: rows come `chunkSize` at a time from one portal, and
      // breaking out of the loop closes it.
      const cursor = (held?.run ?? onPool)(compiled).cursor(chunkSize)
      for await (const rows of cursor) yield { rows: rowsOf<R>(rows) }
    },

    begin: async (settings) => {
      if (held !== undefined) throw new Error('a transaction is already open on this connection')
      held = await flight.track(hold(), identity)
      try {
        await run(CompiledQuery.raw(beginStatement(settings)))
      } catch (error) {
        end()
        throw error
      }
    },

    commit: async () => {
      if (held === undefined) return
      try {
        const result = await run(CompiledQuery.raw('commit'))
        // PostgreSQL completes COMMIT with a ROLLBACK tag when an earlier error aborted the transaction.
        if (result.command === 'ROLLBACK') throw new AbortedTransactionError()
      } finally {
        end()
      }
    },

    rollback: rollbackAndEnd,

    reusable: () => held === undefined && lost === undefined,

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
 * and a connection held only while a transaction is open (a reserved one, or
 * a lane where `openLane` is given).
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
  const lanes = config.openLane === undefined ? undefined : openLanes(config.openLane, config.maxLanes ?? sql.options.max)
  const hold = lanes === undefined ? reserving(sql, maxPrepared, flight) : onLane(lanes, maxPrepared, flight)
  return {
    readRows: <R>(compiled: CompiledQuery): Promise<Array<R>> => {
      if (flight.destroyed) return Promise.reject(destroyedError())
      try {
        return flight.track(onPool(compiled), (result) => rowsOf<R>(result))
      } catch (error) {
        // postgres.js may refuse a query before sending it: a rejection, like any other failure.
        return Promise.reject(error)
      }
    },
    abortLanes: async () => {
      await lanes?.end()
    },
    init: async () => undefined,
    // Cheap: nothing is taken from the pool until a statement or a transaction needs it.
    // Released connections are reused: Kysely remembers every connection it is given
    // in a WeakSet, and a fresh one per statement cost more than the statement's own work.
    acquireConnection: () => Promise.resolve(idle.pop() ?? connection(sql, maxPrepared, flight, hold)),
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
      // postgres.js's end() waits for every query a connection believes it runs, and a
      // connection lost mid-query may believe so for ever (porsager/postgres#1097). So wait
      // (a bounded time) for this driver's own statements, then end without waiting.
      if (lanes === undefined && !endOnDestroy) return
      await flight.drained(DESTROY_GRACE_MS)
      // Lanes are the driver's own, whoever owns the pool.
      await lanes?.end()
      if (endOnDestroy) await sql.end({ timeout: 0 })
    }
  }
}
