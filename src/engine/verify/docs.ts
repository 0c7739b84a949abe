// JSON documents as the verifier sees them: parsed with the Go-like byte parser of
// src/formats/json (so raw members keep their bytes), plus a plain JavaScript view for value
// comparisons, and the v2 document schemas (key order + omitempty) used to re-encode them.
import { parseJsonDocument, nodeBytes, type JsonNode } from '../../formats/json/parse.js'
import { encodeGoJson, gv, type GoValue } from '../../formats/json/encode.js'
import { parseRfc3339 } from '../../formats/json/time.js'

export interface Doc {
  bytes: Buffer
  node?: JsonNode
  /** Plain value (objects: last duplicate key wins; numbers: JavaScript numbers). */
  value?: unknown
  error?: string
}

/**
 * Parsed documents by blob buffer: the same metadata blob is read by several checks. Kept until
 * `forgetParsedDocs` (the verifier calls it after each batch): memoising on blobs that lived for the
 * whole run kept every parsed document too, and with 10,000 checkpoints
 * the collector's work on that heap made verification slower than the migration.
 */
const parsed = new Map<Buffer, Doc>()

/** Drop the memoised documents (they are parsed again when asked for). */
export function forgetParsedDocs(): void {
  parsed.clear()
}

/** The document in `bytes` (memoised per buffer; callers only read the result). */
export function parseDoc(bytes: Buffer): Doc {
  const hit = parsed.get(bytes)
  if (hit) return hit
  let doc: Doc
  try {
    const node = parseJsonDocument(bytes)
    doc = { bytes, node, value: plain(node) }
  } catch (e) {
    doc = { bytes, error: e instanceof Error ? e.message : String(e) }
  }
  parsed.set(bytes, doc)
  return doc
}

export function plain(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const o: Record<string, unknown> = {}
      for (const m of node.members) o[m.key] = plain(m.value)
      return o
    }
    case 'array':
      return node.items.map(plain)
    case 'string':
      return node.value
    case 'number':
      return Number(node.raw)
    case 'bool':
      return node.value
    case 'null':
      return null
  }
}

/** Member node of an object node (last duplicate wins), or undefined. */
export function memberNode(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (!node || node.kind !== 'object') return undefined
  let found: JsonNode | undefined
  for (const m of node.members) if (m.key === key) found = m.value
  return found
}

/** Raw bytes of a top-level member, or undefined when absent. */
export function rawMember(doc: Doc, key: string): Buffer | undefined {
  const n = memberNode(doc.node, key)
  return n ? nodeBytes(doc.bytes, n) : undefined
}

