// Value-level helpers for comparing v1 and v2 JSON the way the Go decoder sees it: times as
// exact instants (nanoseconds, offsets applied), raw JSON compared after whitespace removal,
// and schema projections that drop what the Go structs do not decode.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/

/** Nanoseconds since the Unix epoch, or undefined when the text is not RFC 3339. */
export function parseInstant(text: string): bigint | undefined {
  const m = RFC3339.exec(text)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, frac, zone] = m
  // Date.UTC maps years 0–99 to 1900+; setUTCFullYear does not (Go's zero time is year 1).
  const date = new Date(0)
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d))
  date.setUTCHours(Number(h), Number(mi), Number(s), 0)
  const ms = date.getTime()
  if (Number.isNaN(ms)) return undefined
  let ns = BigInt(ms) * 1_000_000n + BigInt((frac ?? '').padEnd(9, '0') || '0')
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1n : 1n
    const off = BigInt(Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)))
    ns -= sign * off * 60_000_000_000n
  }
  return ns
}

/** Go's zero time `0001-01-01T00:00:00Z` in the same unit. */
export const GO_ZERO_TIME = parseInstant('0001-01-01T00:00:00Z') as bigint

/** Canonical text of an instant (UTC, nanosecond digits trimmed), for reports and comparisons. */
export function formatInstant(ns: bigint): string {
  const ms = ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n)
  const rest = ns - ms * 1_000_000n
  const iso = new Date(Number(ms)).toISOString() // YYYY-MM-DDTHH:MM:SS.mmmZ
  const frac = (iso.slice(20, 23) + rest.toString().padStart(6, '0')).replace(/0+$/, '')
  return iso.slice(0, 19) + (frac ? '.' + frac : '') + 'Z'
}

/** Compare two byte strings (UTF-8 encoded) like Go `sort.Strings`. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

function scanString(t: string, i: number): number {
  i++
  while (i < t.length) {
    const c = t[i]
    if (c === '\\') i += 2
    else if (c === '"') return i + 1
    else i++
  }
  return i
}

/** Raw JSON text with insignificant whitespace removed (strings untouched). */
export function compactRaw(text: string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === '"') {
      const end = scanString(text, i)
      out += text.slice(i, end)
      i = end
    } else {
      if (!(c === ' ' || c === '\n' || c === '\r' || c === '\t')) out += c
      i++
    }
  }
  return out
}

// ---- schema projection ---------------------------------------------------------------

export type Schema =
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'time'
  | 'strings'
  | { object: Array<[string, Schema]> }
  | { array: Schema }

export interface Projection {
  value: unknown
  /** Paths of keys present in the input that the schema does not know (Go drops them). */
  unknown: string[]
}

/**
 * The value the Go decoder would hold for `input` under `schema`, as a plain comparable value:
 * missing/null scalars become zero values, times become canonical instants, objects keep only
 * known keys, nil objects and slices stay null.
 */
export function project(input: unknown, schema: Schema, path = ''): Projection {
  const unknown: string[] = []
  const value = projectInto(input, schema, path, unknown)
  return { value, unknown }
}

function projectInto(input: unknown, schema: Schema, path: string, unknown: string[]): unknown {
  if (schema === 'string') return typeof input === 'string' ? input : ''
  if (schema === 'int' || schema === 'float') return typeof input === 'number' ? input : 0
  if (schema === 'bool') return input === true
  if (schema === 'time') {
    if (typeof input !== 'string') return formatInstant(GO_ZERO_TIME)
    const ns = parseInstant(input)
    return ns === undefined ? `invalid:${input}` : formatInstant(ns)
  }
  if (schema === 'strings') {
    if (!Array.isArray(input)) return null
    return input.map((s) => (typeof s === 'string' ? s : ''))
  }
  if ('array' in schema) {
    if (!Array.isArray(input)) return null
    return input.map((v, i) => projectInto(v, schema.array, `${path}[${i}]`, unknown))
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return null
  const obj = input as Record<string, unknown>
  const known = new Set(schema.object.map(([k]) => k))
  for (const k of Object.keys(obj)) {
    if (!known.has(k) && !isEmptyValue(obj[k])) unknown.push(path ? `${path}.${k}` : k)
  }
  const out: Record<string, unknown> = {}
  for (const [k, s] of schema.object)
    out[k] = projectInto(obj[k], s, path ? `${path}.${k}` : k, unknown)
  return out
}

/** A value that carries no information (what "had a value" excludes). */
export function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true
  if (Array.isArray(v)) return v.length === 0
  return false
}

