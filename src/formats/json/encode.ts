// Go-compatible JSON encoding: the bytes of Go's json.Encoder with SetEscapeHTML(false) and
// SetIndent("", "  ") (jsonutil.MarshalIndentWithNewline in the reference). Values are described
// as a small ordered tree so struct key order and omitempty are decided by the caller.

import { formatGoTime, type GoTime } from './time.js'
import { JsonSyntaxError, parseJsonDocument } from './parse.js'

export type GoValue =
  | { t: 'object'; fields: [string, GoValue][] }
  | { t: 'array'; items: GoValue[] }
  | { t: 'string'; v: string }
  | { t: 'int'; v: number }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'raw'; bytes: Uint8Array }
  | { t: 'time'; v: GoTime }

export const gv = {
  obj: (fields: [string, GoValue][]): GoValue => ({ t: 'object', fields }),
  arr: (items: GoValue[]): GoValue => ({ t: 'array', items }),
  str: (v: string): GoValue => ({ t: 'string', v }),
  int: (v: number): GoValue => ({ t: 'int', v }),
  float: (v: number): GoValue => ({ t: 'float', v }),
  bool: (v: boolean): GoValue => ({ t: 'bool', v }),
  null: { t: 'null' } as GoValue,
  raw: (bytes: Uint8Array): GoValue => ({ t: 'raw', bytes }),
  time: (v: GoTime): GoValue => ({ t: 'time', v }),
  /** A Go []string: nil → null. */
  strings: (v: readonly string[] | null): GoValue =>
    v === null ? { t: 'null' } : { t: 'array', items: v.map((s) => ({ t: 'string', v: s })) }
}

const HEX = '0123456789abcdef'

/** Encodes a string as Go does with HTML escaping off; lone surrogates become U+FFFD. */
export function goQuote(s: string): string {
  let out = '"'
  let runStart = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let esc: string | undefined
    if (c < 0x20) {
      switch (c) {
        case 0x08:
          esc = '\\b'
          break
        case 0x0c:
          esc = '\\f'
          break
        case 0x0a:
          esc = '\\n'
          break
        case 0x0d:
          esc = '\\r'
          break
        case 0x09:
          esc = '\\t'
          break
        default:
          esc = '\\u00' + HEX[c >> 4] + HEX[c & 0xf]
      }
    } else if (c === 0x22) esc = '\\"'
    else if (c === 0x5c) esc = '\\\\'
    else if (c === 0x2028) esc = '\\u2028'
    else if (c === 0x2029) esc = '\\u2029'
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1)
      if (c < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) {
        i++ // a valid pair is written literally
        continue
      }
      esc = '\ufffd'
    }
    if (esc !== undefined) {
      out += s.slice(runStart, i) + esc
      runStart = i + 1
    }
  }
  return out + s.slice(runStart) + '"'
}

/** Go's float64 encoding (encoding/json floatEncoder, bits = 64). */
export function goFloat(f: number): string {
  if (!Number.isFinite(f)) throw new RangeError(`json: unsupported value: ${f}`)
  if (f === 0) return Object.is(f, -0) ? '-0' : '0'
  // Go switches to exponent form below 1e-6 and from 1e21 up, with the shortest round-trip
  // digits and a one-digit negative exponent ("1e-7"); JavaScript's Number#toString uses the
  // same thresholds and spelling.
  return String(f)
}

function goInt(v: number): string {
  if (!Number.isInteger(v)) throw new RangeError(`not an integer: ${v}`)
  return Object.is(v, -0) ? '0' : String(v)
}

class Writer {
  parts: (string | Uint8Array)[] = []
  text = ''
  put(s: string): void {
    this.text += s
    if (this.text.length > 65536) this.flush()
  }
  putBytes(b: Uint8Array): void {
    this.flush()
    this.parts.push(b)
  }
  flush(): void {
    if (this.text) {
      this.parts.push(this.text)
      this.text = ''
    }
  }
  done(): Buffer {
    this.flush()
    return Buffer.concat(
      this.parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))
    )
  }
}

