// Generic JSONL converter (Claude Code, Cursor, unknown agents) and the Factory AI Droid envelope
// rewrite (compact-transcript.md §6, §7). Pass 1 turns lines into entries (each line on its
// own, so one pass serves every start line); pass 2 merges fragments, inlines tool results and
// emits.
import {
  sharedDoc,
  type Doc,
  type Member,
  type Span,
  asString,
  compacted,
  decodeStruct,
  elements,
  get,
  member,
  members,
  validDocument,
  goTrim,
  intField,
  encodeString
} from './json.js'
import { Input, LineReader, toChunks } from './lines.js'
import { stripIdeContextTags } from './text.js'
import {
  LineWriter,
  NULL_BYTES,
  type Table,
  type Text,
  type Tokens,
  isEmptyText,
  toolResultBytes,
  writeTable
} from './writer.js'

/** A content element: a table object, a raw element (from a raw array), or null. */
type Elem = Table | Buffer | null
/** Assistant content: absent, a raw value (compacted bytes), or a list of elements. */
type Content = undefined | Buffer | Elem[]

interface ToolResult {
  id: string
  output: Text
  isError: boolean
  file?: { filePath: string; numLines: Tokens }
  matchCount: Tokens
}

export interface Entry {
  line: number
  user: boolean
  ts: Buffer | undefined
  // assistant
  id: string
  inTok: Tokens
  outTok: Tokens
  content: Content
  // user
  promptId: string
  text: string
  images: Buffer[]
  results: ToolResult[]
}

const doc = sharedDoc()

function view(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.length)
}

function raw(d: Doc, sp: Span): Buffer {
  return view(compacted(d, sp.s, sp.e))
}

const USAGE = { input_tokens: 'int', output_tokens: 'int' } as const
const FILE = { filePath: 'str', numLines: 'int' } as const

/** Where pass 1 starts: a line start of the input (see CompactHistory). */
export interface ParseFrom {
  byte: number
  line: number
}

/**
 * Pass 1: entries of every line (line index kept, so a start line is a filter). With `from`,
 * lines before it are not read; `lineEnds` (when given) receives, for each `\n`-terminated line
 * read, the offset just past its `\n`.
 */
export function parseEntries(
  input: Input,
  droid: boolean,
  fromLine = 0,
  from?: ParseFrom,
  lineEnds?: number[]
): Entry[] {
  const entries: Entry[] = []
  const r = new LineReader(toChunks(input))
  if (from !== undefined) r.seek(from.byte, from.line)
  while (r.next()) {
    if (lineEnds !== undefined && r.end >= 0) lineEnds.push(r.end)
    if (r.index < fromLine) continue
    const b = r.buf
    let s = r.s
    let t = r.e
    while (s < t && isWsByte(b[s])) s++
    while (t > s && isWsByte(b[t - 1])) t--
    // Only objects can be entries (a `null` line decodes to an empty map: no kind). The
    // validating scan records the members of the first levels, so they are not read twice.
    if (s >= t || b[s] !== 0x7b) continue
    // Records that are neither user nor assistant (progress records are a fifth of a Claude
    // transcript) are dropped whether or not they are valid JSON: skip validating them.
    if (!droid && certainlyDropped(b, s, t)) continue
    const e = lineEntry(b, s, t, droid, r.index)
    if (e !== null) entries.push(e)
  }
  return entries
}

/** The entry of the trimmed object line b[s, t) (null: none): validated, then read. */
export function lineEntry(
  b: Buffer,
  s: number,
  t: number,
  droid: boolean,
  line: number
): Entry | null {
  doc.reset(b)
  if (validDocument(doc, s, t) === null) return null
  return parseLine(b, { s, e: t }, droid, line)
}

const TYPE_MEMBER = Buffer.from('"type":"')

/** End (index of the closing quote) of the string whose body starts at `i`; -1 when none. */
function stringEnd(b: Buffer, i: number, e: number): number {
  for (;;) {
    const q = b.indexOf(0x22, i)
    if (q < 0 || q >= e) return -1
    let k = q - 1
    while (k >= i && b[k] === 0x5c) k--
    if ((q - 1 - k) % 2 === 0) return q
    i = q + 1
  }
}

