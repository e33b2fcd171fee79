/**
 * The ledger: a small kind whose state is plain JSON, for the snapshot and
 * cache specs. `ledgerKind(options)` builds it with any snapshot settings;
 * `LedgerV2` is the same ledger after its state gained a field (`largest`).
 */
import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { aggregateKind, domainError, type Aggregate, type Decider, type DomainError, type KindOptions } from '../../lib/index.js'

export type LedgerEvent =
  | { readonly type: 'Opened'; readonly owner: string }
  | { readonly type: 'Deposited'; readonly amount: number }
  | { readonly type: 'Closed' }

export type LedgerCommand =
  | { readonly type: 'Open'; readonly owner: string }
  | { readonly type: 'Deposit'; readonly amount: number }
  | { readonly type: 'Close' }

export interface LedgerState {
  readonly owner: string
  readonly balance: number
  readonly deposits: number
  readonly closed: boolean
}

export const LedgerStateV1 = t.type({ owner: t.string, balance: t.number, deposits: t.number, closed: t.boolean }, 'LedgerStateV1')

export const ledgerDecider: Decider<LedgerCommand, LedgerEvent, LedgerState, DomainError> = {
  initialState: { owner: '', balance: 0, deposits: 0, closed: false },
  evolve: (state, event) => {
    switch (event.type) {
      case 'Opened':
        return { ...state, owner: event.owner }
      case 'Deposited':
        return { ...state, balance: state.balance + event.amount, deposits: state.deposits + 1 }
      case 'Closed':
        return { ...state, closed: true }
    }
  },
  decide: (command, state) => {
    if (state.closed) return E.left(domainError('Closed', 'the ledger is closed'))
    switch (command.type) {
      case 'Open':
        return state.owner === '' ? E.right([{ type: 'Opened', owner: command.owner }]) : E.left(domainError('Open', 'open already'))
      case 'Deposit':
        return state.owner === '' ? E.left(domainError('NotOpen', 'not open')) : E.right([{ type: 'Deposited', amount: command.amount }])
      case 'Close':
        return E.right([{ type: 'Closed' }])
    }
  },
  isTerminal: (state) => state.closed
}

export const LEDGER = 'spec#Ledger'

export const ledgerEvents = {
  Opened: t.type({ owner: t.string }),
  Deposited: t.type({ amount: t.number }),
  Closed: t.type({})
}

/** The ledger kind with the given options (snapshots, say). */
export const ledgerKind = (options: KindOptions<LedgerEvent, LedgerState> = {}) => aggregateKind(LEDGER, ledgerDecider, ledgerEvents, options)

export type Ledger = ReturnType<typeof ledgerKind>

// -------------------------------------------------------------------------------------
// the same ledger after its state gained a field
// -------------------------------------------------------------------------------------

export interface LedgerStateV2 extends LedgerState {
  /** The largest deposit; -1 when unknown (a state upcast from version 1 cannot know it). */
  readonly largest: number
}

export const LedgerStateV2 = t.type(
  { owner: t.string, balance: t.number, deposits: t.number, closed: t.boolean, largest: t.number },
  'LedgerStateV2'
)

export const ledgerDeciderV2: Decider<LedgerCommand, LedgerEvent, LedgerStateV2, DomainError> = {
  ...ledgerDecider,
  initialState: { ...ledgerDecider.initialState, largest: 0 },
  evolve: (state, event) => ({
    ...ledgerDecider.evolve(state, event),
    largest: event.type === 'Deposited' ? Math.max(state.largest, event.amount) : state.largest
  })
}

/** The ledger with state version 2, under the same name. */
export const ledgerKindV2 = (options: KindOptions<LedgerEvent, LedgerStateV2> = {}) =>
  aggregateKind(LEDGER, ledgerDeciderV2, ledgerEvents, options)

export type LedgerV2 = ReturnType<typeof ledgerKindV2>

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const ok = <A>(either: E.Either<DomainError, A>): A => {
  if (E.isLeft(either)) throw new Error(`the command was refused: ${either.left.message}`)
  return either.right
}

/** Runs commands against an aggregate, keeping their events pending. */
export const run = <S extends LedgerState>(
  execute: (command: LedgerCommand) => (aggregate: Aggregate<S, LedgerEvent>) => E.Either<DomainError, Aggregate<S, LedgerEvent>>,
  aggregate: Aggregate<S, LedgerEvent>,
  ...commands: ReadonlyArray<LedgerCommand>
): Aggregate<S, LedgerEvent> => commands.reduce((a, c) => ok(execute(c)(a)), aggregate)

export const open = (owner: string): LedgerCommand => ({ type: 'Open', owner })
export const deposit = (amount: number): LedgerCommand => ({ type: 'Deposit', amount })

/** The ledger's state after opening for `owner` and depositing `amounts`, computed without a store. */
export const expectedState = (owner: string, amounts: ReadonlyArray<number>): LedgerState => ({
  owner,
  balance: amounts.reduce((a, b) => a + b, 0),
  deposits: amounts.length,
  closed: false
})
