// The v2 write step (migration.md §5-§11 with the additions of §16): process the planned
// checkpoints in order, read their v1 blobs in byte-bounded windows (one `cat-file` process for
// all windows, the next window read while the current one is compacted), compact once per
// transcript (full compact + recomputed offset in one pass) with the reference's offset cache,
// and write in batches: per batch ONE `/main` commit (plus the reference's per-slot backfill
// commits), ONE orphan archive `/full/<n>` reusing the v1 blob ids, moved together by ONE
// compare-and-swap transaction; the remainder goes into `/full/current`. A batch's /main blobs
// are streamed into its fast-import as each checkpoint is done, so memory is bounded by the read
// windows and one checkpoint, not by the batch.
import type { GitRunner } from '../git/runner.js'
import { readObjects, type ReadInto } from '../git/objects.js'
import { createObjectReader, type ObjectReading } from '../git/object-thread.js'
import { RefTransactions, RefConflictError, type RefOp } from '../git/refs.js'
import {
  FastImportBatch,
  FastImportSession,
  type FileChange,
  type Signature
} from '../git/writer.js'
import { objectFormat, type ObjectFormat } from '../git/format.js'
import { gitUserIdentity } from '../git/repo.js'
import { MODE_FILE } from '../git/tree.js'
import { CompactHistory, compact, forgetScannedInputs } from '../formats/compact/index.js'
import { historyKeyOf, runCompactJob, type Compactor, type CompactJobResult } from './compactor.js'
import { redactString } from '../formats/redact/redact.js'
import {
  parseRfc3339,
  compareGoTime,
  isZeroTime,
  goTimeFromEpochNanos,
  type GoTime
} from '../formats/json/time.js'
import {
  readV1Checkpoint,
  checkpointBlobOids,
  transcriptSegments,
  chunkJsonl,
  type V1CheckpointOk,
  type V1SessionOk,
  type TaskFile
} from '../formats/v1/index.js'
import { encodeGoJson } from '../formats/json/encode.js'
import {
  checkpointSummaryValue,
  decodeSessionMetadata,
  type CheckpointSummary,
  type SessionMetadata
} from '../formats/json/structs.js'
import { hashFileContent, parseHashFile } from '../formats/hash.js'
import {
  encodeCheckpointSummary,
  encodeGeneration,
  encodeSessionMetadata,
  droppedFields,
  promptContent,
  transcriptStart,
  v2CheckpointSummary,
  v2CreatedAt,
  type Redactor,
  type SummarySession
} from './v2encode.js'
import {
  LARGE_BLOB_BYTES,
  historyKeeps,
  listingForWrite,
  readsV1Blobs,
  releaseListing,
  type CheckpointWork,
  type SlotRef
} from './plan.js'
import { ParkedWork } from './parked-work.js'
import type { ListingSpool } from './listing-spool.js'
import type { V1CheckpointListing } from '../formats/v1/listing.js'
import { archiveNumber, archiveRef, CURRENT_REF, MAIN_REF, type V2State } from './v2state.js'
import type { PhaseTimer } from './timer.js'
import { OutcomeLog } from './outcome-log.js'
import { BlobDigests } from './blob-digests.js'
import { BlobPool } from './blob-pool.js'
import { OwnedBlobs } from './owned-blobs.js'
import { capHeapGrowth } from './heap.js'
import { crashPoint } from './crash.js'
import {
  MIGRATION_AUTHOR,
  type CheckpointOutcome,
  type EngineLogger,
  type FailReason,
  type MigrateSettings,
  type MigrationCounts,
  type RefChange,
  type SegmentResume,
  type SessionOutcome
} from './types.js'

/**
 * Bytes of v1 blobs read per window (a window is also at most one batch of checkpoints). The
 * window processed and those read ahead are in memory, so this bounds peak RSS. With one read
 * ahead, 64 MiB gave 290-330 MB on the real corpus (in-thread compaction) and 500 MB on a
 * synthetic one with a compaction worker; 24 MiB 220-285 MB and 350 MB, at about the same CPU
 * time.
 */
const WINDOW_BYTES = 24 * 1024 * 1024

/**
 * The window of runs that read at least ROOMY_UNTIL_BYTES: such a run reads one window ahead,
 * so it holds two windows' worth of v1 blobs at a time (mayReadAhead). At 16 MiB a synthetic
 * 2,500-checkpoint run peaked at 243 / 247 MiB against 251 / 256 at 24, in the same time
 * (12 MiB: 246 / 248, 7% slower), and a 10,000 one at 257 / 270 against 270 / 278.
 */
const LARGE_RUN_WINDOW_BYTES = 16 * 1024 * 1024

/**
 * Windows whose reads are queued while one is processed. With one, cat-file idled whenever this
 * thread was still on the window before when a read completed (a traced real-corpus run waited
 * ~400 ms for windows after the first few; with two, 18 ms). A run that reads at least
 * ROOMY_UNTIL_BYTES keeps one: its peak is what a corpus's size must not raise.
 */
const READ_AHEAD_WINDOWS = 2

/**
 * Runs that read less than this take memory for speed (two windows read ahead, the read pool):
 * the real corpus (644 MiB) ran 3.4% faster with the pool (peak +16 MB) and 2% with the second
 * window (+24 MB). Beyond it they raised the synthetic 10,000 run's peak (490 MB against 433
 * without the pool) for no time measured.
 */
const ROOMY_UNTIL_BYTES = 1024 * 1024 * 1024

/**
 * Runs that read at least ROOMY_UNTIL_BYTES cap V8's heap growth at this percentage past what a
 * full collection kept (heap.ts). With V8's own factor the main thread's heap reached 55-76 MB
 * between full collections that kept 20-29 MB; at 150% synthetic runs peaked 25-40 MB lower
 * (10,000: 316 / 319 MB against 346 / 340; 2,500: 293 against 335) in the same time. At 100%
 * (with 16 MiB windows) 2,500 peaked at 228 / 236 MiB against 240 / 243 and 10,000 at 244
 * against 257 / 270, in the same time: what the heap reached before a collection was mostly
 * garbage (a traced segment's used heap climbed from 27 to 51 MB and fell back at once).
 */
const HEAP_GROWTH_PERCENT = 100

/**
 * Runs that read at least ROOMY_UNTIL_BYTES keep no transcript larger than this for its
 * session's next checkpoint. That checkpoint extends it, so a kept transcript of the largest
 * size (20-28 MB in the synthetic corpora) was in memory twice when it came, and a run's peak
 * hung on its largest continued session: slices of 2,500 synthetic checkpoints peaked at
 * 168 / 176 MiB against 193 / 185, and 181 / 189 against 189 / 194, in about the same time
 * (such transcripts are parsed again; they are a few in a thousand).
 */
const LARGE_RUN_HISTORY_INPUT_BYTES = 8 * 1024 * 1024

/** The first window is small: nothing is compacted before it is read. */
export const FIRST_WINDOW_BYTES = 8 * 1024 * 1024

/** With compaction workers, v1 blobs of at least this size are read into shared memory. */
const SHARED_FROM_BYTES = 64 * 1024

/**
 * /main's blobs (compact transcripts) go to git with zlib level 1: on a corpus run the default
 * level made fast-import the slowest process (migration 9.0 s, the main thread waiting 4.7 s for
 * it; level 1: 7.4-8.4 s, 2.2-2.5 s) for packs 5% smaller. Object ids do not depend on it.
 */
const MAIN_STREAM = { compression: 1 }

/** v1 bytes to read from which a reader thread is started (a no-op rerun reads a few KiB). */
const THREAD_FROM_BYTES = 8 * 1024 * 1024

/**
 * With in-thread compaction, v1 transcripts of at least LARGE_BLOB_BYTES (plan.ts) are read into
 * one reused block of POOL_BYTES (blob-pool.ts) by runs that read less than ROOMY_UNTIL_BYTES. It
 * holds the window processed, those read ahead, and the inputs the compaction history keeps.
 */
const POOL_BYTES = 128 * 1024 * 1024
/** Room for regions' alignment when the pool is sized by what the run reads. */
const POOL_SLACK_BYTES = 1024 * 1024

/** Blobs at least this big are hashed by a reader thread (transcripts; metadata stays small). */
const SHA256_FROM_BYTES = 4 * 1024

/** A fatal error: the run stops (migration.md §12.3); refs written before stay. */
export class FatalMigrationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FatalMigrationError'
  }
}

/** Thrown by the `stopAfterBatches` test hook: the run stops like a killed process. */
export class InterruptedRunError extends Error {
  constructor(batches: number) {
    super(`run interrupted after batch ${batches} (test hook)`)
    this.name = 'InterruptedRunError'
  }
}

/**
 * How many checkpoints that read v1 blobs a segment takes of `reads` left, with at most `limit`
 * per segment: the remaining work split evenly over as few segments as the limit allows
 * (undefined: all of it, no later segment).
 */
export function segmentReads(reads: number, limit: number | undefined): number | undefined {
  if (limit === undefined || !(limit > 0) || reads <= limit) return undefined
  return Math.ceil(reads / Math.ceil(reads / limit))
}

/**
 * The v2 state a write keeps once it has pruned: the refs, and the /main listings of the
 * checkpoints in /full/current (the rotation's tree scan, §9.2). The /main listings of every
 * other checkpoint and the entries of every archive were needed only to plan and prune; a
 * later segment of a long run (settings.segment) planned against thousands of each, and kept
 * them for no use.
 */
export function stateAfterPrune(v2: V2State): V2State {
  const current = v2.fullRefs.find((r) => r.ref === CURRENT_REF)
  const mainCheckpoints = new Map<string, V1CheckpointListing>()
  for (const id of current?.checkpoints ?? []) {
    const m = v2.mainCheckpoints.get(id)
    if (m) mainCheckpoints.set(id, m)
  }
  return {
    ...v2,
    mainCheckpoints,
    fullIndex: new Set(),
    fullRefs: current ? [{ ...current, entries: [] }] : []
  }
}

export function emptyCounts(total = 0): MigrationCounts {
  return {
    total,
    migrated: 0,
    skipped: 0,
    failed: 0,
    repaired: 0,
    skippedByReason: {},
    failedByReason: {},
    missingSessions: 0,
    compactionSkipped: 0,
    fieldsDropped: {},
    sessionsWritten: 0
  }
}

// ---------------------------------------------------------------------------------------------
// Offset cache (migration.md §7.3)

