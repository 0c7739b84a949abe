// Reuse of earlier conversions' parsed lines. A session's transcript at a later checkpoint is
// usually its transcript at the earlier checkpoint plus new lines (in the real corpus, 44% of
// the bytes handed to the JSONL converter had been converted before). Pass 1 of the JSONL
// converter reads each line on its own (an entry depends only on the line's bytes, its index
// and the droid flag), so the entries of lines that are byte-identical to, and at the same
// index as, lines of the key's previous input are taken over, and only the rest is parsed.
// Pass 2 writes output groups (an assistant message with its fragments and tool results, or a
// user message) that depend only on their entries and the entry after them; the output of the
// groups that lie wholly within the shared entries is copied from the previous output.
// The key only says which earlier input to compare with; reuse is decided by the bytes.
import { type Entry, emitEntries, entriesBefore, parseEntries } from './jsonl.js'
import { totalLength } from './lines.js'
import type { LineWriter } from './writer.js'

/** A full emission (start line 0) and where each of its output groups began. */
interface Emitted {
  bytes: Buffer
  /** The line prefix (agent, CLI version) it was written with. */
  prefix: Buffer
  /** [entry index, output bytes, lines] per output group, in order. */
  trace: number[]
}

interface Remembered {
  /**
   * The input, as pieces that later inputs are compared with and that its entries view into:
   * `pieces[i]` is a prefix (or all) of `stored[i]`.
   */
  pieces: Buffer[]
  /** The buffers the pieces view (what the record keeps alive), in order. */
  stored: Buffer[]
  /** Bytes of `stored`. */
  storedBytes: number
  droid: boolean
  /** Offset just past each `\n`-terminated line's `\n`, in line order. */
  lineEnds: number[]
  /** Entries of every line, in line order. */
  entries: Entry[]
  /** Entries taken over from the key's previous input (by the last `entries` call). */
  shared: number
  /** The previous input's emission, while this input's is being written. */
  previous?: Emitted
  /** This input's emission, once kept (`keepOutput`). */
  output?: Emitted
  /** The trace of the emission being written. */
  trace?: number[]
}

export interface HistoryStats {
  /** Input bytes whose lines were taken over from an earlier conversion. */
  reusedBytes: number
  /** Input bytes parsed. */
  parsedBytes: number
  /** Output bytes copied from an earlier conversion's output. */
  copiedOutputBytes: number
}

/**
 * Told which input buffers the history holds (entries view into them), for a caller whose
 * inputs live in memory it reuses: each buffer retained is released once, when dropped.
 */
export interface InputPins {
  retain(b: Buffer): void
  release(b: Buffer): void
}

/** Keeps the parsed lines of recent inputs, up to `budget` bytes of input (oldest dropped first). */
export class CompactHistory {
  private readonly inputs = new Map<string, Remembered>()
  private held = 0
  /** Records dropped while the entries just returned may still view into them. */
  private readonly retired: Remembered[] = []
  /** The tails copied here (own memory, not the caller's: never released to the pins). */
  private readonly copies = new WeakSet<Buffer>()
  readonly stats: HistoryStats = { reusedBytes: 0, parsedBytes: 0, copiedOutputBytes: 0 }

  /**
   * @param budget bytes of input (and kept output) held at most, oldest dropped first
   * @param pins told which of the caller's buffers are held
   * @param largestInput an input larger than this is not kept at all (default: the budget)
   */
  constructor(
    readonly budget = 32 * 1024 * 1024,
    private readonly pins?: InputPins,
    private readonly largestInput = budget
  ) {}

  /** Bytes of input held now. */
  get heldBytes(): number {
    return this.held
  }

  /** Pass 1 over `chunks` (from line 0), reusing the lines shared with `key`'s last input. */
  entries(key: string, chunks: Buffer[], droid: boolean): Entry[] {
    this.releaseRetired()
    const prev = this.inputs.get(key)
    let k = 0
    if (prev !== undefined && prev.droid === droid && prev.lineEnds.length > 0) {
      const limit = prev.lineEnds[prev.lineEnds.length - 1]
      k = countAtMost(prev.lineEnds, commonPrefix(chunks, prev.pieces, limit))
    }
    const shared = k > 0 ? entriesBefore(prev!.entries, k) : 0
    const lineEnds = k > 0 ? prev!.lineEnds.slice(0, k) : []
    const at = k > 0 ? lineEnds[k - 1] : 0
    const bytes = totalLength(chunks)
    this.stats.reusedBytes += at
    this.stats.parsedBytes += bytes - at
    let entries: Entry[]
    let rec: Remembered
    let kept = 0
    if (shared === 0) {
      // Nothing taken over: the entries view into this input alone.
      entries = parseEntries(chunks, droid, 0, k > 0 ? { byte: at, line: k } : undefined, lineEnds)
      rec = { pieces: chunks, stored: chunks, storedBytes: bytes, droid, lineEnds, entries, shared }
    } else {
      // The lines from k on are parsed from a copy of their bytes, so that the record keeps the
      // input's new bytes and the earlier inputs' pieces it shares (the bytes of one input),
      // not every earlier input of the session whole: a session's tenth checkpoint held ten
      // copies of its transcript.
      const tail = copyFrom(chunks, at, bytes)
      this.copies.add(tail)
      const ends: number[] = []
      const fresh = parseEntries(tail, droid, 0, { byte: 0, line: k }, ends)
      for (const e of ends) lineEnds.push(at + e)
      entries = prev!.entries.slice(0, shared).concat(fresh)
      const cut = cutPieces(prev!.pieces, at)
      kept = cut.length
      const pieces = tail.length > 0 ? [...cut, tail] : cut
      const stored = prev!.stored.slice(0, kept)
      if (tail.length > 0) stored.push(tail)
      rec = { pieces, stored, storedBytes: totalLength(stored), droid, lineEnds, entries, shared }
      if (prev!.output !== undefined) rec.previous = prev!.output
    }
    if (prev !== undefined) {
      this.inputs.delete(key)
      this.held -= held(prev)
    }
    if (rec.storedBytes <= Math.min(this.budget, this.largestInput)) {
      if (shared === 0) {
        if (this.pins) for (const c of chunks) this.pins.retain(c)
        if (prev !== undefined) this.release(prev.stored)
      } else {
        // The new record holds on to what it kept of prev's pieces.
        this.release(prev!.stored.slice(kept))
      }
      this.inputs.set(key, rec)
      this.held += rec.storedBytes
      this.trim()
    } else if (prev !== undefined) {
      // The entries returned may view into prev's pieces: released at the next call.
      this.retired.push(prev)
    }
    return entries
  }

