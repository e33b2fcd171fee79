/**
 * The published package: lib/ compiles to plain ESM that Node itself (not tsx)
 * can import through every entry point of package.json's `exports`.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { guard } from './support/hooks.js'

const OUT = join('.tmp', 'dist')
const pkg = suite('package')

pkg.before(
  guard('build lib/ into .tmp/dist', () => {
    rmSync(OUT, { recursive: true, force: true })
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', OUT], { encoding: 'utf8' })
    if (tsc.status !== 0) throw new Error(`the build failed:\n${tsc.stdout}${tsc.stderr}`)
  })
)
pkg.after(guard('remove the build', () => rmSync(OUT, { recursive: true, force: true })))

const exportsMap = JSON.parse(readFileSync('package.json', 'utf8')).exports as Record<string, { types: string; import: string }>

pkg('every entry point has types and plain-ESM code that node imports', () => {
  for (const [entry, target] of Object.entries(exportsMap)) {
    const file = target.import.replace('./dist', OUT)
    assert.ok(target.types.endsWith('.d.ts'), entry)
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import('./${file}'); if (Object.keys(m).length === 0) process.exit(3)`], {
      encoding: 'utf8'
    })
    assert.is(child.status, 0, `${entry}: ${child.stderr}`)
  }
})

pkg('the built library saves and loads on SQLite without tsx', () => {
  const script = `
    const m = await import('./${OUT}/index.js')
    const app = await m.createApplication({ persist: [m.AggregateRoot], env: {} })()
    if (app._tag !== 'Right') throw new Error(JSON.stringify(app.left))
    const a = m.AggregateRoot.execute(m.create({ n: 1 }))(m.AggregateRoot.initial('x'))
    const saved = await app.right.save(a.right)()
    const got = await app.right.repository.get(m.AggregateRoot, 'x')()
    await app.right.close()
    if (saved._tag !== 'Right' || got._tag !== 'Right' || got.right.state.attributes.n !== 1) process.exit(4)
  `
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  assert.is(child.status, 0, child.stderr)
})

pkg.run()
