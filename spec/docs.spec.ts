/**
 * Docs that cannot lie: every TypeScript block of the README and docs/, and
 * every `@example` in the TSDoc of lib/, is type-checked and run.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { guard } from './support/hooks.js'
import { allSnippets, writeSnippets } from './support/snippets.js'

const DIR = join('.tmp', 'snippets')
const snippets = allSnippets()
const files = writeSnippets(snippets, DIR)

const docs = suite('docs examples')

docs('there are examples in the README, the guides and the TSDoc', () => {
  assert.ok(snippets.some((s) => s.source.startsWith('README.md')), 'README')
  assert.ok(snippets.some((s) => s.source.startsWith('lib')), 'TSDoc')
})

docs('every example type-checks', () => {
  writeFileSync(
    join(DIR, 'tsconfig.json'),
    JSON.stringify({ extends: '../../tsconfig.json', include: ['./*.ts'], compilerOptions: { noUnusedLocals: false } })
  )
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', join(DIR, 'tsconfig.json')], {
    encoding: 'utf8'
  })
  const located = tsc.stdout.replace(/\.tmp\/snippets\/snippet-(\d+)\.ts\((\d+),\d+\)/g, (_m, n: string, line: string) => {
    const s = snippets[Number(n)]
    return `${s?.source ?? '?'} (+${Number(line) - 1})`
  })
  assert.is(tsc.status, 0, located)
})

interface Outcome {
  readonly ok: boolean
  readonly output: string
}

// Snippets run in this process (the tsx loader is already here): a node
// process per snippet cost a second of start-up each. Each is a module of its
// own; what it throws, or rejects with, fails its test.
const run = async (file: string): Promise<Outcome> => {
  try {
    await import(pathToFileURL(resolve(file)).href)
    return { ok: true, output: '' }
  } catch (error) {
    return { ok: false, output: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  }
}

const outcomes = new Map<number, Outcome>()

docs.before(
  guard('run every runnable snippet', async () => {
    // The snippets read their settings from options, not from the environment.
    const saved = { DB_URI: process.env['DB_URI'], CIPHER_KEY: process.env['CIPHER_KEY'], COMPRESSOR: process.env['COMPRESSOR'] }
    for (const name of Object.keys(saved)) delete process.env[name]
    try {
      for (const [n, snippet] of snippets.entries()) if (snippet.run) outcomes.set(n, await run(files[n] ?? ''))
    } finally {
      for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value
    }
  })
)

snippets.forEach((snippet, n) => {
  if (!snippet.run) return
  docs(`${snippet.source} runs`, () => {
    const outcome = outcomes.get(n)
    assert.ok(outcome !== undefined, 'not run')
    assert.ok(outcome.ok, `${snippet.source} failed:\n${outcome.output}`)
  })
})

docs.run()
