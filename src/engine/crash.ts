// Crash points: named phase boundaries where a test can make the process die as if killed, to
// prove that a rerun converges to what an uninterrupted run writes. `ENTIRE_MIGRATE_CRASH_AT=<name>`
// ends the process at that point with exit code 99 and no cleanup (no finally blocks, no lock
// release, no report). `ENTIRE_MIGRATE_HOLD_AT=<name>` with `ENTIRE_MIGRATE_HOLD_FILE=<path>`
// instead writes the file and blocks until a test removes it (to race another writer at that point).
import { existsSync, writeFileSync, writeSync } from 'node:fs'

/** Exit code of a process stopped at a crash point. */
export const CRASH_EXIT_CODE = 99

/** How long a hold waits for its file to disappear before the process continues anyway. */
const HOLD_LIMIT_MS = 120_000

/** Names of the crash points the engine and surfaces pass (k: 1-based batch number; 'final' for the last flush). */
export type CrashPointName =
  | 'after-plan'
  | `after-main:${number | 'final'}`
  | `after-archive:${number | 'final'}`
  | `before-ref-update:${number | 'final'}`
  | `after-ref-update:${number | 'final'}`
  | 'during-push'

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Die here (exit 99) or block here when the environment names this point; otherwise nothing. */
export function crashPoint(name: CrashPointName, detail?: string): void {
  const env = process.env
  if (env.ENTIRE_MIGRATE_HOLD_AT === name && env.ENTIRE_MIGRATE_HOLD_FILE) {
    const file = env.ENTIRE_MIGRATE_HOLD_FILE
    writeFileSync(file, `${process.pid} ${name}\n`)
    const until = Date.now() + HOLD_LIMIT_MS
    while (existsSync(file) && Date.now() < until) sleepSync(20)
    return
  }
  if (env.ENTIRE_MIGRATE_CRASH_AT !== name) return
  // Synchronous write: the message must reach stderr before the process ends.
  writeSync(2, `entire-migrate: crash point ${name}${detail ? ` (${detail})` : ''} reached\n`)
  process.exit(CRASH_EXIT_CODE)
}
