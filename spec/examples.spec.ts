import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// Every example is a program with run-time assertions: running it is its test.
const examples = suite('examples')

const files = readdirSync('examples').filter((f) => f.endsWith('.ts'))

examples('there are examples to run', () => {
  assert.ok(files.includes('application-layer.ts'))
})

const outputs = new Map<string, string>()

for (const file of files) {
  examples(`examples/${file} runs to the end`, () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', `examples/${file}`], {
      encoding: 'utf8',
      env: { ...process.env, DB_URI: '', CIPHER_KEY: '', COMPRESSOR: '' },
      timeout: 120_000
    })
    assert.is(child.status, 0, `${file} failed:\n${child.stdout}\n${child.stderr}`)
    assert.not.match(child.stderr, /Error/)
    outputs.set(file, child.stdout)
  })
}

examples('the walkthrough prints every step of the seed', () => {
  const stdout = outputs.get('application-layer.ts') ?? ''
  for (const step of [
    "the seed's connection strings name SQLite (a file), PostgreSQL and MySQL",
    'an application on an existing Kysely session saves through it',
    'DB_URI and CIPHER_KEY configure it from the environment',
    'its persistence policy persists CustomAggregate events, not AggregateRoot events',
    'saving a stale copy gives ConcurrencyError',
    'the reader reads notifications [1, 2, 3]',
    'the reader reads only [4, 5]',
    'listEvents: Created (a = 1), AttributeChanged (a = 2), AttributeChanged (a = 3), Discarded',
    'listItems: 4 sequenced items',
    'the records query returns 4 records',
    'custom application closed'
  ]) {
    assert.ok(stdout.includes(step), `missing step: ${step}\n${stdout}`)
  }
})

examples.run()
