// The one content change of the branch→refs conversion: the checkpoint's root metadata.json
// without `checkpoint_version` and with session paths made root-relative (git-refs-format.md §3.3).
// Upstream decodes into map[string]interface{} and re-encodes with jsonutil (sorted keys, two-space
// indent, HTML escaping off, trailing newline). The exact path uses the project's Go-compatible
// parser and encoder (src/formats/json); a native fast path gives the same bytes for the documents
// where JSON.parse/JSON.stringify provably agree with Go, and hands every other one to the exact path.
import { isUtf8 } from 'node:buffer'
import {
  encodeGoJson,
  parseJsonDocument,
  JsonSyntaxError,
  type GoValue,
  type JsonNode
} from '../json/index.js'
import { v1DirFor } from './ids.js'

export type NormaliseResult =
  /** Nothing to change: the original blob is kept byte for byte (§3.3 step 5). */
  | { changed: false }
  | {
      changed: true
      bytes: Buffer
      /** What changed, for reports: `checkpoint_version` removed, number of session strings stripped. */
      removedCheckpointVersion: boolean
      strippedPaths: number
    }

export class MetadataDecodeError extends Error {
  constructor(
    readonly checkpointId: string,
    readonly file: string,
    readonly reason: string
  ) {
    super(`checkpoint ${checkpointId}: ${file} cannot be decoded: ${reason}`)
    this.name = 'MetadataDecodeError'
  }
}

/** Go compares map keys by UTF-8 bytes; UTF-16 order agrees unless a key has a unit from U+D800 up. */
const HIGH_UNIT = /[\ud800-\uffff]/

function byteOrder(a: string, b: string): number {
  if (HIGH_UNIT.test(a) || HIGH_UNIT.test(b))
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
  return a < b ? -1 : a > b ? 1 : 0
}

/** Session strings that start with `/<id[0:2]>/<id[2:]>/` lose that prefix once (§3.3 step 4). */
function stripper(id: string): (s: string) => string | null {
  const prefix = '/' + v1DirFor(id)
  return (s) =>
    s.length > prefix.length && s.startsWith(prefix) && s[prefix.length] === '/'
      ? s.slice(prefix.length)
      : null
}

// ---------------------------------------------------------------------------------------------
// Exact path: Go's decoder (src/formats/json) into a generic value, Go's encoder out.

class NumberRangeError extends Error {}

/** The members of a decoded object as Go's map holds them: a repeated key keeps its last value. */
function lastMembers(node: JsonNode & { kind: 'object' }): Map<string, JsonNode> {
  const m = new Map<string, JsonNode>()
  for (const { key, value } of node.members) m.set(key, value)
  return m
}

/** A decoded interface{} value as encoding/json writes it back (map keys sorted, numbers float64). */
function genericValue(node: JsonNode, strip?: (s: string) => string | null): GoValue {
  switch (node.kind) {
    case 'null':
      return { t: 'null' }
    case 'bool':
      return { t: 'bool', v: node.value }
    case 'number': {
      const v = Number(node.raw)
      // Go: strconv.ParseFloat range error → the decode fails.
      if (!Number.isFinite(v))
        throw new NumberRangeError(`number ${node.raw} out of range for float64`)
      return { t: 'float', v }
    }
    case 'string':
      return { t: 'string', v: strip?.(node.value) ?? node.value }
    case 'array':
      return { t: 'array', items: node.items.map((n) => genericValue(n)) }
    case 'object': {
      const members = lastMembers(node)
      const keys = [...members.keys()].sort(byteOrder)
      return {
        t: 'object',
        fields: keys.map((k) => [k, genericValue(members.get(k) as JsonNode)])
      }
    }
  }
}

function normaliseExact(id: string, file: string, original: Uint8Array): NormaliseResult {
  let doc: JsonNode
  try {
    doc = parseJsonDocument(original)
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new MetadataDecodeError(id, file, e.message)
    throw e
  }
  if (doc.kind !== 'object')
    throw new MetadataDecodeError(id, file, 'the top-level value is not an object')
  const strip = stripper(id)
  try {
    const members = lastMembers(doc)
    const removedCheckpointVersion = members.delete('checkpoint_version')
    let strippedPaths = 0
    const counting = (s: string) => {
      const r = strip(s)
      if (r !== null) strippedPaths++
      return r
    }
    const fields: [string, GoValue][] = []
    for (const key of [...members.keys()].sort(byteOrder)) {
      const node = members.get(key) as JsonNode
      if (key !== 'sessions' || node.kind !== 'array') {
        fields.push([key, genericValue(node)])
        continue
      }
      // String members of each session object are stripped; nothing deeper is.
      const items: GoValue[] = node.items.map((s) => {
        if (s.kind !== 'object') return genericValue(s)
        const sm = lastMembers(s)
        return {
          t: 'object',
          fields: [...sm.keys()]
            .sort(byteOrder)
            .map((k): [string, GoValue] => [k, genericValue(sm.get(k) as JsonNode, counting)])
        }
      })
      fields.push([key, { t: 'array', items }])
    }
    if (!removedCheckpointVersion && strippedPaths === 0) return { changed: false }
    const bytes = encodeGoJson({ t: 'object', fields })
    return { changed: true, bytes, removedCheckpointVersion, strippedPaths }
  } catch (e) {
    if (e instanceof NumberRangeError) throw new MetadataDecodeError(id, file, e.message)
    throw e
  }
}

