// Deterministic byte-wise mutations of the compact fixture inputs, for the differential tests of
// the converter's fast paths (compact-fastpath.test.ts). No imports from src/: the golden
// results in fixtures/compact/mutations.json were made by running these same cases through the
// converter as it was before the fast paths (commit 561383f), and must stay identical.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface MutationCase {
  name: string
  agent: string
  input: Buffer
}

/** xorshift32: the same sequence on every machine. */
export class Rng {
  constructor(private x: number) {}
  next(): number {
    let x = this.x
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.x = x >>> 0
    return this.x
  }
  int(n: number): number {
    return this.next() % n
  }
}

// Bytes and sequences that exercise the scanner's and transcoder's edges.
const BYTES = [
  0x22, 0x5c, 0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed,
  0xf0, 0xf4, 0xff, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x75, 0x30, 0x39, 0x65, 0x2d, 0x2e, 0x2b,
  0x3c, 0x3e, 0x26, 0x2f, 0x6e, 0x74, 0x66, 0x61
]
const SEQS = [
  '\\u00',
  '\\ud800',
  '\\udc00',
  '\\ud83d\\ude00',
  '\\u2028',
  '\\u003c',
  '\\"',
  '\\\\',
  '\\x',
  '\\',
  '"',
  '[]',
  '{}',
  '1e',
  '-0',
  '01',
  'true',
  'nul'
].map((s) => Buffer.from(s, 'latin1'))
const RAW = [
  [0xe2, 0x80, 0xa8],
  [0xe2, 0x80, 0xa9],
  [0xc3, 0x28],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xc2, 0xa0]
].map((a) => Buffer.from(a))

const SPECIAL = new Set([0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a])

/** One mutation of b: a byte replaced, inserted or deleted, or a sequence inserted. */
export function mutate(b: Buffer, rng: Rng): Buffer {
  if (b.length === 0) return Buffer.from([BYTES[rng.int(BYTES.length)]])
  let pos = rng.int(b.length)
  if (rng.int(2) === 0) {
    // near a structural byte: where the scanner's decisions are
    for (let k = 0; k < 64 && !SPECIAL.has(b[pos]); k++) pos = (pos + 1) % b.length
  }
  switch (rng.int(5)) {
    case 0: {
      const c = Buffer.from(b)
      c[pos] = BYTES[rng.int(BYTES.length)]
      return c
    }
    case 1:
      return Buffer.concat([
        b.subarray(0, pos),
        Buffer.from([BYTES[rng.int(BYTES.length)]]),
        b.subarray(pos)
      ])
    case 2:
      return Buffer.concat([b.subarray(0, pos), b.subarray(pos + 1)])
    case 3:
      return Buffer.concat([b.subarray(0, pos), SEQS[rng.int(SEQS.length)], b.subarray(pos)])
    default:
      return Buffer.concat([b.subarray(0, pos), RAW[rng.int(RAW.length)], b.subarray(pos)])
  }
}

function splitLines(b: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let s = 0; s < b.length;) {
    const q = b.indexOf(0x0a, s)
    const e = q === -1 ? b.length : q
    out.push(b.subarray(s, e))
    s = e + 1
  }
  return out
}

const SOURCES: { file: string; agent: string; doc?: boolean; cases: number }[] = [
  { file: 'claude/claude_full.jsonl', agent: 'Claude Code', cases: 260 },
  { file: 'claude/claude_full2.jsonl', agent: 'Claude Code', cases: 160 },
  { file: 'codex/codex_full.jsonl', agent: 'Codex', cases: 120 },
  { file: 'copilot/copilot_full.jsonl', agent: 'Copilot CLI', cases: 100 },
  { file: 'droid/droid_full.jsonl', agent: 'Factory AI Droid', cases: 100 },
  { file: 'gemini/gemini_full.jsonl', agent: 'Gemini CLI', doc: true, cases: 80 },
  { file: 'opencode/opencode_full.jsonl', agent: 'OpenCode', doc: true, cases: 20 }
]

/**
 * The cases: for line formats a window of up to 4 consecutive lines (< 64 KiB) with 1–3
 * mutations in one of them; for the single-document formats the document with 1–3 mutations.
 */
export function mutationCases(inputsDir: string): MutationCase[] {
  const cases: MutationCase[] = []
  for (const src of SOURCES) {
    const rng = new Rng(0x9e3779b9 ^ src.file.length ^ (src.cases << 8))
    const all = readFileSync(join(inputsDir, src.file))
    const lines = splitLines(all)
    for (let n = 0; n < src.cases; n++) {
      const times = 1 + rng.int(3)
      let input: Buffer
      if (src.doc) {
        let d: Buffer = all
        for (let t = 0; t < times; t++) d = mutate(d, rng)
        input = d
      } else {
        let start = rng.int(lines.length)
        const count = 1 + rng.int(4)
        let window = lines.slice(start, start + count)
        while (window.reduce((k, l) => k + l.length, 0) > 65536 && window.length > 0) {
          start = rng.int(lines.length)
          window = lines.slice(start, start + 1)
        }
        const which = rng.int(window.length)
        let l = window[which]
        for (let t = 0; t < times; t++) l = mutate(l, rng)
        window = [...window]
        window[which] = l
        input = Buffer.concat(window.flatMap((w) => [w, Buffer.from('\n')]))
      }
      cases.push({ name: `${src.file}#${n}`, agent: src.agent, input })
    }
  }
  return cases
}

type Result =
  | { kind: 'output'; bytes: Buffer; lines: number; offset?: number }
  | { kind: 'empty' }
  | { kind: 'error'; message: string }

/** The converter entry points a digest covers (the module's public API). */
export interface Converter {
  compact(
    input: Buffer | Buffer[],
    opts: { agent: string; cliVersion: string; startLine?: number }
  ): Result
  compactWithOffset(
    input: Buffer | Buffer[],
    opts: { agent: string; cliVersion: string; offsetStart: number }
  ): Result
  transcriptPosition(input: Buffer | Buffer[], agent: string): number | null
}

function describeResult(r: Result): string {
  if (r.kind === 'error') return `error ${r.message}`
  if (r.kind === 'empty') return 'empty'
  return `output ${r.lines} ${r.offset ?? '-'} ${createHash('sha256').update(r.bytes).digest('hex')}`
}

/**
 * What the converter gives for a case: the full conversion, one from start line 2, the
 * recomputed offset for raw starts 1 and 2, and the cache position.
 */
export function caseDigest(c: Converter, k: MutationCase): string {
  const opts = { agent: k.agent, cliVersion: '0.6.2' }
  return [
    describeResult(c.compact(k.input, opts)),
    describeResult(c.compact(k.input, { ...opts, startLine: 2 })),
    describeResult(c.compactWithOffset(k.input, { ...opts, offsetStart: 1 })),
    describeResult(c.compactWithOffset(k.input, { ...opts, offsetStart: 2 })),
    String(c.transcriptPosition(k.input, k.agent))
  ].join('; ')
}