function hasBackslash(b: Buffer, s: number, e: number): boolean {
  const k = b.indexOf(0x5c, s)
  return k >= 0 && k < e
}

/** Whether b[s, e) is exactly the ASCII text `w`. */
function isWord(b: Buffer, s: number, e: number, w: string): boolean {
  if (e - s !== w.length) return false
  for (let i = 0; i < w.length; i++) if (b[s + i] !== w.charCodeAt(i)) return false
  return true
}

/**
 * For an object line b[s, e) of a non-droid transcript: true when the line cannot give an
 * entry, whatever else it holds. If it is valid JSON, its top-level members are exactly what
 * this structural scan (strings delimited by unescaped quotes, nesting by brackets outside
 * strings) finds, and its last "type" is a non-empty plain string other than user, human and
 * assistant: parseLine drops it. If it is not valid JSON, it is dropped anyway. false means
 * "not certain" (an escaped key or type value, a non-string type): the full path decides.
 */
export function certainlyDropped(b: Buffer, s: number, e: number): boolean {
  // Most lines are user or assistant records: their first "type" says so; only "not certain"
  // is answered from it, so a nested or later "type" cannot mislead.
  const q = b.indexOf(TYPE_MEMBER, s)
  if (q >= 0 && q < e) {
    const v = q + TYPE_MEMBER.length
    if (
      isWord(b, v, Math.min(v + 5, e), 'user"') ||
      isWord(b, v, Math.min(v + 10, e), 'assistant"') ||
      isWord(b, v, Math.min(v + 6, e), 'human"')
    )
      return false
  }
  let depth = 0
  let expectKey = false
  /** The last top-level "type": 0 none, 1 a string (typeS..typeE), 2 anything else. */
  let type = 0
  let typeS = 0
  let typeE = 0
  let i = s
  while (i < e) {
    const c = b[i]
    if (c === 0x22) {
      const end = stringEnd(b, i + 1, e)
      if (end < 0) return false
      if (depth === 1 && expectKey) {
        expectKey = false
        const isType = isWord(b, i + 1, end, 'type')
        if (!isType && hasBackslash(b, i + 1, end)) return false
        i = end + 1
        if (isType) {
          while (i < e && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++
          if (b[i] !== 0x3a) return false
          i++
          while (i < e && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++
          if (b[i] === 0x22) {
            const ve = stringEnd(b, i + 1, e)
            if (ve < 0) return false
            type = 1
            typeS = i + 1
            typeE = ve
            i = ve + 1
          } else type = 2
        }
        continue
      }
      i = end + 1
      continue
    }
    if (c === 0x7b || c === 0x5b) {
      depth++
      if (depth === 1) expectKey = true
    } else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) break
    } else if (c === 0x2c && depth === 1) expectKey = true
    i++
  }
  if (type !== 1 || typeE === typeS || hasBackslash(b, typeS, typeE)) return false
  return !(
    isWord(b, typeS, typeE, 'user') ||
    isWord(b, typeS, typeE, 'human') ||
    isWord(b, typeS, typeE, 'assistant')
  )
}

