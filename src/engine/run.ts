// The engine entry point: pin v1, index v2, plan, write in batches, verify, and report — with
// phase timings and progress. The surfaces (CLI, action) fetch/push around it and render the
// report; they never reach into the phases.
import { GitRunner } from '../git/runner.js'
import { formatGoTime, goTimeFromEpochNanos, isZeroTime } from '../formats/json/time.js'
import { pinV1, loadV1 } from './v1source.js'
import { loadV2State, CURRENT_REF, MAIN_REF, archiveRef, type V2State } from './v2state.js'
import { planCheckpoints, plannedCheckpoint, type CheckpointWork } from './plan.js'
import { writeV2, emptyCounts, FatalMigrationError } from './migrate.js'
import { PhaseTimer } from './timer.js'
import { createCompactor } from './compactor.js'
import { crashPoint } from './crash.js'
import { acquireRepositoryLock } from './lock.js'
import {
  DEFAULT_BATCH_SIZE,
  silentLogger,
  type EngineLogger,
  type MigrateSettings,
  type MigrationPlan,
  type MigrationReport,
  type PlanAction,
  type VerifySummary
} from './types.js'

export { FatalMigrationError }

/** Verification hook: the surfaces pass the verify engine; the engine does not depend on it. */
export type Verifier = (git: GitRunner, settings: MigrateSettings) => Promise<VerifySummary>

export interface RunOptions {
  logger?: EngineLogger
  /** Called after a successful write when settings.verify is on. */
  verifier?: Verifier
  /** Timer shared with the surface (so fetch/push phases land in the same table). */
  timer?: PhaseTimer
  git?: GitRunner
  /** Script for compaction worker threads (a bundle whose entry serves compaction jobs). */
  compactWorkerScript?: string
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
  git: GitRunner
  timer: PhaseTimer
  plan: MigrationPlan
  work: CheckpointWork[]
  v2: V2State
  sizes: Map<string, number>
  /** Warnings of the listing: v1 tree entries skipped as not being checkpoints. */
  listingWarnings: string[]
}

/** Plan only (no writes): the `--dry-run` answer, and the first half of a run. */
export async function prepareRun(
  settings: MigrateSettings,
  opts: RunOptions = {}
): Promise<Prepared> {
  const logger = opts.logger ?? silentLogger
  const timer = opts.timer ?? new PhaseTimer(logger)
  const git = opts.git ?? new GitRunner(settings.repo, logger)
  if (!(settings.batchSize > 0))
    throw new FatalMigrationError(
      `batch size must be a positive integer, got ${settings.batchSize}`
    )
  const snapshot = await timer.time('list', () =>
    pinV1(git, { v1Ref: settings.v1Ref, remote: settings.remote })
  )
  const v1 = await timer.time('list', () => loadV1(git, snapshot))
  timer.add('list', { objects: v1.entryCount + v1.metadataObjects, bytes: v1.metadataBytes })
  const v2 = await timer.time('index', () => loadV2State(git))
  timer.add('index', { objects: v2.entryCount })
  const planned = await timer.time('plan', () =>
    planCheckpoints(git, v1.checkpoints, v2, settings.force)
  )
  timer.add('plan', { objects: planned.objects, bytes: planned.bytes })
  const counts: Record<PlanAction, number> = { migrate: 0, skip: 0, repair: 0, force: 0 }
  let failing = 0
  const checkpoints = planned.work.map((w) => {
    const p = plannedCheckpoint(w, isZeroTime(w.cp.createdAt) ? '' : formatGoTime(w.cp.createdAt))
    counts[p.action]++
    if (w.action === 'fail') failing++
    return p
  })
  const localArchives = [...v2.archives.keys()].sort((a, b) => a - b)
  const remote = settings.referenceCompatible ? [] : settings.knownRemoteArchives
  const known = [...localArchives, ...remote]
  const plan: MigrationPlan = {
    target: 'v2',
    v1: snapshot,
    refs: [
      { ref: MAIN_REF, oid: v2.main.oid },
      { ref: CURRENT_REF, oid: v2.current.oid },
      ...localArchives.map((n) => ({ ref: archiveRef(n), oid: v2.archives.get(n)! }))
    ],
    localArchives,
    remoteArchives: [...settings.knownRemoteArchives].sort((a, b) => a - b),
    nextArchive: (known.length > 0 ? Math.max(...known) : 0) + 1,
    checkpoints,
    counts,
    ...(failing > 0 ? { failing } : {})
  }
  const listingWarnings = (v1.ignored ?? []).map(
    (e) => `v1 tree entry ${e.path} is not a checkpoint (${e.reason}); skipped`
  )
  return { git, timer, plan, work: planned.work, v2, sizes: v1.sizes, listingWarnings }
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
  const lock = await acquireRepositoryLock(opts.git ?? new GitRunner(settings.repo))
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
  const prepared = await prepareRun(settings, { ...opts, logger })
  const { git, timer, plan, work, v2, sizes } = prepared
  if (!settings.dryRun) crashPoint('after-plan')
  for (const w of prepared.listingWarnings) logger.warn(w)
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
    counts: emptyCounts(work.length),
    outcomes: [],
    timings: {},
    totalMs: 0,
    warnings: [...prepared.listingWarnings],
    notes: [...REPORT_NOTES]
  }
  if (!settings.dryRun && work.length > 0) {
    // Worker threads only when something will be compacted (a no-op rerun starts none).
    const needsCompaction = work.some(
      (w) => (w.action === 'migrate' || w.action === 'force') && !w.noTranscripts
    )
    const compactor = createCompactor({
      workers: needsCompaction ? (settings.compactWorkers ?? 0) : 0,
      workerScript: opts.compactWorkerScript
    })
    let out
    try {
      out = await writeV2({ git, settings, logger, timer, compactor }, work, v2, sizes)
    } finally {
      await compactor.close()
    }
    report.refs = out.refs
    report.archivesCreated = out.archivesCreated
    report.batches = out.batches
    report.counts = out.counts
    report.outcomes = out.outcomes
    report.warnings.push(...out.warnings)
    // A run that moved no ref has nothing new to verify (keeps no-op reruns cheap).
    if (settings.verify && opts.verifier && out.refs.length > 0) {
      report.verify = await timer.time('verify', () => opts.verifier!(git, settings))
    }
  } else if (settings.dryRun) {
    report.counts.skipped = plan.counts.skip
  }
  report.timings = timer.snapshot()
  report.totalMs = timer.elapsedMs()
  return report
}
