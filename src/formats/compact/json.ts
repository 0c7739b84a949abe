// Byte-level JSON with the semantics of Go's encoding/json, as the reference converter uses it
// (compact-transcript.md §3): a validating scanner that returns exact value spans, decoding of
// strings (U+FFFD per invalid byte, surrogate escapes), "by key" and "by field" object
// decoding, compaction of raw values and Go's string encoding. Pure code: no I/O.
import { isUtf8 } from 'node:buffer'

/** A span [s, e) of one JSON value inside buf (no surrounding whitespace). */
export interface Span {
  s: number
  e: number
}

/** One object member: decoded key and the span of its value. */
export interface Member {
  k: string
  s: number
  e: number
}

const Q = 0x22 // "

function latin1(b: Buffer, s: number, e: number): string {
  return b.toString('latin1', s, e)
}
function utf8(b: Buffer, s: number, e: number): string {
  return b.toString('utf8', s, e)
}
const BS = 0x5c // \

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

const HEX = new Int8Array(256).fill(-1)
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c
  HEX[0x61 + c] = 10 + c
}

/**
 * Containers nested up to REC deep record their members / elements while they are validated
 * (line → message → content → block; line → toolUseResult → file), as integers: members() and
 * elements() on them then need no second scan, and containers nobody asks for cost no objects.
 */
const REC = 4

/**
 * A validated document: the bytes, the sorted positions of the whitespace compaction removes,
 * and the recorded containers. The record is an Int32Array arena: per container a count n
 * followed by n entries (keyStart, keyEnd, valueStart, valueEnd), keyStart -1 in arrays;
 * `index` maps a container's start position to its count's slot.
 */
export class Doc {
  buf: Buffer
  /** Positions of whitespace between tokens (outside strings), ascending. */
  sp: Int32Array = new Int32Array(64)
  n = 0
  /** Whether the buffer holds any `<` `>` `&` or 0xE2 byte: -1 unknown, 0 no, 1 yes. */
  html = -1
  rec: Int32Array = new Int32Array(1024)
  recN = 0
  index = new Map<number, number>()
  private made = new Map<number, Member[] | Span[]>()
  constructor(buf: Buffer) {
    this.buf = buf
  }
  reset(buf: Buffer): void {
    this.buf = buf
    this.n = 0
    this.html = -1
    this.recN = 0
    if (this.index.size > 0) this.index.clear()
    if (this.made.size > 0) this.made.clear()
  }
  hasHtml(): boolean {
    if (this.html < 0) {
      const b = this.buf
      this.html =
        b.indexOf(0x3c) !== -1 ||
        b.indexOf(0x3e) !== -1 ||
        b.indexOf(0x26) !== -1 ||
        b.indexOf(0xe2) !== -1
          ? 1
          : 0
    }
    return this.html === 1
  }
  push(pos: number): void {
    if (this.n === this.sp.length) {
      const g = new Int32Array(this.sp.length * 2)
      g.set(this.sp)
      this.sp = g
    }
    this.sp[this.n++] = pos
  }
  /** Stores the entries scratch[from, to) of the container starting at `start`. */
  store(start: number, scratch: Int32Array, from: number, to: number): void {
    const need = this.recN + 1 + (to - from)
    if (need > this.rec.length) {
      const g = new Int32Array(Math.max(need, this.rec.length * 2))
      g.set(this.rec.subarray(0, this.recN))
      this.rec = g
    }
    this.index.set(start, this.recN)
    const r = this.rec
    r[this.recN] = (to - from) >> 2
    for (let j = from, p = this.recN + 1; j < to; j++, p++) r[p] = scratch[j]
    this.recN = need
  }
  /**
   * The last recorded member named `key` (ASCII) of the object whose count is at slot h: Go's
   * map semantics (a repeated key keeps its last value), keys compared as decoded.
   */
  find(h: number, key: string): Member | undefined {
    const r = this.rec
    const b = this.buf
    const kl = key.length
    for (let p = h + 1 + 4 * (r[h] - 1); p > h; p -= 4) {
      const ks = r[p]
      const len = r[p + 1] - ks
      if (len === kl) {
        // same length: equal only byte for byte (escapes and multi-byte text decode shorter)
        let x = 0
        while (x < kl && b[ks + x] === key.charCodeAt(x)) x++
        if (x === kl) return { k: key, s: r[p + 2], e: r[p + 3] }
      } else if (len > kl && hasByte(b, BS, ks, ks + len)) {
        if (decodeStringBody(b, ks, ks + len) === key) return { k: key, s: r[p + 2], e: r[p + 3] }
      }
    }
    return undefined
  }
  /** The recorded members / elements of the container starting at `start`, or null. */
  recorded(start: number, obj: boolean): Member[] | Span[] | null {
    const m = this.made.get(start)
    if (m !== undefined) return m
    const h = this.index.get(start)
    if (h === undefined) return null
    const r = this.rec
    const n = r[h]
    const b = this.buf
    let out: Member[] | Span[]
    if (obj) {
      const ms: Member[] = new Array(n)
      for (let j = 0, p = h + 1; j < n; j++, p += 4) {
        ms[j] = { k: decodeKey(b, r[p], r[p + 1]), s: r[p + 2], e: r[p + 3] }
      }
      out = ms
    } else {
      const es: Span[] = new Array(n)
      for (let j = 0, p = h + 1; j < n; j++, p += 4) es[j] = { s: r[p + 2], e: r[p + 3] }
      out = es
    }
    this.made.set(start, out)
    return out
  }
}

function hasByte(b: Buffer, c: number, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i] === c) return true
  return false
}

const ERR = -1
const EOF = -2
const MAX_DEPTH = 10000
const stack = new Uint8Array(MAX_DEPTH + 1)

// Scanning state for the recorded levels: where each open container starts, its first entry in
// the scratch stack (a child's entries sit above its parent's until the child closes), and the
// key of the member being scanned.
const recStart = new Int32Array(REC + 2)
const recBase = new Int32Array(REC + 2)
const recKeyS = new Int32Array(REC + 2)
const recKeyE = new Int32Array(REC + 2)
let scratch = new Int32Array(1024)
let scratchN = 0
let recordingDoc: Doc | null = null

