/**
 * Differential property tests: random command sequences on random aggregates,
 * played through the public API against SQLite, PostgreSQL and MariaDB at
 * once, and against a model in memory. Each run draws its own encryption key
 * (or none; the same for all three stores), compressor (none, zlib or
 * brotli), start of a deterministic clock, aggregate ids (case, accents,
 * composed and decomposed forms, emoji, spaces) and payloads (full-range
 * dates, any string, any finite number).
 *
 * Steps save one aggregate (one or several events), several aggregates in
 * one save, or a stale copy of an aggregate, alone or beside fresh ones: a
 * concurrency conflict, which must refuse the whole save. All three stores
 * must give the same outcome for every step (the model's), and end with
 * identical aggregate states, identical decoded event lists (timestamps
 * included) and identical notification sequences, compared as (originator
 * id, version, topic, payload, timestamp), since PostgreSQL's ids may have
 * gaps. SQLite and MariaDB must also number the log 1…n.
 *
 * Runs: `FAST_CHECK_RUNS` when set, else 200 (each run exercises every
 * dialect). `FAST_CHECK_SEED` replays a failing run. Without a MySQL server
 * (and outside CI) the run covers SQLite and PostgreSQL.
 */
import { randomBytes } from 'node:crypto'
import * as fc from 'fast-check'
import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { Kysely, MysqlDialect } from 'kysely'
import mysql from 'mysql2'
import postgres from 'postgres'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  aggregateKind,
  createApplication,
  DateFromISOString,
  domainError,
  expectedVersion,
  type Aggregate,
  type Application,
  type ApplicationOptions,
  type Decider,
  type DomainError
} from '../../lib/index.js'
import { parseMysqlUrl } from '../../lib/store/mysql/mysql-url.js'
import { guard } from '../support/hooks.js'
import { adminConnection, mysqlUrl } from '../support/mysql.js'
import { postgresUrl } from '../support/postgres.js'

// -------------------------------------------------------------------------------------
// the kind
// -------------------------------------------------------------------------------------

type AccountEvent =
  | { readonly type: 'Opened'; readonly owner: string; readonly at: Date }
  | { readonly type: 'Deposited'; readonly amount: number; readonly memo: string }
  | { readonly type: 'Tagged'; readonly tags: ReadonlyArray<string>; readonly flag: boolean }
  | { readonly type: 'Closed'; readonly reason: string | null }

type AccountCommand =
  | { readonly type: 'Open'; readonly owner: string; readonly at: Date }
  | { readonly type: 'Deposit'; readonly amounts: ReadonlyArray<number>; readonly memo: string }
  | { readonly type: 'Tag'; readonly tags: ReadonlyArray<string>; readonly flag: boolean }
  | { readonly type: 'Close'; readonly reason: string | null }

interface AccountState {
  readonly status: 'new' | 'open' | 'closed'
  readonly owner: string | null
  readonly openedAt: Date | null
  readonly balance: number
  readonly deposits: ReadonlyArray<string>
  readonly tags: ReadonlyArray<string>
  readonly flags: number
  readonly reason: string | null
}

const accountDecider: Decider<AccountCommand, AccountEvent, AccountState, DomainError> = {
  initialState: { status: 'new', owner: null, openedAt: null, balance: 0, deposits: [], tags: [], flags: 0, reason: null },
  evolve: (s, e) => {
    switch (e.type) {
      case 'Opened':
        return { ...s, status: 'open', owner: e.owner, openedAt: e.at }
      case 'Deposited':
        return { ...s, balance: s.balance + e.amount, deposits: [...s.deposits, e.memo] }
      case 'Tagged':
        return { ...s, tags: [...s.tags, ...e.tags], flags: s.flags + (e.flag ? 1 : 0) }
      case 'Closed':
        return { ...s, status: 'closed', reason: e.reason }
    }
  },
  decide: (c, s) => {
    switch (c.type) {
      case 'Open':
        return s.status === 'new' ? E.right([{ type: 'Opened', owner: c.owner, at: c.at }]) : E.left(domainError('AlreadyOpened', 'opened already'))
      case 'Deposit':
        return s.status === 'open'
          ? E.right(c.amounts.map((amount) => ({ type: 'Deposited' as const, amount, memo: c.memo })))
          : E.left(domainError('NotOpen', 'not open'))
      case 'Tag':
        return s.status === 'open' ? E.right([{ type: 'Tagged', tags: c.tags, flag: c.flag }]) : E.left(domainError('NotOpen', 'not open'))
      case 'Close':
        return s.status === 'open' ? E.right([{ type: 'Closed', reason: c.reason }]) : E.left(domainError('NotOpen', 'not open'))
    }
  },
  isTerminal: (s) => s.status === 'closed'
}

