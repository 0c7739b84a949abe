// The transcript position for line formats (the offset cache's key, migration.md §7.3), shared
// by the migration and the verifier, counts newlines natively and looks only at trailing lines:
// it must equal the line-by-line definition on any input and any split into pieces.
import { describe, expect, it } from '@jest/globals'
import { transcriptPosition } from '../src/formats/compact/index.js'
import { LineReader, isBlank, linePosition } from '../src/formats/compact/lines.js'
import { prng } from '../src/bench/synthetic.js'

/** Deterministic PRNG (mulberry32, the synthetic corpus's). */
const rng = prng

// Go's unicode.IsSpace set (ASCII, U+0085, U+00A0, U+2003, U+3000), and non-space look-alikes.
const ATOMS = ['a', '{"x":1}', ' ', '\t', '\r', '\v', '\n', '\n', '\n', '\u0085', '\u00a0'].concat([
  '\u2003',
  '\u3000',
  '\u200b',
  'é',
  '\u2028'
])

/** §7.3 line by line (the definition the converter used before): the reference. */
function lineByLine(input: Buffer | Buffer[]): number {
  const r = new LineReader((Array.isArray(input) ? input : [input]).filter((p) => p.length > 0))
  let pieces = 0
  let lastNonBlank = 0
  while (r.next()) {
    pieces++
    if (!isBlank(r.buf, r.s, r.e)) lastNonBlank = pieces
  }
  return lastNonBlank
}

function splitRandomly(b: Buffer, r: () => number): Buffer[] {
  const pieces: Buffer[] = []
  let at = 0
  while (at < b.length) {
    const n = Math.floor(r() * 6)
    pieces.push(b.subarray(at, Math.min(b.length, at + n)))
    if (r() < 0.2) pieces.push(Buffer.from('\n'))
    at += n
  }
  if (r() < 0.3) pieces.push(Buffer.alloc(0))
  return pieces
}

describe('compact: line position', () => {
  it('equals the line-by-line definition on random inputs split into random pieces', () => {
    const r = rng(7)
    for (let i = 0; i < 3000; i++) {
      const atoms: string[] = []
      const n = Math.floor(r() * 14)
      for (let j = 0; j < n; j++) atoms.push(ATOMS[Math.floor(r() * ATOMS.length)])
      const b = Buffer.from(atoms.join(''))
      const pieces = splitRandomly(b, r)
      const want = lineByLine(pieces)
      expect([i, linePosition(pieces)]).toEqual([i, want])
      expect([i, linePosition([b])]).toEqual([i, lineByLine(b)])
      expect([i, transcriptPosition(pieces, 'Claude Code')]).toEqual([i, want])
    }
  })

  it('counts lines up to the last non-blank one', () => {
    const p = (s: string) => linePosition([Buffer.from(s)])
    expect(p('')).toBe(0)
    expect(p('\n\n')).toBe(0)
    expect(p('a')).toBe(1)
    expect(p('a\nb\n')).toBe(2)
    expect(p('a\n\nb\n \u00a0\n\u3000')).toBe(3)
    expect(p('\n\na')).toBe(3)
    expect(linePosition([Buffer.from('a\nb'), Buffer.from('\n'), Buffer.from('c \n  ')])).toBe(3)
  })
})
