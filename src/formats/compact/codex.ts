// Codex rollout JSONL (compact-transcript.md §8). Lines are decoded once; the walk runs per
// start line over the kept lines (response items and token_count events).
import {
  sharedDoc,
  type Decoded,
  type Fields,
  type Span,
  Out,
  asString,
  compactText,
  elements,
  decodeStruct,
  encodeString,
  encodedString,
  validDocument
} from './json.js'
import { type Input, LineReader, isBlank, toChunks } from './lines.js'
import { isCodexSystemContent, stripIdeContextTags } from './text.js'
import {
  type LineWriter,
  type Table,
  type Tokens,
  TYPE_TEXT,
  TYPE_TOOL_USE,
  toolResultBytes,
  writeTable
} from './writer.js'

const LINE: Fields = { timestamp: 'str', type: 'str', payload: 'raw' }
const TYPE_ONLY: Fields = { type: 'str' }
const TOKENS: Fields = { input_tokens: 'int', output_tokens: 'int' }
const PAYLOAD: Fields = {
  type: 'str',
  role: 'str',
  content: 'raw',
  phase: 'str',
  name: 'str',
  arguments: 'str',
  input: 'str',
  call_id: 'str',
  output: 'str'
}
const CALL: Fields = { call_id: 'str', type: 'str' }
const CUSTOM_OUTPUT: Fields = { output: 'raw' }
const TEXT_OBJ: Fields = { text: 'str' }

interface KeptLine {
  line: number
  ts: string
  token: boolean
  inTok: Tokens
  outTok: Tokens
  buf: Buffer
  payload: Span | undefined
  p?: Decoded | null
}

export interface CodexParsed {
  lines: KeptLine[]
}

const doc = sharedDoc()

export function parseCodex(input: Input): CodexParsed {
  const lines: KeptLine[] = []
  const r = new LineReader(toChunks(input))
  while (r.next()) {
    if (isBlank(r.buf, r.s, r.e)) continue
    doc.reset(r.buf)
    const sp = validDocument(doc, r.s, r.e)
    if (sp === null) continue
    const cl = decodeStruct(r.buf, sp, LINE)
    if (cl === null) continue
    const type: string = cl.type ?? ''
    const payload: Span | undefined = cl.payload
    let token = false
    if (type === 'event_msg' && payload !== undefined) {
      const t = decodeStruct(r.buf, payload, TYPE_ONLY)
      token = t !== null && t.type === 'token_count'
    }
    if (type !== 'response_item' && !token) continue
    const k: KeptLine = {
      line: r.index,
      ts: cl.timestamp ?? '',
      token,
      inTok: 0,
      outTok: 0,
      buf: r.buf,
      payload
    }
    if (token) {
      const tc = decodeStruct(r.buf, payload!, TOKENS)
      if (tc !== null) {
        k.inTok = tc.input_tokens ?? 0
        k.outTok = tc.output_tokens ?? 0
      }
    }
    lines.push(k)
  }
  return { lines }
}

function payloadOf(l: KeptLine): Decoded | null {
  if (l.p === undefined)
    l.p = l.payload === undefined ? null : decodeStruct(l.buf, l.payload, PAYLOAD)
  return l.p
}

type TextBlock = { type?: string; text?: string }
const ELEM: Fields = { type: 'str', text: 'str' }

/** content decoded as a list of {type, text} strings; null on failure (or missing content). */
function textBlocks(l: KeptLine, content: Span | undefined): TextBlock[] | null {
  if (content === undefined) return null
  const b = l.buf
  const c = b[content.s]
  if (c === 0x6e) return []
  if (c !== 0x5b) return null
  const out: TextBlock[] = []
  for (const el of elements(b, content)!) {
    const v = decodeStruct(b, el, ELEM)
    if (v === null) return null
    out.push(v)
  }
  return out
}

function userText(l: KeptLine, p: Decoded): string {
  const blocks = textBlocks(l, p.content)
  if (blocks === null) return ''
  const texts: string[] = []
  for (const bl of blocks) {
    if (bl.type !== 'input_text') continue
    const t = bl.text ?? ''
    if (isCodexSystemContent(t)) continue
    const s = stripIdeContextTags(t)
    if (s !== '') texts.push(s)
  }
  return texts.join('\n\n')
}

function assistantText(l: KeptLine, p: Decoded): string {
  const blocks = textBlocks(l, p.content)
  if (blocks === null) return ''
  const texts: string[] = []
  for (const bl of blocks) if (bl.type === 'output_text' && bl.text) texts.push(bl.text)
  return texts.join('\n\n')
}

function toolBlock(p: Decoded): Table {
  const t: Table = new Map()
  t.set('type', TYPE_TOOL_USE)
  t.set('name', encodedString(p.name ?? ''))
  const callId: string = p.call_id ?? ''
  if (callId !== '') t.set('id', encodedString(callId))
  if (p.type === 'function_call') {
    const args = compactText(Buffer.from(p.arguments ?? '', 'utf8'))
    if (args !== null) t.set('input', args)
  } else {
    const input: string = p.input ?? ''
    if (input !== '') {
      const o = new Out(input.length + 16)
      o.ascii('{"input":')
      encodeString(o, input)
      o.byte(0x7d)
      t.set('input', o.take())
    }
  }
  return t
}

