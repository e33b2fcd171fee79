/**
 * What the fault specs share: a small aggregate kind whose every event names
 * the save that wrote it, the line protocol of the writer child
 * (`spec/faults/writer.ts`), and the checks that a store left behind by
 * killed writers or dropped connections is whole.
 *
 * Every save has an id, carried in each of its events' payloads. A writer
 * logs the save's intent (which aggregates, from which version, how many
 * events) before it saves, and its acknowledgement after the save's
 * `TaskEither` returned `Right`. So after any fault, each intent's events
 * must be all there (at exactly the intended versions) or all absent, and
 * every acknowledged one must be there.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import { inspect } from 'node:util'
import * as E from 'fp-ts/Either'
import type { TaskEither } from 'fp-ts/TaskEither'
import * as t from 'io-ts'
import * as assert from 'uvu/assert'
import { aggregateKind, type Application, type Decider, type LoggedEvent } from '../../lib/index.js'
import { freePort } from './postgres.js'

// -------------------------------------------------------------------------------------
// the kind
// -------------------------------------------------------------------------------------

export type TallyEvent =
  | { readonly type: 'Ticked'; readonly save: string; readonly n: number }
  | { readonly type: 'Tocked'; readonly save: string; readonly n: number }

export type TallyCommand = { readonly type: 'Tick'; readonly save: string; readonly count: number }

export interface TallyState {
  readonly events: number
  readonly lastSave: string | undefined
}

const tallyDecider: Decider<TallyCommand, TallyEvent, TallyState, never> = {
  initialState: { events: 0, lastSave: undefined },
  evolve: (state, event) => ({ events: state.events + 1, lastSave: event.save }),
  decide: (command) =>
    E.right(
      Array.from({ length: command.count }, (_, n): TallyEvent =>
        n % 2 === 0 ? { type: 'Ticked', save: command.save, n } : { type: 'Tocked', save: command.save, n }
      )
    ),
  isTerminal: () => false
}

/** An aggregate kind for fault specs: `Tick` decides `count` events, each naming the save. */
export const Tally = aggregateKind('faults#Tally', tallyDecider, {
  Ticked: t.type({ save: t.string, n: t.number }),
  Tocked: t.type({ save: t.string, n: t.number })
})

// -------------------------------------------------------------------------------------
// intents and the writer's lines
// -------------------------------------------------------------------------------------

/** One aggregate's share of a save: its id, the version the save expects, and how many events it adds. */
export type Part = readonly [id: string, from: number, count: number]

/** What a writer means to save, logged before it saves. */
export interface Intent {
  readonly save: string
  readonly parts: ReadonlyArray<Part>
}

/** A random save id. */
export const saveId = (): string => randomBytes(8).toString('hex')

/**
 * The lines a writer prints, one `writeSync` each (so each reaches the pipe
 * whole, or not at all, however the writer dies):
 *
 * - `BOOTED`: modules loaded; waiting for `GO <plan>` on stdin.
 * - `READY <n>`: the application is open and every aggregate loaded (`n` events in all).
 * - `I <save> <parts as JSON>`: about to save.
 * - `A <save>`: the save returned `Right`.
 * - `C <save>`: the save returned `ConcurrencyError` (another writer got there first).
 * - `E <save> <tag>`: the save returned another `Left`.
 * - `F <message>`: the writer could not start; it exits 1.
 */
export type WriterLine =
  | { readonly kind: 'BOOTED' }
  | { readonly kind: 'READY'; readonly events: number }
  | { readonly kind: 'I'; readonly intent: Intent }
  | { readonly kind: 'A' | 'C'; readonly save: string }
  | { readonly kind: 'E'; readonly save: string; readonly tag: string }
  | { readonly kind: 'F'; readonly message: string }

export const parseLine = (line: string): WriterLine => {
  const [head, ...rest] = line.split(' ')
  switch (head) {
    case 'BOOTED':
      return { kind: 'BOOTED' }
    case 'READY':
      return { kind: 'READY', events: Number(rest[0]) }
    case 'I':
      return { kind: 'I', intent: { save: rest[0] ?? '', parts: JSON.parse(rest.slice(1).join(' ')) as ReadonlyArray<Part> } }
    case 'A':
    case 'C':
      return { kind: head, save: rest[0] ?? '' }
    case 'E':
      return { kind: 'E', save: rest[0] ?? '', tag: rest.slice(1).join(' ') }
    case 'F':
      return { kind: 'F', message: rest.join(' ') }
    default:
      throw new Error(`the writer printed an unknown line: ${JSON.stringify(line)}`)
  }
}

/** What a writer was told to do once booted. */
export interface Plan {
  /** PostgreSQL only: the notification mode to open the application in. */
  readonly postgresMode?: 'snapshot' | 'serialised'
  /** When above 0, the first save after READY is a big one: three new aggregates of this many events each. */
  readonly big: number
}

// -------------------------------------------------------------------------------------
// checks
// -------------------------------------------------------------------------------------

/** The value of a `TaskEither` that must succeed. */
export const right = async <E, A>(task: TaskEither<E, A>, what = 'task'): Promise<A> => {
  const result = await task()
  if (E.isLeft(result)) throw new Error(`${what}: expected Right, got Left ${inspect(result.left, { depth: 2 })}`)
  return result.right
}

export interface StoreReport {
  /** Events in the store. */
  readonly events: number
  /** Intents whose events are all there. */
  readonly landed: number
  /** Intents with none of their events there. */
  readonly absent: number
}

