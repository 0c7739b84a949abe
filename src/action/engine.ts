// The action's two calls into the engine: a whole migration (plan, write, verify with the verify
// engine's hook) and, for a dry run, the verification of the v2 data that already exists. Both
// re-read everything from git.
import type { GitRunner } from '../git/runner.js'
import { runMigration } from '../engine/run.js'
import { runnableScript } from '../engine/worker-pool.js'
import { verifyRepository } from '../engine/verify/verify.js'
import { engineVerifier } from '../engine/verify/engine-hook.js'
import type { VerifyReport } from '../engine/verify/types.js'
import type { EngineLogger, MigrateSettings, MigrationReport } from '../engine/types.js'

export type EngineRun = (
  git: GitRunner,
  settings: MigrateSettings,
  logger: EngineLogger
) => Promise<MigrationReport>

// In the bundle, git objects are read on a thread of the bundle's own (src/git/object-thread.ts).
export const runEngine: EngineRun = (git, settings, logger) =>
  runMigration(settings, {
    git,
    logger,
    verifier: engineVerifier,
    compactWorkerScript: runnableScript(import.meta.url)
  })

/** Verify what exists (dry run): v1 against the v2 refs fetched from the remote. */
export function verifyExisting(
  git: GitRunner,
  opts: { v1Ref: string; cliVersion: string }
): Promise<VerifyReport> {
  const readerScript = runnableScript(import.meta.url)
  return verifyRepository(git, { ...opts, ...(readerScript ? { readerScript } : {}) })
}
