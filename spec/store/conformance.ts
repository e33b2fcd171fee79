/**
 * One suite of store behaviours that every dialect's spec runs, through the
 * `RecordManager` port only (in the manner of emmett's `features.ts`).
 *
 * Every test writes fresh originator ids, and every test that counts rows or
 * notification ids opens its own table, so the suite also runs on a shared
 * server database. The suite drops the tables it created and closes every
 * record manager it opened; `teardown` then releases whatever the caller
 * shares between them (a database handle, a temporary file, a server).
 *
 * @example
 * storeConformance('sqlite :memory:', (tableName) => expectRight(sqliteRecordManager({ database, tableName })), async () => database.close())
 */
import { randomUUID } from 'node:crypto'
import { inspect } from 'node:util'
import * as E from 'fp-ts/Either'
import type { TaskEither } from 'fp-ts/TaskEither'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { START, type Notification, type RecordManager, type StoredEvent } from '../../lib/store/RecordManager.js'
import { guard } from '../support/hooks.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** Opens a record manager on the database under test, keeping its records in `tableName`. */
export type OpenStore = (tableName: string) => Promise<RecordManager>

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** The value of a `TaskEither` that must succeed; a `Left` fails the test with its contents. */
export const expectRight = async <E, A>(task: TaskEither<E, A>): Promise<A> => {
  const result = await task()
  if (E.isLeft(result)) throw new Error(`expected Right, got Left ${inspect(result.left, { depth: 3 })}`)
  return result.right
}

/** The error of a `TaskEither` that must fail; a `Right` fails the test. */
export const expectLeft = async <E, A>(task: TaskEither<E, A>): Promise<E> => {
  const result = await task()
  if (E.isRight(result)) throw new Error(`expected Left, got Right ${inspect(result.right, { depth: 3 })}`)
  return result.left
}

