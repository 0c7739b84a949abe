// The engine's verification hook (src/engine/run.ts `Verifier`): run the verifier on what the
// migration just wrote and summarise it; the full report travels as `details`.
import type { GitRunner } from '../../git/runner.js'
import type { MigrateSettings, VerifySummary } from '../types.js'
import { verifyRepository } from './verify.js'
import { runnableScript } from '../worker-pool.js'
import type { DigestLookup } from '../blob-digests.js'

export async function engineVerifier(
  git: GitRunner,
  settings: MigrateSettings,
  read?: { v1Sha256?: DigestLookup }
): Promise<VerifySummary> {
  const report = await verifyRepository(git, {
    v1Ref: settings.v1Ref,
    cliVersion: settings.cliVersion,
    // Used only without re-derivation (which needs the v1 bytes anyway).
    ...(read?.v1Sha256 ? { knownSha256: read.v1Sha256 } : {}),
    // In the action's bundle, blobs are read on a thread of the bundle's own.
    readerScript: runnableScript(import.meta.url)
  })
  const c = report.counts
  return {
    ok: report.ok,
    summary:
      `${report.ok ? 'verified' : 'verification FAILED'}: ${c.ok} checkpoint(s) ok, ${c.failed} failed, ` +
      `${c.checksPassed} checks passed, ${c.checksFailed} failed (${(report.durationMs / 1000).toFixed(1)} s)`,
    details: report
  }
}
