import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/Either'
import ts from 'typescript'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fold, type Decider, type ErrorOf, type StateOf } from '../../lib/domain/Decider.js'
import { domainError, type DomainError } from '../../lib/domain/DomainError.js'
import { deciderSpecification, hasCode } from '../support/decider.js'

// -------------------------------------------------------------------------------------
// a tiny decider: a counter that can be closed
// -------------------------------------------------------------------------------------

type Command = { readonly type: 'Increment'; readonly by: number } | { readonly type: 'Close' }
type Event = { readonly type: 'Incremented'; readonly by: number } | { readonly type: 'Closed' }
interface State {
  readonly count: number
  readonly closed: boolean
}

const counter: Decider<Command, Event, State, DomainError> = {
  initialState: { count: 0, closed: false },
  evolve: (state, event) =>
    event.type === 'Incremented' ? { ...state, count: state.count + event.by } : { ...state, closed: true },
  decide: (command, state) => {
    switch (command.type) {
      case 'Increment':
        if (state.closed) return E.left(domainError('Closed', 'the counter is closed'))
        if (command.by < 0) return E.left(domainError('Negative', 'a counter only counts up'))
        return E.right(command.by === 0 ? [] : [{ type: 'Incremented', by: command.by }])
      case 'Close':
        return E.right(state.closed ? [] : [{ type: 'Closed' }])
    }
  },
  isTerminal: (state) => state.closed
}

const increment = (by: number): Command => ({ type: 'Increment', by })
const close: Command = { type: 'Close' }
const incremented = (by: number): Event => ({ type: 'Incremented', by })
const closed: Event = { type: 'Closed' }

const spec = deciderSpecification(counter)

/**
 * Runs a check of the specification helper and requires it to fail the test
 * with an assertion (uvu's `assert.throws` rethrows assertions, so it cannot
 * be used here).
 */
const failsTheTest = (check: () => void, message?: RegExp): void => {
  try {
    check()
  } catch (error) {
    assert.instance(error, assert.Assertion, 'the check failed with something other than an assertion')
    if (message !== undefined) assert.match((error as assert.Assertion).message, message)
    return
  }
  assert.unreachable('the check passed; it should have failed the test')
}

// A decider whose evolve does not commute, to see the order of a fold.
type Letter = { readonly type: 'Letter'; readonly letter: string }
const word: Decider<never, Letter, string> = {
  initialState: '',
  evolve: (state, event) => state + event.letter,
  decide: () => E.right([]),
  isTerminal: () => false
}
const letters = (s: string): ReadonlyArray<Letter> => [...s].map((letter) => ({ type: 'Letter', letter }))

// Compile-time checks: each line fails the type check if the type lambda is wrong.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
export const stateOfCounter: Equals<StateOf<typeof counter>, State> = true
export const errorOfCounter: Equals<ErrorOf<typeof counter>, DomainError> = true

// -------------------------------------------------------------------------------------
// type checking a snippet, for type lambdas that are wrong today
// -------------------------------------------------------------------------------------

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The type errors of a source file placed (virtually) in spec/domain, checked with the project's options. */
const typeErrors = (source: string): ReadonlyArray<string> => {
  const configFile = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path))
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root)
  const fileName = join(root, 'spec', 'domain', '__type-lambdas__.ts')
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest)
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (name) => name === fileName || fileExists(name)
  const program = ts.createProgram([fileName], options, host)
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(fileName))
    .map((d) => {
      const line = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0
      return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    })
}

// -------------------------------------------------------------------------------------
// specification
// -------------------------------------------------------------------------------------

const test = suite('Decider')

test('fold starts from the initial state and applies the events in order', () => {
  assert.is(fold(word)(letters('abc')), 'abc')
})

test('fold starts from a given state when one is given', () => {
  assert.is(fold(word)(letters('cd'), 'ab'), 'abcd')
})

test('fold of no events is the state it starts from', () => {
  assert.is(fold(counter)([]), counter.initialState)
  const from: State = { count: 7, closed: false }
  assert.is(fold(counter)([], from), from)
})

test('fold does not change the state it starts from', () => {
  const from: State = Object.freeze({ count: 1, closed: false })
  assert.equal(fold(counter)([incremented(2), closed], from), { count: 3, closed: true })
  assert.equal(from, { count: 1, closed: false })
})

test('a fresh counter accepts an increment', () => {
  spec.given([]).when(increment(2)).then([incremented(2)])
})

test('an increment adds to what the history counted', () => {
  spec.given([incremented(2), incremented(3)]).when(increment(4)).thenState({ count: 9, closed: false })
})

test('an increment by zero decides nothing', () => {
  spec.given([incremented(1)]).when(increment(0)).thenNothingHappened()
})

test('a negative increment is refused', () => {
  spec.given([]).when(increment(-1)).thenFails(hasCode('Negative'))
})

test('a closed counter refuses increments', () => {
  spec.given([incremented(1), closed]).when(increment(1)).thenFails(hasCode('Closed'))
})

test('closing a counter twice decides nothing the second time', () => {
  spec.given([]).when(close).then([closed])
  spec.given([closed]).when(close).thenNothingHappened()
})

test('a closed counter is in a terminal state', () => {
  assert.ok(counter.isTerminal(fold(counter)([closed])))
  assert.not.ok(counter.isTerminal(fold(counter)([incremented(1)])))
})

test('the specification fails when the decided events differ from the expected ones', () => {
  failsTheTest(() => spec.given([]).when(increment(2)).then([incremented(3)]))
  failsTheTest(() => spec.given([]).when(increment(2)).then([]))
  failsTheTest(() => spec.given([]).when(increment(2)).thenNothingHappened())
  failsTheTest(() => spec.given([]).when(increment(2)).thenState({ count: 3, closed: false }))
})

test('the specification fails when a refusal was expected and the command was accepted', () => {
  failsTheTest(() => spec.given([]).when(increment(1)).thenFails())
})

test('the specification fails when the command is refused for another reason', () => {
  failsTheTest(() => spec.given([]).when(increment(-1)).thenFails(hasCode('Closed')))
  failsTheTest(() => spec.given([]).when(increment(-1)).then([]))
})

test('the specification fails, rather than crash, when decide throws', () => {
  const throwing = deciderSpecification<Command, Event, State, DomainError>({
    ...counter,
    decide: () => {
      throw new Error('boom')
    }
  })
  failsTheTest(() => throwing.given([]).when(close).then([closed]), /threw instead of returning an Either/)
  failsTheTest(() => throwing.given([]).when(close).thenFails(), /threw instead of returning an Either/)
})

test('CommandOf and EventOf recover the command and event types of a decider', () => {
  const errors = typeErrors(`
    import * as E from 'fp-ts/Either'
    import type { CommandOf, Decider, EventOf } from '../../lib/domain/Decider.js'
    type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
    type Ev = { readonly type: 'Added'; readonly n: number }
    const sum: Decider<number, Ev, number, string> = {
      initialState: 0,
      evolve: (s, e) => s + e.n,
      decide: (n) => (n < 0 ? E.left('negative') : E.right([{ type: 'Added', n }])),
      isTerminal: () => false
    }
    export const command: Equals<CommandOf<typeof sum>, number> = true
    export const event: Equals<EventOf<typeof sum>, Ev> = true
  `)
  assert.equal(errors, [])
})

test.run()
