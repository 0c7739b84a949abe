// Shared vocabulary of the migration engine: settings, plan, per-checkpoint outcomes, counts,
// phase timings, progress events, the run report, and the Target interface through which a
// layout (v2 refs, per-checkpoint refs) plugs into the shared plan/read/compact/write pipeline.
// The surfaces (CLI, action, report renderers, verify) code against this file: keep it stable,
// add optional fields rather than change existing ones.
import type { GitRunner } from '../git/runner.js'
import type { OutcomeLog } from './outcome-log.js'
import type { DigestLookup } from './blob-digests.js'

// ---------------------------------------------------------------------------------------------
// Settings

/** Identity written on commits (`Name <email>`). */
export interface Identity {
  name: string
  email: string
}

export interface MigrateSettings {
  /** Work tree or git dir of the repository to migrate. */
  repo: string
  /** Remote to fetch v2 refs from / push to (surfaces decide whether to fetch/push). */
  remote?: string
  /** Checkpoints per batch = per archive generation (reference: 100). */
  batchSize: number
  /** Stamped into every metadata.json and compact line (migration.md §17 item 1). */
  cliVersion: string
  /** Restore the reference's written bytes/behaviour where migration.md §16 changes them. */
  referenceCompatible: boolean
  /** Prune and re-migrate checkpoints already in v2 (migration.md §5.3, §16 item 15). */
  force: boolean
  /** Plan only; write nothing. */
  dryRun: boolean
  /** Re-read the result from git and check it after writing. */
  verify: boolean
  /** The one clock reading of the run (zero created_at, commit times; §16 item 14). */
  now: Date
  /** Archive numbers that exist on the remote (from ls-remote/fetch): numbering continues after them. */
  knownRemoteArchives: number[]
  /** v1 ref to read; default: local `refs/heads/entire/checkpoints/v1`, else `refs/remotes/<remote|origin>/entire/checkpoints/v1`. */
  v1Ref?: string
  /** Apply the secret redactor to prompt.txt and summary texts (default true; tests may switch it off). */
  redact?: boolean
  /** Identity for commits the reference makes as the git user (default: git config, else Unknown/unknown@local). */
  gitUser?: Identity
  /** Test hook: stop as if killed right after batch k was written (throws InterruptedRunError). */
  stopAfterBatches?: number
  /** Compaction worker threads (0 = in this thread; default: the surface decides). */
  compactWorkers?: number
  /**
   * Most bytes of reused memory that large v1 transcripts are read into, with in-thread
   * compaction (default: 128 MiB for runs reading under 1 GiB, none beyond; never more than the
   * run reads; 0: every blob into memory of its own).
   */
  readPoolBytes?: number
  /**
   * Most bytes of v1 blobs the window processed and the windows read ahead of it hold together
   * (default: as many windows as that, full; a window larger than a window's size alone waits).
   */
  readAheadBytes?: number
  /** This run is one segment of a longer one, each in a process of its own (launch/segments.ts). */
  segment?: SegmentSettings
}

/**
 * Which checkpoints a segment takes and when it stops. A long migration runs in segments so that
 * no process lives through all of it (a process's resident size grows with its length); segment
 * k+1 is the rerun of segment k stopped at a batch boundary, with the same clock reading and
 * pinned v1 commit, and the offset cache (§7.3) carried over, so the refs equal one run's.
 */
export interface SegmentSettings {
  /**
   * The checkpoints left, in the order the first segment planned them: this segment lists and
   * plans only these (and fails if they no longer come in this order), never forced (a forced
   * run's first segment pruned all it re-migrates). Undefined: all of v1. Taken (removed) once
   * planned.
   */
  ids?: string[]
  /** Checkpoints earlier segments processed (progress counts on from there). */
  before?: number
  /**
   * Stop at the first batch boundary after this many checkpoints that read v1 blobs, when more
   * remain; segments are balanced (10,000 with a limit of 2,500: four of 2,500; 2,600: two of
   * 1,300). Undefined: run to the end.
   */
  limit?: number
  /** The offset cache (§7.3) as the earlier segments left it: key, value. Taken (removed) by the write. */
  offsets?: Array<[string, number]>
  /**
   * Digest records (BlobDigests) of the v1 blobs earlier segments read, for the verification.
   * Taken (removed) by the write.
   */
  v1Sha256?: Uint8Array
}

