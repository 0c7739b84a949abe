// The engine entry point: pin v1, then the target (targets/v2) plans, writes in batches and
// verifies; this module takes the lock, times the phases and builds the report. The surfaces
// (CLI, action) fetch/push around it and render the report; they never reach into the phases.
import { GitRunner } from '../git/runner.js'
import { checkGitVersion } from '../git/repo.js'
import { formatGoTime, goTimeFromEpochNanos } from '../formats/json/time.js'
import { pinV1 } from './v1source.js'
import { emptyCounts, FatalMigrationError } from './migrate.js'
import { PhaseTimer } from './timer.js'
import { crashPoint } from './crash.js'
import { collectGarbage, releaseDeadBuffers } from './heap.js'
import { readsV1Blobs } from './plan.js'
import { acquireRepositoryLock, confirmLockHeldBy } from './lock.js'
import { V2Target, type V2Plan, type Verifier } from './targets/v2/index.js'
import {
  DEFAULT_BATCH_SIZE,
  silentLogger,
  type EngineContext,
  type EngineLogger,
  type MigrateSettings,
  type MigrationReport,
  type PlannedCheckpoint
} from './types.js'

export { FatalMigrationError }
export type { Verifier }

export interface RunOptions {
  logger?: EngineLogger
  /** Called after a successful write when settings.verify is on. */
  verifier?: Verifier
  /** Timer shared with the surface (so fetch/push phases land in the same table). */
  timer?: PhaseTimer
  git?: GitRunner
  /** Script for compaction worker threads (a bundle whose entry serves compaction jobs). */
  compactWorkerScript?: string
  /**
   * The process that holds the repository lock for this run, when not this one: a segment runs
   * under its parent's lock (checked, not taken).
   */
  lockHeldBy?: number
  /**
   * Takes the plan's per-checkpoint list before the write, which the report then lacks: a
   * segment hands it to its parent in a file rather than hold an entry per checkpoint left in
   * the run (thousands) through its write. Not called for a dry run.
   */
  planSink?: (checkpoints: PlannedCheckpoint[]) => void
}

export const REPORT_NOTES = [
  'Archives carry generation.json timestamps of their checkpoints; archives older than the retention window (14 days by default) are eligible for deletion by `entire clean` right away (migration.md §16 item 16).',
  'The v2 layout is read by Entire CLI releases v0.5.6 to v0.6.3 only; v0.7.0 and later ignore refs/entire/checkpoints/v2/* (migration.md §16 item 17).'
]

export function defaultSettings(
  repo: string,
  over: Partial<MigrateSettings> = {}
): MigrateSettings {
  return {
    repo,
    batchSize: DEFAULT_BATCH_SIZE,
    cliVersion: '0.6.2',
    referenceCompatible: false,
    force: false,
    dryRun: false,
    verify: false,
    now: new Date(),
    knownRemoteArchives: [],
    ...over
  }
}

interface Prepared {
  ctx: EngineContext & { timer: PhaseTimer }
  target: V2Target
  plan: V2Plan
}

/** Plan only (no writes): the `--dry-run` answer, and the first half of a run. */
async function prepareRun(settings: MigrateSettings, opts: RunOptions = {}): Promise<Prepared> {
  const logger = opts.logger ?? silentLogger
  const timer = opts.timer ?? new PhaseTimer(logger)
  const git = opts.git ?? new GitRunner(settings.repo, logger)
  if (!(settings.batchSize > 0))
    throw new FatalMigrationError(
      `batch size must be a positive integer, got ${settings.batchSize}`
    )
  await checkGitVersion(git)
  const ctx = { git, settings, logger, timer }
  const target = new V2Target({
    verifier: opts.verifier,
    compactWorkerScript: opts.compactWorkerScript
  })
  const snapshot = await timer.time('list', () =>
    pinV1(git, { v1Ref: settings.v1Ref, remote: settings.remote })
  )
  const plan = await target.plan(ctx, snapshot)
  return { ctx, target, plan }
}

