// Upcasting and topic aliases, on every store: events stored in older shapes,
// or under older topics, read as today's, with nothing rewritten; a faulty
// upcaster, or a version from the future, is a DecodeError that says where.
import { randomUUID } from 'node:crypto'
import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  aggregateKind,
  createApplication,
  describe,
  domainError,
  upcast,
  type Application,
  type Decider,
  type DomainError,
  type DomainEvent,
  type EventUpcasters,
  type StoredEvent
} from '../../lib/index.js'
import { dialects, dump, rawState, rowsOf } from '../support/app-dialects.js'
import { guard } from '../support/hooks.js'
import { expectLeft, expectRight } from '../store/conformance.js'

// -------------------------------------------------------------------------------------
// an account whose Deposited event changed shape twice, and whose Withdrawn was renamed
// -------------------------------------------------------------------------------------

const NAME = 'spec#Account'

/** Version 1: an amount in cents. */
const DepositedV1 = t.type({ amount: t.number }, 'DepositedV1')
/** Version 2: and its currency (a required field; old deposits were in euros). */
const DepositedV2 = t.type({ amount: t.number, currency: t.string }, 'DepositedV2')
/** Version 3: the money as one value, and a memo. */
const DepositedV3 = t.type({ money: t.type({ cents: t.number, currency: t.string }), memo: t.string }, 'DepositedV3')

type AccountEvent =
  | { readonly type: 'Opened'; readonly owner: string }
  | ({ readonly type: 'Deposited' } & t.TypeOf<typeof DepositedV3>)
  | { readonly type: 'Withdrawn'; readonly cents: number }

type AccountCommand =
  | { readonly type: 'Open'; readonly owner: string }
  | { readonly type: 'Deposit'; readonly cents: number; readonly currency: string; readonly memo: string }

interface AccountState {
  readonly owner: string
  readonly balances: { readonly [currency: string]: number }
  readonly memos: ReadonlyArray<string>
}

const account: Decider<AccountCommand, AccountEvent, AccountState, DomainError> = {
  initialState: { owner: '', balances: {}, memos: [] },
  evolve: (state, event) => {
    switch (event.type) {
      case 'Opened':
        return { ...state, owner: event.owner }
      case 'Deposited': {
        const { cents, currency } = event.money
        return { ...state, balances: { ...state.balances, [currency]: (state.balances[currency] ?? 0) + cents }, memos: [...state.memos, event.memo] }
      }
      case 'Withdrawn':
        return { ...state, balances: { ...state.balances, EUR: (state.balances['EUR'] ?? 0) - event.cents } }
    }
  },
  decide: (command, state) => {
    if (command.type === 'Open') return state.owner === '' ? E.right([{ type: 'Opened', owner: command.owner }]) : E.left(domainError('Open', 'open'))
    return E.right([{ type: 'Deposited', money: { cents: command.cents, currency: command.currency }, memo: command.memo }])
  },
  isTerminal: () => false
}

const events = {
  Opened: t.type({ owner: t.string }),
  Deposited: DepositedV3,
  Withdrawn: t.type({ cents: t.number })
}

const depositedChain = upcast(DepositedV1)
  .to(DepositedV2, (v1) => ({ ...v1, currency: 'EUR' }))
  .to(DepositedV3, (v2) => ({ money: { cents: v2.amount, currency: v2.currency }, memo: '' }))

const accountKind = (upcasters: EventUpcasters<AccountEvent> = { Deposited: depositedChain }) =>
  aggregateKind(NAME, account, events, {
    upcasters,
    // Withdrawn was once called Debited; before that, the kind was called Purse.
    aliases: { [`${NAME}.Debited`]: 'Withdrawn', 'spec#Purse.Withdrawn': 'Withdrawn' }
  })

const Account = accountKind()

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const at = (n: number): string => new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString()

/** A stored event written by hand, as an older version of the code wrote it. */
const raw = (id: string, version: number, type: string, data: unknown, schemaVersion = 1, topic = `${NAME}.${type}`): StoredEvent => ({
  originatorId: id,
  originatorVersion: version,
  topic,
  state: rawState(data, schemaVersion, at(version))
})

const insert = (app: Application, ...items: ReadonlyArray<StoredEvent>) => expectRight(app.eventStore.recordManager.insertItems(items))

const payloads = (events: ReadonlyArray<DomainEvent>) => events.map((e) => e.payload)

