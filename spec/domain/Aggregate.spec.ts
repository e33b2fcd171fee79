import { pipe } from 'fp-ts/function'
import * as E from 'fp-ts/Either'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  execute,
  expectedVersion,
  initial,
  isLive,
  markSaved,
  replay,
  type Aggregate
} from '../../lib/domain/Aggregate.js'
import type { Decider } from '../../lib/domain/Decider.js'
import { domainError, type DomainError } from '../../lib/domain/DomainError.js'
import { leftOf, rightOf } from '../support/decider.js'

// -------------------------------------------------------------------------------------
// a tiny decider: an account
// -------------------------------------------------------------------------------------

type Command =
  | { readonly type: 'Deposit'; readonly amounts: ReadonlyArray<number> }
  | { readonly type: 'Withdraw'; readonly amount: number }
  | { readonly type: 'Close' }
type Event =
  | { readonly type: 'Deposited'; readonly amount: number }
  | { readonly type: 'Withdrawn'; readonly amount: number }
  | { readonly type: 'Closed' }
interface State {
  readonly balance: number
  readonly open: boolean
}

const account: Decider<Command, Event, State, DomainError> = {
  initialState: { balance: 0, open: true },
  evolve: (state, event) => {
    switch (event.type) {
      case 'Deposited':
        return { ...state, balance: state.balance + event.amount }
      case 'Withdrawn':
        return { ...state, balance: state.balance - event.amount }
      case 'Closed':
        return { ...state, open: false }
    }
  },
  decide: (command, state) => {
    if (!state.open) return E.left(domainError('Closed', 'the account is closed'))
    switch (command.type) {
      case 'Deposit':
        return E.right(command.amounts.map((amount) => ({ type: 'Deposited', amount })))
      case 'Withdraw':
        return command.amount > state.balance
          ? E.left(domainError('InsufficientFunds', `cannot withdraw ${command.amount}`))
          : E.right([{ type: 'Withdrawn', amount: command.amount }])
      case 'Close':
        return E.right([{ type: 'Closed' }])
    }
  },
  isTerminal: (state) => !state.open
}

const deposit = (...amounts: ReadonlyArray<number>): Command => ({ type: 'Deposit', amounts })
const withdraw = (amount: number): Command => ({ type: 'Withdraw', amount })
const close: Command = { type: 'Close' }
const deposited = (amount: number): Event => ({ type: 'Deposited', amount })
const withdrawn = (amount: number): Event => ({ type: 'Withdrawn', amount })
const closed: Event = { type: 'Closed' }

const run = execute(account)
const fresh = (): Aggregate<State, Event> => initial(account)('Account', 'acc-1')

/** Runs commands one after the other; the first refusal stops the run. */
const runAll =
  (...commands: ReadonlyArray<Command>) =>
  (aggregate: Aggregate<State, Event>): E.Either<DomainError, Aggregate<State, Event>> =>
    commands.reduce<E.Either<DomainError, Aggregate<State, Event>>>((acc, c) => pipe(acc, E.chain(run(c))), E.right(aggregate))

/** Freezes a value and everything it holds, so that any mutation throws (modules run in strict mode). */
const deepFreeze = <A>(value: A): A => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
}

// -------------------------------------------------------------------------------------
// specification
// -------------------------------------------------------------------------------------

const test = suite('Aggregate')

test('a new aggregate has its kind and id, version 0, the initial state and nothing pending', () => {
  assert.equal(fresh(), { kind: 'Account', id: 'acc-1', version: 0, state: account.initialState, pending: [] })
})

test('executing a command advances the version, folds the state and records the events as pending', () => {
  const after = rightOf(() => run(deposit(5))(fresh()))
  assert.is(after.version, 1)
  assert.equal(after.state, { balance: 5, open: true })
  assert.equal(after.pending, [deposited(5)])
  assert.is(after.kind, 'Account')
  assert.is(after.id, 'acc-1')
})

test('a command that decides several events advances the version by their number', () => {
  const after = rightOf(() => run(deposit(1, 2, 3))(fresh()))
  assert.is(after.version, 3)
  assert.is(after.state.balance, 6)
  assert.equal(after.pending, [deposited(1), deposited(2), deposited(3)])
})

test('pending events accumulate over commands, oldest first', () => {
  const after = rightOf(() => runAll(deposit(10), withdraw(4), deposit(1))(fresh()))
  assert.is(after.version, 3)
  assert.is(after.state.balance, 7)
  assert.equal(after.pending, [deposited(10), withdrawn(4), deposited(1)])
})

test('a command that decides no event leaves the version, state and pending events as they were', () => {
  const before = rightOf(() => run(deposit(2))(fresh()))
  const after = rightOf(() => run(deposit())(before))
  assert.is(after.version, before.version)
  assert.equal(after.state, before.state)
  assert.equal(after.pending, before.pending)
})