/** JSON whitespace (not \v or \f, which Go's TrimSpace would drop but its decoder rejects). */
function isWsByte(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

/** An object: its member list, or its span (looked up in the scan's record). */
type Obj = Member[] | Span

function at(b: Buffer, o: Obj | null, key: string): Member | undefined {
  if (o === null) return undefined
  return Array.isArray(o) ? get(o, key) : member(b, o, key)
}

function parseLine(b: Buffer, top: Obj, droid: boolean, line: number): Entry | null {
  let msg: Obj | null = null
  let msgKnown = false
  if (droid && asString(b, at(b, top, 'type')) === 'message') {
    const mm = at(b, top, 'message')
    const inner = mm !== undefined ? members(b, mm) : null
    if (inner !== null) {
      const role = asString(b, get(inner, 'role'))
      if (role === 'user' || role === 'human' || role === 'assistant') {
        const flat: Member[] = [{ k: 'type', ...spanOf(get(inner, 'role')) }]
        const ts = at(b, top, 'timestamp')
        if (ts !== undefined) flat.push({ k: 'timestamp', s: ts.s, e: ts.e })
        const outerId = at(b, top, 'id')
        msg = inner
        if (outerId !== undefined && get(inner, 'id') === undefined) {
          msg = [...inner, { k: 'id', s: outerId.s, e: outerId.e }]
        }
        msgKnown = true
        top = flat
      }
    }
  }
  let kind = asString(b, at(b, top, 'type'))
  if (kind === '') kind = asString(b, at(b, top, 'role'))
  let user: boolean
  if (kind === 'user' || kind === 'human') user = true
  else if (kind === 'assistant') user = false
  else return null

  const tsm = at(b, top, 'timestamp')
  const e: Entry = {
    line,
    user,
    ts: tsm !== undefined ? raw(doc, tsm) : undefined,
    id: '',
    inTok: 0,
    outTok: 0,
    content: undefined,
    promptId: '',
    text: '',
    images: [],
    results: []
  }
  if (!msgKnown) {
    const mm = at(b, top, 'message')
    msg = mm !== undefined && b[mm.s] === 0x7b ? { s: mm.s, e: mm.e } : null
  }
  if (!user) {
    if (msg !== null) {
      e.id = asString(b, at(b, msg, 'id'))
      const c = at(b, msg, 'content')
      if (c !== undefined) e.content = stripAssistantContent(b, c)
      const u = at(b, msg, 'usage')
      if (u !== undefined) {
        const usage = decodeStruct(b, u, USAGE)
        if (usage !== null) {
          e.inTok = usage.input_tokens ?? 0
          e.outTok = usage.output_tokens ?? 0
        }
      }
    }
    return e
  }
  e.promptId = asString(b, at(b, top, 'promptId'))
  if (msg !== null) {
    const c = at(b, msg, 'content')
    if (c !== undefined) extractUserContent(b, c, e)
  }
  const turm = at(b, top, 'toolUseResult')
  if (turm !== undefined) {
    const c0 = b[turm.s]
    if (c0 === 0x7b) enrichToolResults(b, { s: turm.s, e: turm.e }, e.results)
  }
  return e
}

function spanOf(m: Member | undefined): Span {
  // a missing role cannot reach here (role was matched above)
  return { s: m!.s, e: m!.e }
}

function stripAssistantContent(b: Buffer, c: Span): Content {
  const c0 = b[c.s]
  if (c0 !== 0x5b) return raw(doc, c)
  const els = elements(b, c)!
  for (const el of els) {
    const x = b[el.s]
    if (x !== 0x7b && x !== 0x6e) return raw(doc, c)
  }
  const out: Elem[] = []
  for (const el of els) {
    if (b[el.s] === 0x6e) {
      out.push(null)
      continue
    }
    const ms = members(b, el)!
    const type = asString(b, get(ms, 'type'))
    if (type === 'thinking' || type === 'redacted_thinking') continue
    const t: Table = new Map()
    if (type === 'tool_use') {
      for (const k of ['type', 'id', 'name', 'input']) {
        const m = get(ms, k)
        if (m !== undefined) t.set(k, raw(doc, m))
      }
    } else {
      for (const m of ms) t.set(m.k, raw(doc, m))
    }
    out.push(t)
  }
  return out
}

function extractUserContent(b: Buffer, c: Span, e: Entry): void {
  const c0 = b[c.s]
  if (c0 === 0x22 || c0 === 0x6e) {
    e.text = stripIdeContextTags(asString(b, c))
    return
  }
  if (c0 !== 0x5b) return
  let text = ''
  for (const el of elements(b, c)!) {
    if (b[el.s] !== 0x7b) continue // null elements decode to an empty map: type "" → ignored
    const ms: Obj = el
    switch (asString(b, at(b, ms, 'type'))) {
      case 'tool_result': {
        const ie = at(b, ms, 'is_error')
        e.results.push({
          id: asString(b, at(b, ms, 'tool_use_id')),
          output: textOf(b, at(b, ms, 'content')),
          isError: ie !== undefined && b[ie.s] === 0x74,
          matchCount: 0
        })
        break
      }
      case 'image':
        e.images.push(raw(doc, el))
        break
      case 'text': {
        const s = stripIdeContextTags(asString(b, at(b, ms, 'text')))
        if (s !== '') text += s + '\n\n'
        break
      }
    }
  }
  e.text = goTrim(text)
}

/** A value as a Go string, kept as its JSON body (transcoded when written). */
function textOf(b: Buffer, m: Span | undefined): Text {
  if (m === undefined || b[m.s] !== 0x22) return ''
  return { b, s: m.s + 1, e: m.e - 1 }
}

function enrichToolResults(b: Buffer, tur: Obj, results: ToolResult[]): void {
  const stdout = textOf(b, at(b, tur, 'stdout'))
  if (!isEmptyText(stdout)) {
    if (results.length === 0)
      results.push({ id: '', output: stdout, isError: false, matchCount: 0 })
    else if (results.length === 1) results[0].output = stdout
  }
  const fm = at(b, tur, 'file')
  if (fm !== undefined) {
    const f = decodeStruct(b, fm, FILE)
    if (f !== null && f.filePath !== undefined && f.filePath !== '' && results.length === 1) {
      results[0].file = { filePath: f.filePath, numLines: f.numLines ?? 0 }
    }
  }
  const fp = asString(b, at(b, tur, 'filePath'))
  if (fp !== '' && results.length === 1) results[0].file = { filePath: fp, numLines: 0 }
  const nf = at(b, tur, 'numFiles')
  if (nf !== undefined) {
    const n = intField(b, nf)
    if (n !== null && n > 0 && results.length === 1) results[0].matchCount = n
  }
}

// ---------------------------------------------------------------------------------------------
// Pass 2.

/** Elements of a content when it is an array (Go: unmarshal into []RawMessage), else null. */
function elemsOf(c: Content): Elem[] | null {
  if (c === undefined) return null
  if (Array.isArray(c)) return c
  if (c[0] !== 0x5b) return null
  return elements(c, { s: 0, e: c.length })!.map((sp) => c.subarray(sp.s, sp.e))
}

function mergeContent(a: Content, b: Content): Content {
  const ae = elemsOf(a)
  const be = elemsOf(b)
  if (ae === null && (be === null || be.length === 0)) return NULL_BYTES
  return [...(ae ?? []), ...(be ?? [])]
}

function isEmptyContent(c: Content): boolean {
  if (c === undefined) return false
  if (Array.isArray(c)) return c.length === 0
  return c[0] === 0x6e // a raw `null`; a raw `[]` cannot occur (it is stripped to a list)
}

function stringOf(v: Uint8Array | undefined): string {
  if (v === undefined) return ''
  const b = view(v)
  return asString(b, { s: 0, e: b.length })
}

function inlineToolResults(c: Content, results: ToolResult[]): Content {
  if (!Array.isArray(c) || c.length === 0) return c
  for (const el of c) if (el !== null && !(el instanceof Map)) return c
  const blocks = c.map((el) => (el === null ? null : new Map(el as Table)))
  for (const tr of results) {
    let idx = -1
    for (let i = blocks.length - 1; i >= 0; i--) {
      const t = blocks[i]
      if (t === null) continue
      if (stringOf(t.get('type')) !== 'tool_use') continue
      if (tr.id === '' || stringOf(t.get('id')) === tr.id) {
        idx = i
        break
      }
    }
    if (idx === -1) continue
    blocks[idx]!.set('result', toolResultBytes(tr.output, tr.isError, tr.file, tr.matchCount))
  }
  return blocks
}

function writeContent(w: LineWriter, c: Content): void {
  const o = w.out
  if (c === undefined) {
    o.bytes(NULL_BYTES)
    return
  }
  if (!Array.isArray(c)) {
    o.bytes(c)
    return
  }
  o.byte(0x5b)
  for (let i = 0; i < c.length; i++) {
    if (i > 0) o.byte(0x2c)
    const el = c[i]
    if (el === null) o.bytes(NULL_BYTES)
    else if (el instanceof Map) writeTable(o, el)
    else o.bytes(el)
  }
  o.byte(0x5d)
}

function emitAssistant(
  w: LineWriter,
  ts: Buffer | undefined,
  id: string,
  inTok: Tokens,
  outTok: Tokens,
  c: Content
): void {
  if (w.counting) {
    w.lines++
    return
  }
  w.begin('assistant', ts, id, inTok, outTok)
  writeContent(w, c)
  w.end()
}

function emitUser(w: LineWriter, e: Entry): void {
  if (w.counting) {
    w.lines++
    return
  }
  w.begin('user', e.ts)
  const o = w.out
  o.byte(0x5b)
  let first = true
  if (e.text !== '' || e.images.length === 0) {
    o.byte(0x7b)
    if (e.promptId !== '') {
      o.ascii('"id":')
      encodeStr(w, e.promptId)
      o.byte(0x2c)
    }
    o.ascii('"text":')
    encodeStr(w, e.text)
    o.byte(0x7d)
    first = false
  }
  for (const img of e.images) {
    if (!first) o.byte(0x2c)
    o.bytes(img)
    first = false
  }
  o.byte(0x5d)
  w.end()
}

function encodeStr(w: LineWriter, s: string): void {
  encodeString(w.out, s)
}

/** Number of entries (in line order) with a line index below `line`. */
export function entriesBefore(entries: readonly Entry[], line: number): number {
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const m = (lo + hi) >> 1
    if (entries[m].line < line) lo = m + 1
    else hi = m
  }
  return lo
}