/** Stable JSON text of a projected value, for equality and for reports. */
export function canonical(v: unknown): string {
  return JSON.stringify(v)
}

// ---- the v0.6.2 schemas the migration decodes and writes --------------------------------

const TOKENS_BASE: Array<[string, Schema]> = [
  ['input_tokens', 'int'],
  ['cache_creation_tokens', 'int'],
  ['cache_read_tokens', 'int'],
  ['output_tokens', 'int'],
  ['api_call_count', 'int']
]
export const TOKEN_USAGE: Schema = {
  object: [...TOKENS_BASE, ['subagent_tokens', { object: TOKENS_BASE }]]
}
export const TOKEN_USAGE_SUM: Schema = { object: TOKENS_BASE }

export const ATTRIBUTION: Schema = {
  object: [
    ['calculated_at', 'time'],
    ['agent_lines', 'int'],
    ['agent_removed', 'int'],
    ['human_added', 'int'],
    ['human_modified', 'int'],
    ['human_removed', 'int'],
    ['total_committed', 'int'],
    ['total_lines_changed', 'int'],
    ['agent_percentage', 'float'],
    ['metric_version', 'int']
  ]
}

export const SESSION_METRICS: Schema = {
  object: [
    ['duration_ms', 'int'],
    ['turn_count', 'int'],
    ['context_tokens', 'int'],
    ['context_window_size', 'int']
  ]
}

export const SUMMARY: Schema = {
  object: [
    ['intent', 'string'],
    ['outcome', 'string'],
    [
      'learnings',
      {
        object: [
          ['repo', 'strings'],
          [
            'code',
            {
              array: {
                object: [
                  ['path', 'string'],
                  ['line', 'int'],
                  ['end_line', 'int'],
                  ['finding', 'string']
                ]
              }
            }
          ],
          ['workflow', 'strings']
        ]
      }
    ],
    ['friction', 'strings'],
    ['open_items', 'strings']
  ]
}

/** Session metadata fields the migration copies from v1 to v2 (migration.md §6.2). */
export const COPIED_SESSION_FIELDS: Array<[string, Schema]> = [
  ['session_id', 'string'],
  ['strategy', 'string'],
  ['created_at', 'time'],
  ['branch', 'string'],
  ['checkpoints_count', 'int'],
  ['files_touched', 'strings'],
  ['agent', 'string'],
  ['model', 'string'],
  ['turn_id', 'string'],
  ['is_task', 'bool'],
  ['tool_use_id', 'string'],
  ['transcript_identifier_at_start', 'string'],
  ['token_usage', TOKEN_USAGE],
  ['session_metrics', SESSION_METRICS],
  ['summary', SUMMARY],
  ['initial_attribution', ATTRIBUTION]
]

/** Every key v0.6.2 decodes in session metadata (others are dropped by the migration). */
export const DECODED_SESSION_KEYS = new Set([
  'cli_version',
  'checkpoint_id',
  ...COPIED_SESSION_FIELDS.map(([k]) => k),
  'checkpoint_transcript_start',
  'transcript_lines_at_start',
  'prompt_attributions',
  'kind',
  'review_skills',
  'review_prompt'
])

/** Decoded by v0.6.2 but never written by the migration (migration.md §6.2, §6.7). */
export const NEVER_WRITTEN_SESSION_KEYS = [
  'transcript_lines_at_start',
  'kind',
  'review_skills',
  'review_prompt'
]

/** Every key v0.6.2 decodes in a checkpoint summary. */
export const DECODED_SUMMARY_KEYS = new Set([
  'cli_version',
  'checkpoint_id',
  'strategy',
  'branch',
  'checkpoints_count',
  'files_touched',
  'sessions',
  'token_usage',
  'combined_attribution',
  'has_review'
])
