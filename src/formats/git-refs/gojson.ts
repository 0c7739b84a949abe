// Decoding into a generic value and re-encoding exactly as Go's encoding/json does for
// `interface{}` targets (git-refs-format.md §3.3 steps 2 and 6): numbers are IEEE-754 doubles,
// duplicate keys keep the last value, invalid UTF-8 and lone surrogate escapes become U+FFFD,
// and maps encode with keys sorted by byte order. Only what the metadata normaliser needs.

import { isUtf8 } from 'node:buffer'

export type GoValue = null | boolean | number | string | GoValue[] | GoObject
/** A decoded JSON object (Go map[string]interface{}): insertion order is irrelevant, keys are unique. */
export type GoObject = Map<string, GoValue>

export class GoJsonError extends Error {
  constructor(
    message: string,
    readonly offset: number
  ) {
    super(message)
    this.name = 'GoJsonError'
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d])

/** Length of the valid UTF-8 sequence starting at i, or 0 when Go's DecodeRune would report an error. */
function utf8SeqLen(b: Uint8Array, i: number): number {
  const c = b[i]
  if (c < 0x80) return 1
  const cont = (k: number, lo = 0x80, hi = 0xbf) =>
    i + k < b.length && b[i + k] >= lo && b[i + k] <= hi
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0
  return 0
}

const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/

class Decoder {
  private i = 0
  private readonly b: Buffer
  constructor(bytes: Uint8Array) {
    this.b = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  }

  fail(what: string): never {
    const at =
      this.i < this.b.length
        ? `character ${JSON.stringify(String.fromCharCode(this.b[this.i]))}`
        : 'end of input'
    throw new GoJsonError(`invalid JSON at byte ${this.i}: ${what} (found ${at})`, this.i)
  }

  ws(): void {
    while (this.i < this.b.length && WS.has(this.b[this.i])) this.i++
  }

  document(): GoValue {
    this.ws()
    const v = this.value(0)
    this.ws()
    if (this.i !== this.b.length) this.fail('data after the top-level value')
    return v
  }

  value(depth: number): GoValue {
    if (depth > 10000) this.fail('nesting too deep')
    const c = this.b[this.i]
    if (c === 0x7b) return this.object(depth)
    if (c === 0x5b) return this.array(depth)
    if (c === 0x22) return this.string()
    if (c === 0x74) return this.literal('true', true)
    if (c === 0x66) return this.literal('false', false)
    if (c === 0x6e) return this.literal('null', null)
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number()
    return this.fail('expected a value')
  }

  literal<T>(word: string, v: T): T {
    for (let k = 0; k < word.length; k++) {
      if (this.b[this.i] !== word.charCodeAt(k)) this.fail(`expected ${word}`)
      this.i++
    }
    return v
  }

  number(): number {
    // Numbers are ASCII: decode a bounded window and match the JSON number grammar.
    let end = this.i
    for (; end < this.b.length; end++) {
      const c = this.b[end]
      const numeric =
        (c >= 0x30 && c <= 0x39) ||
        c === 0x2d ||
        c === 0x2b ||
        c === 0x2e ||
        c === 0x45 ||
        c === 0x65
      if (!numeric) break
    }
    const text = this.b.toString('latin1', this.i, end)
    const m = NUMBER.exec(text)
    if (!m) this.fail('malformed number')
    const lit = m[0]
    this.i += lit.length
    const n = Number(lit)
    // Go: strconv.ParseFloat range error → UnmarshalTypeError (the decode fails).
    if (!Number.isFinite(n)) this.fail(`number ${lit} out of range for float64`)
    return n
  }