export function obj(doc: Doc | undefined): Record<string, unknown> | undefined {
  const v = doc?.value
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

export function int(v: unknown): number {
  return typeof v === 'number' ? v : 0
}

// ---- v2 document schemas (v2-format.md §4.1–§4.4, §6.4) --------------------------------------

export type Enc =
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'time'
  | 'strings'
  | 'raw'
  | { fields: EncField[] }
  | { items: Enc }

/** [key, type, omitempty] */
export type EncField = [string, Enc, boolean]

const TOKENS: EncField[] = [
  ['input_tokens', 'int', false],
  ['cache_creation_tokens', 'int', false],
  ['cache_read_tokens', 'int', false],
  ['output_tokens', 'int', false],
  ['api_call_count', 'int', false]
]
const TOKEN_USAGE: Enc = { fields: [...TOKENS, ['subagent_tokens', { fields: TOKENS }, true]] }
const ATTRIBUTION: Enc = {
  fields: [
    ['calculated_at', 'time', false],
    ['agent_lines', 'int', false],
    ['agent_removed', 'int', false],
    ['human_added', 'int', false],
    ['human_modified', 'int', false],
    ['human_removed', 'int', false],
    ['total_committed', 'int', false],
    ['total_lines_changed', 'int', false],
    ['agent_percentage', 'float', false],
    ['metric_version', 'int', true]
  ]
}
const SUMMARY: Enc = {
  fields: [
    ['intent', 'string', false],
    ['outcome', 'string', false],
    [
      'learnings',
      {
        fields: [
          ['repo', 'strings', false],
          [
            'code',
            {
              items: {
                fields: [
                  ['path', 'string', false],
                  ['line', 'int', true],
                  ['end_line', 'int', true],
                  ['finding', 'string', false]
                ]
              }
            },
            false
          ],
          ['workflow', 'strings', false]
        ]
      },
      false
    ],
    ['friction', 'strings', false],
    ['open_items', 'strings', false]
  ]
}

export const SESSION_METADATA_ENC: Enc = {
  fields: [
    ['cli_version', 'string', true],
    ['checkpoint_id', 'string', false],
    ['session_id', 'string', false],
    ['strategy', 'string', false],
    ['created_at', 'time', false],
    ['branch', 'string', true],
    ['checkpoints_count', 'int', false],
    ['files_touched', 'strings', false],
    ['agent', 'string', true],
    ['model', 'string', false],
    ['turn_id', 'string', true],
    ['is_task', 'bool', true],
    ['tool_use_id', 'string', true],
    ['transcript_identifier_at_start', 'string', true],
    ['checkpoint_transcript_start', 'int', true],
    ['transcript_lines_at_start', 'int', true],
    ['token_usage', TOKEN_USAGE, true],
    [
      'session_metrics',
      {
        fields: [
          ['duration_ms', 'int', true],
          ['turn_count', 'int', true],
          ['context_tokens', 'int', true],
          ['context_window_size', 'int', true]
        ]
      },
      true
    ],
    ['summary', SUMMARY, true],
    ['initial_attribution', ATTRIBUTION, true],
    ['prompt_attributions', 'raw', true],
    ['kind', 'string', true],
    ['review_skills', 'strings', true],
    ['review_prompt', 'string', true]
  ]
}

export const SUMMARY_ENC: Enc = {
  fields: [
    ['cli_version', 'string', true],
    ['checkpoint_id', 'string', false],
    ['strategy', 'string', false],
    ['branch', 'string', true],
    ['checkpoints_count', 'int', false],
    ['files_touched', 'strings', false],
    [
      'sessions',
      {
        items: {
          fields: [
            ['metadata', 'string', false],
            ['transcript', 'string', true],
            ['content_hash', 'string', true],
            ['prompt', 'string', false]
          ]
        }
      },
      false
    ],
    ['token_usage', TOKEN_USAGE, true],
    ['combined_attribution', ATTRIBUTION, true],
    ['has_review', 'bool', true]
  ]
}

export const GENERATION_ENC: Enc = {
  fields: [
    ['oldest_checkpoint_at', 'time', false],
    ['newest_checkpoint_at', 'time', false]
  ]
}

/**
 * What Go would write after decoding `doc` into the struct described by `enc` and encoding it
 * again (key order, omitempty, Go string/float/time spelling, raw members re-indented). Throws
 * when a value cannot be decoded into its field (the caller reports it).
 */
export function reencode(doc: Doc, enc: Enc): Buffer {
  if (!doc.node) throw new Error(doc.error ?? 'not JSON')
  return encodeGoJson(toGo(doc, doc.node, enc))
}

function toGo(doc: Doc, node: JsonNode | undefined, enc: Enc): GoValue {
  if (enc === 'string') return gv.str(node?.kind === 'string' ? node.value : '')
  if (enc === 'int') return gv.int(node?.kind === 'number' ? Number(node.raw) : 0)
  if (enc === 'float') return gv.float(node?.kind === 'number' ? Number(node.raw) : 0)
  if (enc === 'bool') return gv.bool(node?.kind === 'bool' ? node.value : false)
  if (enc === 'time') {
    const t = node?.kind === 'string' ? parseRfc3339(node.value) : undefined
    if (node?.kind === 'string' && !t) throw new Error(`invalid time ${JSON.stringify(node.value)}`)
    return t ? gv.time(t) : gv.time({ unixSeconds: -62135596800, nanos: 0, offsetSeconds: 0 })
  }
  if (enc === 'raw') return node ? gv.raw(nodeBytes(doc.bytes, node)) : gv.null
  if (enc === 'strings') {
    if (node?.kind !== 'array') return gv.null
    return gv.arr(node.items.map((n) => gv.str(n.kind === 'string' ? n.value : '')))
  }
  if ('items' in enc) {
    if (node?.kind !== 'array') return gv.null
    return gv.arr(node.items.map((n) => toGo(doc, n, enc.items)))
  }
  if (node?.kind !== 'object') return gv.null
  const fields: [string, GoValue][] = []
  for (const [key, fenc, omit] of enc.fields) {
    const child = memberNode(node, key)
    if (omit && isOmitted(child, fenc)) continue
    fields.push([key, toGo(doc, child, fenc)])
  }
  return gv.obj(fields)
}

function isOmitted(node: JsonNode | undefined, enc: Enc): boolean {
  if (!node) return true
  // A RawMessage holding `null` has length 4 and is kept.
  if (enc === 'raw') return false
  if (node.kind === 'null') return true
  if (enc === 'string') return node.kind !== 'string' || node.value === ''
  if (enc === 'int' || enc === 'float') return node.kind !== 'number' || Number(node.raw) === 0
  if (enc === 'bool') return node.kind !== 'bool' || !node.value
  if (enc === 'strings' || (typeof enc === 'object' && 'items' in enc)) {
    return node.kind !== 'array' || node.items.length === 0
  }
  return false
}
