/** Aggregate kinds shared by the application specs. */
import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { aggregateKind, attributes, DateFromISOString, domainError, type Decider, type DomainError } from '../../lib/index.js'

export type CounterEvent =
  | { readonly type: 'Opened'; readonly at: Date }
  | { readonly type: 'Added'; readonly by: number }
  | { readonly type: 'Closed' }

export type CounterCommand = { readonly type: 'Open'; readonly at: Date } | { readonly type: 'Add'; readonly by: number } | { readonly type: 'Close' }

export type CounterState = { readonly status: 'new' | 'open' | 'closed'; readonly total: number; readonly openedAt?: Date }

export const counterDecider: Decider<CounterCommand, CounterEvent, CounterState, DomainError> = {
  initialState: { status: 'new', total: 0 },
  evolve: (state, event) => {
    switch (event.type) {
      case 'Opened':
        return { status: 'open', total: 0, openedAt: event.at }
      case 'Added':
        return { ...state, total: state.total + event.by }
      case 'Closed':
        return { ...state, status: 'closed' }
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'Open':
        return state.status === 'new' ? E.right([{ type: 'Opened', at: command.at }]) : E.left(domainError('AlreadyOpen', 'open already'))
      case 'Add':
        return state.status === 'open' ? E.right([{ type: 'Added', by: command.by }]) : E.left(domainError('NotOpen', 'not open'))
      case 'Close':
        return state.status === 'open' ? E.right([{ type: 'Closed' }]) : E.left(domainError('NotOpen', 'not open'))
    }
  },
  isTerminal: (state) => state.status === 'closed'
}

export const Counter = aggregateKind('spec#Counter', counterDecider, {
  Opened: t.type({ at: DateFromISOString }),
  Added: t.type({ by: t.number }),
  Closed: t.type({})
})

export const Note = attributes('spec#Note', { text: t.string, stars: t.number })