  string(): string {
    const b = this.b
    this.i++ // opening quote
    let out = ''
    let runStart = this.i
    const flush = (end: number) => {
      if (end > runStart) out += b.toString('utf8', runStart, end)
    }
    for (;;) {
      if (this.i >= b.length) this.fail('unterminated string')
      const c = b[this.i]
      if (c === 0x22) {
        flush(this.i)
        this.i++
        return out
      }
      if (c < 0x20) this.fail('control character in string')
      if (c === 0x5c) {
        flush(this.i)
        out += this.escape()
        runStart = this.i
        continue
      }
      if (c < 0x80) {
        this.i++
        continue
      }
      const n = utf8SeqLen(b, this.i)
      if (n === 0) {
        // Go replaces each byte that does not start a valid sequence by U+FFFD.
        flush(this.i)
        out += '\ufffd'
        this.i++
        runStart = this.i
      } else {
        this.i += n
      }
    }
  }

  hex4(at: number): number {
    if (at + 4 > this.b.length) return -1
    const s = this.b.toString('latin1', at, at + 4)
    return /^[0-9a-fA-F]{4}$/.test(s) ? parseInt(s, 16) : -1
  }

  escape(): string {
    const e = this.b[this.i + 1]
    const simple: Record<number, string> = {
      0x22: '"',
      0x5c: '\\',
      0x2f: '/',
      0x62: '\b',
      0x66: '\f',
      0x6e: '\n',
      0x72: '\r',
      0x74: '\t'
    }
    if (e !== undefined && simple[e] !== undefined) {
      this.i += 2
      return simple[e]
    }
    if (e !== 0x75) {
      this.i++
      this.fail('invalid escape')
    }
    const u = this.hex4(this.i + 2)
    if (u < 0) {
      this.i += 2
      this.fail('invalid \\u escape')
    }
    this.i += 6
    if (u >= 0xd800 && u < 0xe000) {
      // A high surrogate followed by a low-surrogate escape is one rune; anything else is U+FFFD.
      if (u < 0xdc00 && this.b[this.i] === 0x5c && this.b[this.i + 1] === 0x75) {
        const lo = this.hex4(this.i + 2)
        if (lo >= 0xdc00 && lo < 0xe000) {
          this.i += 6
          return String.fromCharCode(u, lo)
        }
      }
      return '\ufffd'
    }
    return String.fromCharCode(u)
  }

  array(depth: number): GoValue[] {
    this.i++
    const out: GoValue[] = []
    this.ws()
    if (this.b[this.i] === 0x5d) {
      this.i++
      return out
    }
    for (;;) {
      this.ws()
      out.push(this.value(depth + 1))
      this.ws()
      const c = this.b[this.i]
      this.i++
      if (c === 0x5d) return out
      if (c !== 0x2c) {
        this.i--
        this.fail("expected ',' or ']'")
      }
    }
  }

  object(depth: number): GoObject {
    this.i++
    const out: GoObject = new Map()
    this.ws()
    if (this.b[this.i] === 0x7d) {
      this.i++
      return out
    }
    for (;;) {
      this.ws()
      if (this.b[this.i] !== 0x22) this.fail('expected a string key')
      const k = this.string()
      this.ws()
      if (this.b[this.i] !== 0x3a) this.fail("expected ':'")
      this.i++
      this.ws()
      out.set(k, this.value(depth + 1))
      this.ws()
      const c = this.b[this.i]
      this.i++
      if (c === 0x7d) return out
      if (c !== 0x2c) {
        this.i--
        this.fail("expected ',' or '}'")
      }
    }
  }
}

/** Decode one JSON document as Go's json.Unmarshal into interface{} does; throws GoJsonError. */
export function decodeGo(bytes: Uint8Array): GoValue {
  return decodeGoFast(bytes) ?? decodeGoExact(bytes)
}

