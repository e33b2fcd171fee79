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

test('a statement the server refused is still a StoreFailure, and so is a message that only mentions a closed pool', () => {
  assert.is(classifyMysqlError()(driverError('ER_PARSE_ERROR', 'You have an error in your SQL syntax', 1064))._tag, 'StoreFailure')
  assert.is(classifyMysqlError()(driverError(undefined, 'my table says: Pool is closed.'))._tag, 'StoreFailure')
})

test.run()
