// Pi tree-shaped session JSONL (compact-transcript.md §12): active branch and tool results
// over the whole input, emission from the start line. All scanning uses the bounded scanner.
import {
  sharedDoc,
  type Decoded,
  type Fields,
  type Span,
  Out,
  asString,
  decodeGeneric,
  decodeStruct,
  elements,
  encodeBytes,
  encodeGeneric,
  encodeString,
  encodedString,
  validDocument
} from './json.js'
import { type Input, LineReader, MAX_SCAN_LINE, toChunks } from './lines.js'
import type { LineWriter } from './writer.js'

const NODE: Fields = { type: 'str', id: 'str', parentId: 'rawptr' }
const ENTRY: Fields = {
  type: 'str',
  id: 'str',
  timestamp: 'str',
  message: {
    obj: {
      role: 'str',
      content: 'raw',
      usage: {
        obj: { input: 'int', output: 'int', cacheRead: 'int', cacheWrite: 'int' },
        ptr: true
      },
      stopReason: 'str',
      toolCallId: 'str',
      toolName: 'str',
      isError: 'bool'
    }
  }
}
const ITEM: Fields = { type: 'str', text: 'str', name: 'str', id: 'str', arguments: 'raw' }

interface PiLine {
  line: number
  buf: Buffer
  span: Span | null // null: not one valid JSON value
}

export interface PiParsed {
  lines: PiLine[]
  /** A line of 10 MiB or more: the bounded scanner fails there (index into lines). */
  failAt: number
  active: Set<string> | null
  results: Map<string, Buffer> | null
}

const doc = sharedDoc()

function decodeEntry(l: PiLine): Decoded | null {
  if (l.span === null) return null
  return decodeStruct(l.buf, l.span, ENTRY)
}

/** Parses every line once: branch resolution, tool results, and the lines for emission. */
export function parsePi(input: Input): PiParsed | { error: string } {
  const lines: PiLine[] = []
  let failAt = -1
  const r = new LineReader(toChunks(input))
  while (r.next()) {
    let e = r.e
    if (e - r.s >= MAX_SCAN_LINE) {
      failAt = lines.length
      break
    }
    if (e > r.s && r.buf[e - 1] === 0x0d) e--
    doc.reset(r.buf)
    lines.push({ line: r.index, buf: r.buf, span: validDocument(doc, r.s, e) })
  }
  if (failAt >= 0) return { error: 'scan pi tool results: bufio.Scanner: token too long' }

  // §12.1 active branch
  let lastMessage = ''
  let tree = false
  const parentOf = new Map<string, string>()
  for (const l of lines) {
    if (l.span === null) continue
    const n = decodeStruct(l.buf, l.span, NODE)
    if (n === null || (n.id ?? '') === '') continue
    if (n.parentId !== undefined) {
      // a *string field: anything but a string or null fails the whole decode
      if (l.buf[n.parentId.s] !== 0x22) continue
      const parent: string = asString(l.buf, n.parentId)
      parentOf.set(n.id, parent)
      if (parent !== '') tree = true
    }
    if (n.type === 'message') lastMessage = n.id
  }
  let active: Set<string> | null = null
  if (tree && lastMessage !== '') {
    active = new Set()
    for (let cur = lastMessage; cur !== '';) {
      if (active.has(cur)) break
      active.add(cur)
      const p = parentOf.get(cur)
      if (p === undefined) break
      cur = p
    }
  }

  // §12.3 tool results
  const results = new Map<string, Buffer>()
  for (const l of lines) {
    const en = decodeEntry(l)
    if (en === null) continue
    const msg = en.message ?? {}
    if (en.type !== 'message' || msg.role !== 'toolResult') continue
    if (active !== null && !active.has(en.id ?? '')) continue
    const callId: string = msg.toolCallId ?? ''
    if (callId === '') continue
    const o = new Out(256)
    o.ascii('{"output":')
    writeResultOutput(o, l.buf, msg.content)
    o.ascii(msg.isError === true ? ',"status":"error"}' : ',"status":"success"}')
    results.set(callId, o.take())
  }
  return { lines, failAt, active, results }
}