function recordChild(depth: number, s: number, e: number): void {
  if (scratchN + 4 > scratch.length) {
    const g = new Int32Array(scratch.length * 2)
    g.set(scratch)
    scratch = g
  }
  const k = scratchN
  if (stack[depth] === 1) {
    scratch[k] = recKeyS[depth]
    scratch[k + 1] = recKeyE[depth]
  } else {
    scratch[k] = -1
    scratch[k + 1] = -1
  }
  scratch[k + 2] = s
  scratch[k + 3] = e
  scratchN = k + 4
}

// Strings are searched a 32-bit word at a time for a quote, a backslash or a control byte
// (escapes are dense in transcripts: about one per 22 bytes, too many for a native search per
// escape). The word view covers the buffer's whole ArrayBuffer, aligned at its start.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
let wordsOf: ArrayBufferLike | null = null
let wordsView: Int32Array = new Int32Array(0)

/** Docs the converters reuse line after line (one per module), see `forgetScannedInputs`. */
const sharedDocs: Doc[] = []

/** A Doc kept by a converter module for reuse across its calls. */
export function sharedDoc(): Doc {
  const d = new Doc(Buffer.alloc(0))
  sharedDocs.push(d)
  return d
}

/**
 * Drop what the scanner keeps of the last input (the shared docs' buffers, the word view over
 * its memory): a caller whose inputs lie in memory it wants freed (a read pool) calls this once
 * it is done with them.
 */
export function forgetScannedInputs(): void {
  for (const d of sharedDocs) d.reset(Buffer.alloc(0))
  wordsOf = null
  wordsView = new Int32Array(0)
  recordingDoc = null
}

function wordView(b: Buffer): Int32Array | null {
  if (!LITTLE_ENDIAN) return null
  if (b.buffer !== wordsOf) {
    wordsOf = b.buffer
    wordsView = new Int32Array(b.buffer, 0, b.buffer.byteLength >> 2)
  }
  return wordsView
}

/** The first index in [i, end) of a quote, backslash or byte below 0x20; `end` when none. */
function nextSpecial(
  b: Buffer,
  w: Int32Array | null,
  base: number,
  i: number,
  end: number
): number {
  if (w !== null) {
    while (((base + i) & 3) !== 0) {
      if (i >= end) return end
      const c = b[i]
      if (c < 0x20 || c === Q || c === BS) return i
      i++
    }
    let k = Math.floor((base + i) / 4)
    const kEnd = Math.floor((base + end) / 4)
    for (; k < kEnd; k++) {
      const x = w[k]
      const q = x ^ 0x22222222
      const s = x ^ 0x5c5c5c5c
      // per byte: zero after xor with '"' or '\', or below 0x20; the lowest flag is exact
      const m =
        (((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s) | ((x - 0x20202020) & ~x)) & 0x80808080
      if (m !== 0) return k * 4 - base + ((31 - Math.clz32(m & -m)) >> 3)
    }
    if (k * 4 - base > i) i = k * 4 - base
  }
  while (i < end) {
    const c = b[i]
    if (c < 0x20 || c === Q || c === BS) return i
    i++
  }
  return end
}

/** Validates a string body from i (after the opening quote): the index after its closing quote. */
function scanString(b: Buffer, w: Int32Array | null, base: number, i: number, end: number): number {
  for (;;) {
    i = nextSpecial(b, w, base, i, end)
    if (i >= end) return EOF
    const c = b[i]
    if (c === Q) return i + 1
    if (c !== BS) return ERR
    i = escapeEnd(b, i, end)
    if (i < 0) return i
  }
}

/**
 * Validates one JSON value starting at i (leading whitespace allowed), recording whitespace
 * positions and the containers of the first REC levels into doc. Returns the index just after
 * the value, -1 on a syntax error, -2 when the input ends inside the value.
 */
export function scanValue(doc: Doc, i: number, end: number): number {
  const b = doc.buf
  const w = wordView(b)
  const base = b.byteOffset
  recordingDoc = doc
  scratchN = 0
  let depth = 0
  // mode 0: expect value; 1: expect key; 2: after value
  let mode = 0
  for (;;) {
    // skip whitespace
    while (i < end) {
      const c = b[i]
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        doc.push(i)
        i++
      } else break
    }
    if (mode === 2) {
      if (depth === 0) return i
      if (i >= end) return EOF
      const c = b[i]
      const top = stack[depth]
      if (c === 0x2c) {
        i++
        mode = top === 1 ? 1 : 0
        continue
      }
      if ((c === 0x7d && top === 1) || (c === 0x5d && top === 2)) {
        i++
        if (depth <= REC) {
          doc.store(recStart[depth], scratch, recBase[depth], scratchN)
          scratchN = recBase[depth]
        }
        depth--
        if (depth >= 1 && depth <= REC) recordChild(depth, recStart[depth + 1], i)
        continue
      }
      return ERR
    }
    if (i >= end) return EOF
    let c = b[i]
    if (mode === 1) {
      if (c !== Q) return ERR
      const ks = i + 1
      i = scanString(b, w, base, ks, end)
      if (i < 0) return i
      if (depth <= REC) {
        recKeyS[depth] = ks
        recKeyE[depth] = i - 1
      }
      while (i < end && isWs(b[i])) doc.push(i++)
      if (i >= end) return EOF
      if (b[i] !== 0x3a) return ERR
      i++
      mode = 0
      continue
    }
    // mode 0: a value
    const vs = i
    if (c === Q) {
      i = scanString(b, w, base, i + 1, end)
      if (i < 0) return i
      if (depth >= 1 && depth <= REC) recordChild(depth, vs, i)
      mode = 2
      continue
    }
    if (c === 0x7b || c === 0x5b) {
      if (depth >= MAX_DEPTH) return ERR
      i++
      while (i < end && isWs(b[i])) doc.push(i++)
      if (i >= end) return EOF
      const close = c === 0x7b ? 0x7d : 0x5d
      if (b[i] === close) {
        i++
        if (depth >= 1 && depth <= REC) recordChild(depth, vs, i)
        mode = 2
        continue
      }
      stack[++depth] = c === 0x7b ? 1 : 2
      // a container's start is needed one level deeper than its members: it is a member itself
      if (depth <= REC + 1) recStart[depth] = vs
      if (depth <= REC) recBase[depth] = scratchN
      mode = c === 0x7b ? 1 : 0
      continue
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
      if (c === 0x2d) {
        i++
        if (i >= end) return EOF
        c = b[i]
      }
      if (c === 0x30) i++
      else if (c >= 0x31 && c <= 0x39) {
        i++
        while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++
      } else return ERR
      if (i < end && b[i] === 0x2e) {
        i++
        if (i >= end) return EOF
        if (!(b[i] >= 0x30 && b[i] <= 0x39)) return ERR
        while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++
      }
      if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
        i++
        if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++
        if (i >= end) return EOF
        if (!(b[i] >= 0x30 && b[i] <= 0x39)) return ERR
        while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++
      }
      if (depth >= 1 && depth <= REC) recordChild(depth, vs, i)
      mode = 2
      continue
    }
    let lit: number[] | null = null
    if (c === 0x74) lit = TRUE
    else if (c === 0x66) lit = FALSE
    else if (c === 0x6e) lit = NULL
    if (lit === null) return ERR
    for (let k = 0; k < lit.length; k++, i++) {
      if (i >= end) return EOF
      if (b[i] !== lit[k]) return ERR
    }
    if (depth >= 1 && depth <= REC) recordChild(depth, vs, i)
    mode = 2
  }
}
const TRUE = [0x74, 0x72, 0x75, 0x65]
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65]
const NULL = [0x6e, 0x75, 0x6c, 0x6c]

