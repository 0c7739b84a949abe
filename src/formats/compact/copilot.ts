// Copilot CLI events JSONL (compact-transcript.md §9). Events are decoded once; the walk runs
// per start line.
import {
  sharedDoc,
  type Decoded,
  type Fields,
  type Span,
  asString,
  compacted,
  decodeStruct,
  encodeString,
  encodedString,
  validDocument
} from './json.js'
import { type Input, LineReader, isBlank, toChunks } from './lines.js'
import {
  type LineWriter,
  type Table,
  TYPE_TEXT,
  TYPE_TOOL_USE,
  toolResultBytes,
  writeTable
} from './writer.js'

const LINE: Fields = { type: 'str', timestamp: 'str', data: 'raw' }
const USER_DATA: Fields = { content: 'str' }
const ASSISTANT_DATA: Fields = {
  messageId: 'str',
  content: 'str',
  toolRequests: { list: { obj: { toolCallId: 'str', name: 'str', arguments: 'raw' } } },
  outputTokens: 'int'
}
const RESULT_DATA: Fields = {
  toolCallId: 'str',
  success: 'bool',
  result: { obj: { content: 'str', detailedContent: 'str' } }
}

type Kind = 'user' | 'assistant' | 'result'

interface CopilotEvent {
  line: number
  kind: Kind
  ts: string
  // user: text; assistant: decoded data + compacted argument values; result: decoded data
  text?: string
  data?: Decoded | null
  args?: (Uint8Array | undefined)[]
}

export interface CopilotParsed {
  events: CopilotEvent[]
}

const doc = sharedDoc()

export function parseCopilot(input: Input, fromLine = 0): CopilotParsed {
  const events: CopilotEvent[] = []
  const r = new LineReader(toChunks(input))
  while (r.next()) {
    if (r.index < fromLine) continue
    if (isBlank(r.buf, r.s, r.e)) continue
    doc.reset(r.buf)
    const sp = validDocument(doc, r.s, r.e)
    if (sp === null) continue
    const cl = decodeStruct(r.buf, sp, LINE)
    if (cl === null) continue
    const data: Span | undefined = cl.data
    const ts: string = cl.timestamp ?? ''
    switch (cl.type) {
      case 'user.message': {
        const d = data === undefined ? null : decodeStruct(r.buf, data, USER_DATA)
        events.push({ line: r.index, kind: 'user', ts, text: d === null ? '' : (d.content ?? '') })
        break
      }
      case 'assistant.message': {
        const d = data === undefined ? null : decodeStruct(r.buf, data, ASSISTANT_DATA)
        let args: (Uint8Array | undefined)[] | undefined
        if (d !== null && d.toolRequests !== undefined) {
          args = (d.toolRequests as Decoded[]).map((tr) =>
            tr.arguments === undefined ? undefined : compacted(doc, tr.arguments.s, tr.arguments.e)
          )
        }
        events.push({ line: r.index, kind: 'assistant', ts, data: d, args })
        break
      }
      case 'tool.execution_complete': {
        const d = data === undefined ? null : decodeStruct(r.buf, data, RESULT_DATA)
        events.push({ line: r.index, kind: 'result', ts, data: d })
        break
      }
    }
  }
  return { events }
}

interface Pending {
  ts: string
  id: string
  outTok: number | bigint
  blocks: Table[]
}

function assistantPending(ev: CopilotEvent, build: boolean): Pending | null {
  const d = ev.data
  if (d === null || d === undefined) return null
  const content: string = d.content ?? ''
  const reqs: Decoded[] = d.toolRequests ?? []
  if (content === '' && reqs.length === 0) return null
  const blocks: Table[] = []
  if (build) {
    if (content !== '') {
      blocks.push(
        new Map([
          ['type', TYPE_TEXT],
          ['text', encodedString(content)]
        ])
      )
    }
    reqs.forEach((tr, j) => {
      const t: Table = new Map()
      t.set('type', TYPE_TOOL_USE)
      t.set('name', encodedString(tr.name ?? ''))
      if ((tr.toolCallId ?? '') !== '') t.set('id', encodedString(tr.toolCallId))
      const a = ev.args![j]
      if (a !== undefined) t.set('input', a)
      blocks.push(t)
    })
  }
  return { ts: ev.ts, id: d.messageId ?? '', outTok: d.outputTokens ?? 0, blocks }
}

function inlineResult(p: Pending, ev: CopilotEvent): void {
  const d = ev.data
  if (d === null || d === undefined) return
  const callId: string = d.toolCallId ?? ''
  if (callId === '') return
  let output: string = d.result?.content ?? ''
  if (output === '') output = d.result?.detailedContent ?? ''
  for (let i = p.blocks.length - 1; i >= 0; i--) {
    const t = p.blocks[i]
    const type = t.get('type')!
    if (asString(Buffer.from(type), { s: 0, e: type.length }) !== 'tool_use') continue
    const id = t.get('id')
    const ids = id === undefined ? '' : asString(Buffer.from(id), { s: 0, e: id.length })
    if (ids !== callId) continue
    t.set('result', toolResultBytes(output, d.success !== true))
    break
  }
}

export function emitCopilot(parsed: CopilotParsed, fromLine: number, lw: LineWriter): number {
  const build = !lw.counting
  let pending: Pending | null = null
  const flush = (): void => {
    if (pending === null) return
    if (build) {
      lw.begin('assistant', encodedString(pending.ts), pending.id, 0, pending.outTok)
      const o = lw.out
      o.byte(0x5b)
      pending.blocks.forEach((t, j) => {
        if (j > 0) o.byte(0x2c)
        writeTable(o, t)
      })
      o.byte(0x5d)
      lw.end()
    } else lw.lines++
    pending = null
  }
  for (const ev of parsed.events) {
    if (ev.line < fromLine) continue
    if (ev.kind === 'user') {
      flush()
      if (ev.text === '') continue
      if (!build) {
        lw.lines++
        continue
      }
      lw.begin('user', encodedString(ev.ts))
      lw.out.ascii('[{"text":')
      encodeString(lw.out, ev.text!)
      lw.out.ascii('}]')
      lw.end()
    } else if (ev.kind === 'assistant') {
      flush()
      pending = assistantPending(ev, build)
    } else if (pending !== null && build) {
      inlineResult(pending, ev)
    }
  }
  flush()
  return lw.lines
}
