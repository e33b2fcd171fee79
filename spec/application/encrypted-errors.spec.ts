// Errors and warnings end up in logs. Where the state was stored encrypted,
// those about its decrypted contents (a codec that no longer fits, a reader
// that throws) name the topic, the path and what was expected, but never
// quote the data. Without encryption, they quote it, as before: the control
// in each test, so that the checks can fail.
import Database from 'better-sqlite3'
import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { Kysely } from 'kysely'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aggregateKind, createApplication, encodedRandomBytes, type Decider, type Warning } from '../../lib/index.js'
import { sqliteDialect } from '../../lib/sqlite.js'

const SECRET = '078-05-1120'

type Ev = { readonly type: 'Set'; readonly ssn: string }
const decider: Decider<{ readonly ssn: string }, Ev, { readonly ssn: string }> = {
  initialState: { ssn: '' },
  evolve: (_s, e) => ({ ssn: e.ssn }),
  decide: (c) => E.right([{ type: 'Set', ssn: c.ssn }]),
  isTerminal: () => false
}
// The code that wrote, and a later version whose codecs no longer fit what it wrote.
const Wrote = aggregateKind('secret#Person', decider, { Set: t.type({ ssn: t.string }) }, { snapshots: { state: t.type({ ssn: t.string }), interval: 1 } })
const EventMisfit = aggregateKind('secret#Person', decider, { Set: t.type({ ssn: t.number }) as unknown as t.Type<{ ssn: string }> })
const SnapshotMisfit = aggregateKind(
  'secret#Person',
  decider,
  { Set: t.type({ ssn: t.string }) },
  { snapshots: { state: t.type({ ssn: t.number }) as unknown as t.Type<{ ssn: string }>, interval: 1 } }
)
const Throws = new t.Type<{ ssn: string }, unknown, unknown>(
  'Throws',
  (_u): _u is { ssn: string } => false,
  (u) => {
    throw new Error(`cannot read ${JSON.stringify(u)}`)
  },
  (a) => a
)
const ReaderThrows = aggregateKind('secret#Person', decider, { Set: Throws })

/** A store holding one person, saved (with its snapshot) by `Wrote`, encrypted or not. */
const written = async (cipherKey: string | undefined) => {
  const db = new Kysely<object>({ dialect: sqliteDialect({ database: new Database(':memory:'), closeOnDestroy: true }) })
  const writer = await createApplication({ kysely: db, persist: [Wrote], env: {}, ...(cipherKey === undefined ? {} : { cipherKey }) })()
  if (E.isLeft(writer)) throw new Error(writer.left.message)
  const saved = await writer.right.handle(Wrote, 'p-1', { ssn: SECRET })()
  if (E.isLeft(saved)) throw new Error(saved.left._tag)
  await writer.right.close()
  return db
}

const cases = [
  { name: 'encrypted', cipherKey: encodedRandomBytes(32), quoted: false },
  { name: 'plain (the control)', cipherKey: undefined, quoted: true }
] as const

const test = suite('errors about encrypted data')

for (const { name, cipherKey, quoted } of cases) {
  test(`${name}: a load and a log read whose codec no longer fits, and a reader that throws`, async () => {
    const db = await written(cipherKey)
    try {
      for (const kind of [EventMisfit, ReaderThrows]) {
        const app = await createApplication({ kysely: db, persist: [kind], env: {}, ...(cipherKey === undefined ? {} : { cipherKey }) })()
        if (E.isLeft(app)) throw new Error(app.left.message)
        try {
          const loaded = await app.right.repository.load(kind, 'p-1')()
          const logged = await app.right.reader().read()()
          const errors: ReadonlyArray<readonly [string, E.Either<{ readonly _tag: string }, unknown>]> = [
            ['load', loaded],
            ['log', logged]
          ]
          for (const [what, result] of errors) {
            if (E.isRight(result)) throw new Error(`${what}: read what it should not`)
            assert.is(result.left._tag, 'DecodeError', what)
            const text = JSON.stringify(result.left)
            assert.is(text.includes(SECRET), quoted, `${what} ${kind === EventMisfit ? 'misfit' : 'throws'}: ${text}`)
            if (!quoted) assert.match(text, 'not quoted: the data was stored encrypted', what)
          }
        } finally {
          await app.right.close()
        }
      }
    } finally {
      await db.destroy()
    }
  })

  test(`${name}: the warning about a snapshot whose codec no longer fits`, async () => {
    const db = await written(cipherKey)
    const warnings: Array<Warning> = []
    const app = await createApplication({
      kysely: db,
      persist: [SnapshotMisfit],
      env: {},
      onWarning: (w) => warnings.push(w),
      ...(cipherKey === undefined ? {} : { cipherKey })
    })()
    if (E.isLeft(app)) throw new Error(app.left.message)
    try {
      const loaded = await app.right.repository.load(SnapshotMisfit, 'p-1')()
      // Rebuilt from its events, which still fit.
      assert.equal(E.isRight(loaded) && loaded.right.state, { ssn: SECRET })
      const [warning] = warnings
      assert.is(warning?._tag, 'SnapshotIgnored')
      const text = JSON.stringify(warning)
      assert.match(text, '"path":"ssn"')
      assert.is(text.includes(SECRET), quoted, text)
    } finally {
      await app.right.close()
      await db.destroy()
    }
  })
}

test.run()
