// Snapshots, on every store: written after a save that crosses the interval,
// read as the starting point of a load, taken on demand, ignored (with a
// warning) when unreadable, upcast when of an older shape, encrypted like the
// events, and never taken inside a caller's transaction.
import { randomUUID } from 'node:crypto'
import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  aesGcm,
  createApplication,
  describe,
  encodedRandomBytes,
  ENCRYPTED_MARKER,
  invalidArgument,
  transcoder,
  upcast,
  type Application,
  type RecordManager,
  type Warning,
  placeOf
} from '../../lib/index.js'
import { dialects, dump, overwrite, rawState, rowsOf, type AppOptions, type Row } from '../support/app-dialects.js'
import { guard } from '../support/hooks.js'
import {
  deposit,
  expectedState,
  LEDGER,
  ledgerKind,
  ledgerKindV2,
  LedgerStateV1,
  LedgerStateV2,
  open,
  run,
  type Ledger,
  type LedgerState,
  type LedgerV2
} from '../support/ledger.js'
import { expectLeft, expectRight } from '../store/conformance.js'

const TOPIC = `${LEDGER}#snapshot`

/** The ledger, snapshotted every 3 versions. */
const Every3 = ledgerKind({ snapshots: { state: LedgerStateV1, interval: 3 } })
const Every2 = ledgerKind({ snapshots: { state: LedgerStateV1, interval: 2 } })
/** Snapshots on demand only. */
const OnDemand = ledgerKind({ snapshots: { state: LedgerStateV1 } })
/** No snapshots at all. */
const Plain = ledgerKind()

const snapshotStore = (app: Application): RecordManager => {
  if (app.snapshots === undefined) throw new Error('this application keeps no snapshots')
  return app.snapshots.recordManager
}
const snapshotRows = (app: Application, id: string): Promise<ReadonlyArray<Row>> => rowsOf(snapshotStore(app), id)
const versionsOf = (rows: ReadonlyArray<Row>): ReadonlyArray<number> => rows.map((r) => r.originatorVersion)
const dataOf = (row: Row | undefined): unknown => (JSON.parse(row?.state ?? 'null') as { data?: unknown } | null)?.data

/** Opens a ledger and deposits `amounts`, one save (one `handle`) per event. */
const oneByOne = async (app: Application, kind: Ledger | LedgerV2, id: string, amounts: ReadonlyArray<number>): Promise<void> => {
  await expectRight(app.handle(kind, id, open('Ada')))
  for (const amount of amounts) await expectRight(app.handle(kind, id, deposit(amount)))
}

