/**
 * The seed's "Application layer" walkthrough, step by step, in functional
 * TypeScript. Every assertion the seed makes is checked at run time.
 *
 *   npm start
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import * as E from 'fp-ts/Either'
import * as TE from 'fp-ts/TaskEither'
import { pipe } from 'fp-ts/function'
import * as t from 'io-ts'
import {
  AggregateRoot,
  attributes,
  attributesOf,
  changeAttribute,
  create,
  createApplication,
  describe,
  discard,
  encodedRandomBytes,
  type EventfoldError
} from '../lib/index.js'

// A small bridge from TaskEither to async/await for a script: a Left is a bug here.
const must = async <A>(task: TE.TaskEither<EventfoldError | { readonly message: string }, A>): Promise<A> => {
  const result = await task()
  if (E.isLeft(result)) {
    throw new Error('_tag' in result.left ? describe(result.left as EventfoldError) : result.left.message)
  }
  return result.right
}
const ok = <A>(either: E.Either<{ readonly message: string }, A>): A => {
  if (E.isLeft(either)) throw new Error(either.left.message)
  return either.right
}
const step = (title: string): void => console.log(`✓ ${title}`)

// --- Application object ---------------------------------------------------------------

// Keep this safe (random bytes encoded with Base64).
const cipherKey = encodedRandomBytes(32)

const application = await must(
  createApplication({
    uri: 'sqlite:///:memory:',
    cipherKey,
    persist: [AggregateRoot] // the seed's persist_event_type=AggregateRoot.Event
  })
)
step('application built on sqlite:///:memory: with a 32-byte AES key')

// Event store, persistence policy, repository.
assert.equal(typeof application.eventStore.listEvents, 'function')
assert.equal(application.eventStore.recordManager.dialect, 'sqlite')
step('it has an event store')
assert.ok(application.persistencePolicy.persists(AggregateRoot.name))
step('it has a persistence policy that persists AggregateRoot events')
assert.equal(typeof application.repository.get, 'function')
step('it has a repository')

// --- The generic AggregateRoot ------------------------------------------------------------

// obj = AggregateRoot.__create__(); obj.__change_attribute__(name='a', value=1)
const obj = ok(
  pipe(
    AggregateRoot.initial(randomUUID()),
    AggregateRoot.execute(create({})),
    E.chain(AggregateRoot.execute(changeAttribute('a', 1)))
  )
)
assert.equal(attributesOf(obj.state)?.['a'], 1)
const [saved] = await must(application.save(obj)) // obj.__save__()
step('created an AggregateRoot, set a = 1, saved it')

// Check the repository has the latest values.
const copy = await must(application.repository.get(AggregateRoot, saved.id))
assert.equal(attributesOf(copy.state)?.['a'], 1)
step('the repository has the latest values: a == 1')

// Check the aggregate can be discarded.
await must(application.save(ok(AggregateRoot.execute(discard)(copy))))
assert.equal(await must(application.repository.has(saved.id)), false)
step('the aggregate can be discarded: no longer in the repository')

// Check optimistic concurrency control is working ok.
const stale = ok(AggregateRoot.execute(changeAttribute('a', 2))(saved))
const conflict = await application.save(stale)()
assert.ok(E.isLeft(conflict) && conflict.left._tag === 'ConcurrencyError', "Shouldn't get here")
assert.equal((await must(application.eventStore.recordManager.listItems(saved.id))).length, 3)
step('saving a stale copy gives ConcurrencyError, and nothing is written')

// The state is encrypted: the attribute's value is not readable in the store.
const [firstItem] = await must(application.eventStore.recordManager.listItems(saved.id))
assert.ok(firstItem !== undefined && !Buffer.from(firstItem.state).toString('latin1').includes('"a"'))
step('stored state is encrypted with the cipher key')

// --- Notification log ----------------------------------------------------------------------

// Follow application event notifications.
const reader = application.reader()
assert.deepEqual((await must(reader.read())).map((n) => n.id), [1, 2, 3])
step('the reader reads notifications [1, 2, 3]')

// - create two more aggregates
for (let i = 0; i < 2; i++) {
  await must(application.save(ok(AggregateRoot.execute(create({}))(AggregateRoot.initial(randomUUID())))))
}
// - get the new event notifications from the reader
assert.deepEqual((await must(reader.read())).map((n) => n.id), [4, 5])
step('after two more aggregates, the reader reads only [4, 5]')

const section = await must(application.notificationLog.section('1,10'))
assert.deepEqual(section.items.map((n) => n.id), [1, 2, 3, 4, 5])
assert.equal(section.nextId, undefined)
step('section "1,10" holds notifications 1 to 5, and no next section yet')

await application.close()
step('application closed')

// --- Custom application ------------------------------------------------------------------

// CustomAggregate: an AggregateRoot with the event-sourced attribute `a` (the seed's @attribute).
const CustomAggregate = attributes('example#CustomAggregate', { a: t.number })

// MyApplication: an application that persists CustomAggregate events, with a service.
const myApplication = (uri: string) =>
  pipe(
    createApplication({ uri, persist: [CustomAggregate] }),
    TE.map((app) => ({
      ...app,
      createAggregate: (a: number) => CustomAggregate.execute(create({ a }))(CustomAggregate.initial(randomUUID()))
    }))
  )

// Construct application object.
await using app = await must(myApplication('sqlite:///:memory:'))
step('custom application built')

// Create aggregate using application service, and save it.
const [created] = await must(app.save(ok(app.createAggregate(1))))
assert.equal(await must(app.repository.has(created.id)), true)
step('created a CustomAggregate with a = 1: it is in the repository')

// Get aggregate from the repository.
let aggregate = await must(app.repository.get(CustomAggregate, created.id))
assert.equal(attributesOf(aggregate.state)?.a, 1)
step('got it from the repository: a == 1')

// Change attribute value, twice. A value of the wrong type does not type-check,
// and is refused at run time too:
// @ts-expect-error a is a number
assert.ok(E.isLeft(CustomAggregate.execute(changeAttribute('a', 'two'))(aggregate)))
aggregate = ok(
  pipe(aggregate, CustomAggregate.execute(changeAttribute('a', 2)), E.chain(CustomAggregate.execute(changeAttribute('a', 3))))
)
// Don't forget to save!
await must(app.save(aggregate))
aggregate = await must(app.repository.get(CustomAggregate, created.id))
assert.equal(attributesOf(aggregate.state)?.a, 3)
step('changed a to 2, then 3, saved: the repository has a == 3')

// The aggregate can be discarded.
await must(app.save(ok(CustomAggregate.execute(discard)(aggregate))))
assert.equal(await must(app.repository.has(created.id)), false)
step('discarded: no longer in the repository')

// Attempts to retrieve an aggregate that does not exist give AggregateNotFound (the seed's KeyError).
const missing = await app.repository.get(CustomAggregate, created.id)()
assert.ok(E.isLeft(missing) && missing.left._tag === 'AggregateNotFound', "Shouldn't get here")
step('getting it now gives AggregateNotFound')

// --- Stored events ---------------------------------------------------------------------------

const events = await must(app.eventStore.listEvents(created.id))
assert.equal(events.length, 4)
assert.ok(events.every(CustomAggregate.owns)) // narrows the payloads to CustomAggregate's events
const [e0, e1, e2, e3] = events
assert.ok(e0 && e1 && e2 && e3)
assert.equal(e0.originatorId, created.id)
assert.ok(e0.payload.type === 'Created' && e0.payload.attributes.a === 1)
assert.equal(e1.originatorId, created.id)
assert.ok(e1.payload.type === 'AttributeChanged' && e1.payload.name === 'a' && e1.payload.value === 2)
assert.equal(e2.originatorId, created.id)
assert.ok(e2.payload.type === 'AttributeChanged' && e2.payload.name === 'a' && e2.payload.value === 3)
assert.equal(e3.originatorId, created.id)
assert.equal(e3.payload.type, 'Discarded')
step('listEvents: Created (a = 1), AttributeChanged (a = 2), AttributeChanged (a = 3), Discarded')

// --- Sequenced items -------------------------------------------------------------------------

const items = await must(app.eventStore.recordManager.listItems(created.id))
assert.equal(items.length, 4)
const text = (state: Uint8Array): string => Buffer.from(state).toString('utf8')
const [i0, i1, i2, i3] = items
assert.ok(i0 && i1 && i2 && i3)
assert.equal(i0.originatorId, created.id)
assert.equal(i0.topic, 'example#CustomAggregate.Created')
assert.ok(text(i0.state).includes('"a":1'), text(i0.state))
assert.ok(text(i0.state).includes('"timestamp":'))
for (const item of [i1, i2]) {
  assert.equal(item.originatorId, created.id)
  assert.equal(item.topic, 'example#CustomAggregate.AttributeChanged')
  assert.ok(text(item.state).includes('"name":"a"'))
  assert.ok(text(item.state).includes('"timestamp":'))
}
assert.equal(i3.originatorId, created.id)
assert.equal(i3.topic, 'example#CustomAggregate.Discarded')
assert.ok(text(i3.state).includes('"timestamp":'))
step(`listItems: 4 sequenced items, readable JSON such as ${text(i0.state)}`)

// --- Database records --------------------------------------------------------------------------

// The seed's orm_query(): a Kysely query over the records table.
const records = await app.eventStore.recordManager.query().selectAll().execute()
assert.equal(records.length, 4)
step('the records query returns 4 records')

// --- Close -----------------------------------------------------------------------------------
// `await using` closes the application when this scope ends; close() may also be called.
await app.close()
step('custom application closed')