export class OffsetCache {
  private readonly map: Map<string, number>
  /** `seed`: the entries an earlier segment of the same run left (`entries()`), in its order. */
  constructor(seed: Iterable<[string, number]> = []) {
    this.map = new Map(seed)
  }
  /** Every record, oldest first: what the next segment of the run starts from. */
  entries(): Array<[string, number]> {
    return [...this.map]
  }
  private key(sessionId: string, agent: string, position: number): string {
    // one flat string (a template literal would keep its pieces as a tree, per entry)
    return [sessionId, agent, position].join('\u0000')
  }
  lookup(sessionId: string, agent: string, position: number): number | undefined {
    if (sessionId === '' || position <= 0) return undefined
    return this.map.get(this.key(sessionId, agent, position))
  }
  record(sessionId: string, agent: string, position: number, lines: number): void {
    if (sessionId === '' || position <= 0 || lines < 0) return
    this.map.set(this.key(sessionId, agent, position), lines)
  }
  get size(): number {
    return this.map.size
  }
}

// ---------------------------------------------------------------------------------------------
// Pending batch state

interface MainGroup {
  id: string
  /** Files relative to the checkpoint directory, as blob marks of the batch's /main stream. */
  files: Array<[string, string]>
  sessions: number
  /** created_at values written (for the tree-scan fallback of generation.json). */
  createdAts: GoTime[]
}

interface FullSession {
  slot: number
  /** v1 blob ids reused as raw_transcript chunks (empty → `rawChunks` are written). */
  rawBlobs: string[]
  rawChunks?: Buffer[]
  rawHash: Buffer
  /** v1 created_at (may be zero). */
  createdAt: GoTime
  /** Transcript timestamp envelope, computed only when created_at is zero. */
  envelope?: [GoTime, GoTime] | null
}

interface FullCheckpoint {
  id: string
  sessions: FullSession[]
  /** Task files by v2 slot, in attachment order (the first attached wins on a path clash). */
  tasks: Map<number, TaskFile[][]>
  /** v2 created_at values of this checkpoint on /main (tree-scan fallback). */
  mainCreatedAts: GoTime[]
}

interface PendingBatch {
  main: MainGroup[]
  mainSessions: number
  finalize: FinalizeCommit[]
  full: FullCheckpoint[]
  /** The /main fast-import stream holding the batch's blobs (null: no blob written). */
  stream: FastImportBatch | null
}

/** A backfill commit (§5.2 step B); contents are blob marks of the batch's /main stream. */
interface FinalizeCommit {
  id: string
  slot: number
  compact: string
  hash: string
  summary: string
}

export interface WriteOutput {
  refs: RefChange[]
  archivesCreated: string[]
  batches: number
  outcomes: OutcomeLog
  counts: MigrationCounts
  warnings: string[]
  /**
   * SHA-256 of the v1 blobs this run read, by blob id, when verification follows (it need not
   * read them again).
   */
  v1Sha256?: BlobDigests
  /** Set when this segment stopped with work left (settings.segment.limit). */
  resume?: SegmentResume
}

interface FileEntry {
  mode: string
  oid?: string
  content?: Buffer
}

function cpPath(id: string): string {
  return `${id.slice(0, 2)}/${id.slice(2)}`
}

function chunkName(i: number): string {
  return i === 0 ? 'raw_transcript' : `raw_transcript.${String(i).padStart(3, '0')}`
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r))

function validSessionId(id: string): boolean {
  return id.trim() !== '' && !/[/\\]/.test(id)
}
function validToolUseId(id: string): boolean {
  return id === '' || /^[A-Za-z0-9_-]+$/.test(id)
}

/** Transcript `timestamp` envelope (migration.md §9 building blocks). */
export function transcriptEnvelope(parts: readonly Buffer[]): [GoTime, GoTime] | null {
  let lo: GoTime | null = null
  let hi: GoTime | null = null
  let carry = ''
  const visit = (line: string): void => {
    const t = line.trim()
    if (!t.startsWith('{')) return
    let v: unknown
    try {
      v = JSON.parse(t)
    } catch {
      return
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) return
    const ts = (v as Record<string, unknown>).timestamp
    if (typeof ts !== 'string' || ts === '') return
    const g = parseRfc3339(ts)
    if (!g) return
    if (!lo || compareGoTime(g, lo) < 0) lo = g
    if (!hi || compareGoTime(g, hi) > 0) hi = g
  }
  for (const p of parts) {
    let start = 0
    for (;;) {
      const nl = p.indexOf(10, start)
      if (nl < 0) {
        carry += p.toString('utf8', start)
        break
      }
      visit(carry + p.toString('utf8', start, nl))
      carry = ''
      start = nl + 1
    }
  }
  if (carry) visit(carry)
  return lo && hi ? [lo, hi] : null
}

function envelopeOf(times: Iterable<GoTime>): [GoTime, GoTime] | null {
  let lo: GoTime | null = null
  let hi: GoTime | null = null
  for (const t of times) {
    if (isZeroTime(t)) continue
    if (!lo || compareGoTime(t, lo) < 0) lo = t
    if (!hi || compareGoTime(t, hi) > 0) hi = t
  }
  return lo && hi ? [lo, hi] : null
}

function mergeEnvelopes(
  envs: Iterable<[GoTime, GoTime] | null | undefined>
): [GoTime, GoTime] | null {
  const all: GoTime[] = []
  for (const e of envs) if (e) all.push(e[0], e[1])
  return envelopeOf(all)
}

function tzOffset(d: Date): string {
  const off = -d.getTimezoneOffset()
  const sign = off < 0 ? '-' : '+'
  const a = Math.abs(off)
  return `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`
}

// ---------------------------------------------------------------------------------------------

export interface MigrateContext {
  git: GitRunner
  settings: MigrateSettings
  logger: EngineLogger
  timer: PhaseTimer
  /** Runs compaction jobs (worker threads); default: in this thread. */
  compactor?: Compactor
  /** The bundle to run the object reader's thread (see git/object-thread.ts); none: in this thread. */
  readerScript?: string
  /** Where work items wait until their read window (parked-work.ts); none: in memory. */
  spool?: ListingSpool
}

/** Checkpoints `from` … `to - 1` of the work, whose v1 blobs are read together. */
export interface ReadWindow {
  from: number
  to: number
  /** Planned bytes of the blobs to read. */
  bytes: number
}

/**
 * The read windows of a run's work, by the planned read size of each item in order (null: it
 * reads no v1 blobs): consecutive ranges reading up to `windowBytes` (the first up to
 * FIRST_WINDOW_BYTES; an item larger than that alone) and at most `batchSize` items that read.
 * The last window runs to the end of the work. Pure.
 */
export function readWindows(
  sizes: ReadonlyArray<number | null>,
  windowBytes: number,
  batchSize: number
): ReadWindow[] {
  const out: ReadWindow[] = []
  let cur: ReadWindow = { from: 0, to: 0, bytes: 0 }
  let count = 0
  for (let i = 0; i < sizes.length; i++) {
    const b = sizes[i]
    if (b === null) continue
    const limit = out.length === 0 ? FIRST_WINDOW_BYTES : windowBytes
    if (count > 0 && (cur.bytes + b > limit || count >= batchSize)) {
      cur.to = i
      out.push(cur)
      cur = { from: i, to: i, bytes: 0 }
      count = 0
    }
    cur.bytes += b
    count++
  }
  cur.to = sizes.length
  out.push(cur)
  return out
}

/** Whether a run that reads `toRead` bytes of v1 blobs may take memory for speed. */
function roomyRun(toRead: number): boolean {
  return toRead < ROOMY_UNTIL_BYTES
}

/** The window size of a run that reads `toRead` bytes of v1 blobs. */
export function windowBytesFor(toRead: number): number {
  return roomyRun(toRead) ? WINDOW_BYTES : LARGE_RUN_WINDOW_BYTES
}

/**
 * Whether window `next` may be read while window `k` is processed (those between are read or
 * queued): their bytes together stay within `budget`. A window holds one checkpoint alone when
 * that checkpoint is larger than a window (up to ~25 MB in the synthetic corpora), so a count of
 * windows ahead did not bound what was read, and a run's peak hung on where its largest
 * checkpoints fell: 2,500 synthetic checkpoints peaked at 224-246 MiB in six runs of one build.
 * With the budget (two 16 MiB windows), 226-230 in five, and 10,000 at 233 / 236 against 245 /
 * 247, in the same time (~0.3% of those checkpoints are larger than a window).
 */
export function mayReadAhead(
  wins: readonly ReadWindow[],
  k: number,
  next: number,
  budget: number
): boolean {
  let bytes = 0
  for (let j = k; j <= next; j++) bytes += wins[j].bytes
  return bytes <= budget
}

/** A window's blobs by id, and its holds on their memory (released once processed). */
interface WindowBlobs {
  blobs: Map<string, Buffer>
  /** Pool regions reserved for them. */
  regions: number[]
  /** Blobs in memory of their own counted by OwnedBlobs. */
  owned: Buffer[]
}

/** A window's v1 reads and compaction jobs, started ahead of processing (order kept by the caller). */
interface Prefetched {
  read: V1CheckpointOk | { fail: [FailReason, string, string?] }
  /** v1 session index → compaction job. */
  jobs: Map<number, Promise<CompactJobResult>>
}

/**
 * Execute a v2 plan. Throws FatalMigrationError (or a git error) on fatal problems. `work` is
 * the writer's from here on: each item is dropped from it once processed (a 10,000-checkpoint
 * run kept 2.7 MB of items it would not look at again, which V8 let its heap grow by ~3× over).
 */
export function writeV2(
  ctx: MigrateContext,
  work: Array<CheckpointWork | undefined>,
  v2: V2State
): Promise<WriteOutput> {
  // Not async: a frame awaiting the run would keep `v2` whole (the writer keeps a slim copy).
  try {
    return new V2Writer(ctx, work, v2).run()
  } catch (e) {
    return Promise.reject(e as Error)
  }
}

