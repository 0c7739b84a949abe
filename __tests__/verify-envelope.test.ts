// The transcript envelope of an archive (min/max of top-level `timestamp` over raw transcript
// lines) decodes only the lines that hold the bytes `"timestamp"`: it must equal decoding the
// whole transcript and splitting it, on any bytes (invalid UTF-8, CRLF, BOM, nested keys).
import { describe, expect, it } from '@jest/globals'
import { timestampRange } from '../src/engine/verify/generations.js'
import { parseInstant } from '../src/engine/verify/values.js'
import { prng } from '../src/bench/synthetic.js'

/** The definition: decode everything, split on '\n', trim, parse each '{' line. */
function byDefinition(b: Buffer): [bigint, bigint] | undefined {
  let lo: bigint | undefined
  let hi: bigint | undefined
  for (const line of b.toString('utf8').split('\n')) {
    const l = line.trim()
    if (!l.startsWith('{') || !l.includes('"timestamp"')) continue
    let v: unknown
    try {
      v = JSON.parse(l)
    } catch {
      continue
    }
    const ts = (v as Record<string, unknown>)?.timestamp
    const t = typeof ts === 'string' && ts ? parseInstant(ts) : undefined
    if (t === undefined) continue
    if (lo === undefined || t < lo) lo = t
    if (hi === undefined || t > hi) hi = t
  }
  return lo === undefined || hi === undefined ? undefined : [lo, hi]
}

/** Deterministic PRNG (mulberry32, the synthetic corpus's). */
const rng = prng

const ts = (d: number) => `2026-01-${String(1 + (d % 28)).padStart(2, '0')}T10:00:00Z`
const PIECES: Array<(r: () => number) => Buffer> = [
  (r) => Buffer.from(JSON.stringify({ type: 'user', timestamp: ts(Math.floor(r() * 28)) })),
  (r) => Buffer.from(`  {"timestamp":"${ts(Math.floor(r() * 28))}","x":1}\r`),
  (r) => Buffer.from(JSON.stringify({ m: { timestamp: ts(Math.floor(r() * 28)) } })),
  (r) => Buffer.from(`x {"timestamp":"${ts(Math.floor(r() * 28))}"}`),
  () => Buffer.from('{"timestamp":""}'),
  () => Buffer.from('{"timestamp":"not a time"}'),
  () => Buffer.from('{"timestamp":'),
  () => Buffer.from('\ufeff{"timestamp":"2026-02-01T00:00:00Z"}'),
  () => Buffer.from([0xe2, 0x82]),
  () => Buffer.from([0xff, 0x22]),
  () => Buffer.from('"timestamp"'),
  () => Buffer.from('\n'),
  () => Buffer.from('\n'),
  () => Buffer.from('\u2028')
]

describe('verify: transcript timestamp envelope', () => {
  it('equals decoding the whole transcript and splitting it', () => {
    const r = rng(11)
    for (let i = 0; i < 4000; i++) {
      const parts: Buffer[] = []
      const n = Math.floor(r() * 12)
      for (let j = 0; j < n; j++) parts.push(PIECES[Math.floor(r() * PIECES.length)](r))
      const b = Buffer.concat(parts)
      expect([i, timestampRange(b)]).toEqual([i, byDefinition(b)])
    }
  })

  it('takes top-level timestamps only, across lines', () => {
    const b = Buffer.from(
      [
        '{"timestamp":"2026-01-05T00:00:00Z"}',
        '{"m":{"timestamp":"2020-01-01T00:00:00Z"}}',
        ' {"timestamp":"2026-01-02T00:00:00Z"} \r',
        '{"timestamp":"2026-01-09T00:00:00Z"}'
      ].join('\n')
    )
    expect(timestampRange(b)).toEqual([
      parseInstant('2026-01-02T00:00:00Z'),
      parseInstant('2026-01-09T00:00:00Z')
    ])
    expect(timestampRange(Buffer.from('{"a":1}\n'))).toBeUndefined()
  })
})