/** Where the next segment starts; absent from a report whose run went to the end. */
export interface SegmentResume {
  ids: string[]
  before: number
  offsets: Array<[string, number]>
  /** Digest records of the v1 blobs read so far (binary: the caller keeps it out of JSON). */
  v1Sha256?: Buffer
}

export const DEFAULT_BATCH_SIZE = 100
export const MIGRATION_AUTHOR: Identity = {
  name: 'Entire Migration',
  email: 'migration@entire.dev'
}

// ---------------------------------------------------------------------------------------------
// Plan

/** Why a checkpoint is planned the way it is. */
export type PlanAction =
  /** Absent from `/main`: fresh path (§5.4). */
  | 'migrate'
  /** Present and complete: nothing to do (§11.1). */
  | 'skip'
  /** Present but some slot lacks `/full` artifacts or a compact transcript (§5.2). */
  | 'repair'
  /** Present, `--force`: prune then fresh path (§5.3). */
  | 'force'

export interface PlannedCheckpoint {
  id: string
  /** created_at of the v1 listing (RFC 3339 as stored, or '' for Go's zero time). */
  createdAt: string
  action: PlanAction
  /** Human readable: why skipped / what is repaired. */
  reason?: string
  /** Slots (v2 numbering) lacking complete `/full` artifacts (repair). */
  missingFullSlots?: number[]
  /** Slots whose summary entry has no compact transcript (repair; only those with an agent are retried). */
  missingCompactSlots?: number[]
  /** Set when the checkpoint will fail (its existing v2 data does not read); action is then 'repair'. */
  failure?: string
}

export interface RefValue {
  ref: string
  /** Object id read at plan time, null = ref absent. Every update compares-and-swaps against it. */
  oid: string | null
}

export interface MigrationPlan {
  target: string
  v1: V1Snapshot | null
  /** Target refs read at plan time (compare-and-swap bases). */
  refs: RefValue[]
  localArchives: number[]
  remoteArchives: number[]
  /** First archive number this run would create. */
  nextArchive: number
  /** Listed v1 checkpoints in processing order (§3.2). */
  checkpoints: PlannedCheckpoint[]
  counts: Record<PlanAction, number>
  /** Checkpoints already known to fail at plan time (their `failure` is set). */
  failing?: number
}

/** The pinned v1 input (§16 item 6). */
export interface V1Snapshot {
  ref: string
  commit: string
  tree: string
}

// ---------------------------------------------------------------------------------------------
// Outcomes and counts

export type CheckpointStatus = 'migrated' | 'skipped' | 'failed' | 'repaired'

/** Stable reason codes (the surfaces group counts by them). */
export type SkipReason = 'already-in-v2' | 'no-migratable-sessions' | 'already-imported'
export type FailReason =
  | 'unreadable-object'
  | 'bad-summary'
  | 'missing-summary'
  | 'bad-session'
  | 'invalid-session-id'
  | 'invalid-tool-use-id'
  | 'bad-chunk-name'
  | 'resume-session-not-found'
  | 'v2-read-error'
  | 'write-error'
  | 'internal'

export type OffsetSource = 'none' | 'cache' | 'recompute'
export type CompactStatus = 'written' | 'no-agent' | 'empty-transcript' | 'empty-output' | 'error'