/** Escape at i (a backslash): the index after it, or ERR / EOF. */
function escapeEnd(b: Buffer, i: number, end: number): number {
  if (i + 1 >= end) return EOF
  const c = b[i + 1]
  if (c === 0x75) {
    if (i + 6 > end) {
      // cut off: an error if a digit that is there is not hex (as Go's scanner sees it)
      for (let k = i + 2; k < end; k++) if (HEX[b[k]] < 0) return ERR
      return EOF
    }
    if ((HEX[b[i + 2]] | HEX[b[i + 3]] | HEX[b[i + 4]] | HEX[b[i + 5]]) < 0) return ERR
    return i + 6
  }
  if (
    c === Q ||
    c === BS ||
    c === 0x2f ||
    c === 0x62 ||
    c === 0x66 ||
    c === 0x6e ||
    c === 0x72 ||
    c === 0x74
  )
    return i + 2
  return ERR
}

/** Whether [s, e) holds exactly one JSON value with optional surrounding whitespace. */
export function validDocument(doc: Doc, s: number, e: number): Span | null {
  const b = doc.buf
  while (s < e && isWs(b[s])) s++
  while (e > s && isWs(b[e - 1])) e--
  if (s >= e) return null
  const end = scanValue(doc, s, e)
  if (end !== e) return null
  return { s, e }
}

// ---------------------------------------------------------------------------------------------
// Fast skipping inside an already validated document.

// 1 quote, 2 backslash
const SKIP_CLASS = new Uint8Array(256)
SKIP_CLASS[Q] = 1
SKIP_CLASS[BS] = 2

/**
 * i just after the opening quote; returns the index after the closing quote, or -1 when there
 * is none before `end`. Does not validate.
 */
export function skipString(b: Buffer, i: number, end: number): number {
  for (;;) {
    let t = 0
    let n = 0
    while (i < end && (t = SKIP_CLASS[b[i]]) === 0 && n < 32) {
      i++
      n++
    }
    if (i >= end) return -1
    if (t === 0) {
      // a long run: let the native search jump to the next quote
      let q = b.indexOf(Q, i)
      for (;;) {
        if (q === -1 || q >= end) return -1
        let k = q - 1
        while (b[k] === BS) k--
        if ((q - 1 - k) % 2 === 0) return q + 1
        q = b.indexOf(Q, q + 1)
      }
    }
    if (t === 1) return i + 1
    i += 2
  }
}

/**
 * Skips one value starting exactly at i (no leading whitespace); -1 when it does not end
 * before `end` or does not look like a value. Exact on valid JSON; does not validate.
 */
export function skipValue(b: Buffer, i: number, end: number): number {
  const c = b[i]
  if (c === Q) return skipString(b, i + 1, end)
  if (c === 0x7b || c === 0x5b) {
    let depth = 0
    while (i < end) {
      const d = b[i]
      if (d === Q) {
        i = skipString(b, i + 1, end)
        if (i < 0) return -1
        continue
      }
      if (d === 0x7b || d === 0x5b) depth++
      else if (d === 0x7d || d === 0x5d) {
        depth--
        if (depth === 0) return i + 1
      }
      i++
    }
    return -1
  }
  const s = i
  while (i < end) {
    const d = b[i]
    if (
      (d >= 0x30 && d <= 0x39) ||
      (d >= 0x61 && d <= 0x7a) ||
      d === 0x2e ||
      d === 0x2b ||
      d === 0x2d ||
      d === 0x45
    )
      i++
    else break
  }
  return i > s ? i : -1
}

function skipWs(b: Buffer, i: number, end: number): number {
  while (i < end && isWs(b[i])) i++
  return i
}

/**
 * Members of the object at span, keys decoded; null when the value is not an object (or, on
 * input that was not validated, does not parse as one). Exact on valid JSON.
 */
export function members(b: Buffer, sp: Span): Member[] | null {
  const end = sp.e
  let i = sp.s
  if (b[i] !== 0x7b) return null
  if (recordingDoc !== null && recordingDoc.buf === b) {
    const m = recordingDoc.recorded(i, true)
    if (m !== null) return m as Member[]
  }
  const out: Member[] = []
  i = skipWs(b, i + 1, end)
  if (b[i] === 0x7d) return out
  for (;;) {
    if (b[i] !== Q) return null
    const ks = i + 1
    const ke = skipString(b, ks, end) - 1
    if (ke < 0) return null
    i = skipWs(b, ke + 1, end)
    if (b[i] !== 0x3a) return null
    i = skipWs(b, i + 1, end)
    const vs = i
    i = skipValue(b, i, end)
    if (i < 0) return null
    out.push({ k: decodeKey(b, ks, ke), s: vs, e: i })
    i = skipWs(b, i, end)
    if (i >= end) return null
    if (b[i] === 0x2c) {
      i = skipWs(b, i + 1, end)
      continue
    }
    return b[i] === 0x7d ? out : null
  }
}

// Keys are mostly short ASCII without escapes, and the same few keys repeat on every line: a
// small table by hash of the bytes returns the string made the last time.
const KEY_SLOTS = 1024
const keySlots: string[] = new Array<string>(KEY_SLOTS).fill('')

