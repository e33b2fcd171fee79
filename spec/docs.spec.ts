/**
 * Docs that cannot lie: every TypeScript block of the README and docs/, and
 * every `@example` in the TSDoc of lib/, is type-checked and run.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
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

snippets.forEach((snippet, n) => {
  if (!snippet.run) return
  docs(`${snippet.source} runs`, () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', files[n] ?? ''], {
      encoding: 'utf8',
      env: { ...process.env, DB_URI: '', CIPHER_KEY: '', COMPRESSOR: '' },
      timeout: 60_000
    })
    assert.is(child.status, 0, `${snippet.source} failed:\n${child.stdout}\n${child.stderr}`)
  })
})

docs.run()