/** A table name no other test (or run) uses: a plain identifier on every dialect. */
export const freshTableName = (prefix = 'conf'): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`

const bytes = (...values: ReadonlyArray<number>): Uint8Array => Uint8Array.from(values)

const item = (originatorId: string, originatorVersion: number, topic = 'eventfold.spec.Happened', state = bytes(0x7b, 0x7d)): StoredEvent => ({
  originatorId,
  originatorVersion,
  topic,
  state
})

const stream = (originatorId: string, versions: ReadonlyArray<number>): ReadonlyArray<StoredEvent> =>
  versions.map((v) => item(originatorId, v, `topic.${v}`, bytes(v % 256, 0, 0xff)))

const range = (from: number, to: number): ReadonlyArray<number> => Array.from({ length: to - from + 1 }, (_, i) => from + i)

const plain = (e: StoredEvent) => ({
  originatorId: e.originatorId,
  originatorVersion: e.originatorVersion,
  topic: e.topic,
  state: Array.from(e.state)
})

/**
 * The item `RecordManager.decodeItems` hands over, as {@link plain} shows a
 * stored event: text state as the bytes of its UTF-8, which must be the
 * stored bytes exactly.
 */
const asPlain = (originatorId: string, originatorVersion: number, topic: string, state: Uint8Array | string) =>
  E.right({ originatorId, originatorVersion, topic, state: Array.from(typeof state === 'string' ? new TextEncoder().encode(state) : state) })

/** Every store of ours decodes items as it reads them; the port leaves it optional for stores of others. */
const decodeItemsOf = (rm: RecordManager): NonNullable<RecordManager['decodeItems']> => {
  if (rm.decodeItems === undefined) throw new Error(`the ${rm.dialect} record manager has no decodeItems`)
  return rm.decodeItems
}

const versionsOf = (items: ReadonlyArray<StoredEvent>): ReadonlyArray<number> => items.map((e) => e.originatorVersion)

const idsOf = (ns: ReadonlyArray<Notification>): ReadonlyArray<number> => ns.map((n) => n.id)

const countRows = async (rm: RecordManager): Promise<number> => {
  const row = await rm
    .query()
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  // PostgreSQL returns count(*) as a string, the others as a number.
  return Number((row as { readonly n: unknown }).n)
}

/** Follows positions from START, `limit` at a time, until a page comes back empty. */
const follow = async (rm: RecordManager, limit: number): Promise<ReadonlyArray<ReadonlyArray<Notification>>> => {
  const pages: Array<ReadonlyArray<Notification>> = []
  let position = START
  for (;;) {
    const page = await expectRight(rm.selectNotifications(position, limit))
    if (page.length === 0) return pages
    assert.ok(page.length <= limit, `a page of ${page.length} exceeds the limit ${limit}`)
    pages.push(page)
    const last = page[page.length - 1]
    if (last === undefined) return pages
    position = last.position
    if (pages.length > 10_000) throw new Error('the log never ended')
  }
}

// -------------------------------------------------------------------------------------
// suite
// -------------------------------------------------------------------------------------

/**
 * Builds and runs the conformance suite for one store.
 *
 * @param name - names the store in the test output, such as `sqlite :memory:`
 * @param open - opens a record manager on the store under test, on the given table
 * @param teardown - runs once at the end, after every record manager the suite opened is closed
 */
export const storeConformance = (name: string, open: OpenStore, teardown?: () => Promise<void>): void => {
  const test = suite(`store conformance: ${name}`)
  const opened: Array<RecordManager> = []
  let shared: RecordManager | undefined

  /** A record manager on a table of its own, closed (and its table dropped) at the end. */
  const fresh = async (): Promise<RecordManager> => {
    const rm = await open(freshTableName())
    opened.push(rm)
    return rm
  }
  /** The record manager for tests that only write fresh originator ids and count nothing. */
  const store = (): RecordManager => {
    if (shared === undefined) throw new Error('the shared record manager did not open')
    return shared
  }

  test.before(
    guard(`${name}: open`, async () => {
      shared = await fresh()
    })
  )

  test.after(
    guard(`${name}: close`, async () => {
      for (const rm of opened.splice(0)) {
        await rm.db.schema.dropTable(rm.tableName).ifExists().execute()
        await rm.close()
      }
      await teardown?.()
    })
  )

  // closing ---------------------------------------------------------------------------

  test('after close, every method gives StoreUnavailable, and close again is harmless', async () => {
    const name = freshTableName()
    const rm = await open(name)
    await expectRight(rm.insertItems([item(randomUUID(), 1)]))
    await rm.close()
    const results = [
      await rm.insertItems([item(randomUUID(), 1)])(),
      await rm.listItems(randomUUID())(),
      await decodeItemsOf(rm)(randomUUID(), undefined, asPlain)(),
      await rm.selectNotifications(START, 10)(),
      await rm.selectNotificationRange(1, 10)(),
      await rm.maxNotificationId()()
    ]
    for (const result of results) {
      assert.ok(E.isLeft(result), 'a closed store answered')
      assert.is(result.left._tag, 'StoreUnavailable', JSON.stringify(result.left))
    }
    await rm.close()
    // Drop the table through a store of its own, since this one is closed.
    const cleanup = await open(name)
    await cleanup.db.schema.dropTable(cleanup.tableName).ifExists().execute()
    await cleanup.close()
  })

  // round trip ------------------------------------------------------------------------

  test('stored items come back byte for byte, with their topics', async () => {
    const id = randomUUID()
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    const items = [
      item(id, 1, 'eventfold.spec.Created', bytes(0x00, 0xff, 0x00, 0x80)),
      item(id, 2, 'eventfold.spec.Empty', bytes()),
      item(id, 3, 'eventfold.spec.EveryByte', all),
      item(id, 4, 'eventfold.spec.Naïve ☕ topic', new TextEncoder().encode('{"a":"é"}')),
      item(id, 5, 'eventfold.spec.Zeros', new Uint8Array(1000))
    ]
    await expectRight(store().insertItems(items))
    const read = await expectRight(store().listItems(id))
    for (const e of read) assert.instance(e.state, Uint8Array)
    assert.equal(read.map(plain), items.map(plain))
  })

  test('states that begin like JSON but are not UTF-8 text come back byte for byte, by every read', async () => {
    // PostgreSQL reads JSON state as text: these make it fall back to bytes.
    const id = randomUUID()
    const items = [
      item(id, 1, 'eventfold.spec.Text', new TextEncoder().encode('{"n":1,"s":"ü☕"}')),
      item(id, 2, 'eventfold.spec.NotUtf8', bytes(0x7b, 0xff, 0xfe, 0x7d)),
      item(id, 3, 'eventfold.spec.Nul', bytes(0x7b, 0x00, 0x7d)),
      item(id, 4, 'eventfold.spec.Surrogate', bytes(0x7b, 0xed, 0xa0, 0x80, 0x7d)),
      item(id, 5, 'eventfold.spec.Brace', bytes(0x7b))
    ]
    await expectRight(store().insertItems(items))
    assert.equal((await expectRight(store().listItems(id))).map(plain), items.map(plain))
    assert.equal((await expectRight(store().listItems(id, { gt: 1, lte: 2 }))).map(plain), items.slice(1, 2).map(plain))
    const logged = (await expectRight(store().selectNotifications(START, 10_000))).filter((n) => n.originatorId === id)
    assert.equal(logged.map(plain), items.map(plain))
    const first = logged[0]?.id ?? NaN
    const ranged = await expectRight(store().selectNotificationRange(first, first + 1000))
    assert.equal(ranged.filter((n) => n.originatorId === id).map(plain), items.map(plain))
  })

  test('decodeItems hands over what listItems reads, each state as its bytes or as their exact UTF-8 text', async () => {
    const id = randomUUID()
    const items = [
      item(id, 1, 'eventfold.spec.Text', new TextEncoder().encode('{"n":1,"s":"ü☕ \\u0000"}')),
      item(id, 2, 'eventfold.spec.NotUtf8', bytes(0x7b, 0xff, 0xfe, 0x7d)),
      item(id, 3, 'eventfold.spec.Binary', bytes(0x00, 0xff, 0x80)),
      item(id, 4, 'eventfold.spec.Empty', bytes()),
      item(id, 5, 'eventfold.spec.Brace', bytes(0x7b))
    ]
    await expectRight(store().insertItems(items))
    await expectRight(store().insertItems([item(randomUUID(), 1)]))
    for (const options of [undefined, {}, { gt: 1, lte: 4 }, { desc: true, limit: 2 }, { gt: 5 }]) {
      const listed = (await expectRight(store().listItems(id, options))).map(plain)
      assert.equal(await expectRight(decodeItemsOf(store())(id, options, asPlain)), listed, inspect(options))
    }
  })

  test('decodeItems checks its arguments as listItems does, and stops at the first item the decoder refuses', async () => {
    const id = randomUUID()
    await expectRight(store().insertItems(stream(id, [1, 2, 3])))
    const decodeItems = decodeItemsOf(store())
    for (const [badId, options] of [['', undefined], [id, { gt: -1 }], [id, { limit: 1.5 }]] as const) {
      const listed = await expectLeft(store().listItems(badId, options))
      assert.equal(await expectLeft(decodeItems(badId, options, asPlain)), listed)
    }
    const seen: Array<number> = []
    const refused = await expectLeft(
      decodeItems(id, undefined, (_id, version) => {
        seen.push(version)
        return version === 2 ? E.left({ _tag: 'Refused' as const, version }) : E.right(version)
      })
    )
    assert.equal(refused, { _tag: 'Refused', version: 2 })
    assert.equal(seen, [1, 2])
  })

  test('version 0 is a version like any other', async () => {
    const id = randomUUID()
    await expectRight(store().insertItems(stream(id, [0, 1])))
    assert.equal(versionsOf(await expectRight(store().listItems(id))), [0, 1])
  })

  test('an unknown originator has no items', async () => {
    assert.equal(await expectRight(store().listItems(randomUUID())), [])
  })

  test('an empty save succeeds and writes nothing', async () => {
    const rm = await fresh()
    await expectRight(rm.insertItems([]))
    assert.is(await countRows(rm), 0)
    assert.is(await expectRight(rm.maxNotificationId()), 0)
  })

  // listing ---------------------------------------------------------------------------

  test('items are listed in version order, and gt, lte, desc and limit filter them', async () => {
    const id = randomUUID()
    // Written out of order, over two saves, beside another originator's items.
    await expectRight(store().insertItems([...stream(id, [3, 1, 2]), ...stream(randomUUID(), [1, 2])]))
    await expectRight(store().insertItems(stream(id, [5, 4])))
    const list = async (options?: Parameters<RecordManager['listItems']>[1]) =>
      versionsOf(await expectRight(store().listItems(id, options)))

    assert.equal(await list(), [1, 2, 3, 4, 5])
    assert.equal(await list({}), [1, 2, 3, 4, 5])
    assert.equal(await list({ gt: 2 }), [3, 4, 5])
    assert.equal(await list({ lte: 3 }), [1, 2, 3])
    assert.equal(await list({ gt: 1, lte: 4 }), [2, 3, 4])
    assert.equal(await list({ desc: true }), [5, 4, 3, 2, 1])
    assert.equal(await list({ desc: false }), [1, 2, 3, 4, 5])
    assert.equal(await list({ limit: 2 }), [1, 2])
    assert.equal(await list({ desc: true, limit: 2 }), [5, 4])
    assert.equal(await list({ gt: 1, lte: 4, desc: true, limit: 2 }), [4, 3])
    assert.equal(await list({ gt: 5 }), [])
    assert.equal(await list({ gt: 3, lte: 3 }), [])
    assert.equal(await list({ gt: 0, lte: 1 }), [1])
  })

  // concurrency -----------------------------------------------------------------------

  test('a version that exists already gives ConcurrencyError and writes nothing', async () => {
    const rm = await fresh()
    const id = randomUUID()
    await expectRight(rm.insertItems(stream(id, [1, 2])))
    const before = await countRows(rm)

    const error = await expectLeft(rm.insertItems(stream(id, [2, 3])))
    assert.is(error._tag, 'ConcurrencyError')
    if (error._tag === 'ConcurrencyError') for (const o of error.originatorIds) assert.is(o, id)

    assert.is(await countRows(rm), before)
    assert.equal(versionsOf(await expectRight(rm.listItems(id))), [1, 2])
  })

  test('the same version twice in one save gives ConcurrencyError and writes nothing', async () => {
    const rm = await fresh()
    const id = randomUUID()
    const error = await expectLeft(rm.insertItems([item(id, 1), item(id, 2), item(id, 1)]))
    assert.is(error._tag, 'ConcurrencyError')
    assert.is(await countRows(rm), 0)
  })

  test('a save across aggregates where one row conflicts writes none of them', async () => {
    const rm = await fresh()
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()]
    await expectRight(rm.insertItems(stream(a, [1])))
    const before = await countRows(rm)

    const error = await expectLeft(rm.insertItems([...stream(b, [1, 2]), ...stream(c, [1]), ...stream(a, [1])]))
    assert.is(error._tag, 'ConcurrencyError')
    if (error._tag === 'ConcurrencyError') {
      const saved: ReadonlyArray<string> = [a, b, c]
      for (const o of error.originatorIds) assert.ok(saved.includes(o), `unexpected originator ${o}`)
    }

    assert.is(await countRows(rm), before)
    assert.equal(await expectRight(rm.listItems(b)), [])
    assert.equal(await expectRight(rm.listItems(c)), [])
  })

  test('a save too large for one statement is still all or nothing', async () => {
    const rm = await fresh()
    // 17,000 rows of 4 parameters exceed every dialect's limit on parameters per statement.
    const id = randomUUID()
    const many = stream(id, range(1, 17_000))
    const conflicting = [...many, item(id, 17_000)]

    const error = await expectLeft(rm.insertItems(conflicting))
    assert.is(error._tag, 'ConcurrencyError')
    assert.is(await countRows(rm), 0)

    await expectRight(rm.insertItems(many))
    assert.is(await countRows(rm), 17_000)
    const read = await expectRight(rm.listItems(id, { gt: 16_998 }))
    assert.equal(read.map(plain), many.slice(16_998).map(plain))
  })

  test('a contiguous save that continues many streams checks every predecessor: all held, it writes; one missing, nothing', async () => {
    const rm = await fresh()
    const contiguous = { contiguous: true } as const
    // More streams than an INSERT can check itself (SQLite refused a check of 997 as too deep).
    const ids = Array.from({ length: 1200 }, () => randomUUID())
    await expectRight(rm.insertItems(ids.map((id) => item(id, 1))))
    await expectRight(rm.insertItems(ids.map((id) => item(id, 2)), undefined, contiguous))
    // And across statements: 9,600 rows of 1,200 streams.
    await expectRight(rm.insertItems(ids.flatMap((id) => stream(id, range(3, 10))), undefined, contiguous))
    assert.is(await countRows(rm), 12_000)
    // A predecessor missing among them, past the first thousand checked.
    const stranger = randomUUID()
    for (const save of [[...ids.map((id) => item(id, 11)), item(stranger, 5)], [...ids.flatMap((id) => stream(id, range(11, 18))), item(stranger, 5)]]) {
      const error = await expectLeft(rm.insertItems(save, undefined, contiguous))
      assert.is(error._tag, 'ConcurrencyError')
      assert.is(await countRows(rm), 12_000)
    }
    assert.equal(versionsOf(await expectRight(rm.listItems(ids[0] ?? '', { gt: 9 }))), [10])
  })

  test('of concurrent saves of the same version, exactly one succeeds', async () => {
    const id = randomUUID()
    const results = await Promise.all(range(1, 6).map((n) => store().insertItems([item(id, 1, `topic.${n}`)])()))
    const won = results.filter(E.isRight)
    assert.is(won.length, 1)
    for (const r of results) if (E.isLeft(r)) assert.is(r.left._tag, 'ConcurrencyError')
    assert.is((await expectRight(store().listItems(id))).length, 1)
  })

  test('concurrent saves of different aggregates all succeed', async () => {
    const rm = await fresh()
    const ids = range(1, 20).map(() => randomUUID())
    await Promise.all(ids.map((id) => expectRight(rm.insertItems(stream(id, [1, 2, 3])))))
    assert.is(await countRows(rm), 60)
    const ns = (await follow(rm, 1000)).flat()
    assert.is(new Set(idsOf(ns)).size, 60)
  })

  // invalid arguments -----------------------------------------------------------------

  test('invalid items give InvalidArgument and write nothing', async () => {
    const rm = await fresh()
    const id = randomUUID()
    const invalid: ReadonlyArray<StoredEvent> = [
      item('', 1),
      item(id, -1),
      item(id, 1.5),
      item(id, Number.NaN),
      item(id, Number.POSITIVE_INFINITY),
      item(id, 2 ** 53)
    ]
    for (const bad of invalid) {
      const error = await expectLeft(rm.insertItems([item(id, 1), bad]))
      assert.is(error._tag, 'InvalidArgument', `for ${inspect(bad)}`)
    }
    // A field missing from the first item is checked like any other.
    const { originatorId: _id, ...noId } = item(id, 1)
    const { topic: _topic, ...noTopic } = item(id, 1)
    for (const first of [noId, noTopic]) {
      const error = await expectLeft(rm.insertItems([first as StoredEvent, item(id, 2)]))
      assert.is(error._tag, 'InvalidArgument', `for ${inspect(first)}`)
    }
    assert.is(await countRows(rm), 0)
  })

  test('an unparsable position gives InvalidArgument', async () => {
    const error = await expectLeft(store().selectNotifications('not a position', 10))
    assert.is(error._tag, 'InvalidArgument')
  })

  // notifications ---------------------------------------------------------------------

  test('notification ids start at 1 and increase in the order of the saves', async () => {
    const rm = await fresh()
    const [a, b] = [randomUUID(), randomUUID()]
    const saves = [stream(a, [1, 2]), stream(b, [1]), stream(a, [3]), stream(b, [2, 3, 4])]
    for (const save of saves) await expectRight(rm.insertItems(save))

    const ns = await expectRight(rm.selectNotifications(START, 100))
    assert.is(ns[0]?.id, 1)
    for (let i = 1; i < ns.length; i++) assert.ok(ns[i]!.id > ns[i - 1]!.id, `ids ${idsOf(ns).join(',')} do not increase`)
    assert.equal(ns.map(plain), saves.flat().map(plain))
  })

  test('paging from START resumes exactly where the last page ended', async () => {
    const rm = await fresh()
    // Saves of 2 to 6 events: 20 in all.
    for (const n of range(2, 6)) await expectRight(rm.insertItems(stream(randomUUID(), range(1, n))))
    const all = await expectRight(rm.selectNotifications(START, 1000))
    assert.is(all.length, 20)

    for (const limit of [1, 3, 7, 20, 100]) {
      const pages = await follow(rm, limit)
      assert.equal(idsOf(pages.flat()), idsOf(all), `limit ${limit}`)
      assert.is(pages.length, Math.ceil(20 / limit))
    }
    const last = all[all.length - 1]!
    assert.equal(await expectRight(rm.selectNotifications(last.position, 10)), [])

    // A save after the end is found from the last position, and only it.
    const late = randomUUID()
    await expectRight(rm.insertItems(stream(late, [1, 2])))
    const next = await expectRight(rm.selectNotifications(last.position, 10))
    assert.equal(next.map(plain), stream(late, [1, 2]).map(plain))
  })

  test('selectNotificationRange returns the notifications whose ids lie in [start, end]', async () => {
    const rm = await fresh()
    await expectRight(rm.insertItems(stream(randomUUID(), range(1, 6))))
    await expectRight(rm.insertItems(stream(randomUUID(), range(1, 4))))
    const all = await expectRight(rm.selectNotifications(START, 100))
    const ids = idsOf(all)
    const between = async (start: number, end: number) => idsOf(await expectRight(rm.selectNotificationRange(start, end)))

    assert.equal(await between(ids[2]!, ids[5]!), ids.slice(2, 6))
    assert.equal(await between(ids[0]!, ids[9]!), ids)
    assert.equal(await between(ids[9]!, ids[9]! + 100), [ids[9]!])
    assert.equal(await between(ids[9]! + 1, ids[9]! + 100), [])
    assert.equal(await between(ids[5]!, ids[4]!), [])
    const [one] = await expectRight(rm.selectNotificationRange(ids[3]!, ids[3]!))
    assert.equal(one, all[3])
  })

  test('maxNotificationId is 0 on an empty log, then the highest id', async () => {
    const rm = await fresh()
    assert.is(await expectRight(rm.maxNotificationId()), 0)
    await expectRight(rm.insertItems(stream(randomUUID(), [1, 2, 3])))
    const ns = await expectRight(rm.selectNotifications(START, 100))
    assert.is(await expectRight(rm.maxNotificationId()), ns[ns.length - 1]!.id)
  })

  // the port's other faces ------------------------------------------------------------

  test('query() selects the rows of the records table', async () => {
    const rm = await fresh()
    const id = randomUUID()
    await expectRight(rm.insertItems(stream(id, [1, 2])))
    const rows = await rm.query().selectAll().execute()
    assert.is(rows.length, 2)
    const topics = await rm.query().select('topic').where('originator_id', '=', id).orderBy('originator_version').execute()
    assert.equal(topics, [{ topic: 'topic.1' }, { topic: 'topic.2' }])
  })

  test('two record managers on different tables of one database do not see each other', async () => {
    const [left, right] = [await fresh(), await fresh()]
    assert.is.not(left.tableName, right.tableName)
    const id = randomUUID()
    // The same originator and version in both: no conflict across tables.
    await expectRight(left.insertItems([item(id, 1, 'left')]))
    await expectRight(right.insertItems([item(id, 1, 'right'), item(id, 2, 'right')]))

    assert.equal((await expectRight(left.listItems(id))).map((e) => e.topic), ['left'])
    assert.equal((await expectRight(right.listItems(id))).map((e) => e.topic), ['right', 'right'])
    assert.is((await expectRight(left.selectNotifications(START, 10))).length, 1)
    assert.is(await countRows(right), 2)
  })

  test("items written in a caller's transaction commit with it", async () => {
    const rm = await fresh()
    const id = randomUUID()
    await rm.db.transaction().execute(async (trx) => {
      await expectRight(rm.insertItems(stream(id, [1, 2]), trx))
    })
    assert.equal(versionsOf(await expectRight(rm.listItems(id))), [1, 2])
  })

  test("items written in a caller's transaction roll back with it", async () => {
    const rm = await fresh()
    const id = randomUUID()
    const rolledBack = new Error('the caller rolls back')
    const outcome = await rm.db
      .transaction()
      .execute(async (trx) => {
        await expectRight(rm.insertItems(stream(id, [1, 2]), trx))
        throw rolledBack
      })
      .catch((e: unknown) => e)
    assert.is(outcome, rolledBack)
    assert.equal(await expectRight(rm.listItems(id)), [])
    assert.is(await countRows(rm), 0)
  })

  test("a conflict inside a caller's transaction is a ConcurrencyError", async () => {
    const rm = await fresh()
    const id = randomUUID()
    await expectRight(rm.insertItems(stream(id, [1])))
    const error = await rm.db
      .transaction()
      .execute(async (trx) => expectLeft(rm.insertItems(stream(id, [1]), trx)))
    assert.is(error._tag, 'ConcurrencyError')
    assert.is(await countRows(rm), 1)
  })

  test.run()
}