  /**
   * Pass 2 from line 0 over `entries` (just returned by `entries(key, …)`), copying the output
   * of the groups shared with the key's previous emission. Returns the number of lines.
   */
  emit(key: string, entries: Entry[], w: LineWriter): number {
    const rec = this.inputs.get(key)
    if (rec === undefined || rec.entries !== entries) return emitEntries(entries, 0, w)
    const trace: number[] = []
    rec.trace = trace
    const prev = rec.previous
    rec.previous = undefined
    let from = 0
    if (prev !== undefined && prev.prefix.equals(w.prefix) && w.out.n === 0 && w.lines === 0) {
      // The last group that starts at a shared entry: every group before it, and the entry
      // each of them looked at after itself, are shared, so their output is the same.
      let g = -1
      for (let t = 0; t < prev.trace.length && prev.trace[t] < rec.shared; t += 3) g = t
      if (g > 0) {
        from = prev.trace[g]
        const bytes = prev.trace[g + 1]
        w.out.bytes(prev.bytes, 0, bytes)
        w.lines = prev.trace[g + 2]
        for (let t = 0; t < g; t++) trace.push(prev.trace[t])
        this.stats.copiedOutputBytes += bytes
      }
    }
    return emitEntries(entries, 0, w, from, trace)
  }

  /** Keep `bytes`, the output of the last `emit(key, …)`, for the key's next emission. */
  keepOutput(key: string, bytes: Buffer, prefix: Buffer): void {
    const rec = this.inputs.get(key)
    if (rec === undefined || rec.trace === undefined) return
    rec.output = { bytes, prefix, trace: rec.trace }
    rec.trace = undefined
    this.held += bytes.length
    this.trim()
  }

  /**
   * Forget `key`'s input now (no later input extends it): its memory is not held until the
   * budget pushes it out. Call once the entries and emission of it are done with.
   */
  drop(key: string): void {
    const r = this.inputs.get(key)
    if (r !== undefined) this.forget(key, r)
  }

  /** Drop the oldest inputs until what is held fits the budget. */
  private trim(): void {
    for (const [k, r] of this.inputs) {
      if (this.held <= this.budget) break
      this.forget(k, r)
    }
  }

  /** Drop `r`. */
  private forget(key: string, r: Remembered): void {
    this.inputs.delete(key)
    this.held -= held(r)
    this.release(r.stored)
  }

  /** Release the records dropped while the entries last returned still viewed into them. */
  private releaseRetired(): void {
    for (const r of this.retired.splice(0)) this.release(r.stored)
  }

  /** Tell the pins that `stored` buffers are no longer held (copies made here are not theirs). */
  private release(stored: readonly Buffer[]): void {
    if (!this.pins) return
    for (const b of stored) if (!this.copies.has(b)) this.pins.release(b)
  }

  clear(): void {
    for (const [k, r] of this.inputs) this.forget(k, r)
    this.releaseRetired()
    this.held = 0
  }
}

/** Bytes a remembered input holds: its pieces' buffers and its kept output. */
function held(r: Remembered): number {
  return r.storedBytes + (r.output?.bytes.length ?? 0)
}

/** A copy of the input's bytes (`total` of them) from offset `at` on (one buffer of its own). */
function copyFrom(chunks: readonly Buffer[], at: number, total: number): Buffer {
  const out = Buffer.allocUnsafeSlow(Math.max(0, total - at))
  let base = 0
  let n = 0
  for (const c of chunks) {
    const from = Math.max(0, at - base)
    if (from < c.length) n += c.copy(out, n, from)
    base += c.length
  }
  return out
}

/** The pieces cut to their first `bytes` bytes (the last one kept shortened). */
function cutPieces(pieces: readonly Buffer[], bytes: number): Buffer[] {
  const out: Buffer[] = []
  let left = bytes
  for (const p of pieces) {
    if (left <= 0) break
    out.push(p.length <= left ? p : p.subarray(0, left))
    left -= p.length
  }
  return out
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
