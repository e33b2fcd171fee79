/**
 * Connections of their own for transactions, on a pool eventfold opened:
 * each lane is a postgres.js pool of one connection, held by one transaction
 * at a time.
 *
 * Why not `pool.reserve()`: postgres.js 3.4.9 has two defects that pull
 * opposite ways. With `fetch_types` on (its default), every new connection
 * first runs a catalog query whose promise nobody holds, so a connection
 * killed or cancelled during it raises an unhandled rejection, which stops
 * a Node process by default (porsager/postgres#1192, #1205, #1223). With
 * `fetch_types` off, a `reserve()` that has to open a connection never
 * settles (porsager/postgres#751, #1219). Pools eventfold opens therefore
 * fetch no types and reserve nothing: a transaction takes a lane instead.
 *
 * A lane reconnects by itself, so a transaction must not go on once its
 * connection closed (the server rolled it back, and a statement sent after
 * that would run outside it). Each lane counts its closes, through
 * postgres.js's `onclose` hook, which fires before it reconnects; a
 * transaction that sees the count move, or whose statement failed with the
 * connection, has lost it, and its lane is dropped rather than reused.
 *
 * @since 0.1.0
 */
// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What a lane needs of a postgres.js pool (the driver's `PostgresSql` is one).
 *
 * @category model
 * @since 0.1.0
 */
export interface LanePool {
  /** Ends the pool's connections, waiting at most `timeout` seconds for their queries. */
  readonly end: (options: { readonly timeout: number }) => Promise<void>
}

/**
 * One connection, for one transaction at a time.
 *
 * @category model
 * @since 0.1.0
 */
export interface Lane<Sql extends LanePool> {
  /** A postgres.js pool of one connection. */
  readonly sql: Sql
  /** How many times its connection has closed so far. */
  readonly closes: () => number
}

/**
 * How long a lane given back stays open for the next transaction before its
 * connection is ended, so that a burst of transactions (or the one that
 * created the table) does not hold connections for good.
 *
 * @category constants
 * @since 0.1.0
 */
export const LANE_IDLE_MS = 30_000

/**
 * The lanes of a driver: taken by a transaction as it begins, given back as
 * it ends.
 *
 * @category model
 * @since 0.1.0
 */
export interface Lanes<Sql extends LanePool> {
  /** An idle lane, a new one while fewer than the limit exist, or the next one given back. */
  readonly take: () => Promise<Lane<Sql>>
  readonly give: (lane: Lane<Sql>) => void
  /**
   * Ends a lane whose transaction lost its connection, rather than give it
   * back: a next transaction on it met postgres.js's state of the loss (see
   * {@link lanes}), and gets a new lane instead.
   */
  readonly drop: (lane: Lane<Sql>) => void
  /** Refuses every take from now on, and ends every lane's connection. Never rejects. */
  readonly end: () => Promise<void>
}

/**
 * Opens a lane: a pool of one connection that calls `onClose` whenever that
 * connection closes.
 *
 * @category model
 * @since 0.1.0
 */
export type OpenLane<Sql extends LanePool> = (onClose: () => void) => Sql

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * What a statement or a transaction gets once the driver is destroyed: a
 * connection error, as postgres.js's own `CONNECTION_ENDED`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const destroyedError = (): Error => Object.assign(new Error('the driver was destroyed'), { code: 'CONNECTION_ENDED' })

/**
 * At most `limit` lanes, opened as transactions need them; a transaction
 * that finds all of them held waits for the first one given back. A lane
 * idle for `idleMs` is ended, and a later transaction opens another.
 *
 * A lane that lost its connection is dropped, not reused. postgres.js 3.4.9
 * rejects what a connection has sent when its socket errs, but what is sent
 * after that, before the socket's close, it never settles: a transaction
 * that took the lane back at once sent its `begin` into that gap and waited
 * for ever. Such a lane's connection also tends to stall its next connects
 * (see the reliability guide's known limits).
 *
 * @category constructors
 * @since 0.1.0
 */
export const lanes = <Sql extends LanePool>(open: OpenLane<Sql>, limit: number, idleMs = LANE_IDLE_MS): Lanes<Sql> => {
  const all = new Set<Lane<Sql>>()
  // The most recently given back is taken first, so that lanes beyond the load retire.
  const idle: Array<Lane<Sql>> = []
  const retiring = new Map<Lane<Sql>, NodeJS.Timeout>()
  const waiting: Array<{ readonly resolve: (lane: Lane<Sql>) => void; readonly reject: (error: unknown) => void }> = []
  let closed = false

  const openOne = (): Lane<Sql> => {
    let closes = 0
    const lane: Lane<Sql> = { sql: open(() => void closes++), closes: () => closes }
    all.add(lane)
    return lane
  }

  const endOne = (lane: Lane<Sql>): Promise<void> => lane.sql.end({ timeout: 0 }).catch(() => undefined)

  // Only an idle lane retires: none of its connection's statements belong to a transaction.
  const retire = (lane: Lane<Sql>): void => {
    retiring.delete(lane)
    const at = idle.indexOf(lane)
    if (at >= 0) idle.splice(at, 1)
    all.delete(lane)
    void endOne(lane)
  }

  const idleOne = (): Lane<Sql> | undefined => {
    const lane = idle.pop()
    if (lane === undefined) return undefined
    clearTimeout(retiring.get(lane))
    retiring.delete(lane)
    return lane
  }

  return {
    take: () => {
      if (closed) return Promise.reject(destroyedError())
      const lane = idleOne() ?? (all.size < limit ? openOne() : undefined)
      return lane !== undefined ? Promise.resolve(lane) : new Promise((resolve, reject) => void waiting.push({ resolve, reject }))
    },
    give: (lane) => {
      const next = waiting.shift()
      if (next !== undefined) return next.resolve(lane)
      // After end(), every lane's connection is ended already.
      if (closed) return
      idle.push(lane)
      retiring.set(lane, setTimeout(() => retire(lane), idleMs).unref())
    },
    drop: (lane) => {
      all.delete(lane)
      void endOne(lane)
      const next = waiting.shift()
      if (next !== undefined) next.resolve(openOne())
    },
    end: async () => {
      closed = true
      for (const waiter of waiting.splice(0)) waiter.reject(destroyedError())
      for (const timer of retiring.values()) clearTimeout(timer)
      retiring.clear()
      idle.splice(0)
      await Promise.all([...all].map(endOne))
    }
  }
}