/**
 * Pass 2 over entries with line index >= fromLine (or, with `fromEntry`, from that entry on,
 * which must start an output group). Returns the number of lines written (w.lines). `trace`
 * receives, for each output group, [entry index, output bytes, lines] before it is written.
 */
export function emitEntries(
  entries: Entry[],
  fromLine: number,
  w: LineWriter,
  fromEntry?: number,
  trace?: number[]
): number {
  const start = fromEntry ?? (fromLine > 0 ? entriesBefore(entries, fromLine) : 0)
  const n = entries.length
  for (let i = start; i < n; i++) {
    if (trace !== undefined) trace.push(i, w.out.n, w.lines)
    const e = entries[i]
    if (!e.user) {
      let ts = e.ts
      let inTok = e.inTok
      let outTok = e.outTok
      let content = e.content
      while (i + 1 < n && !entries[i + 1].user && entries[i + 1].id === e.id) {
        i++
        const f = entries[i]
        ts = f.ts
        if (f.inTok > 0) inTok = f.inTok
        if (f.outTok > 0) outTok = f.outTok
        content = mergeContent(content, f.content)
      }
      if (i + 1 < n && entries[i + 1].user && entries[i + 1].results.length > 0) {
        const u = entries[i + 1]
        if (!w.counting) content = inlineToolResults(content, u.results)
        i++
        if (u.text !== '' || u.images.length > 0) {
          emitAssistant(w, ts, e.id, inTok, outTok, content)
          emitUser(w, u)
          continue
        }
      }
      if (isEmptyContent(content)) continue
      emitAssistant(w, ts, e.id, inTok, outTok, content)
      continue
    }
    if (e.results.length > 0 && e.text === '' && e.images.length === 0) continue
    emitUser(w, e)
  }
  return w.lines
}

/** The full conversion (a convenience for callers that do not need offsets). */
export function compactJsonl(
  input: Input,
  droid: boolean,
  fromLine: number,
  w: LineWriter
): number {
  return emitEntries(parseEntries(input, droid, fromLine), fromLine, w)
}
