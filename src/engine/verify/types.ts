// The typed verification report: per checkpoint a status and every failed check with the file,
// expected and actual value; run-level counts per check; notes for known, explained differences.
import type { DigestLookup } from '../blob-digests.js'

/** Names of the checks (stable: the markdown table and tests group by them). */
export const CHECK_NAMES = [
  'coverage',
  'slots',
  'raw.location',
  'raw.bytes',
  'raw.hash',
  'tasks',
  'metadata.copied',
  'metadata.derived',
  'metadata.paths',
  'metadata.cli-version',
  'prompt',
  'compact.present',
  'compact.hash',
  'compact.rederive',
  'compact.offset',
  'main.layout',
  'generation.names',
  'generation.envelope',
  'generation.layout',
  'encoding',
  'compare'
] as const
export type CheckName = (typeof CHECK_NAMES)[number]

export interface CheckFailure {
  check: CheckName
  message: string
  checkpointId?: string
  /** v2 slot. */
  slot?: number
  /** v1 session directory index the slot was mapped from. */
  v1Session?: number
  /** Ref holding the file (`refs/entire/checkpoints/v2/main`, an archive, …). */
  ref?: string
  /** Path of the file inside that ref's tree. */
  file?: string
  field?: string
  expected?: string
  actual?: string
}

export type NoteKind =
  | 'v2-only'
  | 'not-migratable'
  | 'known-writer'
  | 'dropped'
  | 'offset-source'
  | 'encoding-foreign'
  | 'split-generation'
  | 'unverifiable'
  | 'clock-created-at'
  | 'info'

export interface VerifyNote {
  kind: NoteKind
  message: string
  checkpointId?: string
  slot?: number
  file?: string
}

/** A v1 value that the v2 write legitimately does not carry (migration.md §6.7). */
export interface DroppedField {
  /** `session` (slot metadata), `summary` (checkpoint metadata), `file`, `session-dir`. */
  scope: 'session' | 'summary' | 'file' | 'session-dir'
  v1Session?: number
  name: string
  /** Short rendering of the dropped value. */
  value?: string
}

export type CheckpointVerdict =
  /** Every check passed. */
  | 'ok'
  /** At least one check failed. */
  | 'failed'
  /** On `/main` with no v1 source (written natively). */
  | 'v2-only'
  /** In v1 but nothing to migrate (no transcript-bearing session, or no summary). */
  | 'not-migratable'
  /** In v1, not on `/main`, and its writer is known not to migrate it (e.g. v0.5.6 fails such checkpoints). */
  | 'known-skip'

export interface SlotMapping {
  slot: number
  v1Session: number
}

export interface CheckpointVerification {
  id: string
  verdict: CheckpointVerdict
  /** `cli_version` of the v2 summary (the writer). */
  writer?: string
  /** Name of the known-writer profile applied (`reference`, `v0.5.6`, …). */
  writerProfile?: string
  v1Sessions: number
  v2Slots: number
  slots: SlotMapping[]
  /** Ref holding each slot's raw transcript (index = slot). */
  fullRefs: Array<string | null>
  checksPassed: number
  checksFailed: number
  failures: CheckFailure[]
  notes: VerifyNote[]
  dropped: DroppedField[]
}

export interface CheckCount {
  passed: number
  failed: number
}

export interface VerifyCounts {
  v1Checkpoints: number
  /** v1 checkpoints with at least one transcript-bearing session. */
  migratable: number
  mainCheckpoints: number
  verified: number
  ok: number
  failed: number
  v2Only: number
  notMigratable: number
  knownSkip: number
  sessions: number
  rawProvenById: number
  rawProvenByBytes: number
  /** raw_transcript_hash.txt checked against the digest of the run's earlier read (v1 blob not read again). */
  rawHashFromRead: number
  compactRederived: number
  /** Compact transcripts whose re-derived bytes have the stored blob's id (not read back). */
  compactProvenById: number
  offsetsFromCache: number
  offsetsRecomputed: number
  droppedFields: number
  notes: number
  checksPassed: number
  checksFailed: number
}

export interface CompareFileDiff {
  checkpointId: string
  file: string
  status: 'differs' | 'only-left' | 'only-right'
  /** 1-based line of the first difference. */
  line?: number
  left?: string
  right?: string
}

export interface CompareReport {
  left: string
  right: string
  identicalFiles: number
  differingFiles: number
  onlyLeft: number
  onlyRight: number
  checkpointsIdentical: number
  checkpointsDiffering: number
  diffs: CompareFileDiff[]
}

export interface VerifyReport {
  version: 1
  repo: string
  v1Ref: string | null
  v1Commit: string | null
  v2Prefix: string
  refs: Array<{ ref: string; oid: string }>
  options: { rederiveCompact: boolean; cliVersion?: string; against?: string }
  ok: boolean
  startedAt: string
  durationMs: number
  counts: VerifyCounts
  byCheck: Record<string, CheckCount>
  /** One per v1 or v2 checkpoint, v1 processing order first, then v2-only ones. */
  checkpoints: CheckpointVerification[]
  /** Failures not tied to a checkpoint (generation names, envelopes, stray refs). */
  failures: CheckFailure[]
  notes: VerifyNote[]
  compare?: CompareReport
}

export interface VerifyProgress {
  done: number
  total: number
}

export interface VerifyOptions {
  /** v1 ref; default local `refs/heads/entire/checkpoints/v1`, else `refs/remotes/origin/entire/checkpoints/v1`. */
  v1Ref?: string
  /** v2 ref prefix; default `refs/entire/checkpoints/v2`. */
  v2Prefix?: string
  /** Expected `cli_version` on every written file (default: whatever the v2 data carries, uniformly). */
  cliVersion?: string
  /** Re-derive compact transcripts and offsets from raw bytes (default true). */
  rederiveCompact?: boolean
  /** Compare with another v2 state: a ref prefix (`refs/…`) or a remote name/URL. */
  against?: string
  /** Checkpoints per read batch (default 50). */
  batchSize?: number
  /** Byte budget of transcript data per read batch (default 24 MiB; the first batch 4 MiB). */
  batchBytes?: number
  /**
   * Worker threads for re-deriving compact transcripts (default 0: in this thread). Needs
   * `workerScript`; the results are the same either way.
   */
  compactWorkers?: number
  /** A bundle that serves the engine's compaction jobs when started as a pool worker (the CLI's own). */
  workerScript?: string
  /**
   * A bundle that serves object reads when started as a reader thread (the CLI's own, see
   * src/git/object-thread.ts): blobs are then read and hashed off the main thread. Without it
   * one in-thread `cat-file` process reads them (the same bytes).
   */
  readerScript?: string
  /**
   * SHA-256 of blobs this process already read from git, by blob id (after a migration, the
   * v1 transcripts it read). Without re-derivation, a v1 transcript whose raw copy in /full is
   * the same blob is then proven by its id and this digest, and not read a second time.
   */
  knownSha256?: DigestLookup
  onProgress?: (p: VerifyProgress) => void
}
