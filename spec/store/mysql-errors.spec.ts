// How MySQL failures are classified: the driver errors no spec can provoke on
// demand (a deadlock's victim is the server's choice), by their codes.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { classifyMysqlError } from '../../lib/store/mysql/mysql-errors.js'

const test = suite('mysql errors')

const driverError = (code: string | undefined, message: string, errno?: number) =>
  Object.assign(new Error(message), code === undefined ? {} : { code }, errno === undefined ? {} : { errno })

test("a deadlock is a ConcurrencyError naming the save's originators: nothing was written, and a retry may succeed", () => {
  const error = classifyMysqlError(['a', 'b'])(driverError('ER_LOCK_DEADLOCK', 'Deadlock found when trying to get lock; try restarting transaction', 1213))
  assert.is(error._tag, 'ConcurrencyError')
  assert.equal(error._tag === 'ConcurrencyError' && error.originatorIds, ['a', 'b'])
})

test('a lock waited for too long, a closed pool and a full queue are StoreUnavailable', () => {
  for (const cause of [
    driverError('ER_LOCK_WAIT_TIMEOUT', 'Lock wait timeout exceeded; try restarting transaction', 1205),
    driverError(undefined, 'Pool is closed.'),
    driverError(undefined, 'Queue limit reached.')
  ]) {
    assert.is(classifyMysqlError()(cause)._tag, 'StoreUnavailable', cause.message)
  }
})

test('a statement timeout (MariaDB max_statement_time, MySQL max_execution_time) is StoreUnavailable, as a lock wait that ran out is', () => {
  for (const cause of [
    driverError(undefined, 'Query execution was interrupted (max_statement_time exceeded)', 1969),
    driverError('ER_QUERY_TIMEOUT', 'Query execution was interrupted, maximum statement execution time exceeded', 3024)
  ]) {
    assert.is(classifyMysqlError()(cause)._tag, 'StoreUnavailable', cause.message)
  }
})

test('a duplicate entry is judged by the key named last, never by the entry: with the keys found at opening, by their names', () => {
  const dup = (entry: string, key: string) => driverError('ER_DUP_ENTRY', `Duplicate entry '${entry}' for key '${key}'`, 1062)
  // eventfold's own table: the primary key is the id.
  assert.is(classifyMysqlError()(dup('7', 'PRIMARY'))._tag, 'StoreFailure')
  assert.is(classifyMysqlError()(dup('7', 'db.PRIMARY'))._tag, 'StoreFailure')
  assert.is(classifyMysqlError()(dup("for key 'PRIMARY'-1", 'originator_version'))._tag, 'ConcurrencyError')
  // A table whose primary key is the version key, and whose id key is named otherwise.
  const keys = { versionKeys: ['primary'], idKeys: ['notification_id'] }
  assert.is(classifyMysqlError(['a'], keys)(dup('a-1', 'PRIMARY'))._tag, 'ConcurrencyError')
  assert.is(classifyMysqlError(['a'], keys)(dup('a-1', 'db.PRIMARY'))._tag, 'ConcurrencyError')
  assert.is(classifyMysqlError(['a'], keys)(dup('2', 'notification_id'))._tag, 'StoreFailure')
  const other = classifyMysqlError(['a'], keys)(dup('t', 'by_topic'))
  assert.is(other._tag, 'StoreFailure')
  assert.match(other.message, 'a unique key that eventfold does not keep')
})

test('a statement the server refused is still a StoreFailure, and so is a message that only mentions a closed pool', () => {
  assert.is(classifyMysqlError()(driverError('ER_PARSE_ERROR', 'You have an error in your SQL syntax', 1064))._tag, 'StoreFailure')
  assert.is(classifyMysqlError()(driverError(undefined, 'my table says: Pool is closed.'))._tag, 'StoreFailure')
})

test.run()