function decodeKey(b: Buffer, s: number, e: number): string {
  const n = e - s
  if (n > 32) return decodeStringBody(b, s, e)
  let h = n
  for (let i = s; i < e; i++) {
    const c = b[i]
    if (c >= 0x80 || c === BS) return decodeStringBody(b, s, e)
    h = (Math.imul(h, 31) + c) | 0
  }
  const slot = h & (KEY_SLOTS - 1)
  const k = keySlots[slot]
  if (k.length === n) {
    let j = 0
    while (j < n && k.charCodeAt(j) === b[s + j]) j++
    if (j === n) return k
  }
  const made = latin1(b, s, e)
  keySlots[slot] = made
  return made
}

/** Element spans of the array at span (validated); null when the value is not an array. */
export function elements(b: Buffer, sp: Span): Span[] | null {
  const end = sp.e
  let i = sp.s
  if (b[i] !== 0x5b) return null
  if (recordingDoc !== null && recordingDoc.buf === b) {
    const m = recordingDoc.recorded(i, false)
    if (m !== null) return m as Span[]
  }
  const out: Span[] = []
  i = skipWs(b, i + 1, end)
  if (b[i] === 0x5d) return out
  for (;;) {
    const s = i
    i = skipValue(b, i, end)
    if (i < 0) return null
    out.push({ s, e: i })
    i = skipWs(b, i, end)
    if (b[i] === 0x2c) {
      i = skipWs(b, i + 1, end)
      continue
    }
    return out
  }
}

/**
 * get(members(b, sp), key) for an ASCII key, without building the member list when the
 * validating scan recorded the object.
 */
export function member(b: Buffer, sp: Span, key: string): Member | undefined {
  if (b[sp.s] !== 0x7b) return undefined
  const d = recordingDoc
  if (d !== null && d.buf === b) {
    const h = d.index.get(sp.s)
    if (h !== undefined) return d.find(h, key)
  }
  return get(members(b, sp), key)
}

/** The last member with exactly this key (Go map semantics: a repeated key keeps its last value). */
export function get(ms: Member[] | null, key: string): Member | undefined {
  if (ms === null) return undefined
  for (let j = ms.length - 1; j >= 0; j--) if (ms[j].k === key) return ms[j]
  return undefined
}

export function isNull(b: Buffer, sp: Span): boolean {
  return b[sp.s] === 0x6e
}

/** Decodes a value as a Go string: a string gives its text; anything else (null included) gives "". */
export function asString(b: Buffer, sp: Span | undefined): string {
  if (sp === undefined || b[sp.s] !== Q) return ''
  return decodeStringBody(b, sp.s + 1, sp.e - 1)
}

/** Decodes a value as a string, reporting failure for non-strings other than null. */
export function strField(b: Buffer, sp: Span): string | null {
  const c = b[sp.s]
  if (c === Q) return decodeStringBody(b, sp.s + 1, sp.e - 1)
  if (c === 0x6e) return ''
  return null
}

// ---------------------------------------------------------------------------------------------
// String decoding with Go's rules.

const ASCII_PLAIN = new Uint8Array(256)
for (let c = 0; c < 0x80; c++) ASCII_PLAIN[c] = 1
ASCII_PLAIN[BS] = 0

/** The body of a JSON string [s, e) (between the quotes), escapes resolved, Go's UTF-8 rules. */
export function decodeStringBody(b: Buffer, s: number, e: number): string {
  let i = s
  while (i < e && ASCII_PLAIN[b[i]] === 1) i++
  if (i === e) return latin1(b, s, e)
  const body = b.subarray(s, e)
  if (body.indexOf(BS, i - s) === -1) return utf8Go(b, s, e)
  let out = ''
  let seg = s
  i = s
  while (i < e) {
    const r = body.indexOf(BS, i - s)
    if (r === -1) break
    const q = r + s
    if (q > seg) out += utf8Go(b, seg, q)
    const c = b[q + 1]
    let adv = 2
    switch (c) {
      case 0x6e:
        out += '\n'
        break
      case 0x74:
        out += '\t'
        break
      case 0x72:
        out += '\r'
        break
      case 0x62:
        out += '\b'
        break
      case 0x66:
        out += '\f'
        break
      case 0x75: {
        const r = hex4(b, q + 2)
        adv = 6
        if (r >= 0xd800 && r < 0xe000) {
          // a surrogate: only a high one directly followed by an escaped low one forms a pair
          if (r < 0xdc00 && q + 12 <= e && b[q + 6] === BS && b[q + 7] === 0x75) {
            const r2 = hex4(b, q + 8)
            if (r2 >= 0xdc00 && r2 < 0xe000) {
              out += String.fromCharCode(r, r2)
              adv = 12
              break
            }
          }
          out += '\ufffd'
        } else out += String.fromCharCode(r)
        break
      }
      default:
        out += String.fromCharCode(c) // " \ /
    }
    i = q + adv
    seg = i
  }
  if (seg < e) out += utf8Go(b, seg, e)
  return out
}

function hex4(b: Buffer, i: number): number {
  return (HEX[b[i]] << 12) | (HEX[b[i + 1]] << 8) | (HEX[b[i + 2]] << 4) | HEX[b[i + 3]]
}

/** UTF-8 bytes to a string, each byte of an invalid sequence becoming one U+FFFD (Go). */
export function utf8Go(b: Buffer, s: number, e: number): string {
  if (isUtf8(b.subarray(s, e))) return utf8(b, s, e)
  let out = ''
  let seg = s
  let i = s
  while (i < e) {
    const c = b[i]
    if (c < 0x80) {
      i++
      continue
    }
    const n = validSeqLen(b, i, e)
    if (n > 0) {
      i += n
      continue
    }
    if (i > seg) out += utf8(b, seg, i)
    out += '\ufffd'
    i++
    seg = i
  }
  if (seg < e) out += utf8(b, seg, e)
  return out
}

/** Length of a valid UTF-8 sequence (shortest form, no surrogates, ≤ U+10FFFF) at i, or 0. */
function validSeqLen(b: Uint8Array, i: number, e: number): number {
  const c = b[i]
  if (c < 0xc2) return 0
  if (c < 0xe0) return i + 1 < e && (b[i + 1] & 0xc0) === 0x80 ? 2 : 0
  if (c < 0xf0) {
    if (i + 2 >= e) return 0
    const c1 = b[i + 1]
    if ((c1 & 0xc0) !== 0x80 || (b[i + 2] & 0xc0) !== 0x80) return 0
    if (c === 0xe0 && c1 < 0xa0) return 0
    if (c === 0xed && c1 >= 0xa0) return 0
    return 3
  }
  if (c < 0xf5) {
    if (i + 3 >= e) return 0
    const c1 = b[i + 1]
    if ((c1 & 0xc0) !== 0x80 || (b[i + 2] & 0xc0) !== 0x80 || (b[i + 3] & 0xc0) !== 0x80) return 0
    if (c === 0xf0 && c1 < 0x90) return 0
    if (c === 0xf4 && c1 >= 0x90) return 0
    return 4
  }
  return 0
}