class V2Writer {
  private readonly git: GitRunner
  private readonly s: MigrateSettings
  private readonly log: EngineLogger
  private readonly timer: PhaseTimer
  private format: ObjectFormat = 'sha1'
  private readonly nowGo: GoTime
  private sigMigration!: Signature
  private sigUser!: Signature
  private readonly redact: Redactor
  private readonly cache: OffsetCache
  /** Parsed transcript lines reused by later checkpoints of a session (in-thread compaction). */
  private readonly history: CompactHistory
  /** Memory large v1 blobs are read into, reused window after window (null: their own). */
  private readonly pool: BlobPool | null
  private readonly owned = new OwnedBlobs()
  /** SHA-256 of blob contents computed by the reader thread. */
  private readonly knownSha256 = new WeakMap<Buffer, string>()
  /** The same digests by blob id, for the verification that follows (none without one). */
  private readonly v1Sha256: BlobDigests | undefined
  private readonly compactor: Compactor | undefined

  private mainTip: string | null
  private currentTip: string | null
  private readonly currentExistedBefore: boolean
  /** Files of `/full/current` (path → entry), as last written. */
  private currentFiles: Map<string, FileEntry>
  private readonly localArchives: Map<number, string>
  private nextArchive: number | undefined

  private pendingMain: MainGroup[] = []
  private pendingMainSessions = 0
  private pendingFinalize: FinalizeCommit[] = []
  private pendingFull: FullCheckpoint[] = []
  /**
   * The pending batch's /main blobs go to git as checkpoints are processed (memory holds one
   * checkpoint's files, not a batch's); the batch's commits are added when it is written.
   */
  private mainStream: FastImportBatch | null = null
  /** One fast-import process for every batch's objects (started at the first write). */
  private session: FastImportSession | null = null
  /** One update-ref process for every batch's ref transaction. */
  private readonly refs: RefTransactions
  /** One cat-file process for every read window. */
  private readonly reader: ObjectReading
  /** Windows read ahead of the one processed. */
  private readonly readAhead: number
  /** Bytes of the window processed and those read ahead of it together (mayReadAhead). */
  private readonly readBudget: number
  /** Windows the budget kept from being read ahead. */
  private heldBack = 0
  /** The run reads little enough to take memory for speed (ROOMY_UNTIL_BYTES). */
  private readonly roomy: boolean
  /** The read windows of the run (v1 blobs of the checkpoints to migrate or repair). */
  private readonly wins: ReadWindow[]
  /** Listings unpacked for the windows being read and processed. */
  private readonly listings = new Map<CheckpointWork, ReturnType<typeof listingForWrite>>()
  /** Items waiting in the spool for their read window (parkWork). */
  private parked: ParkedWork | null = null
  private readonly spool: ListingSpool | undefined
  /** The batch being written, if any. */
  private packing: Promise<void> | null = null
  /** v2 created_at values per checkpoint written or known in /main (tree scans). */
  private readonly mainCreatedAts = new Map<string, GoTime[]>()

  private readonly refChanges = new Map<string, RefChange>()
  private readonly archivesCreated: string[] = []
  private batches = 0
  /** Outcomes of checkpoints queued for /full stay open until their batch is written. */
  private readonly outcomes = new OutcomeLog()
  private readonly counts: MigrationCounts
  private readonly warnings: string[] = []
  private done = 0
  private bytesRead = 0
  /** Checkpoints earlier segments of the run processed (progress counts on from there). */
  private readonly before: number
  /** Checkpoints that read v1 blobs after which this segment stops at a batch boundary. */
  private stopAfterReads: number | undefined
  /** Where the next segment starts, once this one stopped with work left. */
  private nextSegment: SegmentResume | undefined
  /** Checkpoints of this run that read v1 blobs: all of them, and those processed so far. */
  private readsTotal = 0
  private readsDone = 0

  constructor(
    ctx: MigrateContext,
    private readonly work: Array<CheckpointWork | undefined>,
    private v2: V2State
  ) {
    this.git = ctx.git
    this.refs = new RefTransactions(ctx.git)
    this.s = ctx.settings
    this.log = ctx.logger
    this.timer = ctx.timer
    this.compactor = ctx.compactor
    this.spool = ctx.spool
    this.v1Sha256 = ctx.settings.verify ? new BlobDigests() : undefined
    const seg = ctx.settings.segment
    if (seg?.v1Sha256) this.v1Sha256?.addRecords(seg.v1Sha256)
    this.before = seg?.before ?? 0
    this.cache = new OffsetCache(seg?.offsets)
    if (seg) {
      // Taken over: the settings' copies would stay for the whole segment (a 10,000-checkpoint
      // run's last segment held ~1 MB of offset entries twice, and every digest record).
      delete seg.offsets
      delete seg.v1Sha256
    }
    const sizes = work.map((w) => (w && readsV1Blobs(w) ? (w.v1Bytes ?? 0) : null))
    let toRead = 0
    for (const b of sizes) {
      if (b === null) continue
      toRead += b
      this.readsTotal++
    }
    this.stopAfterReads = segmentReads(this.readsTotal, seg?.limit)
    const roomy = roomyRun(toRead)
    this.roomy = roomy
    const windowBytes = windowBytesFor(toRead)
    this.wins = readWindows(sizes, windowBytes, this.s.batchSize)
    // A thread pays off only when there is much to read (starting it costs ~150 ms).
    this.reader = createObjectReader(
      ctx.git,
      toRead >= THREAD_FROM_BYTES ? ctx.readerScript : undefined
    )
    // Compaction workers keep histories of their own, which cannot tell the pool what they hold.
    const inThread = !this.compactor || this.compactor.workers === 0
    this.readAhead = roomy ? READ_AHEAD_WINDOWS : 1
    this.readBudget = ctx.settings.readAheadBytes ?? (this.readAhead + 1) * windowBytes
    const poolBytes = Math.min(
      ctx.settings.readPoolBytes ?? (roomy ? POOL_BYTES : 0),
      toRead + POOL_SLACK_BYTES
    )
    const pool = inThread && toRead > 0 && poolBytes > 0 ? new BlobPool(poolBytes) : null
    this.pool = pool
    const owned = this.owned
    this.history = new CompactHistory(
      undefined,
      {
        retain: (b) => void (pool?.retain(b) || owned.retain(b)),
        release: (b) => {
          pool?.release(b)
          owned.release(b)
        }
      },
      roomy ? undefined : LARGE_RUN_HISTORY_INPUT_BYTES
    )
    const ms = BigInt(ctx.settings.now.getTime())
    this.nowGo = goTimeFromEpochNanos(ms * 1_000_000n)
    this.redact = ctx.settings.redact === false ? (x: string) => x : redactString
    this.mainTip = v2.main.oid
    this.currentTip = v2.current.oid
    this.currentExistedBefore = v2.current.oid !== null
    const cur = v2.fullRefs.find((r) => r.ref === CURRENT_REF)
    this.currentFiles = new Map()
    for (const e of cur?.entries ?? []) {
      if (e.type !== 'tree') this.currentFiles.set(e.path, { mode: e.mode, oid: e.oid })
    }
    this.localArchives = new Map(v2.archives)
    this.counts = emptyCounts(work.length)
  }

  /** The work item `i`, which must not have been processed yet (a parked one is taken back). */
  private at(i: number): CheckpointWork {
    let w = this.work[i]
    if (w === undefined && this.parked?.has(i)) this.work[i] = w = this.parked.take(i)
    if (w === undefined) throw new Error(`internal: checkpoint work ${i} was already processed`)
    return w
  }

  /** The id of work item `i`, not yet processed (a parked one stays parked). */
  private idAt(i: number): string {
    const w = this.work[i] ?? (this.parked?.has(i) ? this.parked.peek(i) : this.at(i))
    return w.cp.id
  }

  /**
   * Park the items past the first read window: each comes back when its window is read (`at`),
   * so what the write holds of its plan is a few windows' worth, not the corpus'.
   */
  private parkWork(spool: ListingSpool, from: number): void {
    const parked = new ParkedWork(spool, this.work.length)
    for (let i = from; i < this.work.length; i++) {
      const w = this.work[i]
      if (w !== undefined && parked.park(i, w)) this.work[i] = undefined
    }
    this.parked = parked
    if (parked.parked > 0)
      this.log.debug(`${parked.parked} work item(s) parked in the listing spool until their window`)
  }

  private warn(msg: string): void {
    this.warnings.push(msg)
    this.log.warn(msg)
  }

  private noteRef(ref: string, old: string | null, neu: string | null): void {
    const c = this.refChanges.get(ref)
    if (c) c.new = neu
    else this.refChanges.set(ref, { ref, old, new: neu })
  }

  /** At a batch boundary (nothing pending) with this segment's share done and reads left. */
  private segmentEnds(): boolean {
    return (
      this.stopAfterReads !== undefined &&
      this.readsDone >= this.stopAfterReads &&
      this.readsDone < this.readsTotal &&
      this.pendingFull.length === 0 &&
      this.pendingMain.length === 0 &&
      this.pendingFinalize.length === 0 &&
      this.mainStream === null
    )
  }

  async run(): Promise<WriteOutput> {
    // The first window's read (and the reader thread's start) overlaps the set-up below.
    const wins = this.wins
    const first = wins.length > 0 ? this.readWindow(wins[0]) : null
    first?.catch(() => undefined)
    const [format, user] = await Promise.all([
      objectFormat(this.git),
      this.s.gitUser ?? gitUserIdentity(this.git)
    ])
    this.format = format
    const time = Math.floor(this.s.now.getTime() / 1000)
    const tz = tzOffset(this.s.now)
    this.sigMigration = { ...MIGRATION_AUTHOR, time, tz }
    this.sigUser = { name: user.name, email: user.email, time, tz }

    const restoreHeapGrowth = this.roomy ? () => undefined : capHeapGrowth(HEAP_GROWTH_PERCENT)
    try {
      await this.pruneForForce()
      // What is left of the v2 state read at plan time is looked up only for /full/current.
      this.v2 = stateAfterPrune(this.v2)
      if (this.spool && wins.length > 1) this.parkWork(this.spool, wins[0].to)
      await this.loop(wins, first)
      // A segment that stopped early leaves /full/current to the segment that ends the run.
      if (!this.nextSegment) await this.finish()
    } finally {
      restoreHeapGrowth()
      // A run stopped mid-batch: let the batch being written finish (or fail) before the caller
      // releases the lock, and end the next batch's /main stream (its objects stay unreferenced).
      await this.packing?.catch(() => undefined)
      await this.mainStream?.abort()
      await this.session?.close()
      await this.refs.close()
      await this.reader.close()
      // The scanner's reused docs would keep the last transcript's memory (the read pool).
      forgetScannedInputs()
      // What the history still holds is freed now.
      this.history.clear()
    }
    const o = this.owned.stats
    if (o.adopted > 0) {
      this.log.info(
        `memory: ${o.freed} of ${o.adopted} large transcript blob(s) in memory of their own freed as soon as done with`
      )
    }
    return {
      refs: [...this.refChanges.values()],
      archivesCreated: this.archivesCreated,
      batches: this.batches,
      outcomes: this.outcomes,
      counts: this.counts,
      warnings: this.warnings,
      ...(this.v1Sha256 ? { v1Sha256: this.v1Sha256 } : {}),
      ...(this.nextSegment ? { resume: this.nextSegment } : {})
    }
  }

