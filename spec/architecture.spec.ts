/**
 * The layer arrows of DESIGN.md, checked on every import in lib/: the domain
 * imports no I/O, codecs take only types from the domain, only
 * store/connect.ts (and the public entry points) name a concrete dialect, and
 * there are no import cycles. lib/kind, which binds deciders to codecs, sits
 * between codec and application.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const walk = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : []
  })

interface Import {
  readonly specifier: string
  readonly typeOnly: boolean
}

const importsOf = (file: string): ReadonlyArray<Import> => {
  const text = readFileSync(file, 'utf8')
  const out: Array<Import> = []
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
    out.push({ specifier: m[2] ?? '', typeOnly: m[1] !== undefined })
  }
  for (const m of text.matchAll(/import\('([^']+)'\)/g)) out.push({ specifier: m[1] ?? '', typeOnly: false })
  return out
}

const files = walk('lib')
const resolve = (from: string, specifier: string): string => normalize(join(dirname(from), specifier.replace(/\.js$/, '.ts')))
const layerOf = (file: string): string => file.split('/')[1]?.replace(/\.ts$/, '') ?? ''

const arch = suite('architecture')

arch('the domain imports fp-ts and itself, nothing else', () => {
  for (const file of files.filter((f) => f.startsWith('lib/domain/'))) {
    for (const { specifier } of importsOf(file)) {
      assert.ok(specifier.startsWith('./') || specifier.startsWith('fp-ts/'), `${file} imports ${specifier}`)
    }
  }
})

arch('codecs import the domain for types only, and no store, kind or driver', () => {
  for (const file of files.filter((f) => f.startsWith('lib/codec/'))) {
    for (const { specifier, typeOnly } of importsOf(file)) {
      if (specifier.startsWith('../domain/')) assert.ok(typeOnly, `${file} imports values from ${specifier}`)
      assert.not.ok(/store|application|notification|kind\/|kysely|postgres|mysql|sqlite/.test(specifier), `${file} imports ${specifier}`)
    }
  }
})

arch('only store/connect.ts and the public entry points import a concrete dialect', () => {
  const allowed = new Set(['lib/store/connect.ts', 'lib/sqlite.ts', 'lib/postgres.ts', 'lib/mysql.ts'])
  for (const file of files) {
    for (const { specifier, typeOnly } of importsOf(file)) {
      const target = specifier.startsWith('.') ? resolve(file, specifier) : specifier
      const dialect = /^lib\/store\/(sqlite|postgres|mysql)\//.exec(target)?.[1]
      const own = /^lib\/store\/(sqlite|postgres|mysql)\//.exec(file)?.[1]
      if (dialect !== undefined && dialect !== own) assert.ok(allowed.has(file), `${file} imports ${specifier}`)
      // Outside its dialect, a driver may be named in types (the sql option), never loaded.
      if (['better-sqlite3', 'postgres', 'mysql2', 'mysql2/promise'].includes(specifier) && own === undefined) {
        assert.ok(typeOnly, `${file} loads the driver ${specifier}`)
      }
    }
  }
})

arch('the arrows hold: notification and application never import each other backwards', () => {
  const may: Readonly<Record<string, ReadonlyArray<string>>> = {
    domain: ['domain'],
    errors: ['errors'],
    codec: ['codec', 'domain', 'errors'],
    // An aggregate kind binds a pure decider to its codecs.
    kind: ['kind', 'codec', 'domain', 'errors'],
    store: ['store', 'errors'],
    notification: ['notification', 'store', 'codec', 'domain', 'errors'],
    application: ['application', 'notification', 'store', 'kind', 'codec', 'domain', 'errors']
  }
  for (const file of files) {
    const from = layerOf(file)
    const allowed = may[from]
    if (allowed === undefined) continue // the entry points
    for (const { specifier } of importsOf(file)) {
      if (!specifier.startsWith('.')) continue
      const to = layerOf(resolve(file, specifier))
      assert.ok(allowed.includes(to), `${file} (${from}) imports ${specifier} (${to})`)
    }
  }
})

arch('there are no import cycles', () => {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((i) => i.specifier.startsWith('.')).map((i) => resolve(f, i.specifier))]))
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (file: string, path: ReadonlyArray<string>): void => {
    if (state.get(file) === 'done') return
    assert.ok(state.get(file) !== 'visiting', `cycle: ${[...path, file].join(' → ')}`)
    state.set(file, 'visiting')
    for (const next of graph.get(file) ?? []) visit(next, [...path, file])
    state.set(file, 'done')
  }
  for (const file of files) visit(file, [])
})

arch.run()
