import BetterSqlite3 from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { CompiledQuery, Kysely, SqliteDialect } from 'kysely'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { invalidArgument, storeFailure } from '../../lib/errors/EventfoldError.js'
import { START, type RecordsDatabase } from '../../lib/store/RecordManager.js'
import { decodeItemsWith, decodeRows, eachRow, listItemsWith, rowReader, selectNotificationsWith } from '../../lib/store/reads.js'
import { SQLITE_RULES } from '../../lib/store/sqlite/sqlite-arguments.js'
import { guard } from '../support/hooks.js'

const test = suite('store reads')

const database = new BetterSqlite3(':memory:')
const db = new Kysely<RecordsDatabase>({ dialect: new SqliteDialect({ database }) })
const classify = (error: unknown) => storeFailure(error instanceof Error ? error.message : String(error), error)
const rows = rowReader(db, classify)

test('a row reader maps every row', async () => {
  const read = await rows(() => CompiledQuery.raw('select 1 as n union all select 2'), eachRow((r: { n: number }) => r.n * 10))
  assert.equal(read, E.right([10, 20]))
})

test('a decoding row reader stops at the first row it refuses, and gives that Left', async () => {
  const seen: Array<number> = []
  const decode = decodeRows((r: { n: number }) => {
    seen.push(r.n)
    return r.n === 2 ? E.left({ _tag: 'DecodeError' as const, n: r.n }) : E.right(r.n * 10)
  })
  assert.equal(await rows(() => CompiledQuery.raw('select 1 as n union all select 3'), decode), E.right([10, 30]))
  assert.equal(await rows(() => CompiledQuery.raw('select 1 as n union all select 2 union all select 3'), decode), E.left({ _tag: 'DecodeError', n: 2 }))
  assert.equal(seen, [1, 3, 1, 2])
})

test('a row reader never throws or rejects: compiling, running and mapping each fail as a Left', async () => {
  const compiling = await rows(() => {
    throw new Error('no compile')
  }, eachRow((r) => r))
  assert.equal(E.isLeft(compiling) && compiling.left.message, 'no compile')
  const running = await rows(() => CompiledQuery.raw('select * from nowhere'), eachRow((r) => r))
  assert.ok(E.isLeft(running) && running.left._tag === 'StoreFailure')
  const mapping = await rows(
    () => CompiledQuery.raw('select 1 as n'),
    eachRow(() => {
      throw new Error('no map')
    })
  )
  assert.equal(E.isLeft(mapping) && mapping.left.message, 'no map')
})

test('a row reader given its own runner runs queries with it, and classifies what it throws or rejects', async () => {
  const ran: Array<string> = []
  const own = rowReader(db, classify, async (query) => {
    ran.push(query.sql)
    return [{ n: 1 }, { n: 2 }]
  })
  assert.equal(await own(() => CompiledQuery.raw('select around'), eachRow((r: { n: number }) => r.n)), E.right([1, 2]))
  assert.equal(ran, ['select around'])
  const throwing = rowReader(db, classify, () => {
    throw new Error('no run')
  })
  const thrown = await throwing(() => CompiledQuery.raw('select 1'), eachRow((r) => r))
  assert.equal(E.isLeft(thrown) && thrown.left.message, 'no run')
  const rejecting = rowReader(db, classify, () => Promise.reject(new Error('run failed')))
  const rejected = await rejecting(() => CompiledQuery.raw('select 1'), eachRow((r) => r))
  assert.equal(E.isLeft(rejected) && rejected.left.message, 'run failed')
})

test('listItems checks the originator id, then the bounds, and reads only when both hold', async () => {
  const asked: Array<unknown> = []
  const listItems = listItemsWith(SQLITE_RULES, async (id, bounds) => {
    asked.push([id, bounds])
    return E.right([])
  })
  const noId = await listItems('', { gt: -1 })()
  assert.ok(E.isLeft(noId) && noId.left.message.includes('originator id'))
  const badBounds = await listItems('a', { gt: -1 })()
  assert.ok(E.isLeft(badBounds) && badBounds.left.message.startsWith('gt'))
  assert.equal(asked, [])
  assert.equal(await listItems('a', { gt: 2, limit: 3 })(), E.right([]))
  assert.equal(asked, [['a', { gt: 2, limit: 3 }]])
})

test('decodeItems checks as listItems does, and hands the decoder to the read only when both hold', async () => {
  const asked: Array<unknown> = []
  const decode = () => E.right('decoded')
  const decodeItems = decodeItemsWith(SQLITE_RULES, async (id, bounds, given) => {
    asked.push([id, bounds, given === decode])
    return E.right([])
  })
  const noId = await decodeItems('', { gt: -1 }, decode)()
  assert.ok(E.isLeft(noId) && noId.left.message.includes('originator id'))
  const badBounds = await decodeItems('a', { gt: -1 }, decode)()
  assert.ok(E.isLeft(badBounds) && badBounds.left.message.startsWith('gt'))
  assert.equal(asked, [])
  assert.equal(await decodeItems('a', { lte: 2 }, decode)(), E.right([]))
  assert.equal(asked, [['a', { lte: 2 }, true]])
})

test('selectNotifications parses the position, then checks the limit, and reads only when both hold', async () => {
  const asked: Array<unknown> = []
  const select = selectNotificationsWith(
    (position) => (position === START ? E.right(0) : E.left(invalidArgument(`bad position ${position}`))),
    SQLITE_RULES,
    async (after, limit) => {
      asked.push([after, limit])
      return E.right([])
    }
  )
  const badPosition = await select('x', -1)()
  assert.ok(E.isLeft(badPosition) && badPosition.left.message === 'bad position x')
  const badLimit = await select(START, -1)()
  assert.ok(E.isLeft(badLimit) && badLimit.left._tag === 'InvalidArgument')
  assert.equal(asked, [])
  assert.equal(await select(START, 5)(), E.right([]))
  assert.equal(asked, [[0, 5]])
})

test.after(
  guard('store reads: close', async () => {
    await db.destroy()
  })
)

test.run()