// ---------------------------------------------------------------------------------------------
// Output.

/** A growable byte buffer. */
export class Out {
  buf: Buffer
  n = 0
  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size)
  }
  ensure(k: number): void {
    if (this.n + k <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.n + k) size *= 2
    const g = Buffer.allocUnsafe(size)
    this.buf.copy(g, 0, 0, this.n)
    this.buf = g
  }
  byte(c: number): void {
    if (this.n >= this.buf.length) this.ensure(1)
    this.buf[this.n++] = c
  }
  ascii(s: string): void {
    const k = s.length
    this.ensure(k)
    if (k > 32) {
      this.n += this.buf.write(s, this.n, 'latin1')
      return
    }
    // short constants: a loop is cheaper than the native write call
    const d = this.buf
    let n = this.n
    for (let i = 0; i < k; i++) d[n++] = s.charCodeAt(i)
    this.n = n
  }
  bytes(src: Uint8Array, s = 0, e = src.length): void {
    const k = e - s
    this.ensure(k)
    if (k < 48) {
      // short copies: a loop is cheaper than the view set() needs
      const d = this.buf
      let n = this.n
      for (let i = s; i < e; i++) d[n++] = src[i]
      this.n = n
      return
    }
    this.buf.set(k === src.length ? src : src.subarray(s, e), this.n)
    this.n += k
  }
  /** A copy of the written bytes. */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.n))
  }
  /** The written bytes without copying (for short-lived buffers sized to their content). */
  view(): Buffer {
    return this.buf.subarray(0, this.n)
  }
}

const HEXD = '0123456789abcdef'
// bytes needing attention when encoding a Go string: controls, " \ < > &, 0xE2, and >= 0x80
// when the input may be invalid UTF-8.
const ENC_CLASS = new Uint8Array(256)
for (let c = 0; c < 0x20; c++) ENC_CLASS[c] = 1
ENC_CLASS[Q] = 1
ENC_CLASS[BS] = 1
ENC_CLASS[0x3c] = 1
ENC_CLASS[0x3e] = 1
ENC_CLASS[0x26] = 1
for (let c = 0x80; c < 0x100; c++) ENC_CLASS[c] = 2
ENC_CLASS[0xe2] = 3

function escByte(o: Out, c: number): void {
  switch (c) {
    case Q:
      o.ascii('\\"')
      return
    case BS:
      o.ascii('\\\\')
      return
    case 0x0a:
      o.ascii('\\n')
      return
    case 0x0d:
      o.ascii('\\r')
      return
    case 0x09:
      o.ascii('\\t')
      return
    case 0x08:
      o.ascii('\\b')
      return
    case 0x0c:
      o.ascii('\\f')
      return
  }
  o.ascii('\\u00' + HEXD[c >> 4] + HEXD[c & 15])
}

/**
 * Writes UTF-8 bytes as a Go-encoded JSON string (HTML-safe; U+2028/2029 escaped; each byte of
 * invalid UTF-8 as \ufffd unless `valid` says the bytes are known to be valid).
 */
export function encodeBytes(o: Out, b: Uint8Array, s: number, e: number, valid: boolean): void {
  o.ensure(e - s + 2)
  o.buf[o.n++] = Q
  let seg = s
  let i = s
  while (i < e) {
    let t = 0
    while (i < e && (t = ENC_CLASS[b[i]]) === 0) i++
    if (i >= e) break
    if (t === 2) {
      if (valid) {
        i++
        continue
      }
      const n = validSeqLen(b, i, e)
      if (n > 0) {
        i += n
        continue
      }
      if (i > seg) o.bytes(b, seg, i)
      o.ascii('\\ufffd')
      i++
      seg = i
      continue
    }
    if (t === 3) {
      if (b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9) && i + 2 < e) {
        if (i > seg) o.bytes(b, seg, i)
        o.ascii(b[i + 2] === 0xa8 ? '\\u2028' : '\\u2029')
        i += 3
        seg = i
        continue
      }
      if (valid) {
        i++
        continue
      }
      const n = validSeqLen(b, i, e)
      if (n > 0) {
        i += n
        continue
      }
      if (i > seg) o.bytes(b, seg, i)
      o.ascii('\\ufffd')
      i++
      seg = i
      continue
    }
    if (i > seg) o.bytes(b, seg, i)
    const c = b[i]
    if (c === 0x3c) o.ascii('\\u003c')
    else if (c === 0x3e) o.ascii('\\u003e')
    else if (c === 0x26) o.ascii('\\u0026')
    else escByte(o, c)
    i++
    seg = i
  }
  if (i > seg) o.bytes(b, seg, i)
  o.byte(Q)
}

const PLAIN_ASCII_STR = /^[\x20\x21\x23-\x25\x27-\x3b\x3d\x3f-\x5b\x5d-\x7e]*$/

/** Writes a JS string as a Go-encoded JSON string. */
export function encodeString(o: Out, str: string): void {
  if (str.length < 256 && PLAIN_ASCII_STR.test(str)) {
    o.ensure(str.length + 2)
    o.buf[o.n++] = Q
    o.n += o.buf.write(str, o.n, 'latin1')
    o.buf[o.n++] = Q
    return
  }
  const bytes = Buffer.from(str, 'utf8')
  encodeBytes(o, bytes, 0, bytes.length, true)
}

/** A JS string as Go-encoded JSON bytes. */
export function encodedString(str: string): Buffer {
  const o = new Out(str.length + 16)
  encodeString(o, str)
  return o.take()
}

function firstWsIndex(doc: Doc, s: number): number {
  const sp = doc.sp
  let lo = 0
  let hi = doc.n
  while (lo < hi) {
    const m = (lo + hi) >> 1
    if (sp[m] < s) lo = m + 1
    else hi = m
  }
  return lo
}

