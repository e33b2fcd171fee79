import * as E from 'fp-ts/Either'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DEFAULT_TABLE_NAME, resolveTableOptions, validateIdentifier } from '../../lib/index.js'

const schema = suite('schema')

schema('plain identifiers pass; anything that would need quoting is InvalidConfig', () => {
  for (const good of ['events', '_x', 'Events_2026', 'a'.repeat(63)]) assert.ok(E.isRight(validateIdentifier('table name')(good)), good)
  for (const bad of ['', '1events', 'events; DROP TABLE x', 'a"b', "a'b", 'a b', 'a-b', 'a.b', 'a\u0000b', 'é', 'a'.repeat(64)]) {
    const r = validateIdentifier('table name')(bad)
    assert.ok(E.isLeft(r) && r.left._tag === 'InvalidConfig', JSON.stringify(bad))
  }
})

schema('a very long bad name is cut short in the message', () => {
  const r = validateIdentifier('table name')('x;'.repeat(10_000))
  assert.ok(E.isLeft(r) && r.left.message.length < 300)
})

schema('the table name defaults, and a schema is validated too', () => {
  assert.equal(resolveTableOptions({}), E.right({ tableName: DEFAULT_TABLE_NAME, schema: undefined }))
  assert.equal(resolveTableOptions({ tableName: 'ev', schema: 'app' }), E.right({ tableName: 'ev', schema: 'app' }))
  assert.ok(E.isLeft(resolveTableOptions({ schema: 'app; --' })))
})

schema.run()
