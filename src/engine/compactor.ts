// Compaction as plain-data jobs, run in this thread or on a pool of worker threads.
// One job = one session transcript: the full compact, the recomputed start offset for the
// raw start S₀ (one parse, migration.md §7.2 step 3) and the transcript's cache position
// (§7.3). The offset cache itself stays with the caller, which resolves jobs in order.
import { availableParallelism } from 'node:os'
import { CompactHistory, compactWithOffset, transcriptPosition } from '../formats/compact/index.js'
import { WorkerPool, isPoolWorker, serveWorkerJobs } from './worker-pool.js'

export interface CompactJob {
  /** The reassembled transcript as ordered pieces (never joined into one string). */
  pieces: Uint8Array[]
  agent: string
  cliVersion: string
  /** S₀ of migration.md §7.2; 0 = no offset wanted. */
  offsetStart: number
  /**
   * Which earlier transcript this one likely extends (session id and agent): its parsed lines
   * are reused where the bytes are the same. Jobs with the same key go to the same worker.
   */
  historyKey?: string
  /**
   * False when no later transcript of the run has this one's key (the plan knows): the
   * history forgets it once the job is done instead of holding it until pushed out.
   */
  keepHistory?: boolean
}

/** The history key of a session's transcripts: a later one likely extends an earlier one. */
export function historyKeyOf(sessionId: string, agent: string): string {
  return `${sessionId}\u0000${agent}`
}

export interface CompactJobResult {
  kind: 'output' | 'empty' | 'error'
  bytes?: Uint8Array
  lines?: number
  message?: string
  /** Recomputed offset for offsetStart (present with output). */
  offset?: number
  /** Cache position of the transcript (null: a document that does not decode). */
  position: number | null
}

const ownsBuffer = (u: Uint8Array): boolean =>
  u.byteOffset === 0 && u.byteLength === u.buffer.byteLength

const asBuffer = (u: Uint8Array): Buffer =>
  Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength)

export function runCompactJob(job: CompactJob, history?: CompactHistory): CompactJobResult {
  const pieces = job.pieces.map(asBuffer)
  const r = compactWithOffset(pieces, {
    agent: job.agent,
    cliVersion: job.cliVersion,
    offsetStart: job.offsetStart,
    ...(history !== undefined && job.historyKey !== undefined
      ? { history: { cache: history, key: job.historyKey } }
      : {})
  })
  const position = transcriptPosition(pieces, job.agent)
  if (history !== undefined && job.historyKey !== undefined && job.keepHistory === false)
    history.drop(job.historyKey)
  if (r.kind === 'output') {
    return { kind: 'output', bytes: r.bytes, lines: r.lines, offset: r.offset, position }
  }
  if (r.kind === 'error') return { kind: 'error', message: r.message, position }
  return { kind: 'empty', position }
}

/** Worker side: the bundles call this first thing when started as a pool worker. */
export function serveCompactJobsIfWorker(): boolean {
  if (!isPoolWorker()) return false
  const history = new CompactHistory()
  serveWorkerJobs<CompactJob, CompactJobResult>(
    (job) => {
      const r = runCompactJob(job, history)
      // Hand back a copy of exactly the output's bytes, moved rather than cloned: the history
      // keeps the output itself for the session's next job (moving it would detach it there),
      // and a view would be cloned with its whole backing store.
      if (r.bytes) r.bytes = new Uint8Array(r.bytes)
      return r
    },
    (r) => (r.bytes ? [r.bytes.buffer as ArrayBuffer] : [])
  )
  return true
}

export interface Compactor {
  readonly workers: number
  run(job: CompactJob): Promise<CompactJobResult>
  close(): Promise<void>
}

/**
 * Compaction threads by default on a machine with `cores` cores: all but two, one for this
 * thread (reading, checking, writing) and one for git (cat-file inflating, fast-import
 * deflating) and the reader thread. On the 2-core machines measured that is none: one worker
 * there made the real-corpus run slower (10.5 / 15.4 / 13.7 s against 7.9 / 11.6 / 10.7 s).
 */
export function defaultCompactWorkers(cores: number): number {
  return Math.max(0, Math.floor(cores) - 2)
}

/** Most compaction threads a run may ask for (the action's input and the CLI alike). */
export const COMPACT_WORKERS_MAX = 64

/** A thread count as the action's input and the CLI take it: `auto`, or 0 to the maximum. */
export function parseWorkerCount(value: string, cores: number): number | null {
  if (value === 'auto') return defaultCompactWorkers(cores)
  if (!/^[0-9]+$/.test(value) || Number(value) > COMPACT_WORKERS_MAX) return null
  return Number(value)
}

/**
 * The CLI's compaction threads (migrate and verify alike): `ENTIRE_MIGRATE_WORKERS` when set
 * (the same values as the action's `compact-workers`; anything else is an error, not a silent
 * default), else the default for `cores`.
 */
export function cliCompactWorkers(envValue: string | undefined, cores: number): number {
  if (envValue === undefined || envValue === '') return defaultCompactWorkers(cores)
  const n = parseWorkerCount(envValue, cores)
  if (n === null) {
    throw new Error(
      `ENTIRE_MIGRATE_WORKERS: expected auto or a whole number from 0 to ${COMPACT_WORKERS_MAX}, got ${JSON.stringify(envValue)}`
    )
  }
  return n
}

/**
 * A compactor with `workers` threads running `workerScript` (a bundle whose entry calls
 * serveCompactJobsIfWorker). Without a runnable script (tests run TypeScript sources) or
 * with 0 workers, jobs run in this thread: the output is the same either way.
 */
export function createCompactor(opts: { workers?: number; workerScript?: string }): Compactor {
  const wanted = opts.workers ?? Math.max(1, availableParallelism())
  const script = opts.workerScript
  if (wanted <= 0 || !script || !/\.(c|m)?js$/.test(script)) {
    const history = new CompactHistory()
    return {
      workers: 0,
      run: async (job) => runCompactJob(job, history),
      close: async () => history.clear()
    }
  }
  const pool = new WorkerPool<CompactJob, CompactJobResult>(script, wanted)
  return {
    workers: pool.size,
    run: (job) => {
      // Shared memory (objects read with `sharedFrom`) goes across as it is. A view into a
      // larger buffer would be cloned with its whole backing store: send a copy of just its
      // bytes, moved instead of cloned again. A whole buffer is cloned (the caller keeps it).
      const transfer: ArrayBuffer[] = []
      const pieces = job.pieces.map((p) => {
        if (p.buffer instanceof SharedArrayBuffer || ownsBuffer(p)) return p
        const copy = new Uint8Array(p)
        transfer.push(copy.buffer)
        return copy
      })
      return pool.run({ ...job, pieces }, transfer, job.historyKey)
    },
    close: () => pool.close()
  }
}