/** Next position >= i in v of `<` `>` `&` or the first byte of U+2028/U+2029; Infinity if none. */
class HtmlFinder {
  private lt = -1
  private gt = -1
  private amp = -1
  private e2 = -1
  constructor(private readonly v: Buffer) {}
  private find(c: number, from: number): number {
    const p = this.v.indexOf(c, from)
    return p === -1 ? Infinity : p
  }
  next(i: number): number {
    if (this.lt < i) this.lt = this.find(0x3c, i)
    if (this.gt < i) this.gt = this.find(0x3e, i)
    if (this.amp < i) this.amp = this.find(0x26, i)
    const v = this.v
    while (
      this.e2 < i ||
      (this.e2 !== Infinity &&
        !(v[this.e2 + 1] === 0x80 && (v[this.e2 + 2] === 0xa8 || v[this.e2 + 2] === 0xa9)))
    ) {
      this.e2 = this.find(0xe2, this.e2 < i ? i : this.e2 + 1)
    }
    return Math.min(this.lt, this.gt, this.amp, this.e2)
  }
}

/**
 * Writes the value at [s, e) of a validated doc compacted as Go's json.Compact with HTML
 * escaping: whitespace between tokens removed, `<` `>` `&` U+2028 U+2029 (which can only occur
 * inside strings) escaped, everything else copied byte for byte.
 */
export function compactInto(o: Out, doc: Doc, s: number, e: number): void {
  const b = doc.buf
  const sp = doc.sp
  const n = doc.n
  let j = firstWsIndex(doc, s)
  let ws = j < n && sp[j] < e ? sp[j] : Infinity
  const html = doc.hasHtml() ? new HtmlFinder(b.subarray(s, e)) : null
  let h = html === null ? Infinity : html.next(0) + s
  let seg = s
  for (;;) {
    const p = ws < h ? ws : h
    if (p === Infinity) break
    if (p > seg) o.bytes(b, seg, p)
    if (p === ws) {
      seg = p + 1
      j++
      ws = j < n && sp[j] < e ? sp[j] : Infinity
      continue
    }
    const c = b[p]
    if (c === 0x3c) o.ascii('\\u003c')
    else if (c === 0x3e) o.ascii('\\u003e')
    else if (c === 0x26) o.ascii('\\u0026')
    else {
      o.ascii(b[p + 2] === 0xa8 ? '\\u2028' : '\\u2029')
      seg = p + 3
      h = html!.next(seg - s) + s
      continue
    }
    seg = p + 1
    h = html!.next(seg - s) + s
  }
  if (seg < e) o.bytes(b, seg, e)
}

/** Whether b[s, e) holds `<` `>` `&` or U+2028 / U+2029 (a byte loop, for short spans). */
function hasHtmlByte(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i]
    if (c === 0x3c || c === 0x3e || c === 0x26) return true
    if (c === 0xe2 && i + 2 < e && b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9))
      return true
  }
  return false
}

/** The compacted bytes of a span: a view when nothing changes, else a copy. */
export function compacted(doc: Doc, s: number, e: number): Uint8Array {
  const j = firstWsIndex(doc, s)
  const noWs = j >= doc.n || doc.sp[j] >= e
  if (noWs && !doc.hasHtml()) return doc.buf.subarray(s, e)
  if (noWs && e - s <= 256) {
    if (!hasHtmlByte(doc.buf, s, e)) return doc.buf.subarray(s, e)
  } else if (noWs) {
    const v = doc.buf.subarray(s, e)
    if (new HtmlFinder(v).next(0) === Infinity) return v
  }
  const o = new Out(e - s + 64)
  compactInto(o, doc, s, e)
  return o.buf.subarray(0, o.n)
}

/** Compacts a standalone JSON text (validated here); null when it is not one valid value. */
export function compactText(buf: Buffer): Uint8Array | null {
  const doc = new Doc(buf)
  const sp = validDocument(doc, 0, buf.length)
  if (sp === null) return null
  return compacted(doc, sp.s, sp.e)
}

// ---------------------------------------------------------------------------------------------
// Integers (Go int / int64 fields).

const INT64_MAX = 9223372036854775807n
const INT64_MIN = -9223372036854775808n

/** A Go integer field value: a number literal without fraction or exponent that fits int64. */
export function intField(b: Buffer, sp: Span): number | bigint | null {
  const c = b[sp.s]
  if (c === 0x6e) return 0
  if (c !== 0x2d && !(c >= 0x30 && c <= 0x39)) return null
  for (let i = sp.s; i < sp.e; i++) {
    const d = b[i]
    if (d === 0x2e || d === 0x65 || d === 0x45) return null
  }
  const len = sp.e - sp.s
  const text = latin1(b, sp.s, sp.e)
  if (len <= 15) return Number(text) || 0
  const v = BigInt(text)
  if (v > INT64_MAX || v < INT64_MIN) return null
  if (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(v)
  return v
}

// ---------------------------------------------------------------------------------------------
// "By field" decoding (Go struct semantics).

export type FieldType =
  | 'str'
  | 'int'
  | 'bool'
  | 'raw' // any value, null kept as the span of `null`
  | 'rawptr' // any value, null = absent
  | 'table' // map[string]RawMessage: object or null
  | { obj: Fields; ptr?: boolean }
  | { list: FieldType }

export type Fields = Record<string, FieldType>

/** Go's key → field match: exact, else equal under simple case folding (ASCII, U+212A, U+017F). */
function foldKey(k: string): string {
  let out = ''
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i)
    if (c >= 0x41 && c <= 0x5a) out += String.fromCharCode(c + 32)
    else if (c === 0x212a) out += 'k'
    else if (c === 0x17f) out += 's'
    else out += k[i]
  }
  return out
}

const foldCache = new WeakMap<Fields, Map<string, string>>()
function foldedNames(fields: Fields): Map<string, string> {
  let m = foldCache.get(fields)
  if (m === undefined) {
    m = new Map()
    for (const name of Object.keys(fields)) m.set(foldKey(name), name)
    foldCache.set(fields, m)
  }
  return m
}

const resolvedCache = new WeakMap<Fields, Map<string, string | undefined>>()