function customOutputText(l: KeptLine): string {
  const d = decodeStruct(l.buf, l.payload!, CUSTOM_OUTPUT)
  if (d === null || d.output === undefined) return ''
  const sp: Span = d.output
  const c = l.buf[sp.s]
  if (c === 0x22) return asString(l.buf, sp)
  if (c === 0x6e) return ''
  const o = decodeStruct(l.buf, sp, TEXT_OBJ)
  return o === null ? '' : (o.text ?? '')
}

interface Walk {
  ls: KeptLine[]
  i: number
  inTok: Tokens
  outTok: Tokens
}

/** Builds the tool block of the call at ls[w.i], consuming token lines and its output. */
function consumeToolCall(w: Walk, p: Decoded, build: boolean): Table | null {
  const ls = w.ls
  const tb = build ? toolBlock(p) : null
  const outputType = p.type === 'function_call' ? 'function_call_output' : 'custom_tool_call_output'
  while (w.i + 1 < ls.length && ls[w.i + 1].token) {
    w.inTok = ls[w.i + 1].inTok
    w.outTok = ls[w.i + 1].outTok
    w.i++
  }
  if (w.i + 1 < ls.length) {
    const next = ls[w.i + 1]
    const ct = next.payload === undefined ? null : decodeStruct(next.buf, next.payload, CALL)
    const typ = ct === null ? '' : (ct.type ?? '')
    const callId = ct === null ? '' : (ct.call_id ?? '')
    if (typ === outputType && callId === (p.call_id ?? '')) {
      if (tb !== null) {
        let output: string
        if (outputType === 'custom_tool_call_output') output = customOutputText(next)
        else {
          const np = payloadOf(next)
          output = np === null ? '' : (np.output ?? '')
        }
        tb.set('result', toolResultBytes(output, false))
      }
      w.i++
    }
  }
  return tb
}

function writeBlocks(lw: LineWriter, blocks: Table[]): void {
  const o = lw.out
  o.byte(0x5b)
  for (let j = 0; j < blocks.length; j++) {
    if (j > 0) o.byte(0x2c)
    writeTable(o, blocks[j])
  }
  o.byte(0x5d)
}

/** Walks the kept lines from raw line `fromLine` on, writing (or counting) output lines. */
export function emitCodex(parsed: CodexParsed, fromLine: number, lw: LineWriter): number {
  const build = !lw.counting
  const ls = fromLine > 0 ? parsed.lines.filter((l) => l.line >= fromLine) : parsed.lines
  let pendIn: Tokens = 0
  let pendOut: Tokens = 0
  const w: Walk = { ls, i: 0, inTok: 0, outTok: 0 }
  for (w.i = 0; w.i < ls.length; w.i++) {
    const cl = ls[w.i]
    if (cl.token) {
      pendIn = cl.inTok
      pendOut = cl.outTok
      continue
    }
    const p = payloadOf(cl)
    if (p === null) continue
    const type: string = p.type ?? ''
    const role: string = p.role ?? ''
    if (type === 'message' && role === 'user') {
      const text = userText(cl, p)
      if (text === '') continue
      if (!build) {
        lw.lines++
        continue
      }
      lw.begin('user', encodedString(cl.ts))
      lw.out.ascii('[{"text":')
      encodeString(lw.out, text)
      lw.out.ascii('}]')
      lw.end()
    } else if (type === 'message' && role === 'assistant') {
      const text = assistantText(cl, p)
      if (text === '') continue
      const ts = cl.ts
      const tools: Table[] = []
      w.inTok = pendIn
      w.outTok = pendOut
      pendIn = 0
      pendOut = 0
      while (w.i + 1 < ls.length) {
        const next = ls[w.i + 1]
        if (next.token) {
          w.inTok = next.inTok
          w.outTok = next.outTok
          w.i++
          continue
        }
        const np = payloadOf(next)
        if (np === null) break
        const nt = np.type ?? ''
        if (nt === 'function_call' || nt === 'custom_tool_call') {
          w.i++
          const tb = consumeToolCall(w, np, build)
          if (tb !== null) tools.push(tb)
          continue
        }
        if (nt === 'function_call_output' || nt === 'custom_tool_call_output') {
          w.i++
          continue
        }
        break
      }
      if (!build) {
        lw.lines++
        continue
      }
      const textBlock: Table = new Map([
        ['type', TYPE_TEXT],
        ['text', encodedString(text)]
      ])
      lw.begin('assistant', encodedString(ts), '', w.inTok, w.outTok)
      writeBlocks(lw, [textBlock, ...tools])
      lw.end()
    } else if (type === 'function_call' || type === 'custom_tool_call') {
      w.inTok = pendIn
      w.outTok = pendOut
      pendIn = 0
      pendOut = 0
      const tb = consumeToolCall(w, p, build)
      while (w.i + 1 < ls.length && ls[w.i + 1].token) {
        w.inTok = ls[w.i + 1].inTok
        w.outTok = ls[w.i + 1].outTok
        w.i++
      }
      if (!build) {
        lw.lines++
        continue
      }
      lw.begin('assistant', encodedString(cl.ts), '', w.inTok, w.outTok)
      writeBlocks(lw, [tb!])
      lw.end()
    }
  }
  return lw.lines
}
