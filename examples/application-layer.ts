/**
 * The seed's "Application layer" walkthrough, step by step, in functional
 * TypeScript. Every assertion the seed makes is checked at run time, in
 * eventfold's terms; where those differ (an attribute is stored as `a`, not
 * Python's `_a`; topics are named by the kind; type checks stand where the
 * seed uses isinstance), the step says so.
 *
 *   npm start
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import { Kysely, type Selectable } from 'kysely'
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
  parseUri,
  type EventfoldError,
  type EventRow
} from '../lib/index.js'
import { sqliteDialect } from '../lib/sqlite.js'

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

// The seed's example connection strings: an SQLite file, PostgreSQL, MySQL. The
// +driver part is accepted and ignored: eventfold brings its own drivers.
assert.deepEqual(ok(parseUri('sqlite:////tmp/mydatabase')), { dialect: 'sqlite', filename: '/tmp/mydatabase' })
assert.equal(ok(parseUri('postgresql+psycopg2://scott:tiger@localhost:5432/mydatabase')).dialect, 'postgres')
assert.equal(ok(parseUri('mysql+pymysql://scott:tiger@hostname/dbname?charset=utf8mb4&binary_prefix=true')).dialect, 'mysql')
assert.equal(ok(parseUri('mysql+sqlconnector://scott:tiger@hostname/dbname')).dialect, 'mysql')
step('the seed\'s connection strings name SQLite (a file), PostgreSQL and MySQL')

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

// Instead of a uri, an existing connection (the seed's session): here a Kysely
// instance of the caller's, which close() leaves open for its owner.
const session = new Kysely<Record<string, EventRow>>({ dialect: sqliteDialect({ database: new Database(':memory:'), closeOnDestroy: true }) })
const onSession = await must(createApplication({ kysely: session, persist: [AggregateRoot] }))
await must(onSession.save(ok(AggregateRoot.execute(create({}))(AggregateRoot.initial(randomUUID())))))
await onSession.close()
assert.equal((await session.selectFrom(onSession.eventStore.recordManager.tableName).selectAll().execute()).length, 1)
await session.destroy()
step('an application on an existing Kysely session saves through it, and leaves it open')

// Or the environment: DB_URI for the uri, CIPHER_KEY for the key.
const fromEnv = await must(createApplication({ persist: [AggregateRoot], env: { DB_URI: 'sqlite:///:memory:', CIPHER_KEY: cipherKey } }))
assert.equal(fromEnv.eventStore.recordManager.dialect, 'sqlite')
const [sealed] = await must(fromEnv.save(ok(AggregateRoot.execute(create({ secret: 'xyzzy' }))(AggregateRoot.initial(randomUUID())))))
const [sealedItem] = await must(fromEnv.eventStore.recordManager.listItems(sealed.id))
assert.ok(sealedItem !== undefined && !Buffer.from(sealedItem.state).toString('latin1').includes('xyzzy'))
await fromEnv.close()
step('DB_URI and CIPHER_KEY configure it from the environment: the state is encrypted')

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

// The state is encrypted: neither the attribute's name nor its JSON is readable in the store.
const [firstItem] = await must(application.eventStore.recordManager.listItems(saved.id))
assert.ok(firstItem !== undefined)
const sealedText = Buffer.from(firstItem.state).toString('latin1')
assert.ok(!sealedText.includes('"a"') && !sealedText.includes('timestamp'))
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

// Its persistence policy persists CustomAggregate events only. (Where the seed's
// policy would quietly not persist other events, eventfold refuses to save a kind
// the application was not given; one given in `kinds` but not in `persist` is
// handed back unsaved.)
assert.ok(app.persistencePolicy.persists(CustomAggregate.name))
assert.equal(app.persistencePolicy.persists(AggregateRoot.name), false)
step('its persistence policy persists CustomAggregate events, not AggregateRoot events')

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
// The seed's events[1].name is '_a' (Python's private attribute); here the
// declared attribute name, 'a'. isinstance checks become checks of payload.type.
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

// This application has no cipher key, so the stored data is visible (the seed says
// so too). Topics are named by the kind, not by a Python module path.
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

// The seed's record_class: the records table's row type, EventRow, in the table
// the record manager names; and its orm_query(): a Kysely query over that table.
const records: ReadonlyArray<Selectable<EventRow>> = await app.eventStore.recordManager.query().selectAll().execute()
assert.equal(app.eventStore.recordManager.tableName, 'stored_events')
assert.equal(records.length, 4)
assert.ok(records.every((r) => r.originator_id === created.id))
step('the records query returns 4 records')

// --- Close -----------------------------------------------------------------------------------
// `await using` closes the application when this scope ends; close() may also be called.
await app.close()
step('custom application closed')
