/**
 * `npm run docs:check`: the API reference cannot go stale.
 *
 * Builds the reference from the TSDoc of lib/ into a temporary directory, with
 * typedoc.json's settings (warnings are errors, so an undocumented export or a
 * broken {@link} fails the build), then compares it, file by file, with the
 * committed docs/api. Any difference fails, and says to run `npm run docs`.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

const COMMITTED = join('docs', 'api')
const FRESH = join('.tmp', 'api-check')

const typedoc = spawnSync(process.execPath, ['node_modules/typedoc/bin/typedoc', '--out', FRESH, '--logLevel', 'Warn'], {
  stdio: 'inherit'
})
if (typedoc.status !== 0) {
  console.error('docs:check: the API reference does not build cleanly (see the warnings above): document every export, fix every link')
  process.exit(1)
}

/** Every file under `dir`, as a path relative to it with forward slashes. */
const files = (dir) => {
  const walk = (d) =>
    readdirSync(d).flatMap((name) => {
      const path = join(d, name)
      return statSync(path).isDirectory() ? walk(path) : [relative(dir, path).split(sep).join('/')]
    })
  return existsSync(dir) ? walk(dir).sort() : []
}

const committed = files(COMMITTED)
const fresh = files(FRESH)
const problems = [
  ...fresh.filter((f) => !committed.includes(f)).map((f) => `missing from docs/api: ${f}`),
  ...committed.filter((f) => !fresh.includes(f)).map((f) => `no longer generated:    ${f}`),
  ...fresh
    .filter((f) => committed.includes(f))
    .filter((f) => !readFileSync(join(COMMITTED, f)).equals(readFileSync(join(FRESH, f))))
    .map((f) => `out of date:            ${f}`)
]
rmSync(FRESH, { recursive: true, force: true })

if (problems.length > 0) {
  console.error(`docs:check: docs/api does not match the TSDoc of lib/ (${problems.length} file(s)):`)
  for (const p of problems.slice(0, 20)) console.error(`  ${p}`)
  if (problems.length > 20) console.error(`  … and ${problems.length - 20} more`)
  console.error('Run `npm run docs` and commit docs/api.')
  process.exit(1)
}
console.log(`docs:check: docs/api is up to date (${fresh.length} files)`)