for (const dialect of await dialects()) {
  const test = suite(`upcasting: ${dialect.name}`)
  test.after(guard(`upcasting: ${dialect.name}: teardown`, dialect.teardown))

  const fresh = (kind = Account): Promise<Application> => dialect.store().open({ persist: [kind] })

  test('events stored at versions 1, 2 and 3 read as the newest shape, and nothing in the store is rewritten', async () => {
    const app = await fresh()
    const id = randomUUID()
    await insert(
      app,
      raw(id, 1, 'Opened', { owner: 'Ada' }),
      raw(id, 2, 'Deposited', { amount: 100 }), // {"timestamp":…,"data":{"amount":100}}
      raw(id, 3, 'Deposited', { amount: 250, currency: 'GBP' }, 2), // {"timestamp":…,"v":2,"data":…}
      raw(id, 4, 'Deposited', { money: { cents: 5, currency: 'USD' }, memo: 'tip' }, 3)
    )
    const before = await dump(app.eventStore.recordManager)
    assert.match(before[1]?.state ?? '', /^\{"timestamp":"[^"]+","data":\{"amount":100\}\}$/)
    assert.match(before[2]?.state ?? '', /^\{"timestamp":"[^"]+","v":2,"data":/)

    const newest = [
      { type: 'Opened', owner: 'Ada' },
      { type: 'Deposited', money: { cents: 100, currency: 'EUR' }, memo: '' },
      { type: 'Deposited', money: { cents: 250, currency: 'GBP' }, memo: '' },
      { type: 'Deposited', money: { cents: 5, currency: 'USD' }, memo: 'tip' }
    ]
    const listed = await expectRight(app.eventStore.listEvents(id))
    assert.equal(payloads(listed), newest)
    assert.equal(listed.map((e) => e.timestamp.toISOString()), [at(1), at(2), at(3), at(4)])
    // The notification log reads them the same way.
    assert.equal(payloads(await expectRight(app.reader().read())), newest)
    const loaded = await expectRight(app.repository.get(Account, id))
    assert.is(loaded.version, 4)
    assert.equal(loaded.state, { owner: 'Ada', balances: { EUR: 100, GBP: 250, USD: 5 }, memos: ['', '', 'tip'] })

    assert.equal(await dump(app.eventStore.recordManager), before, 'reading rewrote nothing')
  })

  test('new events are written at the newest version, and unversioned types without "v"', async () => {
    const app = await fresh()
    const id = randomUUID()
    await expectRight(app.handle(Account, id, { type: 'Open', owner: 'Ada' }))
    await expectRight(app.handle(Account, id, { type: 'Deposit', cents: 7, currency: 'CHF', memo: 'new' }))
    const [opened, deposited] = await rowsOf(app.eventStore.recordManager, id)
    assert.match(opened?.state ?? '', /^\{"timestamp":"[^"]+","data":\{"owner":"Ada"\}\}$/)
    assert.match(deposited?.state ?? '', /^\{"timestamp":"[^"]+","v":3,"data":\{"money":\{"cents":7,"currency":"CHF"\},"memo":"new"\}\}$/)
    // And they read back as they were written, with no upcaster run.
    assert.equal((await expectRight(app.repository.get(Account, id))).state.memos, ['new'])
  })

  test('events stored under a renamed topic read as today’s event type, through aliases', async () => {
    const app = await fresh()
    const id = randomUUID()
    await insert(
      app,
      raw(id, 1, 'Opened', { owner: 'Ada' }),
      raw(id, 2, 'Deposited', { amount: 500 }),
      raw(id, 3, 'Debited', { cents: 30 }), // the old name of the type
      raw(id, 4, 'Withdrawn', { cents: 20 }, 1, 'spec#Purse.Withdrawn') // the old name of the kind
    )
    const before = await dump(app.eventStore.recordManager)
    const listed = await expectRight(app.eventStore.listEvents(id))
    assert.equal(listed.map((e) => e.topic), [`${NAME}.Opened`, `${NAME}.Deposited`, `${NAME}.Withdrawn`, `${NAME}.Withdrawn`])
    assert.equal(payloads(listed).slice(2), [
      { type: 'Withdrawn', cents: 30 },
      { type: 'Withdrawn', cents: 20 }
    ])
    assert.ok(listed.every(Account.owns))
    assert.equal((await expectRight(app.repository.get(Account, id))).state.balances, { EUR: 450 })
    assert.equal(await dump(app.eventStore.recordManager), before)
    // Without the aliases, the old topics are unknown.
    const forgetful = await fresh(aggregateKind(NAME, account, events, { upcasters: { Deposited: depositedChain } }))
    await insert(forgetful, raw(id, 1, 'Opened', { owner: 'Ada' }), raw(id, 2, 'Debited', { cents: 30 }))
    assert.equal(await expectLeft(forgetful.repository.get(Account, id)), { _tag: 'UnknownTopic', topic: `${NAME}.Debited` })
  })

  test('an upcaster whose result its target codec rejects is a DecodeError naming the step', async () => {
    const steps = [
      [
        'v1→v2 forgets the currency',
        upcast(DepositedV1)
          .to(DepositedV2, (v1) => ({ amount: v1.amount }) as t.TypeOf<typeof DepositedV2>)
          .to(DepositedV3, (v2) => ({ money: { cents: v2.amount, currency: v2.currency }, memo: '' })),
        1,
        'upcast v1→v2'
      ],
      [
        'v2→v3 writes a string for cents',
        upcast(DepositedV1)
          .to(DepositedV2, (v1) => ({ ...v1, currency: 'EUR' }))
          .to(DepositedV3, (v2) => ({ money: { cents: String(v2.amount) as unknown as number, currency: v2.currency }, memo: '' })),
        2,
        'upcast v2→v3'
      ],
      [
        'v1→v2 throws',
        upcast(DepositedV1)
          .to(DepositedV2, (): t.TypeOf<typeof DepositedV2> => {
            throw new Error('no currency for you')
          })
          .to(DepositedV3, (v2) => ({ money: { cents: v2.amount, currency: v2.currency }, memo: '' })),
        1,
        'upcast v1→v2'
      ]
    ] as const
    for (const [why, chain, stored, path] of steps) {
      const app = await fresh(accountKind({ Deposited: chain }))
      const id = randomUUID()
      const data = stored === 1 ? { amount: 100 } : { amount: 100, currency: 'GBP' }
      await insert(app, raw(id, 1, 'Opened', { owner: 'Ada' }), raw(id, 2, 'Deposited', data, stored))
      const error = await expectLeft(app.repository.get(Account, id))
      assert.is(error._tag, 'DecodeError', why)
      assert.ok(error._tag === 'DecodeError')
      assert.is(error.topic, `${NAME}.Deposited`, why)
      assert.is(error.path, path, why)
      assert.match(describe(error), path, why)
      assert.is((await expectLeft(app.eventStore.listEvents(id)))._tag, 'DecodeError', why)
    }
  })

  test('a stored version newer than the code knows is a DecodeError, as is a version of a type that never had one', async () => {
    const app = await fresh()
    const id = randomUUID()
    await insert(app, raw(id, 1, 'Opened', { owner: 'Ada' }), raw(id, 2, 'Deposited', { money: { cents: 1, currency: 'EUR' }, memo: '', tax: 0 }, 4))
    const newer = await expectLeft(app.repository.get(Account, id))
    assert.is(newer._tag, 'DecodeError')
    assert.match(describe(newer), /stored version 4 is not one of versions 1 to 3/)

    const other = randomUUID()
    await insert(app, raw(other, 1, 'Opened', { owner: 'Ada' }, 2))
    const unversioned = await expectLeft(app.repository.get(Account, other))
    assert.is(unversioned._tag, 'DecodeError')
    assert.match(describe(unversioned), /stored version 2 is not one of versions 1 to 1/)

    for (const bad of ['"two"', '0', '-1', '1.5']) {
      const id = randomUUID()
      const state = Buffer.from(`{"timestamp":"${at(1)}","v":${bad},"data":{"owner":"Ada"}}`)
      await insert(app, { originatorId: id, originatorVersion: 1, topic: `${NAME}.Opened`, state })
      assert.is((await expectLeft(app.repository.get(Account, id)))._tag, 'DecodeError', bad)
    }
  })

  test('an old event that does not fit its own version’s codec is a DecodeError that says which version it was read as', async () => {
    const app = await fresh()
    const id = randomUUID()
    await insert(app, raw(id, 1, 'Opened', { owner: 'Ada' }), raw(id, 2, 'Deposited', { amount: 'a hundred' }))
    const error = await expectLeft(app.repository.get(Account, id))
    assert.is(error._tag, 'DecodeError')
    assert.match(describe(error), 'as version 1:')
  })

  test('old events and new ones mix in one aggregate, and commands decide against the upcast state', async () => {
    const app = await fresh()
    const id = randomUUID()
    await insert(app, raw(id, 1, 'Opened', { owner: 'Ada' }), raw(id, 2, 'Deposited', { amount: 100 }))
    const decided = await expectRight(app.handle(Account, id, { type: 'Deposit', cents: 50, currency: 'EUR', memo: 'more' }))
    assert.is(decided.version, 3)
    assert.equal(decided.state.balances, { EUR: 150 })
    const rows = await rowsOf(app.eventStore.recordManager, id)
    assert.equal(rows.map((r) => (r.state.includes('"v":3') ? 3 : 1)), [1, 1, 3])
  })

  test.run()
}

// -------------------------------------------------------------------------------------
// settings
// -------------------------------------------------------------------------------------

const settings = suite('upcasting: settings')

settings('an alias that names no event type of its kind, or claims a topic already taken, is InvalidConfig', async () => {
  const unknownType = aggregateKind(NAME, account, events, { aliases: { 'spec#Old.Thing': 'Nope' as 'Opened' } })
  assert.is((await expectLeft(createApplication({ persist: [unknownType], env: {} })))._tag, 'InvalidConfig')
  const taken = aggregateKind(NAME, account, events, { aliases: { [`${NAME}.Opened`]: 'Withdrawn' } })
  assert.is((await expectLeft(createApplication({ persist: [taken], env: {} })))._tag, 'InvalidConfig')
  const other = aggregateKind('spec#Other', account, events)
  const stealing = aggregateKind(NAME, account, events, { aliases: { 'spec#Other.Opened': 'Opened' } })
  assert.is((await expectLeft(createApplication({ persist: [other, stealing], env: {} })))._tag, 'InvalidConfig')
})

settings.run()