/**
 * Run a whole migration (or a dry run) and return its report. Fatal errors throw. A writing run
 * holds the repository lock (lock.ts) from plan to verify: a second run at once refuses.
 */
export async function runMigration(
  settings: MigrateSettings,
  opts: RunOptions = {}
): Promise<MigrationReport> {
  if (settings.dryRun) return runMigrationLocked(settings, opts)
  const git = opts.git ?? new GitRunner(settings.repo)
  if (opts.lockHeldBy !== undefined) {
    await confirmLockHeldBy(git, opts.lockHeldBy)
    return runMigrationLocked(settings, opts)
  }
  const lock = await acquireRepositoryLock(git)
  try {
    return await runMigrationLocked(settings, opts)
  } finally {
    lock.release()
  }
}

async function runMigrationLocked(
  settings: MigrateSettings,
  opts: RunOptions
): Promise<MigrationReport> {
  const logger = opts.logger ?? silentLogger
  const { ctx, target, plan } = await prepareRun(settings, { ...opts, logger })
  const { timer } = ctx
  const { listingWarnings } = plan.internal
  // Not kept across the write step, which takes the work and lets each item go once processed.
  const planned = plan.internal.work.length
  const readsBlobs = plan.internal.work.some(readsV1Blobs)
  if (!settings.dryRun) crashPoint('after-plan')
  if (!settings.dryRun && opts.planSink) {
    opts.planSink(plan.checkpoints)
    plan.checkpoints = []
  }
  // The plan took the ids of a later segment's checkpoints; the write needs its work items only.
  if (settings.segment) delete settings.segment.ids
  for (const w of listingWarnings) logger.warn(w)
  const report: MigrationReport = {
    target: 'v2',
    repo: settings.repo,
    v1: plan.v1,
    settings: {
      batchSize: settings.batchSize,
      cliVersion: settings.cliVersion,
      referenceCompatible: settings.referenceCompatible,
      force: settings.force,
      dryRun: settings.dryRun,
      verify: settings.verify,
      now: formatGoTime(goTimeFromEpochNanos(BigInt(settings.now.getTime()) * 1_000_000n))
    },
    plan,
    refs: [],
    archivesCreated: [],
    batches: 0,
    counts: emptyCounts(planned),
    outcomes: [],
    timings: {},
    totalMs: 0,
    warnings: [...listingWarnings],
    notes: [...REPORT_NOTES]
  }
  if (!settings.dryRun && planned > 0) {
    // What planning left behind is collected before the first read window arrives (heap.ts);
    // a run with nothing to read (a rerun that skips everything) does not wait for it. The
    // second collection gives back the pages the first one emptied: after one, 10,000
    // synthetic checkpoints left 52 MB of old space committed for 10 MB in use; after two, 11.
    if (readsBlobs && collectGarbage()) collectGarbage()
    const out = await target.write(ctx, plan)
    report.refs = out.refs
    report.archivesCreated = out.archivesCreated
    report.batches = out.batches
    report.counts = out.counts
    report.warnings.push(...out.warnings)
    if (out.resume) report.resume = out.resume
    // A run that moved no ref has nothing new to verify (keeps no-op reruns cheap); a segment
    // with work left leaves verification to the last one.
    if (settings.verify && opts.verifier && out.refs.length > 0 && !out.resume) {
      // The write step's memory (its read pool is 128 MiB of shared memory, freed only when
      // collected) goes before verification reads: the real corpus peaked at 391-426 MB with it.
      await releaseDeadBuffers()
      report.verify = await timer.time('verify', () => target.verify(ctx, plan, out))
    }
    // Read back once verification is done: its memory then does not hold every outcome too.
    report.outcomes = out.outcomes.toArray()
  } else if (settings.dryRun) {
    report.counts.skipped = plan.counts.skip
  }
  report.timings = timer.snapshot()
  report.totalMs = timer.elapsedMs()
  return report
}
