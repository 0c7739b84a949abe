// A byte-level JSON parser that mirrors Go's encoding/json scanner: it validates the whole input
// (json.Unmarshal semantics: one value, only whitespace around it), keeps the byte span of every
// value (for json.RawMessage fields), and decodes strings the way Go does (invalid UTF-8 and lone
// surrogate escapes become U+FFFD).

import { decodeRune } from './utf8.js'

export type JsonNode =
  | { kind: 'object'; start: number; end: number; members: JsonMember[] }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'string'; start: number; end: number; value: string }
  | { kind: 'number'; start: number; end: number; raw: string }
  | { kind: 'bool'; start: number; end: number; value: boolean }
  | { kind: 'null'; start: number; end: number }

export interface JsonMember {
  key: string
  value: JsonNode
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number
  ) {
    super(`${message} (at byte ${offset})`)
    this.name = 'JsonSyntaxError'
  }
}

const MAX_DEPTH = 10000 // Go's scanner refuses deeper nesting

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

class Parser {
  pos = 0
  /** The input as a Buffer (a view, no copy): strings are sliced from it without a Buffer each. */
  private readonly buf: Buffer
  constructor(readonly b: Uint8Array) {
    this.buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length)
  }

  fail(msg: string): never {
    throw new JsonSyntaxError(msg, this.pos)
  }

  skipSpace(): void {
    while (this.pos < this.b.length && isSpace(this.b[this.pos])) this.pos++
  }

  /**
   * Parses one value iteratively (an explicit stack instead of recursion), so nesting up to Go's
   * limit of 10000 never exhausts the JavaScript stack.
   */
  value(): JsonNode {
    type Frame =
      | { node: JsonNode & { kind: 'object' }; key: string }
      | { node: JsonNode & { kind: 'array' }; key?: undefined }
    const stack: Frame[] = []
    for (;;) {
      this.skipSpace()
      if (this.pos >= this.b.length) this.fail('unexpected end of JSON input')
      const c = this.b[this.pos]
      let done: JsonNode
      if (c === 0x7b || c === 0x5b) {
        if (stack.length + 1 > MAX_DEPTH) this.fail('exceeded max depth')
        const start = this.pos
        this.pos++
        this.skipSpace()
        if (c === 0x7b) {
          const node = { kind: 'object' as const, start, end: start, members: [] as JsonMember[] }
          if (this.b[this.pos] === 0x7d) {
            this.pos++
            node.end = this.pos
            done = node
          } else {
            stack.push({ node, key: this.objectKey() })
            continue
          }
        } else {
          const node = { kind: 'array' as const, start, end: start, items: [] as JsonNode[] }
          if (this.b[this.pos] === 0x5d) {
            this.pos++
            node.end = this.pos
            done = node
          } else {
            stack.push({ node })
            continue
          }
        }
      } else done = this.scalar(c)
      // Attach the finished value to its container; close containers as far as possible.
      for (;;) {
        const top = stack[stack.length - 1]
        if (!top) return done
        if (top.node.kind === 'object')
          top.node.members.push({ key: top.key as string, value: done })
        else top.node.items.push(done)
        this.skipSpace()
        const sep = this.b[this.pos]
        if (sep === 0x2c) {
          this.pos++
          if (top.node.kind === 'object') top.key = this.objectKey()
          break
        }
        const close = top.node.kind === 'object' ? 0x7d : 0x5d
        if (sep !== close) {
          this.fail(
            top.node.kind === 'object'
              ? 'invalid character after object key:value pair'
              : 'invalid character after array element'
          )
        }
        this.pos++
        top.node.end = this.pos
        stack.pop()
        done = top.node
      }
    }
  }

  /** Reads `"key"` and the colon after it (whitespace allowed around both). */
  objectKey(): string {
    this.skipSpace()
    if (this.b[this.pos] !== 0x22) {
      this.fail('invalid character looking for beginning of object key string')
    }
    const key = this.string()
    this.skipSpace()
    if (this.b[this.pos] !== 0x3a) this.fail('invalid character after object key')
    this.pos++
    return key
  }

  scalar(c: number): JsonNode {
    switch (c) {
      case 0x22: {
        const start = this.pos
        const value = this.string()
        return { kind: 'string', start, end: this.pos, value }
      }
      case 0x74:
        return this.literal('true', { kind: 'bool', value: true })
      case 0x66:
        return this.literal('false', { kind: 'bool', value: false })
      case 0x6e:
        return this.literal('null', { kind: 'null' })
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number()
        this.fail(`invalid character ${JSON.stringify(String.fromCharCode(c))} looking for value`)
    }
  }

  literal<T extends object>(word: string, node: T): JsonNode {
    const start = this.pos
    for (let i = 0; i < word.length; i++) {
      if (this.b[this.pos + i] !== word.charCodeAt(i)) {
        this.pos += i
        this.fail(`invalid literal, expected ${word}`)
      }
    }
    this.pos += word.length
    return { ...node, start, end: this.pos } as unknown as JsonNode
  }

  number(): JsonNode {
    const b = this.b
    const start = this.pos
    if (b[this.pos] === 0x2d) this.pos++
    const digit = (i: number) => b[i] >= 0x30 && b[i] <= 0x39
    if (!digit(this.pos)) this.fail('invalid number')
    if (b[this.pos] === 0x30) this.pos++
    else while (digit(this.pos)) this.pos++
    if (b[this.pos] === 0x2e) {
      this.pos++
      if (!digit(this.pos)) this.fail('invalid number: digit expected after decimal point')
      while (digit(this.pos)) this.pos++
    }
    if (b[this.pos] === 0x65 || b[this.pos] === 0x45) {
      this.pos++
      if (b[this.pos] === 0x2b || b[this.pos] === 0x2d) this.pos++
      if (!digit(this.pos)) this.fail('invalid number: digit expected in exponent')
      while (digit(this.pos)) this.pos++
    }
    const raw = Buffer.from(b.buffer, b.byteOffset + start, this.pos - start).toString('latin1')
    return { kind: 'number', start, end: this.pos, raw }
  }

  hex4(at: number): number {
    let v = 0
    for (let i = 0; i < 4; i++) {
      const c = this.b[at + i]
      let d: number
      if (c >= 0x30 && c <= 0x39) d = c - 0x30
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37
      else return -1
      v = v * 16 + d
    }
    return v
  }

  /** Parses a string starting at the opening quote; returns its decoded value. */
  string(): string {
    const b = this.b
    this.pos++ // opening quote
    let out = ''
    let runStart = this.pos
    /** The run since runStart is ASCII (most are): latin1 decoding is then exact and cheaper. */
    let ascii = true
    const flush = (to: number) => {
      if (to > runStart) {
        out += this.buf.toString(ascii ? 'latin1' : 'utf8', runStart, to)
      }
      ascii = true
    }
    for (;;) {
      if (this.pos >= b.length) this.fail('unexpected end of JSON input in string')
      const c = b[this.pos]
      if (c === 0x22) {
        flush(this.pos)
        this.pos++
        return out
      }
      if (c < 0x20) this.fail('invalid character in string literal')
      if (c === 0x5c) {
        flush(this.pos)
        const e = b[this.pos + 1]
        switch (e) {
          case 0x22:
            out += '"'
            break
          case 0x5c:
            out += '\\'
            break
          case 0x2f:
            out += '/'
            break
          case 0x62:
            out += '\b'
            break
          case 0x66:
            out += '\f'
            break
          case 0x6e:
            out += '\n'
            break
          case 0x72:
            out += '\r'
            break
          case 0x74:
            out += '\t'
            break
          case 0x75: {
            const u = this.hex4(this.pos + 2)
            if (u < 0) this.fail('invalid escape in string')
            if (u >= 0xd800 && u < 0xdc00) {
              // A high surrogate only counts when a low surrogate escape follows.
              if (b[this.pos + 6] === 0x5c && b[this.pos + 7] === 0x75) {
                const lo = this.hex4(this.pos + 8)
                if (lo >= 0xdc00 && lo < 0xe000) {
                  out += String.fromCharCode(u, lo)
                  this.pos += 12
                  runStart = this.pos
                  continue
                }
              }
              out += '\ufffd'
            } else if (u >= 0xdc00 && u < 0xe000) {
              out += '\ufffd'
            } else {
              out += String.fromCharCode(u)
            }
            this.pos += 6
            runStart = this.pos
            continue
          }
          default:
            this.pos++
            this.fail('invalid escape character in string')
        }
        this.pos += 2
        runStart = this.pos
        continue
      }
      if (c < 0x80) {
        this.pos++
        continue
      }
      ascii = false
      const [cp, size] = decodeRune(b, this.pos)
      if (cp === 0xfffd && size === 1) {
        flush(this.pos)
        out += '\ufffd'
        this.pos++
        runStart = this.pos
      } else {
        this.pos += size
      }
    }
  }
}

/**
 * Parses a whole document like json.Unmarshal: exactly one value with optional surrounding
 * whitespace. Anything after the value (a second, glued object included) is a syntax error.
 */
export function parseJsonDocument(bytes: Uint8Array): JsonNode {
  const p = new Parser(bytes)
  const node = p.value()
  p.skipSpace()
  if (p.pos !== bytes.length) p.fail('invalid character after top-level value')
  return node
}

/** The raw bytes of a parsed node (a view, not a copy). */
export function nodeBytes(source: Uint8Array, node: JsonNode): Buffer {
  return Buffer.from(source.buffer, source.byteOffset + node.start, node.end - node.start)
}

/**
 * Parses the first JSON value of `bytes` (leading whitespace allowed) and returns it with the
 * offset just after it; what follows is not examined. Throws JsonSyntaxError.
 */
export function parseJsonPrefix(bytes: Uint8Array): { node: JsonNode; end: number } {
  const p = new Parser(bytes)
  const node = p.value()
  return { node, end: p.pos }
}
