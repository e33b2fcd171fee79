import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { domainError, type DomainError } from '../../lib/domain/DomainError.js'

const test = suite('DomainError')

test('domainError builds a tagged value with its code and message', () => {
  assert.equal(domainError('NotCreated', 'the aggregate has not been created'), {
    _tag: 'DomainError',
    code: 'NotCreated',
    message: 'the aggregate has not been created'
  })
})

test('a domain error is a plain value: equal errors are deeply equal, and it survives JSON', () => {
  const error: DomainError = domainError('Closed', 'closed')
  assert.equal(error, domainError('Closed', 'closed'))
  assert.not.equal(error, domainError('Closed', 'shut'))
  assert.not.instance(error, Error)
  assert.equal(JSON.parse(JSON.stringify(error)), error)
})

test.run()