const Account = aggregateKind('properties#Account', accountDecider, {
  Opened: t.type({ owner: t.string, at: DateFromISOString }),
  Deposited: t.type({ amount: t.number, memo: t.string }),
  Tagged: t.type({ tags: t.readonlyArray(t.string), flag: t.boolean }),
  Closed: t.type({ reason: t.union([t.string, t.null]) })
})

type Account = Aggregate<AccountState, AccountEvent>

// -------------------------------------------------------------------------------------
// scenarios
// -------------------------------------------------------------------------------------

interface Part {
  readonly target: number
  readonly commands: ReadonlyArray<AccountCommand>
}

type Step =
  /** Load one or several aggregates, run commands on each, save them in one save. */
  | { readonly kind: 'save'; readonly parts: ReadonlyArray<Part> }
  /** Run commands on a copy of `target` as loaded by an earlier step (`age` picks which), and save it beside fresh parts. */
  | { readonly kind: 'stale'; readonly target: number; readonly age: number; readonly commands: ReadonlyArray<AccountCommand>; readonly fresh: ReadonlyArray<Part> }

interface Scenario {
  readonly ids: ReadonlyArray<string>
  readonly steps: ReadonlyArray<Step>
  readonly cipherKey: string | undefined
  readonly compressor: 'zlib' | 'brotli' | undefined
  readonly clockStart: number
}

/** Any string: every code point, lone surrogates, NUL, quotes and backslashes included. */
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udfff', '"', '\\', 'é', 'e\u0301', '😀', '\u2028', ' '), maxLength: 6 })
)

/** Any valid Date, from -271821 to +275760. */
const date = fc.date({ noInvalidDate: true })

/** Now and then -0, which JSON cannot carry: a save that holds it must be refused whole, on every store. */
const amount = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }) },
  { weight: 20, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constant(-0) }
)

const open = fc.record({ type: fc.constant('Open' as const), owner: text, at: date })

const command: fc.Arbitrary<AccountCommand> = fc.oneof(
  { weight: 2, arbitrary: open },
  { weight: 10, arbitrary: fc.record({ type: fc.constant('Deposit' as const), amounts: fc.array(amount, { minLength: 1, maxLength: 3 }), memo: text }) },
  { weight: 6, arbitrary: fc.record({ type: fc.constant('Tag' as const), tags: fc.array(text, { maxLength: 3 }), flag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('Close' as const), reason: fc.option(text, { nil: null }) }) }
)

const commands = fc.array(command, { minLength: 1, maxLength: 3 })

/** Ids that differ only in case, accents, normalisation, width or trailing space: the stores must keep them apart. */
const id = fc.string({ unit: fc.constantFrom('a', 'A', 'é', 'e\u0301', 'ß', 's', 'İ', 'i', '😀', ' ', '-', 'ａ'), minLength: 1, maxLength: 6 })

const parts = (n: number) => fc.uniqueArray(fc.record({ target: fc.nat(n - 1), commands }), { selector: (p) => p.target, minLength: 1, maxLength: n })

const step = (n: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('save' as const), parts: parts(n) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('stale' as const),
        target: fc.nat(n - 1),
        age: fc.nat(),
        commands,
        fresh: fc.oneof(fc.constant([]), parts(n))
      })
    }
  )

const cipherKey = fc
  .constantFrom(16, 24, 32)
  .chain((length) => fc.uint8Array({ minLength: length, maxLength: length }))
  .map((bytes) => Buffer.from(bytes).toString('base64'))

const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 1, max: 3 }).chain((n) =>
  fc.record({
    ids: fc.uniqueArray(id, { minLength: n, maxLength: n }),
    // Most runs open their aggregates first (in one save), so that later commands mostly apply.
    steps: fc
      .tuple(fc.option(fc.array(open, { minLength: n, maxLength: n }), { freq: 5, nil: undefined }), fc.array(step(n), { minLength: 1, maxLength: 8 }))
      .map(([opens, steps]): ReadonlyArray<Step> =>
        opens === undefined ? steps : [{ kind: 'save', parts: opens.map((c, target) => ({ target, commands: [c] })) }, ...steps]
      ),
    cipherKey: fc.option(cipherKey, { freq: 2, nil: undefined }),
    compressor: fc.constantFrom(undefined, 'zlib' as const, 'brotli' as const),
    // Far enough from the ends of the Date range for the clock's ticks.
    clockStart: fc.integer({ min: -8.64e15, max: 8.64e15 - 1e9 })
  })
)

