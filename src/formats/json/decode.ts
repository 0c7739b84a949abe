// Decoding into Go structs with the semantics of Go's encoding/json (Go 1.26), which the
// reference reader uses (json.Unmarshal into the v0.6.2 structs):
// - a syntax error anywhere fills nothing;
// - keys match exactly, else case-insensitively; unknown keys are ignored (we record them);
//   a repeated key is decoded again (the last one wins);
// - null leaves strings, numbers, bools and times unchanged and sets slices and pointers to nil;
// - a value of the wrong JSON type skips that field (or slice element), decoding continues and
//   the first such error is reported at the end;
// - an error from a custom unmarshaler (checkpoint id, time) stops decoding at that key:
//   earlier keys stay filled, later ones are not.

import {
  nodeBytes,
  parseJsonDocument,
  parseJsonPrefix,
  JsonSyntaxError,
  type JsonNode
} from './parse.js'
import { parseRfc3339, type GoTime } from './time.js'

export type FieldKind =
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'time'
  | 'checkpointId'
  | 'raw'
  | 'stringSlice'
  | { struct: StructSchema; pointer: boolean }
  | { structSlice: StructSchema }

export interface FieldSpec {
  /** JSON key (Go tag name). */
  json: string
  /** Property of the TS object. */
  prop: string
  kind: FieldKind
}

export interface StructSchema {
  /** Go type name, for error messages. */
  goName: string
  fields: FieldSpec[]
  /** A new zero value. */
  zero: () => Record<string, unknown>
}

export interface DecodeIssue {
  /** Dotted path of the key inside the document, e.g. `token_usage.input_tokens`. */
  path: string
  message: string
}

export interface DecodeResult<T> {
  /** The decoded value; partial when `error` is set (undefined after a syntax error). */
  value: T | undefined
  /** Go's error, if any: syntax, first type error, or the unmarshaler error that stopped decoding. */
  error?: { kind: 'syntax' | 'type' | 'stopped'; message: string; path?: string }
  /** Keys the schema does not know (ignored by Go), as paths. */
  unknownKeys: string[]
}

class StopDecode extends Error {
  constructor(
    readonly path: string,
    message: string
  ) {
    super(message)
  }
}

interface Ctx {
  src: Uint8Array
  typeError?: DecodeIssue
  unknownKeys: string[]
}

const CHECKPOINT_ID = /^[0-9a-f]{12}$/

function jsonKindName(n: JsonNode): string {
  switch (n.kind) {
    case 'object':
      return 'object'
    case 'array':
      return 'array'
    case 'string':
      return 'string'
    case 'number':
      return 'number'
    case 'bool':
      return 'bool'
    case 'null':
      return 'null'
  }
}

function kindGoName(k: FieldKind): string {
  if (typeof k === 'string') {
    return (
      {
        string: 'string',
        int: 'int',
        float: 'float64',
        bool: 'bool',
        time: 'time.Time',
        checkpointId: 'id.CheckpointID',
        raw: 'json.RawMessage',
        stringSlice: '[]string'
      } as const
    )[k]
  }
  if ('structSlice' in k) return '[]' + k.structSlice.goName
  return (k.pointer ? '*' : '') + k.struct.goName
}

function typeError(ctx: Ctx, path: string, node: JsonNode, goType: string): void {
  if (!ctx.typeError) {
    ctx.typeError = {
      path,
      message: `json: cannot unmarshal ${jsonKindName(node)} into Go struct field ${path} of type ${goType}`
    }
  }
}

/** Go's case folding for key matching (ASCII plus the two non-ASCII folds onto s and k). */
function fold(s: string): string {
  return s
    .toLowerCase()
    .replace(/\u017f/g, 's')
    .replace(/\u212a/g, 'k')
}

function findField(schema: StructSchema, key: string): FieldSpec | undefined {
  const exact = schema.fields.find((f) => f.json === key)
  if (exact) return exact
  const folded = fold(key)
  return schema.fields.find((f) => fold(f.json) === folded)
}

function decodeInt(ctx: Ctx, node: JsonNode, path: string): number | undefined {
  if (node.kind !== 'number' || !/^-?\d+$/.test(node.raw)) {
    typeError(ctx, path, node, 'int')
    return undefined
  }
  const big = BigInt(node.raw)
  if (big > 9223372036854775807n || big < -9223372036854775808n) {
    typeError(ctx, path, node, 'int')
    return undefined
  }
  return Number(big)
}

function decodeString(ctx: Ctx, node: JsonNode, path: string): string | undefined {
  if (node.kind === 'string') return node.value
  typeError(ctx, path, node, 'string')
  return undefined
}

