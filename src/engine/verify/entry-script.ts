// Which script worker and reader threads may run: the bundle this module is part of, and only
// when that bundle is the process's entry (the CLI's or the action's, whose entries serve those
// threads). A module file of a transpiled source tree, TypeScript sources and a test runner's
// process give undefined: a thread started on a file that serves nothing ends at once, and a
// read waiting on it would never be answered.
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export function entryBundle(moduleUrl: string, argv1 = process.argv[1]): string | undefined {
  try {
    const file = fileURLToPath(moduleUrl)
    if (!/\.(c|m)?js$/.test(file) || !argv1) return undefined
    return realpathSync(argv1) === realpathSync(file) ? file : undefined
  } catch {
    return undefined
  }
}