function fieldFor(fields: Fields, k: string): string | undefined {
  let r = resolvedCache.get(fields)
  if (r === undefined) {
    r = new Map()
    resolvedCache.set(fields, r)
  }
  if (r.has(k)) return r.get(k)
  const f = Object.prototype.hasOwnProperty.call(fields, k)
    ? k
    : foldedNames(fields).get(foldKey(k))
  if (r.size < 1024) r.set(k, f)
  return f
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Decoded = Record<string, any>

const FAIL = Symbol('fail')

/**
 * Decodes the value at span into a struct described by fields. Returns null when Go's
 * Unmarshal would report an error (any type error anywhere in the described fields). A JSON
 * `null` gives the zero struct. Zero values: '' / 0 / false / undefined.
 */
export function decodeStruct(b: Buffer, sp: Span, fields: Fields): Decoded | null {
  const v = decodeObj(b, sp, fields)
  return v === FAIL ? null : (v as Decoded)
}

function decodeObj(b: Buffer, sp: Span, fields: Fields): Decoded | typeof FAIL {
  const out: Decoded = {}
  const c = b[sp.s]
  if (c === 0x6e) return out
  if (c !== 0x7b) return FAIL
  const ms = members(b, sp)!
  let failed = false
  for (const m of ms) {
    const name = fieldFor(fields, m.k)
    if (name === undefined) continue
    const v = decodeField(b, m, fields[name])
    if (v === FAIL) failed = true
    else if (v !== KEEP) out[name] = v
  }
  return failed ? FAIL : out
}

const KEEP = Symbol('keep')

function decodeField(b: Buffer, sp: Span, t: FieldType): any {
  const c = b[sp.s]
  switch (t) {
    case 'str': {
      const s = strField(b, sp)
      return s === null ? FAIL : c === 0x6e ? KEEP : s
    }
    case 'int': {
      const v = intField(b, sp)
      return v === null ? FAIL : c === 0x6e ? KEEP : v
    }
    case 'bool':
      if (c === 0x74) return true
      if (c === 0x66) return false
      if (c === 0x6e) return KEEP
      return FAIL
    case 'raw':
      return { s: sp.s, e: sp.e }
    case 'rawptr':
      return c === 0x6e ? undefined : { s: sp.s, e: sp.e }
    case 'table':
      if (c === 0x6e) return undefined
      if (c !== 0x7b) return FAIL
      return members(b, sp)
  }
  if ('obj' in t) {
    if (c === 0x6e) return t.ptr ? undefined : KEEP
    return decodeObj(b, sp, t.obj)
  }
  // list
  if (c === 0x6e) return undefined
  if (c !== 0x5b) return FAIL
  const els = elements(b, sp)!
  const arr: any[] = []
  let failed = false
  for (const el of els) {
    const et = t.list
    let v: any
    if (typeof et === 'object' && 'obj' in et) {
      v = b[el.s] === 0x6e ? (et.ptr ? undefined : {}) : decodeObj(b, el, et.obj)
    } else if (et === 'table') {
      const ec = b[el.s]
      v = ec === 0x6e ? [] : ec === 0x7b ? members(b, el) : FAIL
    } else {
      v = decodeField(b, el, et)
      if (v === KEEP) v = et === 'str' ? '' : et === 'int' ? 0 : et === 'bool' ? false : undefined
    }
    if (v === FAIL) failed = true
    arr.push(v)
  }
  return failed ? FAIL : arr
}

// ---------------------------------------------------------------------------------------------
// Generic values (Go `any`), used by Pi.

export type GValue = null | boolean | number | string | GValue[] | GObject
export interface GObject {
  keys: string[]
  vals: Map<string, GValue>
}

/** Decodes a validated value as Go's interface{}; undefined when a number is out of range. */
export function decodeGeneric(b: Buffer, sp: Span): GValue | undefined {
  const c = b[sp.s]
  if (c === Q) return decodeStringBody(b, sp.s + 1, sp.e - 1)
  if (c === 0x74) return true
  if (c === 0x66) return false
  if (c === 0x6e) return null
  if (c === 0x5b) {
    const out: GValue[] = []
    for (const el of elements(b, sp)!) {
      const v = decodeGeneric(b, el)
      if (v === undefined) return undefined
      out.push(v)
    }
    return out
  }
  if (c === 0x7b) {
    const vals = new Map<string, GValue>()
    for (const m of members(b, sp)!) {
      const v = decodeGeneric(b, m)
      if (v === undefined) return undefined
      vals.set(m.k, v)
    }
    return { keys: [...vals.keys()], vals }
  }
  const x = Number(latin1(b, sp.s, sp.e))
  return Number.isFinite(x) ? x : undefined
}

/** Writes a generic value as Go's json.Marshal does (sorted keys, float64 numbers). */
export function encodeGeneric(o: Out, v: GValue): void {
  if (v === null) o.ascii('null')
  else if (v === true) o.ascii('true')
  else if (v === false) o.ascii('false')
  else if (typeof v === 'number') o.ascii(Object.is(v, -0) ? '-0' : String(v))
  else if (typeof v === 'string') encodeString(o, v)
  else if (Array.isArray(v)) {
    o.byte(0x5b)
    for (let i = 0; i < v.length; i++) {
      if (i > 0) o.byte(0x2c)
      encodeGeneric(o, v[i])
    }
    o.byte(0x5d)
  } else {
    const keys = [...v.keys].sort(compareUtf8)
    o.byte(0x7b)
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) o.byte(0x2c)
      encodeString(o, keys[i])
      o.byte(0x3a)
      encodeGeneric(o, v.vals.get(keys[i])!)
    }
    o.byte(0x7d)
  }
}

/** Orders strings by their UTF-8 bytes (= by code point). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    const xs = x >= 0xd800 && x < 0xe000
    const ys = y >= 0xd800 && y < 0xe000
    if (xs !== ys) return xs ? 1 : -1
    return x - y
  }
  return a.length - b.length
}

// ---------------------------------------------------------------------------------------------
// Go's strings.TrimSpace.

function isGoSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d)
  if (c < 0x85) return false
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  )
}

export function goTrim(s: string): string {
  let i = 0
  let j = s.length
  while (i < j && isGoSpace(s.charCodeAt(i))) i++
  while (j > i && isGoSpace(s.charCodeAt(j - 1))) j--
  return i === 0 && j === s.length ? s : s.slice(i, j)
}

/** bytes.TrimSpace on a byte range: returns the trimmed [s, e). */
export function trimBytes(b: Uint8Array, s: number, e: number): [number, number] {
  // ASCII whitespace plus U+0085 (C2 85) and U+00A0 (C2 A0) and other Unicode spaces
  for (;;) {
    if (s >= e) return [s, s]
    const c = b[s]
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
      s++
      continue
    }
    if (c >= 0x80) {
      const n = unicodeSpaceLenAt(b, s, e)
      if (n > 0) {
        s += n
        continue
      }
    }
    break
  }
  for (;;) {
    if (e <= s) return [s, s]
    const c = b[e - 1]
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
      e--
      continue
    }
    if (c >= 0x80) {
      let st = e - 1
      while (st > s && st > e - 4 && (b[st] & 0xc0) === 0x80) st--
      const n = unicodeSpaceLenAt(b, st, e)
      if (n > 0 && st + n === e) {
        e = st
        continue
      }
    }
    break
  }
  return [s, e]
}

