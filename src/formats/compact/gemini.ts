// Gemini CLI session document (compact-transcript.md §11). The start line is a message index.
import {
  type Decoded,
  type Fields,
  type Span,
  asString,
  compacted,
  decodeStruct,
  elements,
  encodedString
} from './json.js'
import type { SingleDoc } from './detect.js'
import { stripIdeContextTags } from './text.js'
import {
  type LineWriter,
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
        id: 'str',
        timestamp: 'str',
        type: 'str',
        content: 'raw',
        toolCalls: {
          list: {
            obj: {
              id: 'str',
              name: 'str',
              args: 'raw',
              result: {
                list: {
                  obj: {
                    functionResponse: {
                      obj: { id: 'str', name: 'str', response: { obj: { output: 'str' } } }
                    }
                  }
                }
              },
              status: 'str'
            }
          }
        },
        tokens: { obj: { input: 'int', output: 'int' }, ptr: true }
      }
    }
  }
}

export interface GeminiParsed {
  d: SingleDoc
  messages: Decoded[]
}

/** Decodes the session; a type error anywhere is an error (§11). */
export function parseGemini(d: SingleDoc): GeminiParsed | { error: string } {
  const s = decodeStruct(d.buf, d.span, SESSION)
  if (s === null)
    return {
      error: 'parsing gemini session: the document does not match the Gemini session schema'
    }
  return { d, messages: s.messages ?? [] }
}

const PART: Fields = { text: 'str' }

function contentText(b: Buffer, raw: Span | undefined): string {
  if (raw === undefined) return ''
  const c = b[raw.s]
  if (c === 0x22 || c === 0x6e) return asString(b, raw)
  if (c !== 0x5b) return ''
  let out = ''
  for (const el of elements(b, raw)!) {
    const p = decodeStruct(b, el, PART)
    if (p === null) return ''
    out += p.text ?? ''
  }
  return out
}

export function messageCount(p: GeminiParsed): number {
  return p.messages.length
}

export function emitGemini(p: GeminiParsed, start: number, lw: LineWriter): number {
  const msgs = p.messages
  if (start > 0 && start >= msgs.length) return 0
  const b = p.d.buf
  for (let i = Math.max(0, start); i < msgs.length; i++) {
    const m = msgs[i]
    const type: string = m.type ?? ''
    if (type === 'user') {
      const text = stripIdeContextTags(contentText(b, m.content))
      if (text === '') continue
      if (lw.counting) {
        lw.lines++
        continue
      }
      lw.begin('user', encodedString(m.timestamp ?? ''))
      lw.out.ascii('[{"text":')
      lw.out.bytes(encodedString(text))
      lw.out.ascii('}]')
      lw.end()
    } else if (type === 'gemini') {
      const text = contentText(b, m.content)
      const calls: Decoded[] = m.toolCalls ?? []
      if (text === '' && calls.length === 0) continue
      if (lw.counting) {
        lw.lines++
        continue
      }
      const blocks: Table[] = []
      if (text !== '') {
        blocks.push(
          new Map([
            ['type', TYPE_TEXT],
            ['text', encodedString(text)]
          ])
        )
      }
      for (const tc of calls) {
        const t: Table = new Map()
        t.set('type', TYPE_TOOL_USE)
        t.set('id', encodedString(tc.id ?? ''))
        t.set('name', encodedString(tc.name ?? ''))
        const results: Decoded[] = tc.result ?? []
        const output: string =
          results.length > 0 ? (results[0].functionResponse?.response?.output ?? '') : ''
        const status: string = tc.status ?? ''
        t.set('result', toolResultBytes(output, status !== '' && status !== 'success'))
        if (tc.args !== undefined) t.set('input', compacted(p.d.doc, tc.args.s, tc.args.e))
        blocks.push(t)
      }
      lw.begin(
        'assistant',
        encodedString(m.timestamp ?? ''),
        m.id ?? '',
        m.tokens?.input ?? 0,
        m.tokens?.output ?? 0
      )
      const o = lw.out
      o.byte(0x5b)
      blocks.forEach((t, j) => {
        if (j > 0) o.byte(0x2c)
        writeTable(o, t)
      })
      o.byte(0x5d)
      lw.end()
    }
  }
  return lw.lines
}
