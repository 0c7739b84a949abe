// Reuse of earlier conversions' parsed lines. A session's transcript at a later checkpoint is
// usually its transcript at the earlier checkpoint plus new lines (in the real corpus, 44% of
// the bytes handed to the JSONL converter had been converted before). Pass 1 of the JSONL
// converter reads each line on its own (an entry depends only on the line's bytes, its index
// and the droid flag), so the entries of lines that are byte-identical to, and at the same
// index as, lines of the key's previous input are taken over, and only the rest is parsed.
// The key only says which earlier input to compare with; reuse is decided by the bytes.
import { type Entry, parseEntries } from './jsonl.js'
import { totalLength } from './lines.js'

interface Remembered {
  /** The input (kept: later inputs are compared with it, and its entries view into it). */
  chunks: Buffer[]
  bytes: number
  droid: boolean
  /** Offset just past each `\n`-terminated line's `\n`, in line order. */
  lineEnds: number[]
  /** Entries of every line, in line order. */
  entries: Entry[]
}

export interface HistoryStats {
  /** Input bytes whose lines were taken over from an earlier conversion. */
  reusedBytes: number
  /** Input bytes parsed. */
  parsedBytes: number
}

/** Keeps the parsed lines of recent inputs, up to `budget` bytes of input (oldest dropped first). */
export class CompactHistory {
  private readonly inputs = new Map<string, Remembered>()
  private held = 0
  readonly stats: HistoryStats = { reusedBytes: 0, parsedBytes: 0 }

  constructor(readonly budget = 32 * 1024 * 1024) {}

  /** Bytes of input held now. */
  get heldBytes(): number {
    return this.held
  }

  /** Pass 1 over `chunks` (from line 0), reusing the lines shared with `key`'s last input. */
  entries(key: string, chunks: Buffer[], droid: boolean): Entry[] {
    const prev = this.inputs.get(key)
    let k = 0
    if (prev !== undefined && prev.droid === droid && prev.lineEnds.length > 0) {
      const limit = prev.lineEnds[prev.lineEnds.length - 1]
      k = countAtMost(prev.lineEnds, commonPrefix(chunks, prev.chunks, limit))
    }
    const lineEnds = k > 0 ? prev!.lineEnds.slice(0, k) : []
    const from = k > 0 ? { byte: lineEnds[k - 1], line: k } : undefined
    const fresh = parseEntries(chunks, droid, 0, from, lineEnds)
    const entries =
      k > 0 ? prev!.entries.slice(0, countBelow(prev!.entries, k)).concat(fresh) : fresh
    const bytes = totalLength(chunks)
    const reused = from?.byte ?? 0
    this.stats.reusedBytes += reused
    this.stats.parsedBytes += bytes - reused
    if (prev !== undefined) {
      this.inputs.delete(key)
      this.held -= prev.bytes
    }
    if (bytes <= this.budget) {
      this.inputs.set(key, { chunks, bytes, droid, lineEnds, entries })
      this.held += bytes
      for (const [k2, r] of this.inputs) {
        if (this.held <= this.budget) break
        this.inputs.delete(k2)
        this.held -= r.bytes
      }
    }
    return entries
  }

  clear(): void {
    this.inputs.clear()
    this.held = 0
  }
}

/** Number of values in ascending `xs` that are ≤ `v`. */
function countAtMost(xs: readonly number[], v: number): number {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const m = (lo + hi) >> 1
    if (xs[m] <= v) lo = m + 1
    else hi = m
  }
  return lo
}

/** Number of entries (in line order) with a line index below `line`. */
function countBelow(entries: readonly Entry[], line: number): number {
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const m = (lo + hi) >> 1
    if (entries[m].line < line) lo = m + 1
    else hi = m
  }
  return lo
}

const BLOCK = 64 * 1024

/** Length of the common prefix of two inputs given as pieces, at most `limit`. */
export function commonPrefix(a: readonly Buffer[], b: readonly Buffer[], limit: number): number {
  let ai = 0
  let ao = 0
  let bi = 0
  let bo = 0
  let done = 0
  while (done < limit) {
    while (ai < a.length && ao >= a[ai].length) {
      ai++
      ao = 0
    }
    while (bi < b.length && bo >= b[bi].length) {
      bi++
      bo = 0
    }
    if (ai >= a.length || bi >= b.length) break
    const x = a[ai]
    const y = b[bi]
    const n = Math.min(x.length - ao, y.length - bo, limit - done, BLOCK)
    if (x.buffer === y.buffer && x.byteOffset + ao === y.byteOffset + bo) {
      // the same memory
    } else if (!x.subarray(ao, ao + n).equals(y.subarray(bo, bo + n))) {
      let i = 0
      while (x[ao + i] === y[bo + i]) i++
      return done + i
    }
    ao += n
    bo += n
    done += n
  }
  return done
}
