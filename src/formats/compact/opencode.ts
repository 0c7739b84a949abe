// OpenCode session export document (compact-transcript.md §10). The start line is a message
// index.
import {
  type Decoded,
  type Fields,
  type Member,
  asString,
  compacted,
  decodeStruct,
  encodedString,
  get,
  members
} from './json.js'
import type { SingleDoc } from './detect.js'
import { stripIdeContextTags } from './text.js'
import {
  type LineWriter,
  NULL_BYTES,
  type Table,
  TYPE_TEXT,
  TYPE_TOOL_USE,
  toolResultBytes,
  writeTable
} from './writer.js'

const SESSION: Fields = {
  messages: {
    list: {
      obj: {
        info: {
          obj: {
            id: 'str',
            role: 'str',
            time: { obj: { created: 'int', completed: 'int' } },
            tokens: { obj: { input: 'int', output: 'int' }, ptr: true }
          }
        },
        parts: { list: 'table' }
      }
    }
  }
}

export interface OpenCodeParsed {
  d: SingleDoc
  messages: Decoded[]
}

export function parseOpenCode(d: SingleDoc): OpenCodeParsed | { error: string } {
  const s = decodeStruct(d.buf, d.span, SESSION)
  if (s === null)
    return {
      error: 'parsing opencode session: the document does not match the OpenCode session schema'
    }
  return { d, messages: s.messages ?? [] }
}

/** Unix milliseconds as Go's time.Format(RFC3339Nano) in UTC. */
export function msToRfc3339(ms: number): string {
  const d = new Date(ms)
  const y = d.getUTCFullYear()
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  let s =
    (y < 0 ? '-' + pad(-y, 4) : pad(y, 4)) +
    '-' +
    pad(d.getUTCMonth() + 1) +
    '-' +
    pad(d.getUTCDate()) +
    'T' +
    pad(d.getUTCHours()) +
    ':' +
    pad(d.getUTCMinutes()) +
    ':' +
    pad(d.getUTCSeconds())
  const frac = d.getUTCMilliseconds()
  if (frac !== 0) s += '.' + pad(frac, 3).replace(/0+$/, '')
  return s + 'Z'
}

export function emitOpenCode(p: OpenCodeParsed, start: number, lw: LineWriter): number {
  const msgs = p.messages
  if (start > 0 && start >= msgs.length) return 0
  const b = p.d.buf
  const doc = p.d.doc
  const raw = (m: Member): Uint8Array => compacted(doc, m.s, m.e)
  for (let i = Math.max(0, start); i < msgs.length; i++) {
    const m = msgs[i]
    const info = m.info ?? {}
    const role: string = info.role ?? ''
    if (role !== 'user' && role !== 'assistant') continue
    if (lw.counting) {
      lw.lines++
      continue
    }
    const created = Number(info.time?.created ?? 0)
    const ts = created === 0 ? undefined : encodedString(msToRfc3339(created))
    const parts: Member[][] = m.parts ?? []
    const o = lw.out
    if (role === 'user') {
      lw.begin('user', ts)
      let n = 0
      for (const part of parts) {
        if (asString(b, get(part, 'type')) !== 'text') continue
        const text = stripIdeContextTags(asString(b, get(part, 'text')))
        if (text === '') continue
        o.byte(n === 0 ? 0x5b : 0x2c)
        n++
        o.byte(0x7b)
        const id = asString(b, get(part, 'id'))
        if (id !== '') {
          o.ascii('"id":')
          o.bytes(encodedString(id))
          o.byte(0x2c)
        }
        o.ascii('"text":')
        o.bytes(encodedString(text))
        o.byte(0x7d)
      }
      if (n === 0) o.bytes(NULL_BYTES)
      else o.byte(0x5d)
      lw.end()
      continue
    }
    const blocks: Table[] = []
    for (const part of parts) {
      const type = asString(b, get(part, 'type'))
      if (type === 'text') {
        const tm = get(part, 'text')
        blocks.push(
          new Map([
            ['type', TYPE_TEXT],
            ['text', tm === undefined ? NULL_BYTES : raw(tm)]
          ])
        )
      } else if (type === 'tool') {
        const t: Table = new Map()
        t.set('type', TYPE_TOOL_USE)
        const callId = get(part, 'callID')
        if (callId !== undefined) t.set('id', raw(callId))
        const tool = get(part, 'tool')
        if (tool !== undefined) t.set('name', raw(tool))
        const st = get(part, 'state')
        if (st !== undefined && (b[st.s] === 0x7b || b[st.s] === 0x6e)) {
          const state = b[st.s] === 0x7b ? members(b, st)! : []
          const inp = get(state, 'input')
          if (inp !== undefined) t.set('input', raw(inp))
          const status = asString(b, get(state, 'status'))
          t.set(
            'result',
            toolResultBytes(
              asString(b, get(state, 'output')),
              status !== '' && status !== 'completed'
            )
          )
        }
        blocks.push(t)
      }
    }
    lw.begin('assistant', ts, info.id ?? '', info.tokens?.input ?? 0, info.tokens?.output ?? 0)
    o.byte(0x5b)
    blocks.forEach((t, j) => {
      if (j > 0) o.byte(0x2c)
      writeTable(o, t)
    })
    o.byte(0x5d)
    lw.end()
  }
  return lw.lines
}
