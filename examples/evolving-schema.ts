/**
 * Evolving a schema: an event gains a required field after events of the old
 * shape are already stored. The old events stay as they are, and an upcaster
 * lifts them to the new shape on every read. Then snapshots keep a long-lived
 * aggregate quick to load. Every claim is checked at run time.
 *
 *   npx tsx examples/evolving-schema.ts
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/Either'
import type * as TE from 'fp-ts/TaskEither'
import * as t from 'io-ts'
import {
  aggregateKind,
  createApplication,
  describe,
  domainError,
  upcast,
  type Decider,
  type DomainError,
  type EventfoldError
} from '../lib/index.js'

// A small bridge from TaskEither to async/await for a script: a Left is a bug here.
const must = async <A>(task: TE.TaskEither<EventfoldError | DomainError, A>): Promise<A> => {
  const result = await task()
  if (E.isLeft(result)) throw new Error(result.left._tag === 'DomainError' ? result.left.message : describe(result.left))
  return result.right
}
const step = (title: string): void => console.log(`✓ ${title}`)

// --- A library member, as first written ---------------------------------------------------------

type MemberState = { readonly name: string; readonly email: string; readonly loans: number }
type Borrowed = { readonly type: 'Borrowed'; readonly title: string }
type Borrow = { readonly type: 'Borrow'; readonly title: string }

// How many events a decider has folded: it shows what a load had to read.
let folded = 0

const borrow = (state: MemberState, title: string) =>
  state.name === '' ? E.left(domainError('NotAMember', 'join first')) : E.right<DomainError, ReadonlyArray<Borrowed>>([{ type: 'Borrowed', title }])

// The first release: members joined with a name, and nothing else.
type MemberEventV1 = { readonly type: 'Joined'; readonly name: string } | Borrowed
const memberV1: Decider<{ readonly type: 'Join'; readonly name: string } | Borrow, MemberEventV1, MemberState, DomainError> = {
  initialState: { name: '', email: '', loans: 0 },
  evolve: (state, event) => (event.type === 'Joined' ? { name: event.name, email: '', loans: 0 } : { ...state, loans: state.loans + 1 }),
  decide: (command, state) => (command.type === 'Join' ? E.right([{ type: 'Joined', name: command.name }]) : borrow(state, command.title)),
  isTerminal: () => false
}
const JoinedV1 = t.type({ name: t.string }, 'JoinedV1')
const firstRelease = aggregateKind('library#Member', memberV1, { Joined: JoinedV1, Borrowed: t.type({ title: t.string }) })

// The second release: joining now requires an email.
type MemberEvent = { readonly type: 'Joined'; readonly name: string; readonly email: string } | Borrowed
type MemberCommand = { readonly type: 'Join'; readonly name: string; readonly email: string } | Borrow
const member: Decider<MemberCommand, MemberEvent, MemberState, DomainError> = {
  initialState: { name: '', email: '', loans: 0 },
  evolve: (state, event) => {
    folded++
    return event.type === 'Joined' ? { name: event.name, email: event.email, loans: 0 } : { ...state, loans: state.loans + 1 }
  },
  decide: (command, state) =>
    command.type === 'Join'
      ? state.name === ''
        ? E.right([{ type: 'Joined', name: command.name, email: command.email }])
        : E.left(domainError('AlreadyJoined', `${state.name} has joined already`))
      : borrow(state, command.title),
  isTerminal: () => false
}

const directory = mkdtempSync(join(tmpdir(), 'eventfold-example-'))
const uri = `sqlite:///${join(directory, 'library.sqlite')}`

try {
  // --- The first release stores some members ---------------------------------------------------

  const ada = 'member-ada'
  {
    const v1 = await must(createApplication({ uri, persist: [firstRelease], env: {} }))
    await must(v1.handle(firstRelease, ada, { type: 'Join', name: 'Ada' }))
    for (const title of ['Sketch of the Analytical Engine', 'Notes', 'Bernoulli numbers', 'Letters', 'Poems', 'Flyology']) {
      await must(v1.handle(firstRelease, ada, { type: 'Borrow', title }))
    }
    const [joined] = await must(v1.eventStore.recordManager.listItems(ada, { limit: 1 }))
    assert.ok(joined !== undefined)
    assert.match(Buffer.from(joined.state).toString('utf8'), /^\{"timestamp":"[^"]+","data":\{"name":"Ada"\}\}$/)
    await v1.close()
    step('the first release stored Ada: Joined { name } and 6 Borrowed events, with no "v" (version 1)')
  }

  // --- The second release: Joined gains a required email ------------------------------------------

  const JoinedV2 = t.type({ name: t.string, email: t.string }, 'JoinedV2')
  const MemberStateCodec = t.type({ name: t.string, email: t.string, loans: t.number }, 'MemberState')
  const Member = aggregateKind(
    'library#Member',
    member,
    { Joined: JoinedV2, Borrowed: t.type({ title: t.string }) },
    {
      // Old Joined events had no email: the upcaster says so, on every read.
      upcasters: { Joined: upcast(JoinedV1).to(JoinedV2, (v1) => ({ ...v1, email: 'unknown@example.invalid' })) },
      // A snapshot of the state after every save that crosses a multiple of 5.
      snapshots: { state: MemberStateCodec, interval: 5 }
    }
  )
  assert.equal(Member.readers.Joined.version, 2)

  await using app = await must(createApplication({ uri, persist: [Member], env: {} }))
  step('the second release re-opened the same SQLite file, with the new kind and its upcaster')

  const before = await must(app.eventStore.recordManager.listItems(ada))
  const old = await must(app.repository.get(Member, ada))
  assert.equal(old.version, 7)
  assert.deepEqual(old.state, { name: 'Ada', email: 'unknown@example.invalid', loans: 6 })
  const [first] = await must(app.eventStore.listEvents(ada, { limit: 1 }))
  assert.deepEqual(first?.payload, { type: 'Joined', name: 'Ada', email: 'unknown@example.invalid' })
  step('Ada, stored before the change, still loads: her Joined event is upcast to { name, email }')

  const after = await must(app.eventStore.recordManager.listItems(ada))
  assert.deepEqual(after, before)
  step('reading rewrote nothing: the stored events are byte for byte as the first release wrote them')

  const grace = 'member-grace'
  await must(app.handle(Member, grace, { type: 'Join', name: 'Grace', email: 'grace@example.org' }))
  const [graceJoined] = await must(app.eventStore.recordManager.listItems(grace))
  assert.ok(graceJoined !== undefined)
  assert.match(Buffer.from(graceJoined.state).toString('utf8'), /"v":2,"data":\{"name":"Grace","email":"grace@example.org"\}/)
  assert.deepEqual((await must(app.repository.get(Member, grace))).state, { name: 'Grace', email: 'grace@example.org', loans: 0 })
  step('new Joined events are written as version 2, with "v":2 and the email')

  // --- Snapshots ----------------------------------------------------------------------------------

  // Ada is at version 7; three more loans take her to 10, and the save that reaches 10 crosses the interval.
  for (const title of ['Compilers', 'COBOL', 'Nanoseconds']) await must(app.handle(Member, ada, { type: 'Borrow', title }))
  const snapshots = app.snapshots
  assert.ok(snapshots !== undefined)
  const taken = await must(snapshots.recordManager.listItems(ada))
  assert.deepEqual(
    taken.map((s) => s.originatorVersion),
    [10]
  )
  step('the save that took Ada to version 10 crossed the interval of 5, and wrote a snapshot at 10')

  for (const title of ['Cybernetics', 'Sorting and Searching']) await must(app.handle(Member, ada, { type: 'Borrow', title }))
  folded = 0
  const latest = await must(app.repository.get(Member, ada))
  assert.equal(latest.version, 12)
  assert.deepEqual(latest.state, { name: 'Ada', email: 'unknown@example.invalid', loans: 11 })
  assert.equal(folded, 2)
  step('loading Ada at version 12 started from the snapshot at 10 and folded only 2 events')

  // A snapshot on demand, at an earlier version; a load at or after it starts there too.
  await must(app.takeSnapshot(Member, ada, 5))
  folded = 0
  const atSeven = await must(app.repository.get(Member, ada, { version: 7 }))
  assert.deepEqual(atSeven.state, { name: 'Ada', email: 'unknown@example.invalid', loans: 6 })
  assert.equal(folded, 2)
  step('takeSnapshot(Member, ada, 5), then get(ada, { version: 7 }) folded only events 6 and 7')

  await app.close()
  step('application closed')
} finally {
  rmSync(directory, { recursive: true, force: true })
}
