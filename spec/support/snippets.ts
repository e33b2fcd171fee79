/**
 * Extracts the TypeScript examples of the docs: fenced `ts` blocks of the README
 * and docs/, and `@example` blocks of the TSDoc in lib/. Each becomes a file
 * that imports the library from lib/ instead of 'eventfold'.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

export interface Snippet {
  /** Where it comes from, as file:line. */
  readonly source: string
  readonly code: string
  /** Marked `ts no-run`: type-checked, not run (say why in the block). */
  readonly run: boolean
}

const walk = (dir: string, keep: (file: string) => boolean): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'api' || name === 'node_modules' ? [] : walk(path, keep)
    return keep(path) ? [path] : []
  })

/** Fenced ```ts blocks of a Markdown file. */
export const markdownSnippets = (file: string): ReadonlyArray<Snippet> => {
  const lines = readFileSync(file, 'utf8').split('\n')
  const out: Array<Snippet> = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)(\s+no-run)?\s*$/.exec(lines[i] ?? '')
    if (open === null) continue
    const start = i + 1
    while (i + 1 < lines.length && lines[i + 1] !== '```') i++
    out.push({ source: `${file}:${start}`, code: lines.slice(start, i + 1).join('\n'), run: open[2] === undefined })
    i++
  }
  return out
}

/** `@example` blocks of the TSDoc comments of a source file. */
export const tsdocSnippets = (file: string): ReadonlyArray<Snippet> => {
  const lines = readFileSync(file, 'utf8').split('\n')
  const out: Array<Snippet> = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*@example\s*$/.test(lines[i] ?? '')) continue
    const start = i + 1
    const body: Array<string> = []
    while (i + 1 < lines.length && !/^\s*\*\s*@\w+/.test(lines[i + 1] ?? '') && !/^\s*\*\//.test(lines[i + 1] ?? '')) {
      i++
      body.push((lines[i] ?? '').replace(/^\s*\* ?/, ''))
    }
    out.push({ source: `${file}:${start}`, code: body.join('\n').trim(), run: true })
  }
  return out
}

/** Every snippet of the README, docs/ and lib/. */
export const allSnippets = (): ReadonlyArray<Snippet> => [
  ...markdownSnippets('README.md'),
  ...walk('docs', (f) => f.endsWith('.md')).flatMap(markdownSnippets),
  ...walk('lib', (f) => f.endsWith('.ts')).flatMap(tsdocSnippets)
]

/** Writes the snippets as modules under `dir`, importing the library from lib/. */
export const writeSnippets = (snippets: ReadonlyArray<Snippet>, dir: string): ReadonlyArray<string> => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const lib = relative(dir, 'lib').split('\\').join('/')
  return snippets.map((snippet, n) => {
    const file = join(dir, `snippet-${String(n).padStart(3, '0')}.ts`)
    const code = snippet.code
      .replace(/from 'eventfold'/g, `from '${lib}/index.js'`)
      .replace(/from 'eventfold\/(sqlite|postgres|mysql)'/g, (_m, entry: string) => `from '${lib}/${entry}.js'`)
    // `export {}` makes each snippet a module, so top-level await and names stay local.
    writeFileSync(file, `// ${snippet.source}\n${code}\nexport {}\n`)
    return file
  })
}