// -------------------------------------------------------------------------------------
// playing a scenario
// -------------------------------------------------------------------------------------

/** Where a scenario is played: a store through the application, or the model. */
interface Port {
  readonly load: (id: string) => Promise<Account>
  /** 'saved', 'conflict', or the tag of another Left. */
  readonly save: (aggregates: ReadonlyArray<Account>) => Promise<string>
}

const applicationPort = (app: Application): Port => ({
  load: async (id) => {
    const loaded = await app.repository.load(Account, id)()
    if (E.isLeft(loaded)) throw new Error(`load ${JSON.stringify(id)}: ${loaded.left._tag} ${JSON.stringify(loaded.left).slice(0, 300)}`)
    return loaded.right
  },
  save: async (aggregates) => {
    const saved = await app.save(...aggregates)()
    if (E.isRight(saved)) return 'saved'
    return saved.left._tag === 'ConcurrencyError' ? 'conflict' : `${saved.left._tag}: ${'message' in saved.left ? saved.left.message : ''}`
  }
})

/** What the library says of an event JSON cannot carry: -0 is the only such value the arbitraries draw. */
const UNFAITHFUL = 'EncodeError: the encoded event is not faithful JSON: -0 is written as 0'

/**
 * The model: aggregates in memory, and a save that succeeds when every version it expects is the current one.
 * An event that holds -0 refuses the whole save, before any version is compared, as the library's encoding does.
 */
interface Model extends Port {
  readonly log: Array<{ readonly originatorId: string; readonly originatorVersion: number; readonly payload: AccountEvent }>
}

const modelPort = (): Model => {
  const current = new Map<string, Account>()
  const log: Array<{ originatorId: string; originatorVersion: number; payload: AccountEvent }> = []
  return {
    log,
    load: async (id) => current.get(id) ?? Account.initial(id),
    save: async (aggregates) => {
      if (aggregates.some((a) => a.pending.some((e) => e.type === 'Deposited' && Object.is(e.amount, -0)))) return UNFAITHFUL
      if (aggregates.some((a) => expectedVersion(a) !== (current.get(a.id)?.version ?? 0))) return 'conflict'
      for (const a of aggregates) {
        a.pending.forEach((payload, i) => log.push({ originatorId: a.id, originatorVersion: expectedVersion(a) + i + 1, payload }))
        current.set(a.id, { ...a, pending: [] })
      }
      return 'saved'
    }
  }
}

/** Runs commands in order; the first refusal ends them. */
const decide = (aggregate: Account, cs: ReadonlyArray<AccountCommand>): E.Either<string, Account> => {
  let a = aggregate
  for (const c of cs) {
    const next = Account.execute(c)(a)
    if (E.isLeft(next)) return E.left(`refused ${next.left.code}`)
    a = next.right
  }
  return E.right(a)
}

/** Plays the steps; returns each step's outcome. */
const play = async (port: Port, s: Scenario): Promise<ReadonlyArray<string>> => {
  const loaded = s.ids.map((): Array<Account> => [])
  const idOf = (target: number): string => s.ids[target] as string
  const fresh = async (ps: ReadonlyArray<Part>): Promise<E.Either<string, ReadonlyArray<Account>>> => {
    const out: Array<Account> = []
    for (const p of ps) {
      const a = await port.load(idOf(p.target))
      loaded[p.target]?.push(a)
      const decided = decide(a, p.commands)
      if (E.isLeft(decided)) return decided
      out.push(decided.right)
    }
    return E.right(out)
  }
  const outcomes: Array<string> = []
  for (const st of s.steps) {
    let decided: E.Either<string, ReadonlyArray<Account>>
    if (st.kind === 'save') decided = await fresh(st.parts)
    else {
      const copies = loaded[st.target] ?? []
      const copy = copies.length === 0 ? await port.load(idOf(st.target)) : (copies[st.age % copies.length] as Account)
      const stale = decide(copy, st.commands)
      const others = await fresh(st.fresh.filter((p) => p.target !== st.target))
      decided = E.isLeft(stale) ? stale : E.isLeft(others) ? others : E.right([stale.right, ...others.right])
    }
    if (E.isLeft(decided)) outcomes.push(decided.left)
    else if (decided.right.every((a) => a.pending.length === 0)) outcomes.push('nothing to save')
    else outcomes.push(await port.save(decided.right))
  }
  return outcomes
}