export interface SessionOutcome {
  /** v1 session directory index. */
  v1Index: number
  /** v2 slot, absent when the session was not migrated. */
  v2Slot?: number
  sessionId: string
  agent: string
  /** 'missing' = no transcript or no directory (§5.4 step 2). */
  status: 'migrated' | 'missing' | 'repacked' | 'backfilled'
  /** Raw transcript blob ids reused from v1 (one per chunk). */
  rawBlobs?: string[]
  rawBytes?: number
  /** sha256 of the reassembled transcript equals v1 content_hash.txt (undefined: v1 had none). */
  contentHashMatchesV1?: boolean
  compact?: CompactStatus
  compactMessage?: string
  offset?: number
  offsetSource?: OffsetSource
  /** When the cache answered: the value recomputation would give, if it was computed and differs. */
  offsetRecomputed?: number
  /** v1 fields with a value that the v2 write drops (§6.7), e.g. `transcript_lines_at_start`. */
  droppedFields?: string[]
  /** created_at was zero and took the run's clock reading (§16 item 14). */
  createdAtFromClock?: boolean
}

export interface CheckpointOutcome {
  id: string
  status: CheckpointStatus
  /** Reason code for skipped/failed. */
  reason?: SkipReason | FailReason
  /** Full message (names checkpoint and file). */
  message?: string
  /** Offending file, as a path in the v1 tree (`aa/rest/0/metadata.json`). */
  file?: string
  /** Archive ref or `full/current` that received its raw data. */
  fullRef?: string
  sessions?: SessionOutcome[]
}

export interface MigrationCounts {
  /** Listed v1 checkpoints. */
  total: number
  migrated: number
  skipped: number
  failed: number
  /** Existing checkpoints completed (missing /full repacked or compact backfilled). */
  repaired: number
  skippedByReason: Record<string, number>
  failedByReason: Record<string, number>
  /** v1 sessions without transcript or directory (fresh path). */
  missingSessions: number
  /** Checkpoints with a session that has a transcript but no compact result (§5.4 step 6). */
  compactionSkipped: number
  /** v1 field name → number of sessions where it had a value and was dropped. */
  fieldsDropped: Record<string, number>
  /** v2 session slots written to `/main` by this run. */
  sessionsWritten: number
}

// ---------------------------------------------------------------------------------------------
// Timings and progress

export const PHASES = [
  'fetch',
  'list',
  'index',
  'plan',
  'readV1',
  'compact',
  'writeMain',
  'packFull',
  'updateRefs',
  'verify',
  'push'
] as const
export type PhaseName = (typeof PHASES)[number]

export interface PhaseTiming {
  /** Wall time spent in the phase (phases may overlap when pipelined; they then sum to more than the total). */
  ms: number
  /** Objects handled (blobs read, objects written, refs updated …), where meaningful. */
  objects?: number
  /** Bytes handled, where meaningful. */
  bytes?: number
}

/** Phase name → timing; a phase that did not run is absent. Render in PHASES order. */
export type PhaseTimings = Partial<Record<PhaseName, PhaseTiming>>

export type ProgressEvent =
  | { kind: 'phase'; phase: PhaseName; state: 'start' | 'end' }
  | { kind: 'checkpoints'; done: number; total: number; bytesRead: number }
  | { kind: 'batch'; index: number; batches: number; checkpoints: number; archive?: string }

/** Where the engine logs; the CLI maps it to stderr, the action to @actions/core. */
export interface EngineLogger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
  progress?(event: ProgressEvent): void
}

export const silentLogger: EngineLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined
}

// ---------------------------------------------------------------------------------------------
// Report

export interface RefChange {
  ref: string
  old: string | null
  /** null = deleted. */
  new: string | null
}

/** What the verify step says, kept generic so the engine does not depend on verify's internals. */
export interface VerifySummary {
  ok: boolean
  /** One line for the summary. */
  summary: string
  /** The verifier's full report object. */
  details?: unknown
}

export interface PushSummary {
  remote: string
  refs: RefChange[]
  ok: boolean
  message?: string
}