for (const dialect of await dialects()) {
  const test = suite(`snapshots: ${dialect.name}`)
  test.after(guard(`snapshots: ${dialect.name}: teardown`, dialect.teardown))

  /** An application on a fresh store, and the warnings it gives. */
  const fresh = async (options: AppOptions = {}) => {
    const warnings: Array<Warning> = []
    const store = dialect.store()
    const app = await store.open({ ...options, onWarning: (w) => void warnings.push(w) })
    return { store, app, warnings }
  }

  test('a save that crosses the interval writes a snapshot of the state at the saved version, in its own table', async () => {
    const { store, app, warnings } = await fresh({ persist: [Every3] })
    assert.ok(app.snapshots !== undefined)
    assert.is(app.snapshots.recordManager.tableName.replace(/^.*\./, ''), `${store.tableName}_snapshots`)
    const id = randomUUID()
    await expectRight(app.handle(Every3, id, open('Ada'))) // v1
    await expectRight(app.handle(Every3, id, deposit(10))) // v2
    assert.equal(await snapshotRows(app, id), [], 'no interval crossed yet')
    await expectRight(app.handle(Every3, id, deposit(20))) // v3: crosses 3
    // One save of four events, v4 to v7: crosses 6, and the snapshot is at the saved version, 7.
    const loaded = await expectRight(app.repository.get(Every3, id))
    await expectRight(app.save(run(Every3.execute, loaded, deposit(1), deposit(2), deposit(3), deposit(4))))
    await expectRight(app.handle(Every3, id, deposit(100))) // v8: nothing crossed
    const rows = await snapshotRows(app, id)
    assert.equal(versionsOf(rows), [3, 7])
    assert.ok(rows.every((r) => r.topic === TOPIC))
    assert.equal(dataOf(rows[0]), expectedState('Ada', [10, 20]))
    assert.equal(dataOf(rows[1]), expectedState('Ada', [10, 20, 1, 2, 3, 4]))
    // The records table and the log hold the eight events and nothing else.
    const events = await rowsOf(app.eventStore.recordManager, id)
    assert.equal(versionsOf(events), [1, 2, 3, 4, 5, 6, 7, 8])
    assert.ok(events.every((r) => r.topic.startsWith(`${LEDGER}.`)))
    assert.is((await expectRight(app.reader().read())).length, 8)
    assert.equal(warnings, [])
  })

  test('a kind without snapshots, or with snapshots on demand only, takes none when saving', async () => {
    const { app, warnings } = await fresh({ persist: [Plain] })
    assert.is(app.snapshots, undefined, 'no kind takes snapshots: no snapshots table')
    const id = randomUUID()
    await oneByOne(app, Plain, id, [1, 2, 3, 4, 5, 6])
    assert.is((await expectRight(app.repository.get(Plain, id))).version, 7)
    const { app: onDemand } = await fresh({ persist: [OnDemand] })
    await oneByOne(onDemand, OnDemand, id, [1, 2, 3, 4, 5, 6])
    assert.equal(await snapshotRows(onDemand, id), [])
    assert.equal(warnings, [])
  })

  test('get(id, { version }) starts from the latest snapshot at or below that version and never reads the events before it', async () => {
    const { app, warnings } = await fresh({ persist: [Every3] })
    const id = randomUUID()
    const amounts = [10, 20, 30, 40, 50, 60, 70]
    await oneByOne(app, Every3, id, amounts) // versions 1 to 8
    assert.equal(versionsOf(await snapshotRows(app, id)), [3, 6])
    const at = (version: number): LedgerState => expectedState('Ada', amounts.slice(0, version - 1))

    // Break events 1 to 5 behind the library's back: a load that reads any of them fails.
    await overwrite(app.eventStore.recordManager, id, [1, 2, 3, 4, 5])
    for (const version of [8, 7, 6, 3]) {
      const aggregate = await expectRight(app.repository.get(Every3, id, { version }))
      assert.is(aggregate.version, version)
      assert.equal(aggregate.state, at(version), `state at version ${version}`)
    }
    const latest = await expectRight(app.repository.get(Every3, id))
    assert.is(latest.version, 8)
    assert.equal(latest.state, at(8))
    // Below a snapshot's version, or between snapshot 3 and a broken event, the broken rows are read: so they are broken.
    for (const version of [5, 4, 2, 1]) {
      const error = await expectLeft(app.repository.get(Every3, id, { version }))
      assert.is(error._tag, 'DecodeError', `version ${version}`)
    }
    assert.equal(warnings, [])
  })

  test('a snapshot that no event backs is ignored with SnapshotIgnored: the events are the truth, and the next save succeeds', async () => {
    const { app, warnings } = await fresh({ persist: [Every3] })
    const id = randomUUID()
    await oneByOne(app, Every3, id, [10, 20, 30, 40]) // versions 1 to 5, a snapshot at 3
    const [snapshot] = await expectRight(snapshotStore(app).listItems(id, { desc: true, limit: 1 }))
    assert.is(snapshot?.originatorVersion, 3)
    if (snapshot === undefined) return
    // A snapshot row past the last event, as a restore of the events alone or a hand would leave.
    await expectRight(snapshotStore(app).insertItems([{ ...snapshot, originatorVersion: 9 }]))
    const loaded = await expectRight(app.repository.get(Every3, id))
    assert.is(loaded.version, 5)
    assert.equal(loaded.state, expectedState('Ada', [10, 20, 30, 40]))
    assert.equal(
      warnings.map((w) => [w._tag, w.version, w.reason._tag]),
      [['SnapshotIgnored', 9, 'DecodeError']]
    )
    const reason = warnings[0]?.reason
    assert.ok(reason?._tag === 'DecodeError' && reason.message.includes('was deleted'), JSON.stringify(reason))
    assert.equal(versionsOf(await snapshotRows(app, id)), [3], 'the unbacked snapshot is gone; the backed one stays')
    // Once the events reach version 9 it would have looked backed, and its
    // state (version 3's) would have been folded over: they are the truth.
    const more = [50, 60, 70, 80]
    for (const amount of more) await expectRight(app.handle(Every3, id, deposit(amount)))
    const caught = await expectRight(app.repository.get(Every3, id))
    assert.is(caught.version, 9)
    assert.equal(caught.state, expectedState('Ada', [10, 20, 30, 40, ...more]))
    assert.equal(versionsOf(await snapshotRows(app, id)), [3, 6, 9], 'the snapshot at 9 is the fold of the events')
    assert.equal(dataOf((await snapshotRows(app, id))[2]), caught.state)
    assert.is(warnings.length, 1)
  })

  test('a snapshot row at version 0, which no event can back, is ignored and deleted; listEventsOver refuses such a version', async () => {
    const { app, warnings } = await fresh({ persist: [Every3] })
    const id = randomUUID()
    await oneByOne(app, Every3, id, [10, 20]) // versions 1 to 3, a snapshot at 3
    const [snapshot] = await expectRight(snapshotStore(app).listItems(id, { desc: true, limit: 1 }))
    if (snapshot === undefined) return assert.unreachable('no snapshot at 3')
    await expectRight(snapshotStore(app).insertItems([{ ...snapshot, originatorVersion: 0 }]))
    const loaded = await expectRight(app.repository.get(Every3, id, { version: 2 }))
    assert.equal(loaded.state, expectedState('Ada', [10]))
    assert.equal(warnings.map((w) => [w._tag, w.version]), [['SnapshotIgnored', 0]])
    assert.equal(versionsOf(await snapshotRows(app, id)), [3])
    for (const bad of [0, -1, 1.5, Number.NaN, 10n as unknown as number]) {
      const error = await expectLeft(app.eventStore.listEventsOver(id, bad, undefined))
      assert.is(error._tag, 'InvalidArgument', String(bad))
    }
  })

  test('takeSnapshot snapshots on demand, at the latest version or a given one; taking it again changes nothing', async () => {
    const { app, warnings } = await fresh({ persist: [OnDemand] })
    const id = randomUUID()
    await oneByOne(app, OnDemand, id, [1, 2, 3, 4]) // versions 1 to 5
    assert.equal(await snapshotRows(app, id), [], 'an interval-less kind snapshots only on demand')

    const latest = await expectRight(app.takeSnapshot(OnDemand, id))
    assert.is(latest.version, 5)
    assert.equal(latest.state, expectedState('Ada', [1, 2, 3, 4]))
    const once = await snapshotRows(app, id)
    assert.equal(versionsOf(once), [5])
    assert.equal(dataOf(once[0]), latest.state)
    await expectRight(app.takeSnapshot(OnDemand, id))
    assert.equal(await snapshotRows(app, id), once, 'the second take leaves the first snapshot as it is')

    const v2 = await expectRight(app.takeSnapshot(OnDemand, id, 2))
    assert.is(v2.version, 2)
    assert.equal(v2.state, expectedState('Ada', [1]))
    await expectRight(app.takeSnapshot(OnDemand, id, 2))
    const twice = await snapshotRows(app, id)
    assert.equal(versionsOf(twice), [2, 5])
    assert.equal(dataOf(twice[0]), v2.state)

    // Loads start from them: events 1 and 2 are never read again.
    await overwrite(app.eventStore.recordManager, id, [1, 2])
    assert.equal((await expectRight(app.repository.get(OnDemand, id, { version: 3 }))).state, expectedState('Ada', [1, 2]))
    assert.equal((await expectRight(app.repository.get(OnDemand, id))).state, expectedState('Ada', [1, 2, 3, 4]))

    assert.equal(await expectLeft(app.takeSnapshot(OnDemand, 'never-saved')), { _tag: 'AggregateNotFound', originatorId: 'never-saved' })
    assert.is((await expectLeft(app.takeSnapshot(OnDemand, id, 9)))._tag, 'AggregateNotFound')
    assert.is((await expectLeft(app.takeSnapshot(OnDemand, id, 0)))._tag, 'InvalidArgument')
    assert.is((await expectLeft(app.takeSnapshot(Plain, id)))._tag, 'InvalidArgument')
    assert.equal(warnings, [])
  })

  test('takeSnapshot of a closed (terminal) aggregate works at a given version as at the latest', async () => {
    const { app } = await fresh({ persist: [OnDemand] })
    const id = randomUUID()
    await oneByOne(app, OnDemand, id, [1, 2]) // versions 1 to 3
    await expectRight(app.handle(OnDemand, id, { type: 'Close' })) // version 4, terminal
    assert.is((await expectRight(app.takeSnapshot(OnDemand, id, 4))).version, 4)
    assert.is((await expectRight(app.takeSnapshot(OnDemand, id))).version, 4)
    assert.is((await expectRight(app.takeSnapshot(OnDemand, id, 2))).version, 2)
    assert.equal(versionsOf(await snapshotRows(app, id)), [2, 4])
    assert.is((await expectLeft(app.repository.get(OnDemand, id)))._tag, 'AggregateNotFound', 'still not found by get')
  })

  test('a snapshot that can no longer be read is not replaced: taking one at its version is a DecodeError, and the next version is taken', async () => {
    const { store, app } = await fresh({ persist: [OnDemand] })
    const id = randomUUID()
    await oneByOne(app, OnDemand, id, [5, 9]) // versions 1 to 3
    await expectRight(app.takeSnapshot(OnDemand, id))
    // The same kind, now with a state of another shape, and no upcaster for the old one.
    const Changed = ledgerKindV2({ snapshots: { state: LedgerStateV2 } })
    const changed = await store.open({ persist: [Changed] })
    const refused = await expectLeft(changed.takeSnapshot(Changed, id))
    assert.is(refused._tag, 'DecodeError')
    assert.match((refused as { message: string }).message, 'never replaced')
    await expectRight(changed.handle(Changed, id, deposit(1))) // version 4
    assert.is((await expectRight(changed.takeSnapshot(Changed, id))).version, 4)
    assert.equal(versionsOf(await snapshotRows(changed, id)), [3, 4])
  })

  test('a state its codec would not read back as it is gives no snapshot: EncodeError on demand, SnapshotNotTaken after a save', async () => {
    // A strict codec drops the undeclared field the fold keeps: the snapshot would load as another state.
    const Dropping = ledgerKind({ snapshots: { state: t.strict({ owner: t.string, balance: t.number, deposits: t.number }) as unknown as typeof LedgerStateV1, interval: 2 } })
    const { app, warnings } = await fresh({ persist: [Dropping] })
    const id = randomUUID()
    await oneByOne(app, Dropping, id, [1]) // versions 1 and 2: crosses 2
    assert.equal(await snapshotRows(app, id), [])
    assert.equal(warnings.map((w) => [w._tag, w._tag === 'SnapshotNotTaken' && w.reason._tag]), [['SnapshotNotTaken', 'EncodeError']])
    const refused = await expectLeft(app.takeSnapshot(Dropping, id))
    assert.is(refused._tag, 'EncodeError')
    assert.match((refused as { message: string }).message, 'would not load as it was saved')
    assert.equal((await expectRight(app.repository.get(Dropping, id))).state, expectedState('Ada', [1]))
  })

  test('a snapshot that a changed state codec cannot read is ignored with SnapshotIgnored, and the aggregate is rebuilt from its events', async () => {
    const { store, app } = await fresh({ persist: [Every2] })
    const id = randomUUID()
    await oneByOne(app, Every2, id, [5, 9, 7]) // versions 1 to 4, snapshots at 2 and 4
    assert.equal(versionsOf(await snapshotRows(app, id)), [2, 4])

    // The same kind, now with a state of another shape, and no upcaster for the old one.
    const Changed = ledgerKindV2({ snapshots: { state: LedgerStateV2, interval: 2 } })
    const warnings: Array<Warning> = []
    const changed = await store.open({ persist: [Changed], onWarning: (w) => void warnings.push(w) })
    const rebuilt = await expectRight(changed.repository.get(Changed, id))
    assert.is(rebuilt.version, 4)
    assert.equal(rebuilt.state, { ...expectedState('Ada', [5, 9, 7]), largest: 9 }, 'folded from the events, so largest is known')
    assert.is(warnings.length, 1)
    const [warning] = warnings
    assert.is(warning?._tag, 'SnapshotIgnored')
    assert.is(warning?.originatorId, id)
    assert.is(warning?.version, 4)
    assert.is(warning?.reason._tag, 'DecodeError')

    // Without an onWarning, the same load still succeeds.
    const quiet = await store.open({ persist: [Changed] })
    assert.is((await expectRight(quiet.repository.get(Changed, id))).version, 4)
  })

  test('a snapshot whose stored bytes are broken is ignored with SnapshotIgnored, whatever is wrong with them', async () => {
    const { app, warnings } = await fresh({ persist: [Every2] })
    const id = randomUUID()
    await oneByOne(app, Every2, id, [5, 9, 7])
    const expected = expectedState('Ada', [5, 9, 7])
    const snapshots = snapshotStore(app)
    for (const [why, state, tag] of [
      ['not JSON', Buffer.from('garbage'), 'DecodeError'],
      ['JSON without an envelope', Buffer.from('{"state":1}'), 'DecodeError'],
      ['data the codec rejects', rawState({ owner: 1 }), 'DecodeError'],
      ['a version newer than the code knows', rawState(expected, 7), 'DecodeError'],
      ['encrypted, in an application without a key', Buffer.from([ENCRYPTED_MARKER, 1, 2, 3]), 'CipherError'],
      ['compressed with a marker and broken', Buffer.from([0x01, 0xff, 0xfe]), undefined]
    ] as const) {
      await overwrite(snapshots, id, [4], state)
      warnings.splice(0)
      const loaded = await expectRight(app.repository.get(Every2, id))
      assert.is(loaded.version, 4, why)
      assert.equal(loaded.state, expected, why)
      assert.is(warnings.length, 1, why)
      assert.is(warnings[0]?._tag, 'SnapshotIgnored', why)
      assert.is(warnings[0]?.version, 4, why)
      if (tag !== undefined) assert.is(warnings[0]?.reason._tag, tag, why)
    }
  })

  test('a snapshot of an older state shape is upcast to the newest, and new snapshots are written at the newest version', async () => {
    const { store, app } = await fresh({ persist: [Every2] })
    const id = randomUUID()
    await oneByOne(app, Every2, id, [5, 9, 7]) // snapshots of version-1 state at 2 and 4
    assert.ok((await snapshotRows(app, id)).every((r) => !r.state.includes('"v":')), 'version 1 writes no "v"')

    // Version 2 of the state knows its largest deposit; one upcast from version 1 cannot, and says -1.
    const Upcast = ledgerKindV2({
      snapshots: { state: upcast(LedgerStateV1).to(LedgerStateV2, (v1) => ({ ...v1, largest: -1 })), interval: 2 }
    })
    const warnings: Array<Warning> = []
    const upcasting = await store.open({ persist: [Upcast], onWarning: (w) => void warnings.push(w) })
    await overwrite(app.eventStore.recordManager, id, [1, 2, 3, 4])
    const loaded = await expectRight(upcasting.repository.get(Upcast, id))
    assert.is(loaded.version, 4)
    assert.equal(loaded.state, { ...expectedState('Ada', [5, 9, 7]), largest: -1 }, 'the upcast snapshot, not the (broken) events')
    assert.equal(warnings, [])

    // Two more deposits cross 6: the new snapshot is written as version 2 of the state.
    await expectRight(upcasting.handle(Upcast, id, deposit(3)))
    await expectRight(upcasting.handle(Upcast, id, deposit(11)))
    const rows = await snapshotRows(upcasting, id)
    assert.equal(versionsOf(rows), [2, 4, 6])
    assert.match(rows[2]?.state ?? '', /^\{"timestamp":"[^"]+","v":2,"data":\{/)
    assert.equal(dataOf(rows[2]), { ...expectedState('Ada', [5, 9, 7, 3, 11]), largest: 11 })
    await overwrite(app.eventStore.recordManager, id, [5, 6])
    assert.equal((await expectRight(upcasting.repository.get(Upcast, id))).state, { ...expectedState('Ada', [5, 9, 7, 3, 11]), largest: 11 })

    // A snapshot at a state version newer than this code knows is ignored, not misread.
    const other = randomUUID()
    await oneByOne(upcasting, Upcast, other, [1, 2, 3]) // snapshots of version-2 state at 2 and 4
    const newest = await snapshotRows(upcasting, other)
    assert.equal(versionsOf(newest), [2, 4])
    await overwrite(snapshotStore(upcasting), other, [4], rawState(dataOf(newest[1]), 3))
    const rebuilt = await expectRight(upcasting.repository.get(Upcast, other))
    assert.equal(rebuilt.state, { ...expectedState('Ada', [1, 2, 3]), largest: 3 }, 'rebuilt from the events')
    assert.is(warnings.length, 1)
    assert.is(warnings[0]?._tag, 'SnapshotIgnored')
    assert.is(warnings[0]?.version, 4)
    assert.is(warnings[0]?.reason._tag, 'DecodeError')
    assert.match(describe(warnings[0]?.reason ?? invalidArgument('no warning')), 'stored version 3')
  })

  test('snapshots are encrypted with the events’ key', async () => {
    const cipherKey = encodedRandomBytes(32)
    const { app, warnings } = await fresh({ persist: [Every2], cipherKey })
    const id = randomUUID()
    await expectRight(app.handle(Every2, id, open('Ada Lovelace')))
    await expectRight(app.handle(Every2, id, deposit(12345)))
    await expectRight(app.handle(Every2, id, deposit(678)))
    await expectRight(app.handle(Every2, id, deposit(9)))
    const snapshots = snapshotStore(app)
    const items = await expectRight(snapshots.listItems(id))
    assert.equal(items.map((i) => i.originatorVersion), [2, 4])
    const expected = { owner: 'Ada Lovelace', balance: 12345 + 678 + 9, deposits: 3, closed: false }
    for (const item of items) {
      assert.is(item.state[0], ENCRYPTED_MARKER)
      const text = Buffer.from(item.state).toString('latin1')
      assert.not.ok(text.includes('Ada') || text.includes('12345') || text.includes('balance'), 'no plaintext in the stored snapshot')
    }
    // The events' key opens it; another key does not.
    const key = aesGcm(cipherKey)
    assert.ok(E.isRight(key))
    const place = placeOf(id, items[1]?.originatorVersion ?? 0, TOPIC)
    const opened = transcoder({ cipher: key.right }).fromBytes(TOPIC, items[1]?.state ?? new Uint8Array(), place)
    assert.ok(E.isRight(opened))
    assert.equal(opened.right.data, expected)
    const other = aesGcm(encodedRandomBytes(32))
    assert.ok(E.isRight(other))
    const refused = transcoder({ cipher: other.right }).fromBytes(TOPIC, items[1]?.state ?? new Uint8Array(), place)
    assert.ok(E.isLeft(refused) && refused.left._tag === 'CipherError')
    // And loading decrypts it: the (encrypted) events before it are broken, and never read.
    await overwrite(app.eventStore.recordManager, id, [1, 2, 3, 4])
    assert.equal((await expectRight(app.repository.get(Every2, id))).state, expected)
    assert.equal(warnings, [])
  })

  test('saveWithin (the caller’s transaction) takes no snapshot, whether the transaction commits or rolls back', async () => {
    const { app, warnings } = await fresh({ persist: [Every2] })
    const db = app.eventStore.recordManager.db
    const committed = randomUUID()
    await db.transaction().execute(async (trx) => {
      await expectRight(app.saveWithin(trx)(run(Every2.execute, Every2.initial(committed), open('Ada'), deposit(1), deposit(2))))
    })
    assert.equal(versionsOf(await rowsOf(app.eventStore.recordManager, committed)), [1, 2, 3])
    assert.equal(await snapshotRows(app, committed), [], 'crossed 2, but inside a caller transaction')

    const rolledBack = randomUUID()
    const outcome = await db
      .transaction()
      .execute(async (trx) => {
        await expectRight(app.saveWithin(trx)(run(Every2.execute, Every2.initial(rolledBack), open('Bob'), deposit(1), deposit(2))))
        throw new Error('roll back')
      })
      .catch((e: Error) => e.message)
    assert.is(outcome, 'roll back')
    assert.equal(await rowsOf(app.eventStore.recordManager, rolledBack), [])
    assert.equal(await snapshotRows(app, rolledBack), [])
    assert.is((await expectLeft(app.repository.get(Every2, rolledBack)))._tag, 'AggregateNotFound')

    // An ordinary save that crosses the next multiple does take one.
    await expectRight(app.handle(Every2, committed, deposit(3)))
    assert.equal(versionsOf(await snapshotRows(app, committed)), [4])
    assert.equal(warnings, [])
  })

  test('a snapshot that cannot be written is a SnapshotNotTaken warning, and the save stands', async () => {
    // A state codec that refuses balances over 100, as a codec that cannot encode some states would.
    const Capped = new t.Type<LedgerState, unknown, unknown>(
      'CappedLedgerState',
      (u): u is LedgerState => LedgerStateV1.is(u) && u.balance <= 100,
      LedgerStateV1.validate,
      LedgerStateV1.encode
    )
    const Kind = ledgerKind({ snapshots: { state: Capped, interval: 2 } })
    const { app, warnings } = await fresh({ persist: [Kind] })
    const id = randomUUID()
    await expectRight(app.handle(Kind, id, open('Ada')))
    const [saved] = await expectRight(app.save(run(Kind.execute, await expectRight(app.repository.load(Kind, id)), deposit(500))))
    assert.is(saved.version, 2)
    assert.is((await expectRight(app.repository.get(Kind, id))).state.balance, 500)
    assert.equal(await snapshotRows(app, id), [])
    assert.is(warnings.length, 1)
    assert.is(warnings[0]?._tag, 'SnapshotNotTaken')
    assert.is(warnings[0]?.originatorId, id)
    assert.is(warnings[0]?.version, 2)
    assert.is(warnings[0]?.reason._tag, 'EncodeError')
  })

  test('an onWarning that throws fails neither the load nor the save that warned', async () => {
    const Capped = ledgerKind({
      snapshots: {
        state: new t.Type<LedgerState, unknown, unknown>('Capped', (u): u is LedgerState => LedgerStateV1.is(u) && u.balance < 100, LedgerStateV1.validate, LedgerStateV1.encode),
        interval: 2
      }
    })
    const store = dialect.store()
    let calls = 0
    const app = await store.open({
      persist: [Capped],
      onWarning: () => {
        calls++
        throw new Error('a careless handler')
      }
    })
    const id = randomUUID()
    await expectRight(app.handle(Capped, id, open('Ada')))
    await expectRight(app.handle(Capped, id, deposit(1))) // v2: a snapshot
    await overwrite(snapshotStore(app), id, [2])
    assert.is((await expectRight(app.repository.get(Capped, id))).version, 2, 'SnapshotIgnored, and the handler threw')
    const saved = await app.handle(Capped, id, deposit(500))() // v3: no interval crossed
    assert.ok(E.isRight(saved))
    const crossing = await app.handle(Capped, id, deposit(1))() // v4: the snapshot does not fit Capped
    assert.ok(E.isRight(crossing), 'SnapshotNotTaken, and the handler threw')
    assert.is(calls, 4, 'the snapshot at 2 ignored by each of three loads, and the one at 4 not taken')
  })

  test('nothing is rewritten in the events table by snapshotting', async () => {
    const { app } = await fresh({ persist: [Every2] })
    const id = randomUUID()
    await oneByOne(app, Every2, id, [1, 2, 3])
    const before = await dump(app.eventStore.recordManager)
    await expectRight(app.takeSnapshot(Every2, id, 3))
    await expectRight(app.repository.get(Every2, id))
    assert.equal(await dump(app.eventStore.recordManager), before)
  })

  test.run()
}

// -------------------------------------------------------------------------------------
// settings
// -------------------------------------------------------------------------------------

const settings = suite('snapshots: settings')

settings('the snapshot interval must be a positive integer', async () => {
  for (const interval of [0, -2, 1.5, Number.NaN]) {
    const kind = ledgerKind({ snapshots: { state: LedgerStateV1, interval } })
    const error = await expectLeft(createApplication({ persist: [kind], env: {} }))
    assert.is(error._tag, 'InvalidConfig', String(interval))
  }
})

settings.run()
