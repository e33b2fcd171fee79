import { randomUUID } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { changeAttribute, create, createApplication, discard, type Application } from '../../lib/index.js'
import { guard } from '../support/hooks.js'
import { Note } from '../support/kinds.js'
import { expectLeft, expectRight } from '../store/conformance.js'

const repo = suite<{ app: Application; id: string }>('Repository')

repo.before(
  guard('a note changed twice, then discarded', async (ctx) => {
    ctx.app = await expectRight(createApplication({ persist: [Note], env: {} }))
    ctx.id = randomUUID()
    await expectRight(ctx.app.handle(Note, ctx.id, create({ text: 'a', stars: 1 })))
    await expectRight(ctx.app.handle(Note, ctx.id, changeAttribute('stars', 2)))
    await expectRight(ctx.app.handle(Note, ctx.id, changeAttribute('text', 'b')))
    await expectRight(ctx.app.handle(Note, ctx.id, discard))
  })
)
repo.after(guard('close', (ctx) => ctx.app.close()))

repo('a kind or options that are not what they claim are InvalidArgument, never a throw or a rejection', async ({ app, id }) => {
  const throwing = {
    get version(): number {
      throw new Error('boom')
    }
  }
  const calls = [
    () => app.repository.get(null as never, id),
    () => app.repository.get(Object.create(null) as never, id),
    () => app.repository.load(undefined as never, id),
    () => app.repository.get(Note, id, throwing)
  ]
  for (const call of calls) assert.is((await expectLeft(call()))._tag, 'InvalidArgument')
  assert.is((await expectRight(app.repository.get(Note, id, { version: 1 }))).version, 1)
  assert.is((await expectRight(app.repository.load(Note, id))).version, 4)
  // null options are no options: the note is discarded, so not found.
  assert.is((await expectLeft(app.repository.get(Note, id, null as never)))._tag, 'AggregateNotFound')
})

repo('get at each live version folds exactly that many events', async ({ app, id }) => {
  const v1 = await expectRight(app.repository.get(Note, id, { version: 1 }))
  const v2 = await expectRight(app.repository.get(Note, id, { version: 2 }))
  const v3 = await expectRight(app.repository.get(Note, id, { version: 3 }))
  assert.equal([v1.version, v2.version, v3.version], [1, 2, 3])
  assert.equal(v1.state, { status: 'live', attributes: { text: 'a', stars: 1 } })
  assert.equal(v2.state, { status: 'live', attributes: { text: 'a', stars: 2 } })
  assert.equal(v3.state, { status: 'live', attributes: { text: 'b', stars: 2 } })
})

repo('the discarded latest version is not found, nor is a version past the end', async ({ app, id }) => {
  assert.equal(await expectLeft(app.repository.get(Note, id)), { _tag: 'AggregateNotFound', originatorId: id })
  assert.equal(await expectLeft(app.repository.get(Note, id, { version: 4 })), { _tag: 'AggregateNotFound', originatorId: id, version: 4 })
  assert.equal(await expectLeft(app.repository.get(Note, id, { version: 9 })), { _tag: 'AggregateNotFound', originatorId: id, version: 9 })
})

repo('load returns the aggregate whatever its state', async ({ app, id }) => {
  const loaded = await expectRight(app.repository.load(Note, id))
  assert.is(loaded.version, 4)
  assert.is(loaded.state.status, 'discarded')
  const fresh = await expectRight(app.repository.load(Note, 'never-saved'))
  assert.is(fresh.version, 0)
  assert.equal(fresh.state, { status: 'initial' })
})

repo('load at a version gives the aggregate as it was then, discarded too; past the end, AggregateNotFound', async ({ app, id }) => {
  const discarded = await expectRight(app.repository.load(Note, id, { version: 4 }))
  assert.is(discarded.version, 4)
  assert.is(discarded.state.status, 'discarded')
  assert.equal((await expectRight(app.repository.load(Note, id, { version: 2 }))).state, { status: 'live', attributes: { text: 'a', stars: 2 } })
  assert.equal(await expectLeft(app.repository.load(Note, id, { version: 9 })), { _tag: 'AggregateNotFound', originatorId: id, version: 9 })
  assert.is((await expectLeft(app.repository.load(Note, id, { version: 0 })))._tag, 'InvalidArgument')
  assert.is((await expectRight(app.repository.load(Note, id, {}))).version, 4, 'no version: the latest')
})

repo('has is false for discarded and unknown ids', async ({ app, id }) => {
  assert.is(await expectRight(app.repository.has(id)), false)
  assert.is(await expectRight(app.repository.has('never-saved')), false)
})

repo.run()
