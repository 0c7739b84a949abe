// Differential tests of the compact converter's fast paths: the word-at-a-time string scanner,
// the recorded containers and the one-loop transcoder must give exactly what the plain
// byte-by-byte versions gave, on inputs mutated byte-wise around every kind of edge.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as converter from '../src/formats/compact/index.js'
import {
  Doc,
  Out,
  decodeStringBody,
  elements,
  encodeString,
  members,
  scanValue,
  transcodeBody
} from '../src/formats/compact/json.js'
import { type Converter, Rng, caseDigest, mutate, mutationCases } from './compact-mutations.js'

const here = dirname(fileURLToPath(import.meta.url))
const inputs = join(here, 'fixtures', 'compact', 'inputs')

// ---------------------------------------------------------------------------------------------
// A plain reference validator: one byte at a time, Go's scanner rules (compact-transcript.md §3).
// Returns the index after the value, -1 on a syntax error, -2 when the input ends inside it.

function refValue(b: Buffer, i: number, end: number, depth: number): number {
  while (i < end && isWs(b[i])) i++
  if (i >= end) return -2
  const c = b[i]
  if (c === 0x22) return refString(b, i + 1, end)
  if (c === 0x7b || c === 0x5b) {
    if (depth >= 10000) return -1
    const obj = c === 0x7b
    i++
    while (i < end && isWs(b[i])) i++
    if (i >= end) return -2
    if (b[i] === (obj ? 0x7d : 0x5d)) return i + 1
    for (;;) {
      if (obj) {
        if (b[i] !== 0x22) return -1
        i = refString(b, i + 1, end)
        if (i < 0) return i
        while (i < end && isWs(b[i])) i++
        if (i >= end) return -2
        if (b[i] !== 0x3a) return -1
        i++
      }
      i = refValue(b, i, end, depth + 1)
      if (i < 0) return i
      while (i < end && isWs(b[i])) i++
      if (i >= end) return -2
      if (b[i] === 0x2c) {
        i++
        while (i < end && isWs(b[i])) i++
        if (i >= end) return -2
        continue
      }
      return b[i] === (obj ? 0x7d : 0x5d) ? i + 1 : -1
    }
  }
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(
      b.toString('latin1', i, end)
    )
    const prefix = /^-?(?:0|[1-9][0-9]*)?(?:\.[0-9]*)?(?:[eE][+-]?[0-9]*)?/.exec(
      b.toString('latin1', i, end)
    )!
    // a number cut off by the end of input is EOF, a bad byte inside it is an error
    if (m === null || m[0].length < prefix[0].length) {
      return i + prefix[0].length >= end ? -2 : -1
    }
    return i + m[0].length
  }
  for (const lit of ['true', 'false', 'null']) {
    if (c !== lit.charCodeAt(0)) continue
    for (let k = 0; k < lit.length; k++) {
      if (i + k >= end) return -2
      if (b[i + k] !== lit.charCodeAt(k)) return -1
    }
    return i + lit.length
  }
  return -1
}

