/**
 * uvu 0.5.6 swallows an exception thrown in a `before`/`after` hook: the suite
 * prints `(0 / N)` and the run still exits 0 (lukeed/uvu#80, #191). Every hook
 * in this repository goes through `guard`, which reports the failure and
 * forces a non-zero exit code once uvu has finished setting its own.
 */
let failures = 0

const failRun = (): void => {
  if (failures++ === 0) {
    // uvu assigns process.exitCode = 0 at the very end of its run; this listener
    // runs after that, at exit, so it has the last word.
    process.on('exit', () => {
      console.error(`\n  ${failures} hook(s) failed: the run fails.`)
      process.exitCode = 1
    })
  }
}

/** Wraps a uvu hook so that an exception in it fails the whole run. */
export const guard =
  <Ctx>(name: string, hook: (context: Ctx) => unknown | Promise<unknown>) =>
  async (context: Ctx): Promise<void> => {
    try {
      await hook(context)
    } catch (error) {
      console.error(`\n  HOOK FAILED: ${name}\n`, error)
      failRun()
      throw error
    }
  }
