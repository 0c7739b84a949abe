// What the verifier needs from the compact-transcript converter, and a cache so identical
// transcripts (cumulative sessions, finalized checkpoints share blobs) are compacted once.
import { createHash } from 'node:crypto'

export interface CompactOptions {
  agent: string
  cliVersion: string
  startLine: number
}

export interface Compactor {
  /** The compact transcript; empty buffer for "no output"; throws on converter error. */
  compact(input: Buffer, opts: CompactOptions): Buffer
  /** Offset-cache position of a raw transcript (migration.md §7.3), undefined when none. */
  position(input: Buffer, agent: string): number | undefined
}

export interface CompactResult {
  /** undefined = no compact result (error or empty output). */
  sha?: string
  newlines: number
  bytes?: Buffer
  error?: string
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex')
}

export function countNewlines(b: Buffer): number {
  let n = 0
  let i = -1
  while ((i = b.indexOf(10, i + 1)) >= 0) n++
  return n
}

/** Memoises compaction results by (transcript identity, options); keeps bytes only for the current batch. */
export class CompactCache {
  private results = new Map<string, CompactResult>()
  compactions = 0

  constructor(private readonly compactor: Compactor) {}

  run(key: string, input: Buffer, opts: CompactOptions, keepBytes: boolean): CompactResult {
    const k = `${key}\0${opts.agent}\0${opts.cliVersion}\0${opts.startLine}`
    const hit = this.results.get(k)
    if (hit && (!keepBytes || hit.bytes || !hit.sha)) return hit
    this.compactions++
    let res: CompactResult
    try {
      const out = this.compactor.compact(input, opts)
      res =
        out.length > 0
          ? { sha: sha256(out), newlines: countNewlines(out), bytes: keepBytes ? out : undefined }
          : { newlines: 0 }
    } catch (e) {
      res = { newlines: 0, error: e instanceof Error ? e.message : String(e) }
    }
    this.results.set(k, res)
    return res
  }

  /** Drop kept bytes (end of a batch); hashes and counts stay. */
  releaseBytes(): void {
    for (const r of this.results.values()) r.bytes = undefined
  }
}

/** Position per migration.md §7.3 for JSONL transcripts: non-blank lines up to the last non-blank one. */
export function jsonlPosition(input: Buffer): number {
  const pieces = input.toString('latin1').split('\n')
  let n = pieces.length
  while (n > 0 && pieces[n - 1].trim() === '') n--
  return n
}