test('a command is decided against the current state, pending events included', () => {
  const refused = leftOf(() => runAll(deposit(3), withdraw(5))(fresh()))
  assert.equal(refused, domainError('InsufficientFunds', 'cannot withdraw 5'))
  rightOf(() => runAll(deposit(3), deposit(2), withdraw(5))(fresh()))
})

test('a refused command returns the domain error untouched', () => {
  const closedAccount = rightOf(() => run(close)(fresh()))
  const error = leftOf(() => run(deposit(1))(closedAccount))
  assert.equal(error, { _tag: 'DomainError', code: 'Closed', message: 'the account is closed' })
})

test('executing is pure: the input aggregate is unchanged, even when frozen', () => {
  const before = deepFreeze(rightOf(() => run(deposit(4))(fresh())))
  const snapshot = structuredClone(before)
  const after = rightOf(() => run(deposit(6))(before))
  assert.equal(before, snapshot)
  assert.is.not(after.pending, before.pending)
  assert.equal(after.pending, [deposited(4), deposited(6)])
  leftOf(() => run(withdraw(100))(before))
  assert.equal(before, snapshot)
})

test('executing the same command twice on the same aggregate gives equal results', () => {
  const start = fresh()
  assert.equal(run(deposit(1, 2))(start), run(deposit(1, 2))(start))
})

test('replay folds stored events into the state, with the version of the last event and nothing pending', () => {
  const aggregate = replay(account)('Account', 'acc-1', [deposited(10), withdrawn(3), deposited(1)])
  assert.equal(aggregate, { kind: 'Account', id: 'acc-1', version: 3, state: { balance: 8, open: true }, pending: [] })
})

test('replay of no events is the new aggregate', () => {
  assert.equal(replay(account)('Account', 'acc-1', []), fresh())
})

test('replay continues from a snapshot: its version plus the events after it', () => {
  const aggregate = replay(account)('Account', 'acc-1', [deposited(5), closed], {
    version: 10,
    state: { balance: 100, open: true }
  })
  assert.is(aggregate.version, 12)
  assert.equal(aggregate.state, { balance: 105, open: false })
  assert.equal(aggregate.pending, [])
})

test('replaying the events an aggregate decided gives the same version and state', () => {
  const decided = rightOf(() => runAll(deposit(10, 5), withdraw(7), close)(fresh()))
  const replayed = replay(account)('Account', 'acc-1', decided.pending)
  assert.is(replayed.version, decided.version)
  assert.equal(replayed.state, decided.state)
})

test('markSaved clears the pending events and keeps the version and state', () => {
  const decided = rightOf(() => run(deposit(1, 2))(fresh()))
  const saved = markSaved(decided)
  assert.equal(saved, { ...decided, pending: [] })
  assert.equal(decided.pending, [deposited(1), deposited(2)], 'markSaved changed its input')
})

test('markSaved returns an aggregate with nothing pending as it is', () => {
  const loaded = replay(account)('Account', 'acc-1', [deposited(1)])
  assert.is(markSaved(loaded), loaded)
})

test('the expected version is the version the pending events were decided against', () => {
  assert.is(expectedVersion(fresh()), 0)
  const loaded = replay(account)('Account', 'acc-1', [deposited(1), deposited(2), deposited(3)])
  assert.is(expectedVersion(loaded), 3)
  const decided = rightOf(() => runAll(deposit(4, 5), withdraw(1))(loaded))
  assert.is(decided.version, 6)
  assert.is(expectedVersion(decided), 3)
  assert.is(expectedVersion(markSaved(decided)), 6)
})

test('an aggregate is live once it has an event, and until it reaches a terminal state', () => {
  const live = isLive(account)
  assert.not.ok(live(fresh()), 'a new aggregate is not live')
  assert.ok(live(replay(account)('Account', 'acc-1', [deposited(1)])))
  assert.ok(live(rightOf(() => run(deposit(1))(fresh()))), 'pending events count')
  assert.not.ok(live(replay(account)('Account', 'acc-1', [deposited(1), closed])), 'a closed account is not live')
})

test('an aggregate with events but a state no different from the initial one is live', () => {
  assert.ok(isLive(account)(replay(account)('Account', 'acc-1', [deposited(0)])))
})

test('the documented example sums 2 and 3 at version 2', () => {
  type Added = { readonly type: 'Added'; readonly n: number }
  const sum: Decider<number, Added, number> = {
    initialState: 0,
    evolve: (s, e) => s + e.n,
    decide: (n) => E.right([{ type: 'Added', n }]),
    isTerminal: () => false
  }
  const result = rightOf(() => pipe(initial(sum)('Sum', 'id-1'), execute(sum)(2), E.chain(execute(sum)(3))))
  assert.equal(result, {
    kind: 'Sum',
    id: 'id-1',
    version: 2,
    state: 5,
    pending: [
      { type: 'Added', n: 2 },
      { type: 'Added', n: 3 }
    ]
  })
})

test.run()
