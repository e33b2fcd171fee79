import { spawnSync } from 'node:child_process'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const run = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'spec/fixtures/failing-hook.ts', ...args], {
    encoding: 'utf8'
  })

const hooks = suite('guarded uvu hooks')

hooks('an unguarded hook that throws lets the run exit 0 (the trap this guards against)', () => {
  const child = run()
  assert.is(child.status, 0, child.stderr)
  assert.match(child.stdout, '(0 / 1)')
})

hooks('a guarded hook that throws fails the run', () => {
  const child = run('--guarded')
  assert.is.not(child.status, 0)
  assert.match(child.stderr, 'HOOK FAILED: setup')
  assert.match(child.stderr, 'the database did not start')
})

hooks.run()
