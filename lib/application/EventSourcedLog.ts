/**
 * An event-sourced log: an unbounded sequence (an index of aggregate ids, say)
 * stored as the numbered events of one stream, with append, first, last and
 * range reads that never load the whole sequence.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { aggregateKind, type AggregateKind } from '../kind/AggregateKind.js'
import type { Decider } from '../domain/Decider.js'
import type { DomainEvent } from '../domain/DomainEvent.js'
import { invalidArgument, type CodecError, type InvalidArgument, type StoreError } from '../errors/EventfoldError.js'
import type { Application, SaveError } from './Application.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The one event of a log: a value was appended.
 *
 * @category model
 * @since 0.1.0
 */
export interface Logged<A> {
  readonly type: 'Logged'
  readonly value: A
}

/**
 * The kind of a log whose entries are `A`s. Register it with the
 * application's `persist` option like any other kind.
 *
 * @category model
 * @since 0.1.0
 */
export type LogKind<A> = AggregateKind<Append<A>, Logged<A>, number, never>

/**
 * The one command of a log.
 *
 * @category model
 * @since 0.1.0
 */
export interface Append<A> {
  readonly type: 'Append'
  readonly value: A
}

/**
 * An entry of a log: its position (from 1), when it was appended, and its value.
 *
 * @category model
 * @since 0.1.0
 */
export interface LogEntry<A> {
  readonly position: number
  readonly timestamp: Date
  readonly value: A
}

/**
 * What reading a log can fail with.
 *
 * @category model
 * @since 0.1.0
 */
export type LogReadError = StoreError | CodecError | InvalidArgument

/**
 * An event-sourced log over one stream. A stream that holds another kind's
 * events (an aggregate's, or another log's) is never read or written as the
 * log: every call on it is an `InvalidArgument`.
 *
 * @category model
 * @since 0.1.0
 */
export interface EventSourcedLog<A> {
  readonly id: string
  /** Appends a value at the next position; retries when another writer took it. */
  readonly append: (value: A) => TE.TaskEither<SaveError, Omit<LogEntry<A>, 'timestamp'>>
  /** The first entry, or `undefined` while the log is empty. */
  readonly first: () => TE.TaskEither<LogReadError, LogEntry<A> | undefined>
  /** The last entry, or `undefined` while the log is empty. */
  readonly last: () => TE.TaskEither<LogReadError, LogEntry<A> | undefined>
  /** The entries at positions `from` to `to`, both inclusive. */
  readonly range: (from: number, to: number) => TE.TaskEither<LogReadError, ReadonlyArray<LogEntry<A>>>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * The kind of a log of values of the given codec.
 *
 * @example
 * import * as t from 'io-ts'
 * import { logKind } from 'eventfold'
 * const CustomerIds = logKind('shop#CustomerIds', t.string)
 *
 * @category constructors
 * @since 0.1.0
 */
export const logKind = <A>(name: string, codec: t.Type<A, unknown, unknown>): LogKind<A> => {
  const decider: Decider<Append<A>, Logged<A>, number, never> = {
    initialState: 0,
    evolve: (count) => count + 1,
    decide: (command) => E.right([{ type: 'Logged', value: command.value }]),
    isTerminal: () => false
  }
  return aggregateKind(name, decider, { Logged: t.type({ value: codec }) } as unknown as { Logged: t.Type<Omit<Logged<A>, 'type'>, unknown, unknown> })
}

const entryOf = <A>(event: DomainEvent): LogEntry<A> => ({
  position: event.originatorVersion,
  timestamp: event.timestamp,
  value: (event.payload as unknown as Logged<A>).value
})

/**
 * A log stored as the stream `id` of an application that persists `kind`.
 *
 * @example
 * import * as assert from 'node:assert/strict'
 * import * as t from 'io-ts'
 * import { createApplication, eventSourcedLog, logKind } from 'eventfold'
 * const CustomerIds = logKind('shop#CustomerIds', t.string)
 * const app = await createApplication({ persist: [CustomerIds], env: {} })()
 * if (app._tag === 'Left') throw new Error(app.left.message)
 * const ids = eventSourcedLog(app.right, CustomerIds, 'customer-ids')
 * await ids.append('c-1')()
 * await ids.append('c-2')()
 * const last = await ids.last()()
 * assert.ok(last._tag === 'Right' && last.right?.value === 'c-2' && last.right.position === 2)
 * await app.right.close()
 *
 * @category constructors
 * @since 0.1.0
 */
export const eventSourcedLog = <A>(app: Application, kind: LogKind<A>, id: string, attempts = 10): EventSourcedLog<A> => {
  const list = app.eventStore.listEvents
  // The stream may be another kind's (an aggregate's, or another log's): never read it, or write into it, as this log.
  const foreign = (topic: string): InvalidArgument =>
    invalidArgument(`the stream ${JSON.stringify(id)} is not a ${kind.name} log: it holds ${topic}`)
  const ours = (topic: string): boolean => topic === kind.topicOf('Logged') || Object.hasOwn(kind.aliases, topic)
  const entries = (events: ReadonlyArray<DomainEvent>): E.Either<InvalidArgument, ReadonlyArray<LogEntry<A>>> => {
    const stranger = events.find((e) => !kind.owns(e))
    return stranger === undefined ? E.right(events.map((e) => entryOf<A>(e))) : E.left(foreign(stranger.topic))
  }
  const one = (desc: boolean) => () =>
    pipe(
      list(id, { desc, limit: 1 }),
      TE.chainEitherKW(entries),
      TE.map((found) => found[0])
    )
  const last = one(true)

  const append = (value: A, attempt = 1): TE.TaskEither<SaveError, Omit<LogEntry<A>, 'timestamp'>> =>
    pipe(
      app.eventStore.recordManager.listItems(id, { desc: true, limit: 1 }),
      TE.chainW((items) => {
        if (items[0] !== undefined && !ours(items[0].topic)) return TE.left(foreign(items[0].topic))
        const version = items[0]?.originatorVersion ?? 0
        const event: Logged<A> = { type: 'Logged', value }
        return pipe(
          app.save({ kind: kind.name, id, version: version + 1, state: version + 1, pending: [event] }),
          TE.map(() => ({ position: version + 1, value }))
        )
      }),
      TE.orElse((e) => (e._tag === 'ConcurrencyError' && attempt < attempts ? append(value, attempt + 1) : TE.left(e)))
    )

  return {
    id,
    // A log of a kind the application only reads would "append" without writing.
    append: (value) =>
      app.persistencePolicy.persists(kind.name)
        ? append(value)
        : TE.left(invalidArgument(`the log kind ${kind.name} is not persisted by this application: give it in the persist option`)),
    first: one(false),
    last,
    range: (from, to) =>
      Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 1 && to >= from
        ? pipe(
            list(id, { gt: from - 1, lte: to }),
            TE.chainEitherKW(entries)
          )
        : TE.left(invalidArgument(`a log range runs from 1 <= from <= to, not ${from} to ${to}`))
  }
}