function refString(b: Buffer, i: number, end: number): number {
  for (;;) {
    if (i >= end) return -2
    const c = b[i]
    if (c === 0x22) return i + 1
    if (c < 0x20) return -1
    if (c !== 0x5c) {
      i++
      continue
    }
    if (i + 1 >= end) return -2
    const d = b[i + 1]
    if (d === 0x75) {
      for (let k = 2; k < 6; k++) {
        if (i + k >= end) return -2
        if (!/[0-9a-fA-F]/.test(String.fromCharCode(b[i + k]))) return -1
      }
      i += 6
    } else if ('"\\/bfnrt'.includes(String.fromCharCode(d))) i += 2
    else return -1
  }
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

/** The fast scanner on b placed at byte offset `shift` of a buffer, with `tail` after it. */
function fastScan(b: Buffer, shift: number, tail: Buffer): number {
  const host = Buffer.alloc(shift + b.length + tail.length + 8, 0x41)
  b.copy(host, shift)
  tail.copy(host, shift + b.length)
  const v = host.subarray(shift, shift + b.length + tail.length)
  const r = scanValue(new Doc(v), 0, b.length)
  return r
}

function fixtureLines(): Buffer[] {
  const out: Buffer[] = []
  for (const f of [
    'claude/claude_full.jsonl',
    'codex/codex_full.jsonl',
    'copilot/copilot_full.jsonl',
    'droid/droid_full.jsonl'
  ]) {
    const all = readFileSync(join(inputs, f))
    for (let s = 0; s < all.length;) {
      const q = all.indexOf(0x0a, s)
      const e = q === -1 ? all.length : q
      if (e > s && e - s < 20000) out.push(all.subarray(s, e))
      s = e + 1
    }
  }
  return out
}

describe('string scanner (word at a time) against a byte-by-byte reference', () => {
  const lines = fixtureLines()
  const tails = [Buffer.from('"'), Buffer.from('\n'), Buffer.from('  "x"'), Buffer.alloc(0)]

  it('agrees on every fixture line and 3000 mutated ones, at every alignment', () => {
    const rng = new Rng(12345)
    let valid = 0
    let checked = 0
    for (let n = 0; n < 3000 + lines.length; n++) {
      let b = lines[n % lines.length]
      if (n >= lines.length) for (let t = 1 + rng.int(3); t > 0; t--) b = mutate(b, rng)
      const want = refValue(b, 0, b.length, 0)
      for (let shift = 0; shift < 4; shift++) {
        const got = fastScan(b, shift, tails[(n + shift) % tails.length])
        if (got !== want) throw new Error(`line ${n} shift ${shift}: ${got} != ${want}`)
        checked++
      }
      // Go's json.Valid = JSON.parse of the bytes as Latin-1 (below the depth limit)
      let parses = true
      try {
        JSON.parse(b.toString('latin1'))
      } catch {
        parses = false
      }
      let k = want
      while (k >= 0 && k < b.length && isWs(b[k])) k++
      expect(parses).toBe(k === b.length)
      if (k === b.length) valid++
    }
    expect(checked).toBeGreaterThan(12000)
    expect(valid).toBeGreaterThan(1000)
  })

  it('agrees on short strings cut at every length (the word loop and its tail)', () => {
    const body = Buffer.from('ab\\"c\\u00e9\\\\d\\nxyz\u00e9\u2028 0123456789<>&\\/\\t', 'utf8')
    for (let len = 0; len <= body.length + 1; len++) {
      const s = Buffer.concat([Buffer.from('"'), body.subarray(0, len), Buffer.from('"')])
      for (let shift = 0; shift < 4; shift++) {
        expect(fastScan(s, shift, Buffer.from('"'))).toBe(refValue(s, 0, s.length, 0))
        const cut = s.subarray(0, s.length - 1)
        expect(fastScan(cut, shift, Buffer.from('"\n'))).toBe(refValue(cut, 0, cut.length, 0))
      }
    }
  })

  it('keeps Go’s nesting limit of 10000', () => {
    const ok = Buffer.from('['.repeat(10000) + ']'.repeat(10000))
    const deep = Buffer.from('['.repeat(10001) + ']'.repeat(10001))
    expect(fastScan(ok, 1, Buffer.alloc(0))).toBe(ok.length)
    expect(fastScan(deep, 1, Buffer.alloc(0))).toBe(-1)
    const objs = Buffer.from('{"a":'.repeat(10001) + '1' + '}'.repeat(10001))
    expect(fastScan(objs, 2, Buffer.alloc(0))).toBe(-1)
  })

  it('records the same members and elements as a fresh skip-scan', () => {
    const rng = new Rng(777)
    for (let n = 0; n < 400; n++) {
      const b = lines[rng.int(lines.length)]
      const doc = new Doc(b)
      if (scanValue(doc, 0, b.length) !== b.length) continue
      // recorded (from the scan) vs skip-scan (the same spans on a copy no scan has seen)
      const copy = Buffer.from(b)
      const walk = (sp: { s: number; e: number }, level: number): void => {
        if (level > 5) return
        const c = b[sp.s]
        if (c === 0x7b) {
          const a = members(b, sp)!
          const r = members(copy, sp)!
          expect(a).toEqual(r)
          for (const m of a) walk(m, level + 1)
        } else if (c === 0x5b) {
          const a = elements(b, sp)!
          expect(a).toEqual(elements(copy, sp)!)
          for (const el of a) walk(el, level + 1)
        }
      }
      walk({ s: 0, e: b.length }, 0)
    }
  })
})

describe('tool-output transcoding', () => {
  it('equals encodeString(decodeStringBody(...)) on mutated string bodies', () => {
    const rng = new Rng(4242)
    const seeds = [
      'plain text',
      'line\\nnext\\ttab \\"q\\" \\\\ \\/ \\b\\f\\r',
      '<a href="x">&amp;</a> \u2028 \u2029 caf\u00e9 \ud83d\ude00',
      '\\u003c\\u2028\\ud800\\udc00\\ud800x\\udc00\\u0000\\u001f\\u00e9',
      '\u00e2\u0080 e2 alone'
    ].map((s) => Buffer.from(s, 'utf8'))
    const raw = [Buffer.from([0xc3, 0x28]), Buffer.from([0xe2, 0x82]), Buffer.from([0xff, 0xe2])]
    let checked = 0
    for (let n = 0; n < 4000; n++) {
      let b: Buffer = seeds[n % seeds.length]
      for (let t = rng.int(4); t > 0; t--) b = mutate(b, rng)
      if (n % 7 === 0) b = Buffer.concat([b, raw[n % raw.length], b])
      // only bodies the scanner accepts as one string reach the transcoder
      const s = Buffer.concat([Buffer.from('"'), b, Buffer.from('"')])
      if (refValue(s, 0, s.length, 0) !== s.length) continue
      const o1 = new Out(8)
      transcodeBody(o1, s, 1, s.length - 1)
      const o2 = new Out(8)
      encodeString(o2, decodeStringBody(s, 1, s.length - 1))
      expect(o1.view().toString('latin1')).toBe(o2.view().toString('latin1'))
      checked++
    }
    expect(checked).toBeGreaterThan(1000)
  })
})

describe('whole converter on mutated fixture inputs', () => {
  const golden = JSON.parse(
    readFileSync(join(here, 'fixtures', 'compact', 'mutations.json'), 'utf8')
  ) as Record<string, string>
  it('gives what the converter gave before the fast paths, case by case', () => {
    const cases = mutationCases(inputs)
    expect(cases.length).toBe(Object.keys(golden).length)
    for (const k of cases) {
      const got = caseDigest(converter as unknown as Converter, k)
      if (got !== golden[k.name]) throw new Error(`${k.name}: ${got}\n  want ${golden[k.name]}`)
    }
  })
})
