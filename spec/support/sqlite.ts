/** Temporary SQLite files for specs: one directory per call, removed with everything in it. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TempDatabase {
  /** A path to a database file that does not exist yet. */
  readonly filename: string
  /** Removes the file and its `-wal` and `-shm` companions. */
  readonly remove: () => void
}

export const tempDatabase = (name = 'eventfold.sqlite'): TempDatabase => {
  const dir = mkdtempSync(join(tmpdir(), 'eventfold-spec-'))
  return { filename: join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) }
}
