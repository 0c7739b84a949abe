// Format detection from content (compact-transcript.md §4); the metadata agent is never used.
import {
  sharedDoc,
  Doc,
  type Fields,
  type Span,
  decodeStruct,
  scanValue,
  trimBytes
} from './json.js'
import { LineReader, MAX_SCAN_LINE, contiguous, totalLength } from './lines.js'

export type Format = 'opencode' | 'gemini' | 'pi' | 'codex' | 'copilot' | 'droid' | 'jsonl'

const WS = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d)

/**
 * When the trimmed input is one JSON value starting with '{' (Go: TrimSpace, then Unmarshal):
 * the contiguous document and the value's span, else null. Several pieces are only joined when
 * the first piece does not already rule the input out (e.g. a JSONL file's second line).
 */
export interface SingleDoc {
  doc: Doc
  buf: Buffer
  span: Span
}

export function singleDocument(chunks: Buffer[]): SingleDoc | null {
  if (chunks.length === 0) return null
  if (chunks.length > 1) {
    const c = chunks[0]
    let s = 0
    while (s < c.length && WS(c[s])) s++
    if (s < c.length && c[s] < 0x80 && c[s] !== 0x7b) return null
    if (s < c.length && c[s] === 0x7b) {
      const end = scanValue(new Doc(c), s, c.length)
      if (end === -1) return null
      if (end >= 0) {
        let j = end
        while (j < c.length && WS(c[j])) j++
        if (j < c.length && c[j] < 0x80) return null
      }
    }
  }
  const buf = contiguous(chunks)
  const [s, e] = trimBytes(buf, 0, buf.length)
  if (s >= e || buf[s] !== 0x7b) return null
  const doc = new Doc(buf)
  if (scanValue(doc, s, e) !== e) return null
  return { doc, buf, span: { s, e } }
}

const INFO_MESSAGES: Fields = { info: 'rawptr', messages: 'rawptr' }
const GEMINI_PROBE: Fields = { sessionId: 'rawptr', messages: 'rawptr', info: 'rawptr' }

export function isOpenCodeDoc(d: SingleDoc | null): boolean {
  if (d === null) return false
  const p = decodeStruct(d.buf, d.span, INFO_MESSAGES)
  return p !== null && p.info !== undefined && p.messages !== undefined
}

export function isGeminiDoc(d: SingleDoc | null): boolean {
  if (d === null) return false
  const p = decodeStruct(d.buf, d.span, GEMINI_PROBE)
  return p !== null && p.sessionId !== undefined && p.messages !== undefined && p.info === undefined
}

const doc = sharedDoc()

/**
 * Runs the bounded scanner over lines with index >= fromLine, calling probe on each non-blank
 * line's decoded struct (null when it fails to decode). probe returns true/false to decide, or
 * undefined to keep scanning. A scan failure or the end decides false.
 */
function scanProbe(
  chunks: Buffer[],
  fromLine: number,
  fields: Fields,
  probe: (v: Record<string, unknown> | null) => boolean | undefined
): boolean {
  const r = new LineReader(chunks)
  while (r.next()) {
    if (r.index < fromLine) continue
    let e = r.e
    if (e - r.s >= MAX_SCAN_LINE) return false
    if (e > r.s && r.buf[e - 1] === 0x0d) e--
    const [s, t] = trimBytes(r.buf, r.s, e)
    if (s >= t) continue
    doc.reset(r.buf)
    const end = scanValue(doc, s, t)
    const v = end === t ? decodeStruct(r.buf, { s, e: t }, fields) : null
    const d = probe(v)
    if (d !== undefined) return d
  }
  return false
}

const TYPE_VERSION: Fields = { type: 'str', version: 'int' }
const TYPE_ONLY: Fields = { type: 'str' }
const TYPE_MESSAGE: Fields = { type: 'str', message: 'rawptr' }

export function isPiFormat(chunks: Buffer[]): boolean {
  return scanProbe(chunks, 0, TYPE_VERSION, (v) => {
    if (v === null) return false
    return v.type === 'session' && ((v.version as number | bigint | undefined) ?? 0) > 0
  })
}

const CODEX_TYPES = new Set(['session_meta', 'response_item', 'event_msg', 'turn_context'])

export function isCodexFormat(chunks: Buffer[]): boolean {
  return scanProbe(chunks, 0, TYPE_ONLY, (v) => {
    if (v === null) return undefined
    return CODEX_TYPES.has((v.type as string | undefined) ?? '')
  })
}

const COPILOT_YES = new Set([
  'session.start',
  'user.message',
  'assistant.message',
  'tool.execution_complete'
])
const COPILOT_NO = new Set(['user', 'assistant', 'human', 'message'])

export function isCopilotFormat(chunks: Buffer[], fromLine = 0): boolean {
  return scanProbe(chunks, fromLine, TYPE_ONLY, (v) => {
    if (v === null) return undefined
    const t = (v.type as string | undefined) ?? ''
    if (COPILOT_YES.has(t)) return true
    if (COPILOT_NO.has(t)) return false
    return undefined
  })
}

const DROID_NO = new Set([
  'user',
  'human',
  'assistant',
  'progress',
  'file-history-snapshot',
  'queue-operation',
  'system'
])

export function isDroidFormat(chunks: Buffer[], fromLine = 0): boolean {
  return scanProbe(chunks, fromLine, TYPE_MESSAGE, (v) => {
    if (v === null) return undefined
    const t = (v.type as string | undefined) ?? ''
    if (t === 'message' && v.message !== undefined) return true
    if (DROID_NO.has(t)) return false
    return undefined
  })
}

/** Steps 1-4 of §4 (on the whole input) then 5-7 (on the input sliced at fromLine). */
export function detectFormat(chunks: Buffer[], fromLine = 0): Format {
  if (totalLength(chunks) === 0) return 'jsonl'
  const d = singleDocument(chunks)
  if (isOpenCodeDoc(d)) return 'opencode'
  if (isGeminiDoc(d)) return 'gemini'
  if (isPiFormat(chunks)) return 'pi'
  if (isCodexFormat(chunks)) return 'codex'
  return detectSliced(chunks, fromLine)
}

/** Steps 5-7 of §4 on the input sliced at fromLine. */
export function detectSliced(chunks: Buffer[], fromLine: number): 'copilot' | 'droid' | 'jsonl' {
  if (isCopilotFormat(chunks, fromLine)) return 'copilot'
  if (isDroidFormat(chunks, fromLine)) return 'droid'
  return 'jsonl'
}