  // -------------------------------------------------------------------------------------------
  // Reading windows

  /** The checkpoint's listing: unpacked once for its read window, dropped once processed. */
  private listing(w: CheckpointWork): V1CheckpointListing {
    return this.unpacked(w).listing
  }

  private unpacked(w: CheckpointWork): ReturnType<typeof listingForWrite> {
    let l = this.listings.get(w)
    if (!l) {
      l = listingForWrite(w.cp)
      this.listings.set(w, l)
    }
    return l
  }

  private async readWindow(win: ReadWindow): Promise<WindowBlobs> {
    const oids: string[] = []
    const large = new Map<string, number>()
    for (let i = win.from; i < win.to; i++) {
      const w = this.at(i)
      if (!readsV1Blobs(w)) continue
      const { listing, largeTranscripts } = this.unpacked(w)
      oids.push(...checkpointBlobOids(listing, w.v1Sessions))
      for (const [oid, size] of largeTranscripts) large.set(oid, size)
    }
    const regions: number[] = []
    const into = this.pool ? this.placeInPool(this.pool, oids, large, regions) : undefined
    const stop = this.timer.start('readV1')
    const blobs = new Map<string, Buffer>()
    const owned: Buffer[] = []
    let bytes = 0
    try {
      await this.reader.read(
        oids,
        (o) => {
          if (o.missing) return
          blobs.set(o.oid, o.content)
          if (large.has(o.oid) && this.owned.adopt(o.content, LARGE_BLOB_BYTES))
            owned.push(o.content)
          if (o.sha256 !== undefined) {
            this.knownSha256.set(o.content, o.sha256)
            this.v1Sha256?.add(o.oid, o.sha256)
          }
          bytes += o.size
        },
        {
          // Transcripts go to compaction workers without a copy.
          ...(this.compactor && this.compactor.workers > 0
            ? { sharedFrom: SHARED_FROM_BYTES }
            : {}),
          // A reader thread hashes transcripts (content_hash) off this thread.
          sha256From: SHA256_FROM_BYTES,
          ...(into ? { into } : {})
        }
      )
    } catch (e) {
      this.releaseWindow({ blobs, regions, owned })
      throw e
    } finally {
      stop()
    }
    this.timer.add('readV1', { objects: blobs.size, bytes })
    this.bytesRead += bytes
    return { blobs, regions, owned }
  }

  /** Reserve pool regions for the large transcripts among `oids` (offsets go to `regions`). */
  private placeInPool(
    pool: BlobPool,
    oids: readonly string[],
    large: ReadonlyMap<string, number>,
    regions: number[]
  ): ReadInto | undefined {
    const offsets: number[] = []
    const sizes: number[] = []
    for (const oid of oids) {
      const size = large.get(oid)
      const at = size === undefined ? -1 : pool.alloc(size)
      offsets.push(at)
      sizes.push(at >= 0 ? size! : 0)
      if (at >= 0) regions.push(at)
    }
    return regions.length > 0 ? { memory: pool.memory, offsets, sizes } : undefined
  }

  /** The window's hold on its blobs' memory ends (the history may still hold some inputs). */
  private releaseWindow(win: WindowBlobs): void {
    win.blobs.clear()
    for (const at of win.regions) this.pool?.releaseAt(at)
    for (const b of win.owned) this.owned.release(b)
  }

  /** `b` itself, or a copy when its memory is reused or freed early (for what outlives the window). */
  private own(b: Buffer): Buffer {
    return this.pool?.holds(b) || this.owned.holds(b) ? Buffer.from(b) : b
  }