interface Observed {
  readonly outcomes: ReadonlyArray<string>
  readonly aggregates: ReadonlyArray<{ readonly version: number; readonly state: AccountState }>
  readonly events: ReadonlyArray<ReadonlyArray<{ readonly version: number; readonly topic: string; readonly payload: unknown; readonly at: number }>>
  readonly log: ReadonlyArray<{ readonly originatorId: string; readonly originatorVersion: number; readonly topic: string; readonly payload: unknown; readonly at: number }>
  readonly ids: ReadonlyArray<number>
}

const right = async <A>(what: string, task: () => Promise<E.Either<unknown, A>>): Promise<A> => {
  const result = await task()
  if (E.isLeft(result)) throw new Error(`${what}: ${JSON.stringify(result.left).slice(0, 400)}`)
  return result.right
}

/** Plays the scenario on one store, then reads everything back. */
const observe = async (app: Application, s: Scenario): Promise<Observed> => {
  const port = applicationPort(app)
  const outcomes = await play(port, s)
  const aggregates = []
  const events = []
  for (const id of s.ids) {
    const a = await port.load(id)
    aggregates.push({ version: a.version, state: a.state })
    const listed = await right(`listEvents ${id}`, app.eventStore.listEvents(id))
    events.push(listed.map((e) => ({ version: e.originatorVersion, topic: e.topic, payload: e.payload, at: e.timestamp.getTime() })))
  }
  const logged = await right('the log', app.reader({ pageSize: 7 }).read())
  return {
    outcomes,
    aggregates,
    events,
    log: logged.map((e) => ({ originatorId: e.originatorId, originatorVersion: e.originatorVersion, topic: e.topic, payload: e.payload, at: e.timestamp.getTime() })),
    ids: logged.map((e) => e.id)
  }
}

// -------------------------------------------------------------------------------------
// the stores
// -------------------------------------------------------------------------------------

interface Store {
  readonly name: string
  /** Notification ids run 1…n. */
  readonly gapless: boolean
  /** Empties the store, then opens an application on it. */
  readonly open: (options: ApplicationOptions) => Promise<Application>
}

const TABLE = `prop_${randomBytes(5).toString('hex')}`
const cleanups: Array<() => Promise<void>> = []

const opened = async (what: string, options: ApplicationOptions): Promise<Application> => right(`open ${what}`, createApplication(options))

const sqliteStore = (): Store => ({
  name: 'sqlite',
  gapless: true,
  open: (options) => opened('sqlite', { ...options, uri: 'sqlite:///:memory:' })
})

const postgresStore = async (): Promise<Store> => {
  const pool = postgres(await postgresUrl(), { max: 2, onnotice: () => undefined })
  cleanups.push(async () => {
    await pool.unsafe(`drop table if exists "${TABLE}"`)
    await pool.end()
  })
  let created = false
  return {
    name: 'postgres',
    gapless: false,
    open: async (options) => {
      if (created) await pool.unsafe(`delete from "${TABLE}"`)
      created = true
      return opened('postgres', { ...options, sql: pool, tableName: TABLE })
    }
  }
}

const mysqlStore = async (url: string): Promise<Store> => {
  const database = `eventfold_prop_${randomBytes(4).toString('hex')}`
  const admin = await adminConnection(url)
  await admin.query(`CREATE DATABASE \`${database}\``)
  const options = parseMysqlUrl(url)
  if (E.isLeft(options)) throw new Error(options.left.message)
  const db = new Kysely<object>({ dialect: new MysqlDialect({ pool: mysql.createPool({ ...options.right, database, connectionLimit: 2 }) }) })
  cleanups.push(async () => {
    await db.destroy()
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await admin.end()
  })
  let created = false
  return {
    name: 'mariadb',
    gapless: true,
    open: async (options) => {
      // Emptied before opening: opening sets the table's id sequence to its highest id.
      if (created) await admin.query(`DELETE FROM \`${database}\`.\`${TABLE}\``)
      created = true
      return opened('mariadb', { ...options, kysely: db, tableName: TABLE })
    }
  }
}

/**
 * Run first, whatever the seed: a stale save of a new aggregate holding -0, refused whole, then a fresh save of
 * it. CI drew it once, when the model did not yet know that -0 is refused.
 */
const minusZero: Scenario = {
  ids: ['a', 'İ', 'i'],
  steps: [
    {
      kind: 'stale',
      target: 0,
      age: 0,
      commands: [
        { type: 'Open', owner: '', at: new Date(0) },
        { type: 'Deposit', amounts: [-0, 0], memo: '' }
      ],
      fresh: []
    },
    { kind: 'save', parts: [{ target: 0, commands: [{ type: 'Deposit', amounts: [0], memo: '' }] }] }
  ],
  cipherKey: undefined,
  compressor: undefined,
  clockStart: 0
}