export interface MigrationReport {
  target: string
  repo: string
  /** Pinned v1 input; null when there is no v1 branch. */
  v1: V1Snapshot | null
  settings: Pick<
    MigrateSettings,
    'batchSize' | 'cliVersion' | 'referenceCompatible' | 'force' | 'dryRun' | 'verify'
  > & { now: string }
  /** The plan (always present; the whole answer of a dry run). */
  plan: MigrationPlan
  /** Refs moved by this run, old → new. Empty for a dry run or a no-op. */
  refs: RefChange[]
  /** Archive refs created by this run. */
  archivesCreated: string[]
  /** Number of batches written. */
  batches: number
  counts: MigrationCounts
  /** One per listed checkpoint, in processing order. */
  outcomes: CheckpointOutcome[]
  timings: PhaseTimings
  totalMs: number
  verify?: VerifySummary
  push?: PushSummary
  warnings: string[]
  /** Facts the reader should know (retention of archives, which Go versions read v2 …). */
  notes: string[]
  /** A segment that stopped with work left: where the next one starts (launch/segments.ts). */
  resume?: SegmentResume
  /** The segments (processes) the run took, in order, when more than one. */
  segments?: SegmentSummary[]
  /** Peak resident memory of the process that ran this report's work, when it was a segment. */
  peakRssMb?: number
}

/** One segment of a run, as the merged report lists it. */
export interface SegmentSummary {
  /** Checkpoints it processed. */
  checkpoints: number
  /** Its wall time (its own start to its report). */
  ms: number
  /** Its process's peak resident memory (undefined where the system does not say). */
  peakRssMb?: number
}

// ---------------------------------------------------------------------------------------------
// Targets

/** What the engine hands a target: git, settings, logging, timing. */
export interface EngineContext {
  git: GitRunner
  settings: MigrateSettings
  logger: EngineLogger
  timer: PhaseTimerLike
}

export interface PhaseTimerLike {
  /** Time `fn` under `phase` (accumulates; overlapping calls of one phase count wall time once). */
  time<T>(phase: PhaseName, fn: () => Promise<T>): Promise<T>
  add(phase: PhaseName, counters: { objects?: number; bytes?: number; ms?: number }): void
  snapshot(): PhaseTimings
}

/** Result of a target's write step. */
export interface TargetWriteResult {
  refs: RefChange[]
  archivesCreated: string[]
  batches: number
  /** One per checkpoint, in processing order (read back with `toArray()` for the report). */
  outcomes: OutcomeLog
  counts: MigrationCounts
  warnings: string[]
  /** SHA-256 of v1 blobs the write step read from git, by blob id (when the target keeps them). */
  v1Sha256?: DigestLookup
  /** Set when the write stopped at a segment's end (settings.segment.limit) with work left. */
  resume?: SegmentResume
}

/** A ref the surfaces push, with the lease (expected remote value; null = must not exist). */
export interface PushRef {
  ref: string
  local: string | null
  expectedRemote: string | null
}

/**
 * The layout-specific part of a migration. The engine pins v1, times phases, drives
 * progress and builds the report; the target plans, writes (batched), verifies and says
 * which refs to push.
 */
export interface Target<P extends MigrationPlan = MigrationPlan> {
  /** 'v2' or 'git-refs'. */
  readonly name: string
  /** Ref namespace the target writes (fetch/push refspecs are derived from it). */
  readonly refPrefix: string
  plan(ctx: EngineContext, v1: V1Snapshot | null): Promise<P>
  write(ctx: EngineContext, plan: P): Promise<TargetWriteResult>
  verify?(ctx: EngineContext, plan: P, result: TargetWriteResult): Promise<VerifySummary>
  /** Refs to push after a successful write, leased on the remote values known before the run. */
  pushRefs(plan: P, result: TargetWriteResult, remoteValues: Map<string, string>): PushRef[]
}
