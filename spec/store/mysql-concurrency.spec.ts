// Many writers racing on one aggregate: the unique key decides, exactly once per version.
import { randomUUID } from 'node:crypto'
import * as E from 'fp-ts/Either'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mysqlRecordManager } from '../../lib/store/mysql/mysql-record-manager.js'
import { START, type RecordManager, type StoredEvent } from '../../lib/store/RecordManager.js'
import { guard } from '../support/hooks.js'
import { dropOrphanSequences, mysqlUrl } from '../support/mysql.js'
import { expectRight, freshTableName } from './conformance.js'

const url = await mysqlUrl()

const WRITERS = 16
const ROUNDS = 200
const EVENTS_PER_SAVE = 2

interface Context {
  rm?: RecordManager
}

if (url !== undefined) {
  const test = suite<Context>('mysql store under concurrent writers')

  test.before(
    guard('mysql concurrency: open', async (context: Context) => {
      const withPool = `${url}${url.includes('?') ? '&' : '?'}connectionLimit=${WRITERS}`
      context.rm = await expectRight(mysqlRecordManager({ url: withPool, tableName: freshTableName('race') }))
    })
  )

  test.after(
    guard('mysql concurrency: close', async (context: Context) => {
      if (context.rm === undefined) return
      await context.rm.db.schema.dropTable(context.rm.tableName).ifExists().execute()
      await context.rm.close()
      await dropOrphanSequences(url)
    })
  )

  test(`${WRITERS} writers race ${ROUNDS} times on one aggregate: each version is written once, by one save`, async ({
    rm
  }) => {
    if (rm === undefined) throw new Error('no record manager')
    const id = randomUUID()
    // Writer w's save in round r: versions r*2 and r*2+1, both tagged with w.
    const save = (round: number, writer: number): ReadonlyArray<StoredEvent> =>
      Array.from({ length: EVENTS_PER_SAVE }, (_, i) => ({
        originatorId: id,
        originatorVersion: round * EVENTS_PER_SAVE + i,
        topic: `writer.${writer}`,
        state: Uint8Array.of(round % 256, writer, i)
      }))

    const winners: Array<number> = []
    let losers = 0
    for (let round = 0; round < ROUNDS; round++) {
      const results = await Promise.all(
        Array.from({ length: WRITERS }, (_, writer) => rm.insertItems(save(round, writer))())
      )
      const won = results.flatMap((r, writer) => (E.isRight(r) ? [writer] : []))
      assert.is(won.length, 1, `round ${round}: ${won.length} winners`)
      winners.push(won[0]!)
      for (const r of results) {
        if (E.isLeft(r)) {
          assert.is(r.left._tag, 'ConcurrencyError', `round ${round}: ${JSON.stringify(r.left)}`)
          losers++
        }
      }
    }
    assert.is(losers, ROUNDS * (WRITERS - 1))

    // Every version exactly once, each pair from the round's one winner.
    const stored = await expectRight(rm.listItems(id))
    assert.equal(
      stored.map((e) => e.originatorVersion),
      Array.from({ length: ROUNDS * EVENTS_PER_SAVE }, (_, v) => v)
    )
    stored.forEach((e, v) => {
      const round = Math.floor(v / EVENTS_PER_SAVE)
      assert.is(e.topic, `writer.${winners[round]}`, `version ${v}`)
      assert.equal(Array.from(e.state), [round % 256, winners[round], v % EVENTS_PER_SAVE])
    })

    // The log holds the winners' events only, numbered 1.. without gaps.
    const log = await expectRight(rm.selectNotifications(START, 10_000))
    assert.equal(
      log.map((n) => n.id),
      Array.from({ length: ROUNDS * EVENTS_PER_SAVE }, (_, i) => i + 1)
    )
    assert.equal(
      log.map((n) => n.originatorVersion),
      stored.map((e) => e.originatorVersion)
    )
  })

  test.run()
}
