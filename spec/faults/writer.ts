/**
 * A writer for `kill.spec.ts`, run as a child process:
 *
 *   node --import tsx spec/faults/writer.ts '<json {uri, tableName, ids}>'
 *
 * It loads its modules, prints `BOOTED`, and waits for `GO <plan as JSON>` on
 * stdin, so that the parent can have it booted before the previous writer is
 * killed and still open the store only afterwards. Then it opens the
 * application, loads every aggregate, prints `READY`, and saves in a loop
 * until it is killed: one to three aggregates a save, one to four events
 * each, sometimes (when the plan says so) one big save first. Before each
 * save it prints the intent, after it the outcome (see `WriterLine` in
 * `spec/support/faults.ts`). Each line is one `writeSync`, so a line is
 * in the pipe whole or not at all when the kill comes.
 */
import { writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import * as E from 'fp-ts/Either'
import { createApplication, type Aggregate, type Application } from '../../lib/index.js'
import { saveId, Tally, type Part, type Plan, type TallyEvent, type TallyState } from '../support/faults.js'

interface Args {
  readonly uri: string
  readonly tableName: string
  readonly ids: ReadonlyArray<string>
}

type Tallied = Aggregate<TallyState, TallyEvent>

const say = (line: string): void => {
  writeSync(1, line + '\n')
}

const fail = (message: string): never => {
  say(`F ${message.replace(/\s+/g, ' ')}`)
  process.exit(1)
}

const pick = <A>(as: ReadonlyArray<A>, n: number): ReadonlyArray<A> => {
  const copy = [...as]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j] as A, copy[i] as A]
  }
  return copy.slice(0, n)
}

const upTo = (n: number): number => 1 + Math.floor(Math.random() * n)

const load = async (app: Application, id: string): Promise<Tallied> => {
  const loaded = await app.repository.load(Tally, id)()
  return E.isRight(loaded) ? loaded.right : fail(`cannot load ${id}: ${JSON.stringify(loaded.left)}`)
}

/** Decides `count` events on each aggregate, logs the intent, saves; returns the saved aggregates, or undefined. */
const saveOnce = async (app: Application, aggregates: ReadonlyArray<readonly [Tallied, number]>): Promise<ReadonlyArray<Tallied> | undefined> => {
  const save = saveId()
  const parts: Array<Part> = []
  const decided: Array<Tallied> = []
  for (const [aggregate, count] of aggregates) {
    const next = Tally.execute({ type: 'Tick', save, count })(aggregate)
    if (E.isLeft(next)) return fail('the decider refused')
    parts.push([aggregate.id, aggregate.version, count])
    decided.push(next.right)
  }
  say(`I ${save} ${JSON.stringify(parts)}`)
  const saved = await app.save(...decided)()
  if (E.isRight(saved)) {
    say(`A ${save}`)
    return saved.right
  }
  say(saved.left._tag === 'ConcurrencyError' ? `C ${save}` : `E ${save} ${saved.left._tag}`)
  return undefined
}

const run = async (args: Args, plan: Plan): Promise<void> => {
  const opened = await createApplication({
    uri: args.uri,
    tableName: args.tableName,
    persist: [Tally],
    ...(plan.postgresMode === undefined ? {} : { postgresMode: plan.postgresMode })
  })()
  if (E.isLeft(opened)) return fail(`cannot open the application: ${JSON.stringify(opened.left)}`)
  const app = opened.right
  const current = new Map<string, Tallied>()
  let events = 0
  for (const id of args.ids) {
    const aggregate = await load(app, id)
    current.set(id, aggregate)
    events += aggregate.version
  }
  say(`READY ${events}`)

  if (plan.big > 0) {
    const fresh = [0, 1, 2].map((k) => Tally.initial(`big-${saveId()}-${k}`))
    await saveOnce(
      app,
      fresh.map((a) => [a, plan.big] as const)
    )
  }
  for (;;) {
    // Let I/O in between saves (better-sqlite3 never waits): stdin's end, the timer.
    await new Promise((resolve) => setImmediate(resolve))
    const chosen = pick(args.ids, upTo(3)).map((id) => [current.get(id) as Tallied, upTo(4)] as const)
    const saved = await saveOnce(app, chosen)
    if (saved === undefined) {
      // Refused or failed: what the store holds now is the truth.
      for (const [aggregate] of chosen) current.set(aggregate.id, await load(app, aggregate.id))
    } else for (const aggregate of saved) current.set(aggregate.id, aggregate)
  }
}

const main = async (): Promise<void> => {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args
  // Loads the dialect's module now, which the application would load on opening:
  // booting is what may happen before the previous writer is killed, opening is not.
  await (args.uri.startsWith('sqlite:')
    ? import('../../lib/store/sqlite/sqlite-record-manager.js')
    : import('../../lib/store/postgres/postgres-record-manager.js'))
  say('BOOTED')
  // Never outlive the parent: its end closes our stdin. And never run for long in any case.
  process.stdin.on('end', () => process.exit(0))
  setTimeout(() => fail('still running after 120 s: the parent forgot this writer'), 120_000).unref()
  const lines = createInterface({ input: process.stdin })
  for await (const line of lines) {
    if (!line.startsWith('GO ')) continue
    await run(args, JSON.parse(line.slice(3)) as Plan)
    return
  }
  // stdin closed without a GO: the parent no longer needs this spare.
  process.exit(0)
}

main().catch((error: unknown) => fail(`the writer threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`))
