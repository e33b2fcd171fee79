// How PostgreSQL failures are classified, by SQLSTATE and, for a unique
// violation, by the key the server names in its detail.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { classifyPostgresError } from '../../lib/store/postgres/postgres-errors.js'

const test = suite('postgres errors')

const serverError = (code: string, message: string, detail?: string) => Object.assign(new Error(message), { code }, detail === undefined ? {} : { detail })

test('a broken version key is a ConcurrencyError; the columns may come in either order, quoted or not', () => {
  for (const detail of [
    'Key (originator_id, originator_version)=(a, 1) already exists.',
    'Key (originator_version, originator_id)=(1, a) already exists.',
    'Key ("originator_id", "originator_version")=(x)=(1) already exists.',
    undefined
  ]) {
    const error = classifyPostgresError(() => ['a'])(serverError('23505', 'duplicate key value violates unique constraint', detail))
    assert.is(error._tag, 'ConcurrencyError', String(detail))
  }
})

test('another unique key broken is a StoreFailure: a taken notification id, or a key eventfold does not keep', () => {
  const taken = classifyPostgresError()(serverError('23505', 'duplicate key value violates unique constraint "t_id_key"', 'Key (id)=(5) already exists.'))
  assert.is(taken._tag, 'StoreFailure')
  assert.match(taken.message, 'notification id already taken')
  const other = classifyPostgresError()(serverError('23505', 'duplicate key value violates unique constraint "t_topic_key"', 'Key (topic)=(x) already exists.'))
  assert.is(other._tag, 'StoreFailure')
  assert.match(other.message, 'a unique key that eventfold does not keep')
})

test('a lock or statement timeout and a lack of resources are StoreUnavailable; other refusals StoreFailure', () => {
  for (const code of ['55P03', '57014', '53300', '53100', '53200']) {
    assert.is(classifyPostgresError()(serverError(code, 'for now'))._tag, 'StoreUnavailable', code)
  }
  for (const code of ['42P01', '22021', '23502', '42501']) {
    assert.is(classifyPostgresError()(serverError(code, 'for good'))._tag, 'StoreFailure', code)
  }
})

test.run()