/** §12.4: the output text of a tool result, written as a Go string. */
function writeResultOutput(o: Out, b: Buffer, content: Span | undefined): void {
  if (content !== undefined) {
    const c = b[content.s]
    if (c === 0x22) {
      const s = asString(b, content)
      if (s !== '') {
        encodeString(o, s)
        return
      }
    }
    const items = decodeItems(b, content)
    if (items !== null) {
      const texts = items
        .filter((it) => it.type === 'text' && (it.text ?? '') !== '')
        .map((it) => it.text)
      if (texts.length > 0) {
        encodeString(o, texts.join('\n'))
        return
      }
    }
    const g = decodeGeneric(b, content)
    if (g !== undefined) {
      const inner = new Out(content.e - content.s + 16)
      encodeGeneric(inner, g)
      encodeBytes(o, inner.buf, 0, inner.n, true)
      return
    }
    encodeBytes(o, b, content.s, content.e, false)
    return
  }
  o.ascii('""')
}

function decodeItems(b: Buffer, sp: Span | undefined): Decoded[] | null {
  if (sp === undefined) return null
  const c = b[sp.s]
  if (c === 0x6e) return []
  if (c !== 0x5b) return null
  const out: Decoded[] = []
  for (const el of elements(b, sp)!) {
    const v = decodeStruct(b, el, ITEM)
    if (v === null) return null
    out.push(v)
  }
  return out
}

const TOOL_NAMES: Record<string, string> = { edit: 'Edit', read: 'Read', write: 'Write' }

export function emitPi(p: PiParsed, fromLine: number, lw: LineWriter): number {
  const o = lw.out
  for (const l of p.lines) {
    if (l.line < fromLine) continue
    const en = decodeEntry(l)
    if (en === null || en.type !== 'message') continue
    const id: string = en.id ?? ''
    if (p.active !== null && !p.active.has(id)) continue
    const msg = en.message ?? {}
    const content: Span | undefined = msg.content
    const b = l.buf
    const str = content !== undefined && b[content.s] === 0x22 ? asString(b, content) : ''
    const ts: string = en.timestamp ?? ''
    const tsBytes = ts === '' ? undefined : encodedString(ts)
    if (msg.role === 'user') {
      let texts: string[]
      if (str !== '') texts = [str]
      else {
        const items = decodeItems(b, content)
        if (items === null) continue
        texts = items
          .filter((it) => it.type === 'text' && (it.text ?? '') !== '')
          .map((it) => it.text)
      }
      if (texts.length === 0) continue
      if (lw.counting) {
        lw.lines++
        continue
      }
      lw.begin('user', tsBytes)
      o.byte(0x5b)
      texts.forEach((t, j) => {
        if (j > 0) o.byte(0x2c)
        o.ascii('{"text":')
        encodeString(o, t)
        o.byte(0x7d)
      })
      o.byte(0x5d)
      lw.end()
    } else if (msg.role === 'assistant') {
      const blocks: Buffer[] = []
      if (str !== '') blocks.push(textBlock(str))
      else {
        const items = decodeItems(b, content)
        if (items === null) continue
        for (const it of items) {
          if (it.type === 'text') {
            if ((it.text ?? '') !== '') blocks.push(textBlock(it.text))
          } else if (it.type === 'toolCall') {
            const bo = new Out(256)
            bo.ascii('{"type":"tool_use"')
            const itemId: string = it.id ?? ''
            if (itemId !== '') {
              bo.ascii(',"id":')
              encodeString(bo, itemId)
            }
            bo.ascii(',"name":')
            const name: string = it.name ?? ''
            encodeString(bo, TOOL_NAMES[name] ?? name)
            bo.ascii(',"input":')
            const args: Span | undefined = it.arguments
            const g = args === undefined ? undefined : decodeGeneric(b, args)
            if (g === undefined) bo.ascii('{}')
            else encodeGeneric(bo, g)
            const res = p.results?.get(itemId)
            if (res !== undefined) {
              bo.ascii(',"result":')
              bo.bytes(res)
            }
            bo.byte(0x7d)
            blocks.push(bo.take())
          }
        }
      }
      if (blocks.length === 0) continue
      if (lw.counting) {
        lw.lines++
        continue
      }
      lw.begin('assistant', tsBytes, id, msg.usage?.input ?? 0, msg.usage?.output ?? 0)
      o.byte(0x5b)
      blocks.forEach((t, j) => {
        if (j > 0) o.byte(0x2c)
        o.bytes(t)
      })
      o.byte(0x5d)
      lw.end()
    }
  }
  return lw.lines
}

function textBlock(text: string): Buffer {
  const o = new Out(text.length + 32)
  o.ascii('{"type":"text","text":')
  encodeString(o, text)
  o.byte(0x7d)
  return o.take()
}