function unicodeSpaceLenAt(b: Uint8Array, i: number, e: number): number {
  const n = validSeqLen(b, i, e)
  if (n === 0) return 0
  let cp: number
  if (n === 2) cp = ((b[i] & 0x1f) << 6) | (b[i + 1] & 0x3f)
  else if (n === 3) cp = ((b[i] & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f)
  else return 0
  return isGoSpace(cp) ? n : 0
}

// ---------------------------------------------------------------------------------------------
// Transcoding: a JSON string straight to Go's re-encoding of its decoded text, without
// building a JS string (for texts written unchanged: tool outputs).

function writeCodePoint(o: Out, cp: number): void {
  if (cp < 0x80) {
    if (cp < 0x20 || cp === Q || cp === BS) escByte(o, cp)
    else if (cp === 0x3c) o.ascii('\\u003c')
    else if (cp === 0x3e) o.ascii('\\u003e')
    else if (cp === 0x26) o.ascii('\\u0026')
    else o.byte(cp)
  } else if (cp === 0x2028) o.ascii('\\u2028')
  else if (cp === 0x2029) o.ascii('\\u2029')
  else if (cp < 0x800) {
    o.byte(0xc0 | (cp >> 6))
    o.byte(0x80 | (cp & 0x3f))
  } else if (cp < 0x10000) {
    o.byte(0xe0 | (cp >> 12))
    o.byte(0x80 | ((cp >> 6) & 0x3f))
    o.byte(0x80 | (cp & 0x3f))
  } else {
    o.byte(0xf0 | (cp >> 18))
    o.byte(0x80 | ((cp >> 12) & 0x3f))
    o.byte(0x80 | ((cp >> 6) & 0x3f))
    o.byte(0x80 | (cp & 0x3f))
  }
}

// Bytes transcodeBody must look at: 1 backslash and `<` `>` `&`; 2 0xE2 (U+2028/U+2029 start
// with it); 3 any other byte >= 0x80 (only looked at when the body is not valid UTF-8).
const TRANS_CLASS = new Uint8Array(256)
TRANS_CLASS[BS] = 1
TRANS_CLASS[0x3c] = 1
TRANS_CLASS[0x3e] = 1
TRANS_CLASS[0x26] = 1
for (let c = 0x80; c < 0x100; c++) TRANS_CLASS[c] = 3
TRANS_CLASS[0xe2] = 2
// the same for a body known to be valid UTF-8: bytes >= 0x80 other than 0xE2 are copied
const TRANS_CLASS_VALID = TRANS_CLASS.map((t) => (t === 3 ? 0 : t))

/** Writes the valid UTF-8 sequence at b[i] (k bytes) or, when k is 0, U+FFFD for its first byte. */
function copySeqOrReplacement(o: Out, b: Buffer, i: number, k: number): void {
  if (k === 0) {
    o.byte(0xef)
    o.byte(0xbf)
    o.byte(0xbd)
  } else for (let j = 0; j < k; j++) o.byte(b[i + j])
}

/**
 * Writes the JSON string whose body (between the quotes) is b[s, e) as Go re-encodes its
 * decoded text: the same bytes as encodeString(decodeStringBody(b, s, e)). One byte loop
 * copying into the output buffer (escapes are dense: no native call or view per run).
 */
export function transcodeBody(o: Out, b: Buffer, s: number, e: number): void {
  const valid = isUtf8(b.subarray(s, e))
  const cls = valid ? TRANS_CLASS_VALID : TRANS_CLASS
  o.ensure(e - s + 2)
  let out = o.buf
  let n = o.n
  out[n++] = Q
  let i = s
  while (i < e) {
    const c = b[i]
    const t = cls[c]
    if (t === 0) {
      out[n++] = c
      i++
      continue
    }
    if (c === BS) {
      // \" \\ \b \f \n \r \t are written exactly as Go writes them (2 bytes in, 2 out)
      const d = b[i + 1]
      if (d !== 0x75 && d !== 0x2f) {
        out[n++] = BS
        out[n++] = d
        i += 2
        continue
      }
    }
    o.n = n
    if (t === 1) {
      if (c !== BS) {
        o.ascii(c === 0x3c ? '\\u003c' : c === 0x3e ? '\\u003e' : '\\u0026')
        i++
      } else {
        const d = b[i + 1]
        if (d === 0x2f) {
          o.byte(0x2f)
          i += 2
        } else if (d === 0x75) {
          const r = hex4(b, i + 2)
          let cp = r
          let adv = 6
          if (r >= 0xd800 && r < 0xe000) {
            // only a high surrogate directly followed by an escaped low one forms a pair
            cp = 0xfffd
            if (r < 0xdc00 && i + 12 <= e && b[i + 6] === BS && b[i + 7] === 0x75) {
              const r2 = hex4(b, i + 8)
              if (r2 >= 0xdc00 && r2 < 0xe000) {
                cp = 0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00)
                adv = 12
              }
            }
          }
          writeCodePoint(o, cp)
          i += adv
        } else {
          // \" \\ \b \f \n \r \t are written exactly as Go writes them
          o.byte(BS)
          o.byte(d)
          i += 2
        }
      }
    } else if (
      t === 2 &&
      b[i + 1] === 0x80 &&
      (b[i + 2] === 0xa8 || b[i + 2] === 0xa9) &&
      i + 2 < e
    ) {
      o.ascii(b[i + 2] === 0xa8 ? '\\u2028' : '\\u2029')
      i += 3
    } else if (valid) {
      o.byte(c)
      i++
    } else {
      // Go's decoder: each byte of an invalid sequence becomes U+FFFD
      const k = validSeqLen(b, i, e)
      copySeqOrReplacement(o, b, i, k)
      i += k === 0 ? 1 : k
    }
    o.ensure(e - i + 1)
    out = o.buf
    n = o.n
  }
  out[n++] = Q
  o.n = n
}
