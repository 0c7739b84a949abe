// What the verifier needs from the compact-transcript converter, and a cache so identical
// transcripts (cumulative sessions, finalized checkpoints share blobs) are compacted once.
import { createHash } from 'node:crypto'

export interface CompactOptions {
  agent: string
  cliVersion: string
  startLine: number
}

/**
 * A raw transcript as the ordered pieces whose concatenation it is (chunks with their '\n'
 * joints): never joined into one buffer for the converter or the hashes.
 */
export type Pieces = readonly Buffer[]

export interface Compactor {
  /**
   * The compact transcript; empty buffer for "no output"; throws on converter error.
   * `historyKey` (session id and agent): the earlier transcript this one likely extends, whose
   * parsed lines the converter may reuse where the bytes are the same (same output either way).
   */
  compact(input: Pieces, opts: CompactOptions, historyKey?: string): Buffer
  /**
   * The full compact (startLine 0) plus the recomputed offset for the raw start `offsetStart`
   * (migration.md §7.2 step 3: 0 when the scoped compact is empty or an error, else
   * max(0, L(full) − L(scoped))) from one parse. Optional: without it the offset is
   * recomputed with a second, scoped `compact`.
   */
  compactWithOffset?(
    input: Pieces,
    opts: CompactOptions,
    offsetStart: number,
    historyKey?: string
  ): { bytes: Buffer; offset: number }
  /** Offset-cache position of a raw transcript (migration.md §7.3), undefined when none. */
  position(input: Pieces, agent: string): number | undefined
}

export interface CompactResult {
  /** The compactor gave output (false: error or empty output). */
  present: boolean
  /** Number of '\n' bytes in the output. */
  newlines: number
  /** The output, kept for the current batch only. */
  bytes?: Buffer
  /** sha256 of the output (hex); filled on demand by `CompactCache.shaOf`, or when bytes are released. */
  sha?: string
  error?: string
  /** Recomputed offsets by raw start (migration.md §7.2 step 3), when the compactor gave them. */
  offsets?: Map<number, number>
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex')
}

/** The id git gives `b` as a blob (SHA-1 of `blob <size>\0` and the bytes). */
export function gitBlobId(b: Buffer): string {
  return createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex')
}

/** sha256 (hex) of the concatenation of `pieces`, without joining them. */
export function sha256Pieces(pieces: Pieces): string {
  const h = createHash('sha256')
  for (const p of pieces) h.update(p)
  return h.digest('hex')
}

export function countNewlines(b: Buffer): number {
  let n = 0
  let i = -1
  while ((i = b.indexOf(10, i + 1)) >= 0) n++
  return n
}

/** The cache key of one conversion: transcript identity and options. */
export function compactKey(key: string, opts: CompactOptions): string {
  return `${key}\0${opts.agent}\0${opts.cliVersion}\0${opts.startLine}`
}

/** A result from output bytes (empty = no output) or a converter error. */
export function compactResult(
  out: Buffer | undefined,
  error?: string,
  offsets?: Map<number, number>
): CompactResult {
  if (error !== undefined) return { present: false, newlines: 0, error }
  if (!out || out.length === 0) return { present: false, newlines: 0 }
  return { present: true, newlines: countNewlines(out), bytes: out, offsets }
}

/** Memoises compaction results by (transcript identity, options); keeps bytes only for the current batch. */
export class CompactCache {
  private results = new Map<string, CompactResult>()
  compactions = 0

  constructor(private readonly compactor: Compactor) {}

  /**
   * The conversion of `input` (identified by `key`) with `opts`. `keepBytes`: the caller needs
   * the output bytes. `offsetStart` > 0: also wanted, when the compactor can give it from the
   * same parse, the recomputed offset for that raw start (in `offsets`). `historyKey`: see
   * Compactor.compact.
   */
  run(
    key: string,
    input: Pieces,
    opts: CompactOptions,
    keepBytes: boolean,
    offsetStart = 0,
    historyKey?: string
  ): CompactResult {
    const k = compactKey(key, opts)
    const hit = this.results.get(k)
    const withOffset =
      offsetStart > 0 && opts.startLine === 0 && this.compactor.compactWithOffset !== undefined
    if (
      hit &&
      (!keepBytes || hit.bytes || !hit.present) &&
      (!withOffset || !hit.present || hit.offsets?.has(offsetStart))
    )
      return hit
    this.compactions++
    const history = opts.startLine === 0 ? historyKey : undefined
    let res: CompactResult
    try {
      if (withOffset) {
        const r = this.compactor.compactWithOffset!(input, opts, offsetStart, history)
        res = compactResult(r.bytes, undefined, new Map([[offsetStart, r.offset]]))
      } else {
        res = compactResult(this.compactor.compact(input, opts, history))
      }
    } catch (e) {
      res = compactResult(undefined, e instanceof Error ? e.message : String(e))
    }
    if (hit?.offsets && res.offsets)
      for (const [s, o] of hit.offsets) if (!res.offsets.has(s)) res.offsets.set(s, o)
    if (!keepBytes && res.bytes) {
      res.sha = sha256(res.bytes)
      res.bytes = undefined
    }
    this.results.set(k, res)
    return res
  }

  /** Store a result computed elsewhere (a worker thread) for `key` and `opts`. */
  prime(key: string, opts: CompactOptions, res: CompactResult): void {
    const k = compactKey(key, opts)
    const had = this.results.get(k)?.offsets
    if (had && res.offsets) for (const [s, o] of had) if (!res.offsets.has(s)) res.offsets.set(s, o)
    this.results.set(k, res)
  }

  /** The output's sha256 (hex); undefined when there is no output. */
  shaOf(res: CompactResult): string | undefined {
    if (!res.present) return undefined
    if (res.sha === undefined && res.bytes) res.sha = sha256(res.bytes)
    return res.sha
  }

  /** Drop kept bytes (end of a batch); hashes and counts stay. */
  releaseBytes(): void {
    for (const r of this.results.values()) {
      if (!r.bytes) continue
      r.sha ??= sha256(r.bytes)
      r.bytes = undefined
    }
  }
}
