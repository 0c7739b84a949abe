// Reading transcript input line by line without joining it into one string (or one buffer):
// the input is one Buffer or the ordered pieces whose concatenation is the transcript.

/** Bytes of a transcript: one buffer, or pieces whose concatenation is the transcript. */
export type Input = Buffer | Buffer[]

export function toChunks(input: Input): Buffer[] {
  return Array.isArray(input) ? input.filter((c) => c.length > 0) : [input]
}

export function totalLength(chunks: Buffer[]): number {
  let n = 0
  for (const c of chunks) n += c.length
  return n
}

/** The whole input as one contiguous buffer (a copy only when there are several pieces). */
export function contiguous(chunks: Buffer[]): Buffer {
  if (chunks.length === 0) return Buffer.alloc(0)
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
}

/** The bounded scanner's limit: a line of this many bytes or more stops the scan (§3.8). */
export const MAX_SCAN_LINE = 10 * 1024 * 1024

/**
 * Iterates `\n`-terminated lines. Each line is buf (= buf[s, e), s = 0) without its `\n`;
 * `index` counts the newlines before it. A final piece without `\n` is yielded when non-empty.
 * A line that spans pieces is copied into its own buffer; every other line is a view into its
 * piece (so native searches in it stop at the line's end).
 */
export class LineReader {
  buf: Buffer = EMPTY
  s = 0
  e = 0
  index = -1
  /** Offset in the whole input just past the current line's `\n`; -1 for an unterminated line. */
  end = -1
  private ci = 0
  private pos = 0
  /** Offset in the whole input of chunks[ci]. */
  private base = 0
  constructor(private readonly chunks: Buffer[]) {}

  /** Continue from offset `byte` of the whole input, a line start, as line number `line`. */
  seek(byte: number, line: number): void {
    let ci = 0
    let base = 0
    while (ci < this.chunks.length && base + this.chunks[ci].length <= byte) {
      base += this.chunks[ci].length
      ci++
    }
    this.ci = ci
    this.base = base
    this.pos = byte - base
    this.index = line - 1
  }

  next(): boolean {
    const chunks = this.chunks
    while (this.ci < chunks.length && this.pos >= chunks[this.ci].length) {
      this.base += chunks[this.ci].length
      this.ci++
      this.pos = 0
    }
    if (this.ci >= chunks.length) return false
    const c = chunks[this.ci]
    const q = c.indexOf(0x0a, this.pos)
    this.index++
    if (q !== -1) {
      this.buf = c.subarray(this.pos, q)
      this.s = 0
      this.e = q - this.pos
      this.pos = q + 1
      this.end = this.base + q + 1
      return true
    }
    // the line continues into the following pieces
    const parts: Buffer[] = [c.subarray(this.pos)]
    this.base += c.length
    this.ci++
    this.pos = 0
    this.end = -1
    while (this.ci < chunks.length) {
      const d = chunks[this.ci]
      const r = d.indexOf(0x0a)
      if (r !== -1) {
        parts.push(d.subarray(0, r))
        this.pos = r + 1
        this.end = this.base + r + 1
        break
      }
      parts.push(d)
      this.base += d.length
      this.ci++
    }
    this.buf = Buffer.concat(parts)
    this.s = 0
    this.e = this.buf.length
    return true
  }
}

const EMPTY = Buffer.alloc(0)

function isAsciiWs(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d)
}

/** Whether buf[s, e) is blank (Go's bytes.TrimSpace gives nothing). */
export function isBlank(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i]
    if (isAsciiWs(c)) continue
    if (c === 0xc2 && (b[i + 1] === 0x85 || b[i + 1] === 0xa0) && i + 1 < e) {
      i++
      continue
    }
    if (c >= 0xe1) return isBlankSlow(b, i, e)
    return false
  }
  return true
}

const GO_SPACE_ONLY =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/

function isBlankSlow(b: Buffer, s: number, e: number): boolean {
  return GO_SPACE_ONLY.test(b.toString('utf8', s, e))
}

const LF = 0x0a

/**
 * The migration's transcript position for line formats (migration.md §7.3): split on `\n`,
 * drop trailing blank pieces, count the rest. Newlines are counted natively and only the
 * trailing lines are looked at, from the end (every line was visited before: ~150 ms of a
 * corpus verify).
 */
export function linePosition(input: readonly Buffer[]): number {
  const pieces = input.filter((p) => p.length > 0)
  let newlines = 0
  for (const p of pieces) for (let i = p.indexOf(LF); i !== -1; i = p.indexOf(LF, i + 1)) newlines++
  // Line `k` (0-based) is the text after the k-th newline; walk back from the last one.
  let k = newlines
  let pi = pieces.length - 1
  let end = pi >= 0 ? pieces[pi].length : 0
  while (pi >= 0) {
    const p = pieces[pi]
    const nl = end > 0 ? p.lastIndexOf(LF, end - 1) : -1
    if (nl !== -1) {
      if (!isBlank(p, nl + 1, end)) return k + 1
      k--
      end = nl
      continue
    }
    // The line starts in an earlier piece: gather it whole (rare: lines end at piece joints).
    const parts: Buffer[] = [p.subarray(0, end)]
    let qi = pi - 1
    let start = -1
    while (qi >= 0) {
      const q = pieces[qi]
      const at = q.lastIndexOf(LF)
      if (at !== -1) {
        parts.unshift(q.subarray(at + 1))
        start = at
        break
      }
      parts.unshift(q)
      qi--
    }
    const line = Buffer.concat(parts)
    if (!isBlank(line, 0, line.length)) return k + 1
    if (qi < 0) return 0
    k--
    pi = qi
    end = start
  }
  return 0
}