// ---------------------------------------------------------------------------------------------
// Fast path: JSON.parse / JSON.stringify where they give Go's bytes.

/** A fast-path input Go reads differently: hand the document to the exact path. */
class NotFast extends Error {}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/
/** Keys JavaScript objects would not keep in insertion order (array indices) or treat specially. */
const INDEX_KEY = /^(?:0|[1-9][0-9]{0,9})$/
const LINE_SEPARATORS = /[\u2028\u2029]/g

/**
 * The parsed value rebuilt with keys inserted in Go's order, so JSON.stringify writes them sorted.
 * Strings from valid UTF-8 without surrogate escapes hold no lone surrogate, so JSON.stringify
 * escapes them as Go does, except U+2028/U+2029 (fixed on the output).
 */
function sortedCopy(v: unknown): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Object.is(v, -0)) throw new NotFast()
    return v
  }
  if (v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) return v.map(sortedCopy)
  return sortedObject(v as Record<string, unknown>, sortedCopy)
}

function sortedObject(
  src: Record<string, unknown>,
  valueOf: (value: unknown, key: string) => unknown
): Record<string, unknown> {
  const keys = Object.keys(src)
  for (const k of keys) if (k === '__proto__' || INDEX_KEY.test(k)) throw new NotFast()
  keys.sort(byteOrder)
  const out: Record<string, unknown> = {}
  for (const k of keys) {
    const x = valueOf(src[k], k)
    if (x !== undefined) out[k] = x
  }
  return out
}

/** Same result as the exact path, or null when this document must take the exact path. */
function normaliseFast(id: string, original: Uint8Array): NormaliseResult | null {
  const buf = Buffer.isBuffer(original)
    ? original
    : Buffer.from(original.buffer, original.byteOffset, original.length)
  if (!isUtf8(buf)) return null
  const text = buf.toString('utf8')
  // A byte order mark is a syntax error for Go (and for JSON.parse): the exact path words it.
  if (text.charCodeAt(0) === 0xfeff || SURROGATE_ESCAPE.test(text)) return null
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return null // the exact path reports Go's error
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return null
  const top = doc as Record<string, unknown>
  const removedCheckpointVersion = Object.prototype.hasOwnProperty.call(top, 'checkpoint_version')
  let strippedPaths = 0
  const strip = stripper(id)
  const counting = (s: string) => {
    const r = strip(s)
    if (r !== null) strippedPaths++
    return r
  }
  // String members of each session object are stripped; nothing deeper is.
  const session = (x: unknown) => (typeof x === 'string' ? (counting(x) ?? x) : sortedCopy(x))
  let sorted: unknown
  try {
    sorted = sortedObject(top, (x, k) => {
      if (k === 'checkpoint_version') return undefined
      if (k !== 'sessions' || !Array.isArray(x)) return sortedCopy(x)
      return x.map((s) =>
        s !== null && typeof s === 'object' && !Array.isArray(s)
          ? sortedObject(s as Record<string, unknown>, session)
          : sortedCopy(s)
      )
    })
  } catch (e) {
    if (e instanceof NotFast) return null
    throw e
  }
  if (!removedCheckpointVersion && strippedPaths === 0) return { changed: false }
  let out = JSON.stringify(sorted, null, 2)
  if (out.includes('\u2028') || out.includes('\u2029'))
    out = out.replace(LINE_SEPARATORS, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'))
  return {
    changed: true,
    bytes: Buffer.from(out + '\n', 'utf8'),
    removedCheckpointVersion,
    strippedPaths
  }
}

/** Normalise the root metadata.json of checkpoint `id`. Throws MetadataDecodeError naming the file. */
export function normaliseRootMetadata(id: string, original: Uint8Array): NormaliseResult {
  return normaliseFast(id, original) ?? normaliseRootMetadataExact(id, original)
}

/** The exact path alone (tests check the fast path against it). */
export function normaliseRootMetadataExact(id: string, original: Uint8Array): NormaliseResult {
  return normaliseExact(id, `${v1DirFor(id)}/metadata.json`, original)
}
