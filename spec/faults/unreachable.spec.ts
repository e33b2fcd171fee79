/**
 * An unreachable server at start-up. `createApplication` against a closed
 * port, a server that accepts and never answers (the loopback stand-in for a
 * blackhole address), and one that resets every connection must give a typed
 * `StoreUnavailable`, within the `connectTimeoutSeconds` given (so the
 * deadline is configurable), and leave no connection behind. PostgreSQL and
 * MySQL alike; no real server is needed, so these run everywhere.
 *
 * Loopback addresses only: nothing here sends a packet off the machine.
 */
import * as E from 'fp-ts/Either'
import { Kysely, MysqlDialect } from 'kysely'
import mysql from 'mysql2'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApplication } from '../../lib/index.js'
import { closedPort, fakeServer, since, sleep, Tally, type FakeServer } from '../support/faults.js'
import { guard } from '../support/hooks.js'

/** Slack for scheduling on a loaded machine, on top of the deadline. */
const SLACK_MS = 1500

const servers: Array<FakeServer> = []
const serve = async (behaviour: 'silent' | 'reset'): Promise<FakeServer> => {
  const server = await fakeServer(behaviour)
  servers.push(server)
  return server
}

const uriOf = (dialect: 'postgres' | 'mysql', port: number): string =>
  dialect === 'postgres' ? `postgres://eventfold@127.0.0.1:${port}/eventfold` : `mysql://eventfold@127.0.0.1:${port}/eventfold`

/** Opens an application on `uri`; returns its error tag and how long the answer took. */
const openFails = async (uri: string, connectTimeoutSeconds: number): Promise<{ readonly tag: string; readonly ms: number }> => {
  const started = performance.now()
  const opened = await createApplication({ uri, persist: [Tally], connectTimeoutSeconds })()
  const ms = since(started)
  if (E.isRight(opened)) {
    await opened.right.close()
    throw new Error(`${uri} opened: it should not have`)
  }
  return { tag: opened.left._tag, ms }
}

/**
 * Waits until the server holds no connection from the client any more. A
 * connection attempt racing the deadline may be closed only by its own
 * connect timeout: allow the deadline again, and some slack.
 */
const drained = async (server: FakeServer, ms: number): Promise<boolean> => {
  const until = performance.now() + ms
  while (server.open() > 0 && performance.now() < until) await sleep(20)
  return server.open() === 0
}

for (const dialect of ['postgres', 'mysql'] as const) {
  const test = suite(`faults: ${dialect} unreachable at start-up`)

  test.after(
    guard(`faults: ${dialect} unreachable cleanup`, async () => {
      for (const server of servers.splice(0)) await server.close()
    })
  )

  test('a closed port: StoreUnavailable, well within the deadline', async () => {
    const { tag, ms } = await openFails(uriOf(dialect, await closedPort()), 2)
    assert.is(tag, 'StoreUnavailable')
    assert.ok(ms < 2000 + SLACK_MS, `took ${ms.toFixed(0)} ms`)
  })

  test('a server that accepts and never answers: StoreUnavailable at the deadline, and its connections closed', async () => {
    const server = await serve('silent')
    const { tag, ms } = await openFails(uriOf(dialect, server.port), 1)
    assert.is(tag, 'StoreUnavailable')
    assert.ok(ms >= 900, `gave up after ${ms.toFixed(0)} ms, before the deadline of 1 s`)
    assert.ok(ms < 1000 + SLACK_MS, `took ${ms.toFixed(0)} ms for a deadline of 1 s`)
    assert.ok(server.accepted() > 0, 'the client did connect')
    assert.ok(await drained(server, 1000 + SLACK_MS), `${server.open()} connection(s) left open to the silent server`)
  })

  test('the deadline is the one configured: 2 s waits twice as long as 1 s', async () => {
    const server = await serve('silent')
    const { tag, ms } = await openFails(uriOf(dialect, server.port), 2)
    assert.is(tag, 'StoreUnavailable')
    assert.ok(ms >= 1900 && ms < 2000 + SLACK_MS, `took ${ms.toFixed(0)} ms for a deadline of 2 s`)
    assert.ok(await drained(server, 2000 + SLACK_MS), `${server.open()} connection(s) left open to the silent server`)
  })

  test('a fractional deadline is honoured too', async () => {
    const server = await serve('silent')
    const { tag, ms } = await openFails(uriOf(dialect, server.port), 0.5)
    assert.is(tag, 'StoreUnavailable')
    assert.ok(ms >= 450 && ms < 500 + SLACK_MS, `took ${ms.toFixed(0)} ms for a deadline of 0.5 s`)
    assert.ok(await drained(server, 500 + SLACK_MS), `${server.open()} connection(s) left open to the silent server`)
  })

  test('a deadline under a millisecond is still a deadline (StoreUnavailable), not a setting refused', async () => {
    const server = await serve('silent')
    const { tag } = await openFails(uriOf(dialect, server.port), 0.0004)
    assert.is(tag, 'StoreUnavailable')
    assert.ok(await drained(server, 500 + SLACK_MS), `${server.open()} connection(s) left open to the silent server`)
  })

  test('a server that resets every connection: StoreUnavailable within the deadline', async () => {
    const server = await serve('reset')
    const { tag, ms } = await openFails(uriOf(dialect, server.port), 2)
    assert.is(tag, 'StoreUnavailable')
    assert.ok(ms < 2000 + SLACK_MS, `took ${ms.toFixed(0)} ms`)
  })

  if (dialect === 'mysql') {
    test('a Kysely passed in over a server that never answers: StoreUnavailable at the deadline', async () => {
      const server = await serve('silent')
      // mysql2's own connect timeout is longer than the deadline, so only the deadline can end it in time.
      const pool = mysql.createPool({ host: '127.0.0.1', port: server.port, user: 'eventfold', connectTimeout: 6000 })
      const kysely = new Kysely<object>({ dialect: new MysqlDialect({ pool }) })
      try {
        const started = performance.now()
        const opened = await createApplication({ kysely, persist: [Tally], connectTimeoutSeconds: 1 })()
        const ms = since(started)
        assert.ok(E.isLeft(opened) && opened.left._tag === 'StoreUnavailable', 'StoreUnavailable')
        assert.ok(ms >= 900 && ms < 1000 + SLACK_MS, `took ${ms.toFixed(0)} ms for a deadline of 1 s`)
      } finally {
        // The caller's pool is the caller's to end; its connection attempt ends by its own timeout.
        void kysely.destroy().catch(() => undefined)
      }
    })
  }

  test.run()
}