  private async loop(wins: ReadWindow[], first: Promise<WindowBlobs> | null): Promise<void> {
    const ahead: Array<Promise<WindowBlobs>> = first ? [first] : []
    let issued = ahead.length
    const issue = (): void => {
      const p = this.readWindow(wins[issued++])
      p.catch(() => undefined)
      ahead.push(p)
    }
    for (let k = 0; k < wins.length; k++) {
      // A window the read budget held back is read now, its turn come.
      if (issued === k) {
        issue()
        this.heldBack++
      }
      const win = await ahead.shift()!
      const { blobs } = win
      // Reads of the next windows are queued while this one is compacted and written: git
      // never waits for this thread to ask (a failure surfaces when its window is awaited),
      // unless they would hold more than the budget with this one.
      while (
        issued < wins.length &&
        issued <= k + this.readAhead &&
        mayReadAhead(wins, k, issued, this.readBudget)
      )
        issue()
      const pre = this.prefetch(wins[k].from, wins[k].to, blobs)
      for (let i = wins[k].from; i < wins[k].to; i++) {
        const w = this.at(i)
        if (readsV1Blobs(w)) this.readsDone++
        await this.processOne(w, blobs, pre.get(i))
        pre.delete(i)
        this.listings.delete(w)
        releaseListing(w)
        this.work[i] = undefined
        this.done++
        this.log.progress?.({
          kind: 'checkpoints',
          done: this.before + this.done,
          total: this.before + this.work.length,
          bytesRead: this.bytesRead
        })
        if (this.pendingFull.length >= this.s.batchSize) {
          // Write this batch while the next one is processed; one batch in flight at a time.
          if (this.packing) await this.packing
          const p = this.pack()
          p.catch(() => undefined)
          this.packing = p
        }
        if (this.segmentEnds()) {
          // Everything processed is in the batch just taken: once it is written, the refs hold
          // all of this segment and the next one starts as a rerun would.
          await this.packing
          const ids: string[] = []
          for (let j = i + 1; j < this.work.length; j++) ids.push(this.idAt(j))
          this.nextSegment = {
            ids,
            before: this.before + this.done,
            offsets: this.cache.entries(),
            ...(this.v1Sha256 ? { v1Sha256: this.v1Sha256.toRecords() } : {})
          }
          this.releaseWindow(win)
          return
        }
        await yieldToLoop()
      }
      this.releaseWindow(win)
    }
    if (this.packing) await this.packing
    if (this.heldBack > 0)
      this.log.debug(
        `read budget: ${this.heldBack} window(s) read only once the one before was done (${this.readBudget} bytes)`
      )
    const h = this.history.stats
    if (h.reusedBytes + h.parsedBytes > 0) {
      const size = (n: number): string =>
        n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`
      this.log.info(
        `compaction: ${size(h.parsedBytes)} of JSONL transcripts parsed, ${size(h.reusedBytes)} taken over from the same session's earlier checkpoint, ${size(h.copiedOutputBytes)} of output copied`
      )
    }
    if (this.pool) {
      const p = this.pool.stats
      this.log.info(
        `read pool: ${p.placed} large transcript blob(s) read into reused memory, ${p.missed} into their own (no room)`
      )
    }
  }

  /**
   * Decode the window's fresh checkpoints and start their compaction jobs now, so that worker
   * threads compact while this thread encodes and writes; results are consumed in order.
   */
  private prefetch(from: number, to: number, blobs: Map<string, Buffer>): Map<number, Prefetched> {
    const out = new Map<number, Prefetched>()
    // In-thread compaction runs lazily at processing time, between reads of the next window.
    if (!this.compactor || this.compactor.workers === 0) return out
    for (let i = from; i < to; i++) {
      const w = this.at(i)
      if (
        (w.action !== 'migrate' && w.action !== 'force') ||
        w.inMainWithoutSummary ||
        w.noTranscripts
      )
        continue
      const read = this.readV1(w, blobs)
      const jobs = new Map<number, Promise<CompactJobResult>>()
      if (!('fail' in read)) {
        for (const s of read.sessions) {
          if (s.kind !== 'ok' || s.metadata.agent === '') continue
          const job = {
            pieces: transcriptSegments(s.transcript),
            agent: s.metadata.agent,
            cliVersion: this.s.cliVersion,
            offsetStart: transcriptStart(s.metadata),
            historyKey: historyKey(s.metadata),
            keepHistory: historyKeeps(w, s.index)
          }
          const p = this.compactor.run(job)
          p.catch(() => undefined)
          jobs.set(s.index, p)
        }
      }
      out.set(i, { read, jobs })
    }
    return out
  }

  // -------------------------------------------------------------------------------------------
  // Outcomes

  private fail(id: string, reason: FailReason, message: string, file?: string): void {
    this.counts.failed++
    this.counts.failedByReason[reason] = (this.counts.failedByReason[reason] ?? 0) + 1
    const o: CheckpointOutcome = { id, status: 'failed', reason, message }
    if (file) o.file = file
    this.outcomes.add(o)
    this.log.error(`checkpoint ${id} failed: ${message}`)
  }

  private skip(
    id: string,
    reason: 'already-in-v2' | 'no-migratable-sessions',
    message: string,
    sessions?: SessionOutcome[]
  ): void {
    this.counts.skipped++
    this.counts.skippedByReason[reason] = (this.counts.skippedByReason[reason] ?? 0) + 1
    const o: CheckpointOutcome = { id, status: 'skipped', reason, message }
    if (sessions) o.sessions = sessions
    this.outcomes.add(o)
  }

  private async processOne(
    w: CheckpointWork,
    blobs: Map<string, Buffer>,
    pre?: Prefetched
  ): Promise<void> {
    const id = w.cp.id
    try {
      switch (w.action) {
        case 'fail':
          this.fail(id, w.failure!.reason, w.failure!.message, w.failure!.file)
          return
        case 'skip':
          if (w.noAgent) this.counts.compactionSkipped++
          this.skip(id, 'already-in-v2', 'already in v2')
          return
        case 'repair':
          await this.resume(w, blobs)
          return
        case 'migrate':
        case 'force':
          await this.fresh(w, blobs, pre)
          return
      }
    } catch (e) {
      if (
        e instanceof FatalMigrationError ||
        e instanceof RefConflictError ||
        e instanceof InterruptedRunError
      )
        throw e
      this.fail(id, 'internal', `checkpoint ${id}: ${(e as Error).message}`)
    }
  }

  private readV1(
    w: CheckpointWork,
    blobs: Map<string, Buffer>
  ): V1CheckpointOk | { fail: [FailReason, string, string?] } {
    const r = readV1Checkpoint(this.listing(w), blobs, {
      knownSha256: (b) => this.knownSha256.get(b)
    })
    switch (r.kind) {
      case 'ok':
        return r
      case 'no-summary':
        return { fail: ['missing-summary', `v1 checkpoint ${w.cp.id} has no summary`, r.path] }
      case 'summary-error':
        return { fail: ['bad-summary', `failed to read v1 summary: ${r.message}`, r.path] }
      case 'blob-unavailable':
        return {
          fail: ['unreadable-object', `object ${r.oid} of ${r.path} cannot be read`, r.path]
        }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Fresh path (§5.4)

  private async fresh(
    w: CheckpointWork,
    blobs: Map<string, Buffer>,
    pre?: Prefetched
  ): Promise<void> {
    const id = w.cp.id
    if (w.noTranscripts) {
      this.skipWithoutTranscripts(w)
      return
    }
    if (w.inMainWithoutSummary) {
      this.fail(
        id,
        'v2-read-error',
        `checkpoint ${id} is in /main without metadata.json; merging into such a checkpoint (migration.md §8.2) is not supported, repair /main first`,
        `${cpPath(id)}/metadata.json`
      )
      return
    }
    const read = pre?.read ?? this.readV1(w, blobs)
    if ('fail' in read) {
      this.fail(id, read.fail[0], `checkpoint ${id}: ${read.fail[1]}`, read.fail[2])
      return
    }
    const sessionsOut: SessionOutcome[] = []
    const migrating: V1SessionOk[] = []
    for (const s of read.sessions) {
      if (s.kind === 'ok') {
        migrating.push(s)
        continue
      }
      this.counts.missingSessions++
      sessionsOut.push({
        v1Index: s.index,
        sessionId: s.kind === 'missing-dir' ? '' : s.metadata.session_id,
        agent: s.kind === 'missing-dir' ? '' : s.metadata.agent,
        status: 'missing'
      })
      this.log.debug(
        `checkpoint ${id}: v1 session ${s.index} has no ${s.kind === 'missing-dir' ? 'directory' : 'transcript'}`
      )
    }
    if (migrating.length === 0) {
      this.skip(
        id,
        'no-migratable-sessions',
        `no migratable v1 sessions: v1 metadata lists ${read.sessions.length} session(s), but no transcript/session content exists for any of them`,
        sessionsOut
      )
      return
    }
    // §16 item 8: an invalid session would abort the reference's whole flush; check up front.
    for (const s of migrating) {
      const file = `${s.path}/metadata.json`
      // A partly decoded metadata.json (e.g. a created_at of the wrong type stops Go's decoder
      // midway) would be written with every later field blank: fail the checkpoint instead.
      if (
        !this.s.referenceCompatible &&
        s.metadataStatus === 'undecodable' &&
        validSessionId(s.metadata.session_id)
      ) {
        const msg = `checkpoint ${id}: session ${s.index} metadata.json decodes only in part (${s.metadataError ?? 'decode error'}) (${file})`
        this.fail(id, 'bad-session', msg, file)
        return
      }
      if (!validSessionId(s.metadata.session_id)) {
        const msg = `checkpoint ${id}: session ${s.index} has an invalid session id ${JSON.stringify(s.metadata.session_id)} (${file})`
        if (this.s.referenceCompatible)
          throw new FatalMigrationError(`failed to write batched v2 /main entries: ${msg}`)
        this.fail(id, 'invalid-session-id', msg, file)
        return
      }
      if (!validToolUseId(s.metadata.tool_use_id)) {
        const msg = `checkpoint ${id}: session ${s.index} has an invalid tool_use_id ${JSON.stringify(s.metadata.tool_use_id)} (${file})`
        if (this.s.referenceCompatible)
          throw new FatalMigrationError(`failed to write batched v2 /main entries: ${msg}`)
        this.fail(id, 'invalid-tool-use-id', msg, file)
        return
      }
    }

    const files: Array<[string, Buffer]> = []
    const summarySessions: SummarySession[] = []
    const full: FullCheckpoint = { id, sessions: [], tasks: new Map(), mainCreatedAts: [] }
    let compactFailed = false
    let anyTask = false
    const v1ToSlot = new Map<number, number>()
    for (let k = 0; k < migrating.length; k++) {
      const s = migrating[k]
      const m = s.metadata
      if (m.is_task) anyTask = true
      v1ToSlot.set(s.index, k)
      const input = transcriptSegments(s.transcript)
      const so: SessionOutcome = {
        v1Index: s.index,
        v2Slot: k,
        sessionId: m.session_id,
        agent: m.agent,
        status: 'migrated',
        rawBlobs: s.transcript.blobIds,
        rawBytes: s.transcript.length
      }
      // Compact once: full conversion + recomputed offset; the cache decides like the reference.
      let compactBytes: Buffer | null = null
      let offset = 0
      const s0 = transcriptStart(m)
      if (m.agent === '') {
        so.compact = 'no-agent'
      } else {
        const t0 = performance.now()
        const job = pre?.jobs.get(s.index)
        const r =
          job !== undefined
            ? await job
            : runCompactJob(
                {
                  pieces: input,
                  agent: m.agent,
                  cliVersion: this.s.cliVersion,
                  offsetStart: s0,
                  historyKey: historyKey(m),
                  keepHistory: historyKeeps(w, s.index)
                },
                this.history
              )
        if (r.kind === 'output') {
          compactBytes = Buffer.isBuffer(r.bytes)
            ? r.bytes
            : Buffer.from(r.bytes!.buffer, r.bytes!.byteOffset, r.bytes!.byteLength)
          so.compact = 'written'
          if (s0 > 0) {
            const cached = this.cache.lookup(m.session_id, m.agent, s0)
            if (cached !== undefined) {
              offset = cached
              so.offsetSource = 'cache'
              if (r.offset !== undefined && r.offset !== cached) so.offsetRecomputed = r.offset
            } else {
              offset = r.offset ?? 0
              so.offsetSource = 'recompute'
            }
          } else so.offsetSource = 'none'
          if (r.position !== null) this.cache.record(m.session_id, m.agent, r.position, r.lines!)
        } else if (r.kind === 'empty') {
          so.compact = 'empty-output'
          this.log.debug(
            `checkpoint ${id}: transcript.jsonl generation produced no output (session ${s.index})`
          )
        } else {
          so.compact = 'error'
          so.compactMessage = r.message ?? ''
          this.log.debug(
            `checkpoint ${id}: compact transcript generation failed (session ${s.index}): ${r.message}`
          )
        }
        this.timer.add('compact', {
          ms: performance.now() - t0,
          objects: 1,
          bytes: s.transcript.length
        })
        await yieldToLoop()
      }
      if (!compactBytes) compactFailed = true
      so.offset = offset
      const t1 = performance.now()
      const base = `${k}/`
      const prompt = promptContent(s.prompt, this.redact)
      if (prompt) files.push([base + 'prompt.txt', prompt])
      if (compactBytes) {
        files.push([base + 'transcript.jsonl', compactBytes])
        files.push([base + 'transcript_hash.txt', hashFileContent(compactBytes)])
      }
      files.push([
        base + 'metadata.json',
        encodeSessionMetadata({
          meta: m,
          checkpointId: id,
          cliVersion: this.s.cliVersion,
          now: this.nowGo,
          offset,
          redact: this.redact
        })
      ])
      const created = v2CreatedAt(m, this.nowGo)
      if (created.fromClock) so.createdAtFromClock = true
      full.mainCreatedAts.push(created.t)
      const dropped = droppedFields(m, s.unknownKeys, compactBytes !== null)
      if (dropped.length > 0) {
        so.droppedFields = dropped
        for (const f of dropped)
          this.counts.fieldsDropped[f] = (this.counts.fieldsDropped[f] ?? 0) + 1
      }
      so.contentHashMatchesV1 = contentHashMatches(this.listing(w), s, blobs)
      summarySessions.push({
        meta: m,
        slot: k,
        hasCompact: compactBytes !== null,
        hasPrompt: prompt !== null
      })
      full.sessions.push({
        slot: k,
        rawBlobs: s.transcript.blobIds,
        ...(s.transcript.blobIds.length === 0
          ? { rawChunks: rechunk(input, (b) => this.own(b)) }
          : {}),
        rawHash: Buffer.from('sha256:' + s.transcriptSha256, 'latin1'),
        createdAt: m.created_at,
        ...(isZeroTime(m.created_at) ? { envelope: transcriptEnvelope(input) } : {})
      })
      this.timer.add('writeMain', { ms: performance.now() - t1 })
      sessionsOut.push(so)
    }
    const t2 = performance.now()
    const summary = v2CheckpointSummary({
      checkpointId: id,
      cliVersion: this.s.cliVersion,
      sessions: summarySessions,
      combinedAttribution: read.summary.combined_attribution
    })
    files.push(['metadata.json', encodeCheckpointSummary(summary)])
    this.timer.add('writeMain', { ms: performance.now() - t2 })
    if (anyTask) {
      // §5.4 step 5: checkpoint-level tasks to the highest slot, session tasks to their slot.
      const highest = migrating.length - 1
      if (read.tasks) pushTasks(full.tasks, highest, read.tasks)
      for (const s of migrating) if (s.tasks) pushTasks(full.tasks, v1ToSlot.get(s.index)!, s.tasks)
    } else if (read.tasks || migrating.some((s) => s.tasks)) {
      this.counts.fieldsDropped['tasks/'] = (this.counts.fieldsDropped['tasks/'] ?? 0) + 1
    }
    if (compactFailed) this.counts.compactionSkipped++
    const marked = await this.streamMain(files)
    this.pendingMain.push({
      id,
      files: marked,
      sessions: migrating.length,
      createdAts: full.mainCreatedAts
    })
    this.pendingMainSessions += migrating.length
    this.mainCreatedAts.set(id, full.mainCreatedAts)
    this.pendingFull.push(full)
    this.counts.migrated++
    this.counts.sessionsWritten += migrating.length
    this.outcomes.add({ id, status: 'migrated', sessions: sessionsOut }, { open: true })
  }

  /** §5.4 step 4 decided from the listing: every session is missing; no blob was read. */
  private skipWithoutTranscripts(w: CheckpointWork): void {
    const n = w.v1Sessions
    const sessionsOut: SessionOutcome[] = (w.missingSessions ?? []).map((m, j) => ({
      v1Index: j,
      sessionId: m.sessionId,
      agent: m.agent,
      status: 'missing'
    }))
    this.counts.missingSessions += n
    this.skip(
      w.cp.id,
      'no-migratable-sessions',
      `no migratable v1 sessions: v1 metadata lists ${n} session(s), but no transcript/session content exists for any of them`,
      sessionsOut
    )
  }

  // -------------------------------------------------------------------------------------------
  // Resume path (§5.2)

  /** Find the v1 session for a v2 slot (§5.2 step A.4). null = none; string = hard error. */
  private findV1Session(
    read: V1CheckpointOk,
    bySessionId: Map<string, number[]>,
    ref: SlotRef
  ): V1SessionOk | null {
    const tried = new Set<number>()
    if (ref.sessionId !== '') {
      const idx = bySessionId.get(ref.sessionId) ?? []
      for (let i = idx.length - 1; i >= 0; i--) {
        tried.add(idx[i])
        const s = read.sessions[idx[i]]
        if (s.kind === 'ok') return s
      }
    }
    if (ref.slot >= read.sessions.length || tried.has(ref.slot)) return null
    const s = read.sessions[ref.slot]
    return s.kind === 'ok' ? s : null
  }

  private async resume(w: CheckpointWork, blobs: Map<string, Buffer>): Promise<void> {
    const id = w.cp.id
    const read = this.readV1(w, blobs)
    if ('fail' in read) {
      const what =
        w.repack.length > 0
          ? 'while resuming v2 migration'
          : 'while backfilling compact transcripts'
      this.fail(id, read.fail[0], `checkpoint ${id}: ${read.fail[1]} (${what})`, read.fail[2])
      return
    }
    const bySessionId = new Map<string, number[]>()
    const needed = new Set(
      [...w.repack, ...w.backfill].map((r) => r.sessionId).filter((x) => x !== '')
    )
    for (const s of read.sessions) {
      if (s.kind === 'missing-dir' || s.metadataStatus !== 'ok') continue
      if (!needed.has(s.metadata.session_id)) continue
      const l = bySessionId.get(s.metadata.session_id) ?? []
      l.push(s.index)
      bySessionId.set(s.metadata.session_id, l)
    }
    const sessionsOut: SessionOutcome[] = []
    // Step A: repack slots without /full artifacts.
    let full: FullCheckpoint | null = null
    if (w.repack.length > 0) {
      full = { id, sessions: [], tasks: new Map(), mainCreatedAts: [] }
      const used: Array<[V1SessionOk, number]> = []
      for (const ref of w.repack) {
        const s = this.findV1Session(read, bySessionId, ref)
        if (!s) {
          this.fail(
            id,
            'resume-session-not-found',
            `checkpoint ${id}: failed to find v1 session for v2 session ${ref.slot} while resuming migration`,
            `${cpPath(id)}/${ref.slot}`
          )
          return
        }
        used.push([s, ref.slot])
        const input = transcriptSegments(s.transcript)
        full.sessions.push({
          slot: ref.slot,
          rawBlobs: s.transcript.blobIds,
          ...(s.transcript.blobIds.length === 0
            ? { rawChunks: rechunk(input, (b) => this.own(b)) }
            : {}),
          rawHash: Buffer.from('sha256:' + s.transcriptSha256, 'latin1'),
          createdAt: s.metadata.created_at,
          ...(isZeroTime(s.metadata.created_at) ? { envelope: transcriptEnvelope(input) } : {})
        })
        sessionsOut.push({
          v1Index: s.index,
          v2Slot: ref.slot,
          sessionId: s.metadata.session_id,
          agent: s.metadata.agent,
          status: 'repacked',
          rawBlobs: s.transcript.blobIds,
          rawBytes: s.transcript.length,
          contentHashMatchesV1: contentHashMatches(this.listing(w), s, blobs)
        })
      }
      // Step A.5: root tasks go to the last v2 slot, session tasks to their slot; only onto
      // slots being repacked.
      const repacked = new Set(w.repack.map((r) => r.slot))
      const last = (w.v2Summary?.sessions?.length ?? 0) - 1
      if (read.tasks && last >= 0 && repacked.has(last)) pushTasks(full.tasks, last, read.tasks)
      for (const [s, slot] of used) if (s.tasks) pushTasks(full.tasks, slot, s.tasks)
      for (const m of w.v2Slots?.values() ?? []) full.mainCreatedAts.push(m.created_at)
    }
    // Step B: compact transcript backfill, one /main commit per slot (written with the next flush).
    let backfilled = 0
    let notGeneratable: boolean
    if (w.backfill.length === 0) {
      notGeneratable = w.noAgent
    } else {
      let skipped = false
      const summary: CheckpointSummary = structuredClone(w.v2Summary!)
      for (const ref of w.backfill) {
        const s = this.findV1Session(read, bySessionId, ref)
        if (!s) {
          this.warn(
            `checkpoint ${id}: transcript.jsonl backfill: no matching v1 session for slot ${ref.slot}`
          )
          skipped = true
          continue
        }
        const input = transcriptSegments(s.transcript)
        const t0 = performance.now()
        const r =
          s.metadata.agent === ''
            ? ({ kind: 'empty' } as const)
            : compact(input, {
                agent: s.metadata.agent,
                cliVersion: this.s.cliVersion,
                history: { cache: this.history, key: historyKey(s.metadata) }
              })
        if (!historyKeeps(w, s.index)) this.history.drop(historyKey(s.metadata))
        this.timer.add('compact', {
          ms: performance.now() - t0,
          objects: 1,
          bytes: s.transcript.length
        })
        if (r.kind !== 'output') {
          this.warn(
            `checkpoint ${id}: transcript.jsonl backfill produced no compact transcript for slot ${ref.slot}`
          )
          skipped = true
          continue
        }
        // UpdateCommitted: the slot whose metadata has this session id, else the last slot.
        const sessions = summary.sessions ?? []
        let slot = sessions.length - 1
        for (let i = 0; i < sessions.length; i++) {
          if (w.v2Slots?.get(i)?.session_id === s.metadata.session_id) {
            slot = i
            break
          }
        }
        const base = `/${cpPath(id)}/${slot}/`
        sessions[slot] = {
          ...sessions[slot],
          transcript: base + 'transcript.jsonl',
          content_hash: base + 'transcript_hash.txt'
        }
        const [compactBlob, hashBlob, summaryBlob] = await this.streamMain([
          ['', r.bytes],
          ['', hashFileContent(r.bytes)],
          ['', encodeGoJson(checkpointSummaryValue(summary))]
        ])
        this.pendingFinalize.push({
          id,
          slot,
          compact: compactBlob[1],
          hash: hashBlob[1],
          summary: summaryBlob[1]
        })
        backfilled++
        sessionsOut.push({
          v1Index: s.index,
          v2Slot: slot,
          sessionId: s.metadata.session_id,
          agent: s.metadata.agent,
          status: 'backfilled',
          compact: 'written'
        })
      }
      notGeneratable = backfilled === 0 || skipped
    }
    if (notGeneratable) this.counts.compactionSkipped++
    if (full) {
      this.pendingFull.push(full)
      this.counts.repaired++
      this.outcomes.add(
        { id, status: 'repaired', sessions: sessionsOut, message: w.reason },
        { open: true }
      )
    } else if (backfilled > 0) {
      this.counts.repaired++
      this.outcomes.add({ id, status: 'repaired', sessions: sessionsOut, message: w.reason })
    } else {
      this.skip(
        id,
        'already-in-v2',
        'already in v2 (compact transcript could not be generated)',
        sessionsOut
      )
    }
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  /** Send files to the pending batch's /main stream; returns their blob marks. */
  private async streamMain(files: Array<[string, Buffer]>): Promise<Array<[string, string]>> {
    this.mainStream ??= this.fastImport().batch()
    const b = this.mainStream
    // Written later than the window lasts: never a view of the pool.
    const marked = files.map(([name, data]): [string, string] => [name, b.blob(this.own(data))])
    // Waits only while git is behind by more than the stream's bound.
    try {
      await this.timer.time('writeMain', () => b.flush())
    } catch (e) {
      // git failed: no later checkpoint can be written either.
      throw new FatalMigrationError(`writing /main objects failed: ${(e as Error).message}`)
    }
    return marked
  }

  private fastImport(): FastImportSession {
    this.session ??= new FastImportSession(this.git, this.format, MAIN_STREAM)
    return this.session
  }

  private signature(kind: 'migration' | 'user'): Signature {
    return kind === 'migration' ? this.sigMigration : this.sigUser
  }

  /**
   * Append the pending /main commits (backfills in order, then the batch commit) to `b`.
   * Returns the mark of the last commit, or null when there is nothing to write.
   */
  private mainCommits(
    b: FastImportBatch,
    batch: PendingBatch
  ): { mark: string | null; init: boolean } {
    if (batch.main.length === 0 && batch.finalize.length === 0) return { mark: null, init: false }
    let parent: string | null = this.mainTip
    let init = false
    if (!parent) {
      // §8.2 step 2: Initialize v2 ref, as the git user, empty tree, no trailing newline.
      parent = b.commit({
        parents: [],
        author: this.signature('user'),
        committer: this.signature('user'),
        message: 'Initialize v2 ref',
        changes: []
      })
      init = true
    }
    for (const f of batch.finalize) {
      const base = cpPath(f.id)
      parent = b.commit({
        parents: [parent],
        author: this.signature('user'),
        committer: this.signature('user'),
        message: `Finalize checkpoint: ${f.id}\n`,
        changes: [
          { op: 'M', mode: MODE_FILE, ref: f.compact, path: `${base}/${f.slot}/transcript.jsonl` },
          {
            op: 'M',
            mode: MODE_FILE,
            ref: f.hash,
            path: `${base}/${f.slot}/transcript_hash.txt`
          },
          { op: 'M', mode: MODE_FILE, ref: f.summary, path: `${base}/metadata.json` }
        ]
      })
    }
    if (batch.main.length > 0) {
      const changes: FileChange[] = []
      for (const g of batch.main) {
        const base = cpPath(g.id)
        for (const [rel, mark] of g.files)
          changes.push({ op: 'M', mode: MODE_FILE, ref: mark, path: `${base}/${rel}` })
      }
      parent = b.commit({
        parents: [parent],
        author: this.signature('migration'),
        committer: this.signature('migration'),
        message: `Migrate batch: ${batch.main.length} checkpoint(s), ${batch.mainSessions} session(s)\n`,
        changes
      })
    }
    return { mark: parent, init }
  }

  /** Take the pending /main and /full work as one batch (processing goes on into fresh lists). */
  private takeBatch(): PendingBatch {
    const batch: PendingBatch = {
      main: this.pendingMain,
      mainSessions: this.pendingMainSessions,
      finalize: this.pendingFinalize,
      full: this.pendingFull,
      stream: this.mainStream
    }
    this.pendingMain = []
    this.pendingMainSessions = 0
    this.pendingFinalize = []
    this.pendingFull = []
    this.mainStream = null
    return batch
  }

  /** `/full` entries of pending checkpoints: raw entries replace, task entries never replace (§6.4). */
  private fullEntries(
    cps: FullCheckpoint[],
    existing?: Map<string, FileEntry>
  ): Map<string, FileEntry> {
    const out = existing ?? new Map<string, FileEntry>()
    const tasks: Array<[string, FileEntry]> = []
    for (const cp of cps) {
      const base = cpPath(cp.id)
      for (const s of cp.sessions) {
        const p = `${base}/${s.slot}/`
        if (s.rawChunks)
          s.rawChunks.forEach((c, i) => out.set(p + chunkName(i), { mode: MODE_FILE, content: c }))
        else s.rawBlobs.forEach((oid, i) => out.set(p + chunkName(i), { mode: MODE_FILE, oid }))
        out.set(p + 'raw_transcript_hash.txt', { mode: MODE_FILE, content: s.rawHash })
        for (const list of cp.tasks.get(s.slot) ?? []) {
          for (const t of list) tasks.push([`${p}tasks/${t.path}`, { mode: t.mode, oid: t.oid }])
        }
      }
    }
    for (const [path, e] of tasks) if (!out.has(path)) out.set(path, e)
    return out
  }

  private changesFor(entries: Map<string, FileEntry>): FileChange[] {
    const changes: FileChange[] = []
    for (const [path, e] of entries) {
      if (e.content) changes.push({ op: 'M', mode: e.mode, content: e.content, path })
      else changes.push({ op: 'M', mode: e.mode, ref: e.oid!, path })
    }
    return changes
  }

  /** §9.1: created-at envelope, else transcript envelope, else tree scan (/main created_at). */
  private generationFor(cps: FullCheckpoint[], ref: string): Buffer {
    let env = envelopeOf(cps.flatMap((c) => c.sessions.map((s) => s.createdAt)))
    env ??= mergeEnvelopes(cps.flatMap((c) => c.sessions.map((s) => s.envelope)))
    if (!env) {
      const perCp = cps.map((c) => envelopeOf(c.mainCreatedAts))
      if (perCp.every((e) => e !== null)) env = mergeEnvelopes(perCp)
    }
    if (!env) throw new FatalMigrationError(`no timestamps found for migrated generation ${ref}`)
    return encodeGeneration(env[0], env[1])
  }

  private resolveNextArchive(): number {
    if (this.nextArchive === undefined) {
      // §8.3 step 2, §16 item 1: after the highest local AND remote archive.
      const known = [
        ...this.localArchives.keys(),
        ...(this.s.referenceCompatible ? [] : this.s.knownRemoteArchives)
      ]
      this.nextArchive = (known.length > 0 ? Math.max(...known) : 0) + 1
    }
    return this.nextArchive
  }

  private async applyRefs(ops: RefOp[]): Promise<void> {
    await this.timer.time('updateRefs', () => this.refs.apply(ops))
    this.timer.add('updateRefs', { objects: ops.length })
  }

  /**
   * §8.3: flush /main, then write the pending checkpoints into the next archive; one transaction.
   * The batch is taken synchronously, so the caller may go on processing while it is written
   * (the next pack waits for this one).
   */
  private pack(): Promise<void> {
    const n = this.resolveNextArchive()
    this.nextArchive = n + 1
    return this.writePack(n, this.takeBatch())
  }

  private async writePack(n: number, batch: PendingBatch): Promise<void> {
    const ref = archiveRef(n)
    const ops: RefOp[] = []
    const mainOld = this.mainTip
    const mb = batch.stream ?? this.fastImport().batch()
    const main = this.mainCommits(mb, batch)
    let mainNew: string | null = null
    if (!main.mark) await mb.abort()
    else {
      const r = await this.timer.time('writeMain', () => mb.run())
      this.timer.add('writeMain', { objects: r.commits.length, bytes: mb.byteLength })
      mainNew = r.commits[r.commits.length - 1].oid
      ops.push({ op: 'update', ref: MAIN_REF, newOid: mainNew, expectedOld: mainOld })
      crashPoint(`after-main:${this.batches + 1}`, mainNew)
    }
    const stop = this.timer.start('packFull')
    let archiveOid: string
    try {
      const entries = this.fullEntries(batch.full)
      entries.set('generation.json', {
        mode: MODE_FILE,
        content: this.generationFor(batch.full, ref)
      })
      const fb = this.fastImport().batch()
      fb.commit({
        parents: [],
        author: this.signature('migration'),
        committer: this.signature('migration'),
        message: `Archive migrated generation: ${ref}\n`,
        changes: this.changesFor(entries)
      })
      const r = await fb.run()
      archiveOid = r.commits[0].oid
      crashPoint(`after-archive:${this.batches + 1}`, archiveOid)
      this.timer.add('packFull', { objects: entries.size, bytes: fb.byteLength })
    } finally {
      stop()
    }
    ops.push({ op: 'create', ref, newOid: archiveOid })
    crashPoint(`before-ref-update:${this.batches + 1}`)
    await this.applyRefs(ops)
    crashPoint(`after-ref-update:${this.batches + 1}`)
    if (mainNew) {
      this.noteRef(MAIN_REF, mainOld, mainNew)
      this.mainTip = mainNew
    }
    this.noteRef(ref, null, archiveOid)
    this.localArchives.set(n, archiveOid)
    this.archivesCreated.push(ref)
    for (const cp of batch.full) {
      this.outcomes.close(cp.id, ref)
      // archived: no later batch looks these up (a run keeps only the current generation's)
      this.mainCreatedAts.delete(cp.id)
    }
    this.batches++
    this.log.progress?.({
      kind: 'batch',
      index: this.batches,
      batches: 0,
      checkpoints: batch.full.length,
      archive: ref
    })
    this.log.info(`batch ${this.batches}: ${batch.full.length} checkpoint(s) → ${ref}`)
    if (this.s.stopAfterBatches !== undefined && this.batches >= this.s.stopAfterBatches) {
      throw new InterruptedRunError(this.batches)
    }
  }

  /** §8.5: final /main flush, remainder into /full/current (+ rotation), or an empty /full/current. */
  private async finish(): Promise<void> {
    const batch = this.takeBatch()
    const ops: RefOp[] = []
    const mainOld = this.mainTip
    const mb = batch.stream ?? this.fastImport().batch()
    const main = this.mainCommits(mb, batch)
    let mainNew: string | null = null
    if (!main.mark) await mb.abort()
    else {
      const r = await this.timer.time('writeMain', () => mb.run())
      this.timer.add('writeMain', { objects: r.commits.length, bytes: mb.byteLength })
      mainNew = r.commits[r.commits.length - 1].oid
      ops.push({ op: 'update', ref: MAIN_REF, newOid: mainNew, expectedOld: mainOld })
      crashPoint('after-main:final', mainNew)
    }
    const curOld = this.currentTip
    let curNew: string | null = null
    let rotated: { ref: string; oid: string; n: number } | null = null
    /** Checkpoints of /full/current archived by this batch's rotation. */
    let rotatedIds: Set<string> | null = null
    const stop = this.timer.start('packFull')
    try {
      if (batch.full.length > 0) {
        const fb = this.fastImport().batch()
        // Start from the current tree: drop a root generation.json and the incoming slots' raw files.
        const changes: FileChange[] = []
        const files = new Map(this.currentFiles)
        if (files.delete('generation.json')) changes.push({ op: 'D', path: 'generation.json' })
        for (const cp of batch.full) {
          for (const s of cp.sessions) {
            const p = `${cpPath(cp.id)}/${s.slot}/`
            for (const path of [...files.keys()]) {
              if (!path.startsWith(p)) continue
              const name = path.slice(p.length)
              if (
                name === 'raw_transcript' ||
                name.startsWith('raw_transcript.') ||
                name === 'raw_transcript_hash.txt'
              ) {
                files.delete(path)
                changes.push({ op: 'D', path })
              }
            }
          }
        }
        const before = new Set(files.keys())
        const merged = this.fullEntries(batch.full, files)
        const added = new Map(
          [...merged].filter(([p, e]) => !before.has(p) || e !== this.currentFiles.get(p))
        )
        changes.push(...this.changesFor(added))
        const writeMark = fb.commit({
          parents: curOld ? [curOld] : [],
          author: this.signature('migration'),
          committer: this.signature('migration'),
          message: 'Write migrated partial generation\n',
          changes
        })
        // Rotation (§8.5 step 3) when /full/current now holds ≥ batch size checkpoints.
        const cpIds = new Set<string>()
        for (const p of merged.keys()) {
          const parts = p.split('/')
          if (parts.length >= 3 && parts[0].length === 2) cpIds.add(parts[0] + parts[1])
        }
        let rotateN: number | null = null
        if (cpIds.size >= this.s.batchSize) {
          rotateN = this.resolveNextArchive()
          rotatedIds = cpIds
          const gen = await this.rotationGeneration(cpIds, curOld)
          fb.commit({
            parents: [writeMark],
            author: this.signature('user'),
            committer: this.signature('user'),
            message: 'Archive generation',
            changes: [{ op: 'M', mode: MODE_FILE, content: gen, path: 'generation.json' }]
          })
          fb.commit({
            parents: [],
            author: this.signature('user'),
            committer: this.signature('user'),
            message: 'Start generation',
            changes: []
          })
        }
        const r = await fb.run()
        this.timer.add('packFull', { objects: merged.size, bytes: fb.byteLength })
        if (rotateN !== null) {
          rotated = { ref: archiveRef(rotateN), oid: r.commits[1].oid, n: rotateN }
          curNew = r.commits[2].oid
          this.currentFiles = new Map()
        } else {
          curNew = r.commits[0].oid
          this.currentFiles = merged
        }
      } else if (
        this.archivesCreated.length > 0 &&
        !this.currentExistedBefore &&
        !this.currentTip
      ) {
        const fb = this.fastImport().batch()
        fb.commit({
          parents: [],
          author: this.signature('migration'),
          committer: this.signature('migration'),
          message: 'Start generation\n',
          changes: []
        })
        const r = await fb.run()
        curNew = r.commits[0].oid
      }
    } finally {
      stop()
    }
    if (curNew) ops.push({ op: 'update', ref: CURRENT_REF, newOid: curNew, expectedOld: curOld })
    if (rotated) ops.push({ op: 'create', ref: rotated.ref, newOid: rotated.oid })
    if (ops.length === 0) return
    crashPoint('before-ref-update:final')
    await this.applyRefs(ops)
    crashPoint('after-ref-update:final')
    if (mainNew) {
      this.noteRef(MAIN_REF, mainOld, mainNew)
      this.mainTip = mainNew
    }
    if (curNew) {
      this.noteRef(CURRENT_REF, curOld, curNew)
      this.currentTip = curNew
    }
    if (rotated) {
      this.noteRef(rotated.ref, null, rotated.oid)
      this.localArchives.set(rotated.n, rotated.oid)
      this.archivesCreated.push(rotated.ref)
      this.nextArchive = rotated.n + 1
      // an archived generation's times are never looked up again
      for (const id of rotatedIds ?? []) this.mainCreatedAts.delete(id)
    }
    if (batch.full.length > 0) {
      for (const cp of batch.full) {
        this.outcomes.close(cp.id, rotated ? rotated.ref : CURRENT_REF)
      }
      this.batches++
    } else if (mainNew) this.batches++
  }

  /**
   * §9.2: tree scan of /full/current with /main as flushed (created_at of the checkpoints'
   * session files); else the committer times of the /full/current chain.
   */
  private async rotationGeneration(cpIds: Set<string>, curOld: string | null): Promise<Buffer> {
    const times: GoTime[] = []
    const toRead: string[] = []
    const missing: string[] = []
    for (const id of cpIds) {
      const known = this.mainCreatedAts.get(id)
      if (known) {
        times.push(...known)
        continue
      }
      const m = this.v2.mainCheckpoints.get(id)
      if (!m) {
        missing.push(id)
        continue
      }
      for (const slot of m.slots.values()) {
        const e = slot.entries.find((x) => x.name === 'metadata.json' && x.type === 'blob')
        if (e?.oid) toRead.push(e.oid)
      }
    }
    await readObjects(this.git, toRead, (o) => {
      if (o.missing) return
      const d = decodeSessionMetadata(o.content)
      if (d.value && !isZeroTime(d.value.created_at)) times.push(d.value.created_at)
    })
    const env = missing.length === 0 ? envelopeOf(times) : null
    if (env) return encodeGeneration(env[0], env[1])
    // Fallback: committer times of the /full/current first-parent chain (oldest root, newest tip = now).
    let oldest = this.nowGo
    if (curOld) {
      const out = await this.git.text(['log', '--first-parent', '--format=%ct', curOld])
      const lines = out.split('\n').filter(Boolean)
      if (lines.length > 0)
        oldest = goTimeFromEpochNanos(BigInt(lines[lines.length - 1]) * 1_000_000_000n)
    }
    return encodeGeneration(oldest, this.nowGo)
  }

  // -------------------------------------------------------------------------------------------
  // Force (§5.3, §16 item 15): every pruned tree computed once per ref, one commit per ref.

  private async pruneForForce(): Promise<void> {
    const ids: string[] = []
    for (let i = 0; i < this.work.length; i++) {
      const w = this.at(i)
      if (w.action === 'force') ids.push(w.cp.id)
    }
    if (ids.length === 0) return
    const forced = new Set(ids)
    const message =
      ids.length === 1
        ? `Reset checkpoint before force migration: ${ids[0]}\n`
        : `Reset ${ids.length} checkpoints before force migration\n\n${ids.join('\n')}\n`
    const fb = new FastImportBatch(this.format)
    const plans: Array<{ ref: string; old: string; kind: 'commit' | 'delete'; n?: number }> = []
    const removeChanges = (present: Iterable<string>): FileChange[] =>
      [...present]
        .filter((id) => forced.has(id))
        .map((id) => ({ op: 'D', path: cpPath(id) }) as FileChange)
    if (this.mainTip) {
      // The prune comes before any batch: /main holds what it held at plan time.
      const changes = removeChanges(this.v2.mainCheckpoints.keys())
      if (changes.length > 0) {
        fb.commit({
          parents: [this.mainTip],
          author: this.sigMigration,
          committer: this.sigMigration,
          message,
          changes
        })
        plans.push({ ref: MAIN_REF, old: this.mainTip, kind: 'commit' })
      }
    }
    const fullById = new Map(this.v2.fullRefs.map((r) => [r.ref, r]))
    if (this.currentTip) {
      const cur = fullById.get(CURRENT_REF)
      const changes = removeChanges(cur?.checkpoints ?? [])
      if (changes.length > 0) {
        fb.commit({
          parents: [this.currentTip],
          author: this.sigMigration,
          committer: this.sigMigration,
          message,
          changes
        })
        plans.push({ ref: CURRENT_REF, old: this.currentTip, kind: 'commit' })
      }
    }
    for (const n of [...this.localArchives.keys()].sort((a, b) => a - b)) {
      const ref = archiveRef(n)
      const content = fullById.get(ref)
      if (!content) continue
      const hit = [...content.checkpoints].filter((id) => forced.has(id))
      if (hit.length === 0) continue
      const left = [...content.checkpoints].filter((id) => !forced.has(id))
      if (left.length === 0) {
        plans.push({ ref, old: content.oid, kind: 'delete', n })
        continue
      }
      const changes: FileChange[] = hit.map((id) => ({ op: 'D', path: cpPath(id) }))
      const gen = await this.prunedGeneration(content.entries, new Set(left))
      if (gen) changes.push({ op: 'M', mode: MODE_FILE, content: gen, path: 'generation.json' })
      fb.commit({
        parents: [content.oid],
        author: this.sigMigration,
        committer: this.sigMigration,
        message,
        changes
      })
      plans.push({ ref, old: content.oid, kind: 'commit', n })
    }
    if (plans.length === 0) return
    const commits =
      fb.commitCount > 0 ? (await this.timer.time('writeMain', () => fb.run(this.git))).commits : []
    const ops: RefOp[] = []
    let ci = 0
    const results: Array<[string, string, string | null, number | undefined]> = []
    for (const p of plans) {
      if (p.kind === 'delete') {
        ops.push({ op: 'delete', ref: p.ref, expectedOld: p.old })
        results.push([p.ref, p.old, null, p.n])
      } else {
        const oid = commits[ci++].oid
        ops.push({ op: 'update', ref: p.ref, newOid: oid, expectedOld: p.old })
        results.push([p.ref, p.old, oid, p.n])
      }
    }
    await this.applyRefs(ops)
    for (const [ref, old, neu, n] of results) {
      this.noteRef(ref, old, neu)
      if (ref === MAIN_REF) this.mainTip = neu
      else if (ref === CURRENT_REF) {
        this.currentTip = neu
        for (const path of [...this.currentFiles.keys()]) {
          const parts = path.split('/')
          if (forced.has(parts[0] + parts[1])) this.currentFiles.delete(path)
        }
      } else if (n !== undefined) {
        if (neu) this.localArchives.set(n, neu)
        else this.localArchives.delete(n)
      }
    }
    this.log.info(`force: pruned ${ids.length} checkpoint(s) from ${results.length} ref(s)`)
  }

  /** §9.3: transcript envelope of the remaining raw transcripts; else tree scan; else unchanged (null). */
  private async prunedGeneration(
    entries: ReadonlyArray<{ path: string; oid: string; type: string }>,
    left: Set<string>
  ): Promise<Buffer | null> {
    const byCp = new Map<string, string[]>()
    for (const e of entries) {
      const parts = e.path.split('/')
      if (parts.length !== 4 || e.type !== 'blob') continue
      const id = parts[0] + parts[1]
      if (!left.has(id)) continue
      if (
        parts[3] === 'raw_transcript' ||
        (parts[3].startsWith('raw_transcript.') && parts[3] !== 'raw_transcript_hash.txt')
      ) {
        const l = byCp.get(id) ?? []
        l.push(e.oid)
        byCp.set(id, l)
      }
    }
    const perCp = new Map<string, [GoTime, GoTime] | null>()
    const oidToCp = new Map<string, string>()
    for (const [id, oids] of byCp) for (const o of oids) oidToCp.set(o, id)
    await readObjects(this.git, [...oidToCp.keys()], (o) => {
      if (o.missing) return
      const id = oidToCp.get(o.oid)!
      perCp.set(id, mergeEnvelopes([perCp.get(id), transcriptEnvelope([o.content])]))
    })
    const envs = [...left].map((id) => perCp.get(id) ?? null)
    if (envs.every((e) => e !== null)) {
      const env = mergeEnvelopes(envs)
      if (env) return encodeGeneration(env[0], env[1])
    }
    return null
  }
}

function pushTasks(map: Map<number, TaskFile[][]>, slot: number, files: TaskFile[]): void {
  const l = map.get(slot) ?? []
  l.push(files)
  map.set(slot, l)
}

/** The transcript a session's next checkpoint most likely extends. */
function historyKey(m: SessionMetadata): string {
  return historyKeyOf(m.session_id, m.agent)
}

/** `parts` (a transcript) as v2 chunks, in memory of their own (`own`: what a view must copy). */
function rechunk(parts: Buffer[], own: (b: Buffer) => Buffer): Buffer[] {
  return chunkJsonl(parts.length === 1 ? own(parts[0]) : Buffer.concat(parts))
}

function contentHashMatches(
  listing: V1CheckpointListing,
  s: V1SessionOk,
  blobs: Map<string, Buffer>
): boolean | undefined {
  const e = listing.slots
    .get(String(s.index))
    ?.entries.find((x) => x.name === 'content_hash.txt' && x.type === 'blob')
  const b = e?.oid ? blobs.get(e.oid) : undefined
  if (!b) return undefined
  return parseHashFile(b) === s.transcriptSha256
}

export { archiveNumber, type SessionMetadata }