/** The byte-level decoder: Go's rules for every input, including the ones JSON.parse reads differently. */
export function decodeGoExact(bytes: Uint8Array): GoValue {
  return new Decoder(bytes).document()
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/

function fromParsed(v: unknown): GoValue | undefined {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (Array.isArray(v)) {
    const out: GoValue[] = new Array(v.length)
    for (let i = 0; i < v.length; i++) {
      const x = fromParsed(v[i])
      if (x === undefined) return undefined
      out[i] = x
    }
    return out
  }
  const out: GoObject = new Map()
  for (const k of Object.keys(v as object)) {
    const x = fromParsed((v as Record<string, unknown>)[k])
    if (x === undefined) return undefined
    out.set(k, x)
  }
  return out
}

/**
 * The native parser where it provably agrees with Go: valid UTF-8, no surrogate escapes (Go turns a
 * lone one into U+FFFD), every number finite (Go fails out-of-range numbers). Duplicate keys keep
 * the last value in both. Anything else (including every syntax error, for Go's message): null.
 */
function decodeGoFast(bytes: Uint8Array): GoValue | null {
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  if (!isUtf8(buf)) return null
  const text = buf.toString('utf8')
  if (SURROGATE_ESCAPE.test(text)) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return null
  }
  return fromParsed(parsed) ?? null
}

export function isGoObject(v: GoValue): v is GoObject {
  return v instanceof Map
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Go's float64 encoding: shortest round-trip digits, 'e' form below 1e-6 and from 1e21, `-0` kept. */
export function goNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${n}`)
  if (n === 0) return Object.is(n, -0) ? '-0' : '0'
  // ECMAScript Number→string uses the same shortest digits and the same thresholds; its exponent
  // has no zero padding, as Go's output after its e-09 → e-9 clean-up.
  return String(n)
}

const ANY_SURROGATE = /[\ud800-\udfff]/
const LINE_SEPARATORS = /[\u2028\u2029]/g
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/**
 * Go's encodeString with escapeHTML off. JSON.stringify escapes exactly as Go does (`\"`, `\\`,
 * `\b \f \n \r \t`, other controls as lower-case `\u00xx`, nothing else) except that Go also
 * escapes U+2028/U+2029 and writes U+FFFD for a lone surrogate (invalid UTF-8 on Go's side).
 */
export function goString(s: string): string {
  let out = JSON.stringify(ANY_SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\ufffd') : s)
  if (out.includes('\u2028') || out.includes('\u2029')) {
    out = out.replace(LINE_SEPARATORS, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'))
  }
  return out
}

const ASTRAL_OR_HIGH = /[\ud800-\uffff]/

/**
 * Compare keys as Go compares strings: by UTF-8 bytes. UTF-16 order agrees with it unless a string
 * has a surrogate or a character from U+E000 up; only then compare encoded bytes.
 */
export function byteOrder(a: string, b: string): number {
  if (ASTRAL_OR_HIGH.test(a) || ASTRAL_OR_HIGH.test(b)) {
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
  }
  return a < b ? -1 : a > b ? 1 : 0
}

function encodeInto(v: GoValue, indent: string, out: string[]): void {
  if (v === null) out.push('null')
  else if (typeof v === 'boolean') out.push(v ? 'true' : 'false')
  else if (typeof v === 'number') out.push(goNumber(v))
  else if (typeof v === 'string') out.push(goString(v))
  else if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push('[]')
      return
    }
    const inner = indent + '  '
    out.push('[')
    v.forEach((item, k) => {
      out.push(k === 0 ? '\n' : ',\n', inner)
      encodeInto(item, inner, out)
    })
    out.push('\n', indent, ']')
  } else {
    if (v.size === 0) {
      out.push('{}')
      return
    }
    const inner = indent + '  '
    const keys = [...v.keys()].sort(byteOrder)
    out.push('{')
    keys.forEach((k, n) => {
      out.push(n === 0 ? '\n' : ',\n', inner, goString(k), ': ')
      encodeInto(v.get(k) as GoValue, inner, out)
    })
    out.push('\n', indent, '}')
  }
}

/**
 * Bytes of Go's `json.NewEncoder(w)` with `SetEscapeHTML(false)` and `SetIndent("", "  ")`
 * encoding a generic value, including the encoder's trailing newline.
 */
export function encodeGoIndented(v: GoValue): Buffer {
  const out: string[] = []
  encodeInto(v, '', out)
  out.push('\n')
  return Buffer.from(out.join(''), 'utf8')
}
