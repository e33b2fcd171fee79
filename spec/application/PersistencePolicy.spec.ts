import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { AggregateRoot, persistencePolicy } from '../../lib/index.js'
import { Counter, Note } from '../support/kinds.js'

const policy = suite('PersistencePolicy')

policy('the default persists nothing', () => {
  const none = persistencePolicy()
  assert.is(none.persists(Counter.name), false)
  assert.is(none.kinds.size, 0)
})

policy('it persists exactly the kinds it names', () => {
  const some = persistencePolicy([Counter, AggregateRoot])
  assert.ok(some.persists(Counter.name))
  assert.ok(some.persists('eventfold#AggregateRoot'))
  assert.not.ok(some.persists(Note.name))
  assert.equal([...some.kinds].sort(), ['eventfold#AggregateRoot', 'spec#Counter'])
})

policy.run()