const RUNS = Number(process.env['FAST_CHECK_RUNS'] ?? 200)
const SEED = process.env['FAST_CHECK_SEED'] === undefined ? undefined : Number(process.env['FAST_CHECK_SEED'])

// -------------------------------------------------------------------------------------
// the property
// -------------------------------------------------------------------------------------

const test = suite<{ stores: Array<Store> }>('properties: SQLite, PostgreSQL and MariaDB agree', { stores: [] })

test.before(
  guard('properties: open the stores', async (context) => {
    const url = await mysqlUrl()
    context.stores = [sqliteStore(), await postgresStore(), ...(url === undefined ? [] : [await mysqlStore(url)])]
  })
)

test.after(
  guard('properties: drop the stores', async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })
)

test(`random command sequences give the same outcomes, states, events and log on every store (${RUNS} runs)`, async ({ stores }) => {
  const started = performance.now()
  const seen = { conflicts: 0, saves: 0, refused: 0, unfaithful: 0, encrypted: 0, compressed: 0 }
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      const options = (): ApplicationOptions => {
        const start = s.clockStart
        let ticks = 0
        return {
          persist: [Account],
          ...(s.cipherKey === undefined ? {} : { cipherKey: s.cipherKey }),
          ...(s.compressor === undefined ? {} : { compressor: s.compressor }),
          env: {},
          clock: () => new Date(start + 1000 * ticks++)
        }
      }
      const apps = await Promise.all(stores.map((store) => store.open(options())))
      try {
        const model = modelPort()
        const expected = await play(model, s)
        // All settled before judging: a store still playing must not write into the next run.
        const settled = await Promise.allSettled(apps.map((app) => observe(app, s)))
        const observed = settled.map((o, i) => {
          if (o.status === 'rejected') throw new Error(`${stores[i]?.name}: ${o.reason instanceof Error ? o.reason.message : String(o.reason)}`)
          return o.value
        })
        const [first, ...others] = observed as [Observed, ...Array<Observed>]
        // Against the model: every outcome, and what was saved.
        assert.equal(first.outcomes, expected, `${stores[0]?.name}: outcomes against the model`)
        assert.equal(
          first.log.map(({ originatorId, originatorVersion, payload }) => ({ originatorId, originatorVersion, payload })),
          model.log,
          `${stores[0]?.name}: the log against the model`
        )
        const modelled = await Promise.all(s.ids.map((id) => model.load(id)))
        assert.equal(first.aggregates, modelled.map((a) => ({ version: a.version, state: a.state })), `${stores[0]?.name}: aggregates against the model`)
        // Against each other: everything, timestamps included.
        others.forEach((o, i) => assert.equal(o, { ...first, ids: o.ids }, `${stores[i + 1]?.name} against ${stores[0]?.name}`))
        observed.forEach((o, i) => {
          if (stores[i]?.gapless === true) assert.equal(o.ids, o.ids.map((_, k) => k + 1), `${stores[i]?.name}: ids 1…n`)
          else o.ids.forEach((n, k) => assert.ok(k === 0 || n > (o.ids[k - 1] as number), `${stores[i]?.name}: ids increase`))
        })
        for (const outcome of expected) {
          if (outcome === 'conflict') seen.conflicts++
          else if (outcome === 'saved') seen.saves++
          else if (outcome === UNFAITHFUL) seen.unfaithful++
          else seen.refused++
        }
        if (s.cipherKey !== undefined) seen.encrypted++
        if (s.compressor !== undefined) seen.compressed++
      } finally {
        for (const app of apps) await app.close()
      }
    }),
    { numRuns: RUNS, includeErrorInReport: true, examples: [[minusZero]], ...(SEED === undefined ? {} : { seed: SEED }) }
  )
  console.log(
    `  ${RUNS} runs on ${stores.map((s) => s.name).join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `${seen.saves} saves, ${seen.conflicts} refused as stale, ${seen.refused} refused by the domain, ${seen.unfaithful} refused for -0; ` +
      `${seen.encrypted} runs encrypted, ${seen.compressed} compressed`
  )
  // Not vacuous: the runs did save, and did meet stale saves.
  assert.ok(seen.saves >= RUNS, `only ${seen.saves} saves in ${RUNS} runs`)
  assert.ok(seen.conflicts >= RUNS / 10, `only ${seen.conflicts} stale saves refused in ${RUNS} runs`)
})

test.run()
