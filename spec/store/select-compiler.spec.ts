import { randomUUID } from 'node:crypto'
import BetterSqlite3 from 'better-sqlite3'
import {
  Kysely,
  OperationNodeTransformer,
  SqliteDialect,
  ValueNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow
} from 'kysely'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { RecordsDatabase } from '../../lib/store/RecordManager.js'
import { guard } from '../support/hooks.js'
import { itemsQuery, reusableQuery, type ItemBounds } from '../../lib/store/select-compiler.js'

const test = suite('select compiler')

const COLUMNS = ['originator_id', 'originator_version', 'topic', 'state'] as const

const database = new BetterSqlite3(':memory:')
const db = new Kysely<RecordsDatabase>({ dialect: new SqliteDialect({ database }) })

/** The select as the builder writes it, for comparison. */
const built = (id: string, { gt, lte, desc, limit }: ItemBounds) => {
  let query = db.selectFrom('events').select(COLUMNS).where('originator_id', '=', id)
  if (gt !== undefined) query = query.where('originator_version', '>', gt)
  if (lte !== undefined) query = query.where('originator_version', '<=', lte)
  query = query.orderBy('originator_version', desc === true ? 'desc' : 'asc')
  if (limit !== undefined) query = query.limit(limit)
  return query.compile()
}

const everyShape: ReadonlyArray<ItemBounds> = Array.from({ length: 16 }, (_, shape) => ({
  ...((shape & 1) !== 0 ? { gt: 3 } : {}),
  ...((shape & 2) !== 0 ? { lte: 9 } : {}),
  ...((shape & 4) !== 0 ? { desc: true } : {}),
  ...((shape & 8) !== 0 ? { limit: 2 } : {})
}))

test('each shape of bounds compiles to what the builder writes, with the call values bound in order', () => {
  const items = itemsQuery(db, 'events', COLUMNS)
  for (const bounds of everyShape) {
    const id = randomUUID()
    const compiled = items(id, bounds)
    const expected = built(id, bounds)
    assert.is(compiled.sql, expected.sql, JSON.stringify(bounds))
    assert.equal(compiled.parameters, expected.parameters, JSON.stringify(bounds))
  }
})

test('the SQL of a shape is reused, and a shape with desc: false is the ascending one', () => {
  const items = itemsQuery(db, 'events', COLUMNS)
  const first = items('a', { gt: 1 })
  const second = items('b', { gt: 5 })
  assert.is(second.sql, first.sql)
  assert.equal(second.parameters, ['b', 5])
  assert.is(items('c', { desc: false }).sql, items('d', {}).sql)
  assert.is.not(items('c', { desc: true }).sql, items('d', {}).sql)
})

/** A plugin that rewrites values: the SQL of one call cannot serve the next. */
class ShoutIds extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    return typeof node.value === 'string' ? ValueNode.create(node.value.toUpperCase()) : node
  }
}
const shoutIds: KyselyPlugin = {
  transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => new ShoutIds().transformNode(args.node),
  transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => args.result
}

test('a Kysely whose plugins rewrite values gets a fresh compile for every call', () => {
  const shouting = new Kysely<RecordsDatabase>({ dialect: new SqliteDialect({ database }), plugins: [shoutIds] })
  const items = itemsQuery(shouting, 'events', COLUMNS)
  assert.equal(items('first', { limit: 3 }).parameters, ['FIRST', 3])
  assert.equal(items('second', { limit: 4 }).parameters, ['SECOND', 4])
})

test('a build that binds values out of order is never reused', () => {
  let builds = 0
  const swapped = reusableQuery((values) => {
    builds++
    return db
      .selectFrom('events')
      .select(COLUMNS)
      .where('originator_version', '>', values[1] as number)
      .where('originator_id', '=', values[0] as string)
  }, ['probe', 1])
  assert.equal(swapped(['x', 7]).parameters, [7, 'x'])
  assert.equal(swapped(['y', 8]).parameters, [8, 'y'])
  assert.is(builds, 3) // the probe, then one per call
})

test('reused selects read the same rows as built ones', async () => {
  await db.schema
    .createTable('events')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('originator_id', 'text')
    .addColumn('originator_version', 'integer')
    .addColumn('topic', 'text')
    .addColumn('state', 'blob')
    .execute()
  const id = randomUUID()
  await db
    .insertInto('events')
    .values(Array.from({ length: 12 }, (_, i) => ({ originator_id: id, originator_version: i + 1, topic: 't', state: Uint8Array.of(i) })))
    .execute()
  const items = itemsQuery(db, 'events', COLUMNS)
  for (const bounds of everyShape) {
    const reused = await db.executeQuery(items(id, bounds))
    const fresh = await db.executeQuery(built(id, bounds))
    assert.ok(reused.rows.length > 0, JSON.stringify(bounds))
    assert.equal(reused.rows, fresh.rows, JSON.stringify(bounds))
  }
})

test.after(
  guard('select compiler: close', () => {
    database.close()
  })
)

test.run()
