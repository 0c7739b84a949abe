// The verifier's report → the summary's data-equivalence table: one row per check with passed /
// failed counts, and every failure as a row for the <details> list. Pure.
import type { VerifyReport, CheckFailure } from '../engine/verify/types.js'
import type { EquivalenceReport, EquivalenceFailure } from './action-report.js'

const DESCRIPTIONS: Record<string, string> = {
  coverage: 'every migratable v1 checkpoint is on /main',
  slots: 'session slots map to the v1 sessions',
  'raw.location': 'raw transcript found in /full/current or an archive',
  'raw.bytes': 'raw transcript bytes equal v1 (reassembled chunks)',
  'raw.hash': 'raw_transcript_hash.txt is the sha256 of the raw transcript',
  tasks: 'task files follow their session slots with the same blobs and modes',
  'metadata.copied': 'fields copied from v1 metadata are equal',
  'metadata.derived': 'derived fields (counts, files, token usage) recomputed',
  'metadata.paths': 'summary paths name the written files',
  'metadata.cli-version': 'cli_version as configured',
  prompt: 'prompt.txt equals v1 (after redaction)',
  'compact.present': 'compact transcript present where an agent is known',
  'compact.hash': 'compact transcript hash matches its bytes',
  'compact.rederive': 'compact transcript re-derived from raw bytes is identical',
  'compact.offset': 'compact start offset re-derived',
  'main.layout': '/main holds only checkpoint directories',
  'generation.names': 'archive names are 13 digits, in sequence',
  'generation.envelope': 'generation.json timestamps cover the archive',
  'generation.layout': 'archive trees hold only raw data of their checkpoints',
  encoding: 'JSON encoded as the Go writer does (byte identity)',
  compare: 'identical to the other v2 state compared against'
}

function failureRow(f: CheckFailure): EquivalenceFailure {
  const detail =
    f.expected !== undefined || f.actual !== undefined
      ? `${f.message}${f.field ? ` [${f.field}]` : ''}: expected ${f.expected ?? '–'}, got ${f.actual ?? '–'}`
      : f.message
  return {
    check: f.check,
    checkpoint: f.checkpointId,
    session: f.slot,
    file: f.file
      ? f.ref
        ? `${f.ref.replace('refs/entire/checkpoints/', '')}:${f.file}`
        : f.file
      : undefined,
    message: detail
  }
}

export interface EquivalenceOptions {
  /**
   * Dry run: checkpoints the plan would migrate. Their absence from v2 is expected, so their
   * coverage failures are reported as pending rather than as differences.
   */
  pending?: ReadonlySet<string>
}

export function equivalenceFromVerify(
  v: VerifyReport,
  opts: EquivalenceOptions = {}
): EquivalenceReport {
  const pending = opts.pending ?? new Set<string>()
  const isPending = (f: CheckFailure, id?: string): boolean =>
    f.check === 'coverage' && pending.has(f.checkpointId ?? id ?? '')
  let pendingCount = 0
  const failures: EquivalenceFailure[] = []
  for (const f of v.failures) {
    if (isPending(f)) pendingCount++
    else failures.push(failureRow(f))
  }
  for (const c of v.checkpoints) {
    for (const f of c.failures) {
      if (isPending(f, c.id)) pendingCount++
      else failures.push(failureRow({ ...f, checkpointId: f.checkpointId ?? c.id }))
    }
  }
  const checks = Object.entries(v.byCheck)
    .map(([name, c]) => ({
      name,
      passed: c.passed,
      failed: name === 'coverage' ? Math.max(0, c.failed - pendingCount) : c.failed,
      description: DESCRIPTIONS[name]
    }))
    .filter((c) => c.passed + c.failed > 0)
  const c = v.counts
  const failedChecks = checks.reduce((n, x) => n + x.failed, 0)
  // In a dry run the checkpoints that would migrate are not in v2 yet: count only what exists.
  const verified = Math.max(0, c.verified - pendingCount)
  const identical = Math.max(0, c.ok - pendingCount)
  const summary =
    `${verified} checkpoint(s)${pendingCount ? ' already in v2' : ''} and ${c.sessions} session(s) re-read from git: ` +
    `${identical} identical, ${c.failed} with differences` +
    (c.notMigratable ? `, ${c.notMigratable} not migratable` : '') +
    (c.v2Only ? `, ${c.v2Only} only in v2` : '') +
    `; ${c.checksPassed} checks passed, ${failedChecks} failed` +
    (pendingCount ? `; ${pendingCount} checkpoint(s) not yet in v2 (would migrate)` : '')
  const ok = pendingCount > 0 ? failedChecks === 0 && failures.length === 0 : v.ok
  return { ok, summary, checks, failures }
}