function decodeField(
  ctx: Ctx,
  target: Record<string, unknown>,
  f: FieldSpec,
  node: JsonNode,
  path: string
): void {
  const k = f.kind
  if (typeof k === 'string') {
    switch (k) {
      case 'string':
        if (node.kind === 'null') return
        {
          const v = decodeString(ctx, node, path)
          if (v !== undefined) target[f.prop] = v
        }
        return
      case 'int': {
        if (node.kind === 'null') return
        const v = decodeInt(ctx, node, path)
        if (v !== undefined) target[f.prop] = v
        return
      }
      case 'float': {
        if (node.kind === 'null') return
        const v = node.kind === 'number' ? Number(node.raw) : NaN
        if (!Number.isFinite(v)) return typeError(ctx, path, node, 'float64')
        target[f.prop] = v
        return
      }
      case 'bool':
        if (node.kind === 'null') return
        if (node.kind !== 'bool') return typeError(ctx, path, node, 'bool')
        target[f.prop] = node.value
        return
      case 'time': {
        if (node.kind === 'null') return
        // Go's Time.UnmarshalJSON parses the bytes between the quotes without unescaping.
        const raw = nodeBytes(ctx.src, node)
        if (node.kind !== 'string') {
          throw new StopDecode(path, 'Time.UnmarshalJSON: input is not a JSON string')
        }
        const text = raw.subarray(1, raw.length - 1).toString('latin1')
        const t = parseRfc3339(text)
        if (!t)
          throw new StopDecode(path, `parsing time ${JSON.stringify(text)} as RFC 3339 failed`)
        target[f.prop] = t
        return
      }
      case 'checkpointId': {
        if (node.kind === 'null') {
          target[f.prop] = ''
          return
        }
        if (node.kind !== 'string') {
          throw new StopDecode(
            path,
            `failed to unmarshal checkpoint ID: json: cannot unmarshal ${jsonKindName(node)} into Go value of type string`
          )
        }
        if (node.value !== '' && !CHECKPOINT_ID.test(node.value)) {
          throw new StopDecode(
            path,
            `invalid checkpoint ID ${JSON.stringify(node.value)}: must be 12 lowercase hex characters`
          )
        }
        target[f.prop] = node.value
        return
      }
      case 'raw':
        target[f.prop] = Buffer.from(nodeBytes(ctx.src, node))
        return
      case 'stringSlice': {
        if (node.kind === 'null') {
          target[f.prop] = null
          return
        }
        if (node.kind !== 'array') return typeError(ctx, path, node, '[]string')
        target[f.prop] = node.items.map((item, i) =>
          item.kind === 'null' ? '' : (decodeString(ctx, item, `${path}[${i}]`) ?? '')
        )
        return
      }
    }
  }
  if ('structSlice' in k) {
    if (node.kind === 'null') {
      target[f.prop] = null
      return
    }
    if (node.kind !== 'array') return typeError(ctx, path, node, kindGoName(k))
    const items: Record<string, unknown>[] = []
    target[f.prop] = items
    node.items.forEach((item, i) => {
      const z = k.structSlice.zero()
      items.push(z)
      if (item.kind === 'null') return
      if (item.kind !== 'object') return typeError(ctx, `${path}[${i}]`, item, k.structSlice.goName)
      decodeObject(ctx, item, k.structSlice, z, `${path}[${i}]`)
    })
    return
  }
  // struct or pointer to struct
  if (node.kind === 'null') {
    if (k.pointer) target[f.prop] = null
    return
  }
  if (node.kind !== 'object') return typeError(ctx, path, node, kindGoName(k))
  let obj = target[f.prop] as Record<string, unknown> | null
  if (!obj) {
    obj = k.struct.zero()
    target[f.prop] = obj
  }
  decodeObject(ctx, node, k.struct, obj, path)
}

function decodeObject(
  ctx: Ctx,
  node: JsonNode & { kind: 'object' },
  schema: StructSchema,
  target: Record<string, unknown>,
  prefix: string
): void {
  for (const m of node.members) {
    const f = findField(schema, m.key)
    const path = prefix ? `${prefix}.${m.key}` : m.key
    if (!f) {
      ctx.unknownKeys.push(path)
      continue
    }
    decodeField(ctx, target, f, m.value, path)
  }
}

export interface DecodeOptions {
  /**
   * `unmarshal` (default): json.Unmarshal, the whole input must be one value.
   * `decoder`: json.NewDecoder(r).Decode, the first value only; what follows is never read
   * (the reference's readJSONFromBlob, used by its writers' slot search and finalize).
   */
  mode?: 'unmarshal' | 'decoder'
}

/** Decodes a document (json.Unmarshal, or json.Decoder) into a zero value of the schema. */
export function decodeGoStruct<T>(
  bytes: Uint8Array,
  schema: StructSchema,
  options: DecodeOptions = {}
): DecodeResult<T> {
  let root: JsonNode
  try {
    root = options.mode === 'decoder' ? parseJsonPrefix(bytes).node : parseJsonDocument(bytes)
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      return { value: undefined, error: { kind: 'syntax', message: e.message }, unknownKeys: [] }
    }
    if ((e as { name?: unknown } | null)?.name === 'RangeError') {
      // Nesting deep enough to exhaust the JS stack (Go stops at depth 10000): a syntax error.
      return {
        value: undefined,
        error: { kind: 'syntax', message: 'exceeded max depth' },
        unknownKeys: []
      }
    }
    throw e
  }
  const ctx: Ctx = { src: bytes, unknownKeys: [] }
  const value = schema.zero()
  if (root.kind === 'null') return { value: value as T, unknownKeys: [] }
  if (root.kind !== 'object') {
    return {
      value: value as T,
      error: {
        kind: 'type',
        message: `json: cannot unmarshal ${jsonKindName(root)} into Go value of type ${schema.goName}`
      },
      unknownKeys: []
    }
  }
  try {
    decodeObject(ctx, root, schema, value, '')
  } catch (e) {
    if (e instanceof StopDecode) {
      return {
        value: value as T,
        error: { kind: 'stopped', message: e.message, path: e.path },
        unknownKeys: ctx.unknownKeys
      }
    }
    throw e
  }
  if (ctx.typeError) {
    return {
      value: value as T,
      error: { kind: 'type', message: ctx.typeError.message, path: ctx.typeError.path },
      unknownKeys: ctx.unknownKeys
    }
  }
  return { value: value as T, unknownKeys: ctx.unknownKeys }
}

export type { GoTime }
