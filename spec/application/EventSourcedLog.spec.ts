import type { TaskEither } from 'fp-ts/TaskEither'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApplication, eventSourcedLog, logKind, type Application } from '../../lib/index.js'
import { guard } from '../support/hooks.js'
import { expectLeft, expectRight } from '../store/conformance.js'

const Ids = logKind('spec#Ids', t.string)

const log = suite<{ app: Application }>('EventSourcedLog')

log.before.each(
  guard('an application that persists the log kind', async (ctx) => {
    ctx.app = await expectRight(createApplication({ persist: [Ids], env: {} }))
  })
)
log.after.each(guard('close', (ctx) => ctx.app.close()))

log('an empty log has no first or last entry', async ({ app }) => {
  const ids = eventSourcedLog(app, Ids, 'ids')
  assert.is(await expectRight(ids.first()), undefined)
  assert.is(await expectRight(ids.last()), undefined)
  assert.equal(await expectRight(ids.range(1, 10)), [])
})

log("a stream of another kind is never read or written as the log: InvalidArgument, and nothing written", async () => {
  const Other = logKind('spec#Other', t.string)
  const both = await expectRight(createApplication({ persist: [Ids, Other], env: {} }))
  try {
    const other = eventSourcedLog(both, Other, 'shared')
    await expectRight(other.append('theirs'))
    const ids = eventSourcedLog(both, Ids, 'shared')
    const calls: ReadonlyArray<TaskEither<{ readonly _tag: string }, unknown>> = [ids.append('mine'), ids.first(), ids.last(), ids.range(1, 5)]
    for (const call of calls) assert.is((await expectLeft(call))._tag, 'InvalidArgument')
    assert.equal((await expectRight(other.range(1, 5))).map((e) => e.value), ['theirs'], 'the other stream is as it was')
  } finally {
    await both.close()
  }
})

log('appended values are numbered from 1, with first, last and range reads', async ({ app }) => {
  const ids = eventSourcedLog(app, Ids, 'ids')
  for (let i = 1; i <= 25; i++) assert.equal(await expectRight(ids.append(`id-${i}`)), { position: i, value: `id-${i}` })
  assert.equal((await expectRight(ids.first()))?.value, 'id-1')
  const last = await expectRight(ids.last())
  assert.equal([last?.position, last?.value], [25, 'id-25'])
  assert.ok(last?.timestamp instanceof Date)
  assert.equal((await expectRight(ids.range(10, 12))).map((e) => [e.position, e.value]), [
    [10, 'id-10'],
    [11, 'id-11'],
    [12, 'id-12']
  ])
  assert.equal((await expectRight(ids.range(24, 100))).map((e) => e.position), [24, 25])
})

log('concurrent appends all land, each at its own position', async ({ app }) => {
  const ids = eventSourcedLog(app, Ids, 'busy')
  await Promise.all(Array.from({ length: 8 }, (_, i) => expectRight(ids.append(`v${i}`))))
  const all = await expectRight(ids.range(1, 100))
  assert.equal(all.map((e) => e.position), [1, 2, 3, 4, 5, 6, 7, 8])
  assert.equal(all.map((e) => e.value).sort(), ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'])
})

log('two logs are separate streams', async ({ app }) => {
  await expectRight(eventSourcedLog(app, Ids, 'a').append('in a'))
  assert.is(await expectRight(eventSourcedLog(app, Ids, 'b').last()), undefined)
})

log('a value that fails the codec is refused and nothing is written', async ({ app }) => {
  const ids = eventSourcedLog(app, Ids, 'ids')
  assert.is((await expectLeft(ids.append(42 as unknown as string)))._tag, 'EncodeError')
  assert.is(await expectRight(ids.last()), undefined)
})

log('a bad range is InvalidArgument', async ({ app }) => {
  const ids = eventSourcedLog(app, Ids, 'ids')
  for (const [from, to] of [[0, 1], [3, 2], [1.5, 2]] as const) {
    assert.is((await expectLeft(ids.range(from, to)))._tag, 'InvalidArgument')
  }
})

log.run()