/**
 * Checks that the store behind `app` is whole after faults:
 *
 * - each aggregate's events read back, at versions 1, 2, … n with no gap;
 * - every event belongs to a logged intent, at the version that intent gave it;
 * - each intent is all there or all absent; every acknowledged one is there;
 * - the notification log reads from start to end (in small pages), holds
 *   each event exactly once, and keeps each aggregate's versions in order;
 *   `gapless` also wants ids 1…n (SQLite and MySQL).
 */
export const verifyStore = async (
  app: Application,
  ids: ReadonlyArray<string>,
  intents: ReadonlyMap<string, Intent>,
  acknowledged: ReadonlySet<string>,
  options: { readonly gapless: boolean }
): Promise<StoreReport> => {
  // Every aggregate any intent names, including the big saves' fresh ones.
  const all = new Set(ids)
  for (const intent of intents.values()) for (const [id] of intent.parts) all.add(id)

  const found = new Map<string, Array<readonly [string, number]>>() // save -> (id, version)
  let events = 0
  for (const id of all) {
    const listed = await right(app.eventStore.listEvents(id), `listEvents(${id})`)
    listed.forEach((event, i) => {
      assert.is(event.originatorVersion, i + 1, `${id}: versions run 1…n with no gap`)
      const save = (event.payload as unknown as { readonly save: string }).save
      const at = found.get(save) ?? []
      at.push([id, event.originatorVersion])
      found.set(save, at)
    })
    events += listed.length
  }

  let landed = 0
  let absent = 0
  for (const save of found.keys()) assert.ok(intents.has(save), `an event of save ${save}, which no writer logged`)
  for (const intent of intents.values()) {
    const expected = intent.parts.flatMap(([id, from, count]) => Array.from({ length: count }, (_, k) => `${id}@${from + k + 1}`)).sort()
    const got = (found.get(intent.save) ?? []).map(([id, v]) => `${id}@${v}`).sort()
    if (got.length === 0) {
      assert.not.ok(acknowledged.has(intent.save), `save ${intent.save} was acknowledged, and is gone`)
      absent++
    } else {
      assert.equal(got, expected, `save ${intent.save} is all there, at the versions it was decided for`)
      landed++
    }
  }

  // The log, end to end, in small pages.
  const logged: ReadonlyArray<LoggedEvent> = await right(app.reader({ pageSize: 97 }).read(), 'reading the notification log')
  if (logged.length !== events) {
    // Say which events the log holds beyond the listed ones, or twice.
    const listed = new Set<string>()
    for (const id of all) for (const e of await right(app.eventStore.listEvents(id), 'listEvents')) listed.add(`${e.originatorId}@${e.originatorVersion}`)
    const counts = new Map<string, number>()
    for (const e of logged) counts.set(`${e.originatorId}@${e.originatorVersion}`, (counts.get(`${e.originatorId}@${e.originatorVersion}`) ?? 0) + 1)
    const extra = [...counts].filter(([k, n]) => n > 1 || !listed.has(k)).slice(0, 10)
    assert.is(logged.length, events, `the log holds every event once; beyond the listed ones: ${JSON.stringify(extra)}`)
  }
  const seen = new Set<string>()
  const lastVersion = new Map<string, number>()
  let lastId = 0
  for (const event of logged) {
    const key = `${event.originatorId}@${event.originatorVersion}`
    assert.not.ok(seen.has(key), `${key} twice in the log`)
    seen.add(key)
    assert.ok(event.originatorVersion > (lastVersion.get(event.originatorId) ?? 0), `${key} after a later version in the log`)
    lastVersion.set(event.originatorId, event.originatorVersion)
    if (options.gapless) assert.is(event.id, lastId + 1, 'notification ids run 1…n')
    lastId = event.id
  }
  assert.is(await right(app.notificationLog.maxId(), 'maxId'), options.gapless ? events : Math.max(0, ...logged.map((e) => e.id)))
  return { events, landed, absent }
}

// -------------------------------------------------------------------------------------
// servers that are not there
// -------------------------------------------------------------------------------------

/** A loopback port nothing listens on (one that was free a moment ago). */
export const closedPort = freePort

/** A loopback TCP server under test control, and the sockets it accepted. */
export interface FakeServer {
  readonly port: number
  /** Sockets accepted and not yet closed. */
  readonly open: () => number
  /** Sockets accepted so far. */
  readonly accepted: () => number
  readonly close: () => Promise<void>
}

/**
 * A loopback server that accepts connections and then either never answers
 * (`silent`: a blackhole for the client's handshake) or resets them at once
 * (`reset`).
 */
export const fakeServer = (behaviour: 'silent' | 'reset'): Promise<FakeServer> =>
  new Promise((resolve, reject) => {
    const sockets = new Set<Socket>()
    let accepted = 0
    const server: Server = createServer((socket) => {
      accepted++
      socket.on('error', () => undefined)
      if (behaviour === 'reset') {
        socket.resetAndDestroy()
        return
      }
      sockets.add(socket)
      // Read and drop what the client sends, so that its closing is seen.
      socket.resume()
      socket.on('close', () => sockets.delete(socket))
    })
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (typeof address !== 'object' || address === null) return reject(new Error('no port'))
      resolve({
        port: address.port,
        open: () => sockets.size,
        accepted: () => accepted,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })

// -------------------------------------------------------------------------------------
// small things
// -------------------------------------------------------------------------------------

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A whole number in `[min, max]`. */
export const between = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1))

/** Milliseconds since `start` (from `performance.now()`). */
export const since = (start: number): number => performance.now() - start