function nl(depth: number, indent: string): string {
  return indent === '' ? '' : '\n' + indent.repeat(depth)
}

function writeValue(w: Writer, v: GoValue, depth: number, indent: string): void {
  switch (v.t) {
    case 'object': {
      if (v.fields.length === 0) return w.put('{}')
      w.put('{')
      v.fields.forEach(([k, val], i) => {
        w.put((i ? ',' : '') + nl(depth + 1, indent) + goQuote(k) + (indent ? ': ' : ':'))
        writeValue(w, val, depth + 1, indent)
      })
      return w.put(nl(depth, indent) + '}')
    }
    case 'array': {
      if (v.items.length === 0) return w.put('[]')
      w.put('[')
      v.items.forEach((val, i) => {
        w.put((i ? ',' : '') + nl(depth + 1, indent))
        writeValue(w, val, depth + 1, indent)
      })
      return w.put(nl(depth, indent) + ']')
    }
    case 'string':
      return w.put(goQuote(v.v))
    case 'int':
      return w.put(goInt(v.v))
    case 'float':
      return w.put(goFloat(v.v))
    case 'bool':
      return w.put(v.v ? 'true' : 'false')
    case 'null':
      return w.put('null')
    case 'time':
      return w.put('"' + formatGoTime(v.v) + '"')
    case 'raw':
      return writeRaw(w, v.bytes, depth, indent)
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

/**
 * Re-indents raw JSON token by token (Go: compact, then the encoder's indent pass). Strings,
 * numbers and literals are copied byte for byte; only whitespace between tokens changes.
 */
function writeRaw(w: Writer, b: Uint8Array, depth: number, indent: string): void {
  // Validate first, as Go's compact step does (invalid raw JSON is an encoding error).
  validateRaw(b)
  let d = depth
  let i = 0
  let needIndent = false // an opening bracket was written; indent before the next token
  const out: number[] = []
  const pushStr = (s: string) => {
    for (let k = 0; k < s.length; k++) out.push(s.charCodeAt(k))
  }
  const newline = (n: number) => {
    if (indent === '') return
    out.push(0x0a)
    for (let k = 0; k < n; k++) pushStr(indent)
  }
  while (i < b.length) {
    const c = b[i]
    if (isSpace(c)) {
      i++
      continue
    }
    if (needIndent && c !== 0x5d && c !== 0x7d) {
      needIndent = false
      d++
      newline(d)
    }
    if (c === 0x22) {
      const start = i
      i++
      while (b[i] !== 0x22) i += b[i] === 0x5c ? 2 : 1
      i++
      for (let k = start; k < i; k++) out.push(b[k])
      continue
    }
    if (c === 0x7b || c === 0x5b) {
      out.push(c)
      needIndent = true
      i++
      continue
    }
    if (c === 0x7d || c === 0x5d) {
      if (needIndent)
        needIndent = false // empty: "{}" or "[]" on one line
      else {
        d--
        newline(d)
      }
      out.push(c)
      i++
      continue
    }
    if (c === 0x2c) {
      out.push(c)
      newline(d)
      i++
      continue
    }
    if (c === 0x3a) {
      out.push(c)
      if (indent) out.push(0x20)
      i++
      continue
    }
    out.push(c)
    i++
  }
  w.putBytes(Uint8Array.from(out))
}

function validateRaw(b: Uint8Array): void {
  try {
    parseJsonDocument(b)
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      throw new Error(`json: error calling MarshalJSON for type json.RawMessage: ${e.message}`, {
        cause: e
      })
    }
    throw e
  }
}

/** Go's json.Encoder output with 2-space indent and the trailing newline. */
export function encodeGoJson(v: GoValue): Buffer {
  const w = new Writer()
  writeValue(w, v, 0, '  ')
  w.put('\n')
  return w.done()
}

/** Go's compact encoding (json.Marshal without HTML escaping), no trailing newline. */
export function encodeGoJsonCompact(v: GoValue): Buffer {
  const w = new Writer()
  writeValue(w, v, 0, '')
  return w.done()
}
