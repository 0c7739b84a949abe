// The compact converter's reuse of earlier inputs' parsed lines (src/formats/compact/history.ts)
// must never change a result: every conversion with a history equals the conversion without,
// whatever the earlier input was (a prefix, a longer input, a different one, cut mid-line,
// split into other pieces), and what the history holds stays within its budget.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CompactHistory, compactWithOffsets } from '../src/formats/compact/index.js'
import { commonPrefix } from '../src/formats/compact/history.js'
import { Rng, mutate } from './compact-mutations.js'

const here = dirname(fileURLToPath(import.meta.url))
const inputs = join(here, 'fixtures', 'compact', 'inputs')
const read = (p: string): Buffer => readFileSync(join(inputs, p))

const LINE_FORMATS: Array<[string, string]> = [
  ['claude/claude_full.jsonl', 'Claude Code'],
  ['claude/claude_full2.jsonl', 'Claude Code'],
  ['droid/droid_full.jsonl', 'Factory AI Droid'],
  ['copilot/copilot_full.jsonl', 'Copilot CLI'],
  ['codex/codex_full.jsonl', 'Codex']
]

/** Split b into pieces at random offsets (the engine hands transcripts over as pieces). */
function pieces(b: Buffer, rng: Rng): Buffer[] {
  const out: Buffer[] = []
  let i = 0
  while (i < b.length) {
    const n = 1 + rng.int(Math.max(1, Math.min(b.length - i, 1 + rng.int(40000))))
    out.push(b.subarray(i, i + n))
    i += n
  }
  return out
}

/** Offsets just past each '\n'. */
function lineEnds(b: Buffer): number[] {
  const out: number[] = []
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) out.push(i + 1)
  return out
}

function digest(r: ReturnType<typeof compactWithOffsets>): unknown {
  return r.kind === 'output'
    ? { kind: r.kind, bytes: r.bytes.toString('latin1'), lines: r.lines, offsets: r.offsets }
    : r
}

describe('compact history', () => {
  it('commonPrefix counts equal bytes across any split into pieces', () => {
    const rng = new Rng(7)
    const base = read('claude/claude_full.jsonl')
    for (let t = 0; t < 300; t++) {
      let other = Buffer.from(base)
      const at = rng.int(base.length + 1)
      if (at < base.length) other[at] ^= 1 + rng.int(255)
      if (rng.int(3) === 0) other = other.subarray(0, rng.int(other.length + 1))
      let expected = 0
      while (expected < Math.min(base.length, other.length) && base[expected] === other[expected])
        expected++
      const limit = rng.int(base.length + 1)
      expect(commonPrefix(pieces(other, rng), pieces(base, rng), limit)).toBe(
        Math.min(expected, limit)
      )
    }
  })

  it.each(LINE_FORMATS)(
    '%s: growing, shrinking and edited inputs convert as without it',
    (file, agent) => {
      const full = read(file)
      const ends = lineEnds(full)
      const rng = new Rng(ends.length * 31 + full.length)
      const history = new CompactHistory()
      const key = 'session-1'
      // Checkpoints of a session: cuts at line ends and mid-line, mostly growing, sometimes
      // shorter or edited earlier on (a rewritten transcript), in random pieces.
      let cut = 0
      for (let step = 0; step < 40; step++) {
        const r = rng.int(10)
        if (r < 6) cut = Math.min(full.length, cut + 1 + rng.int(Math.max(1, full.length / 8)))
        else if (r < 7) cut = rng.int(full.length + 1)
        else if (r < 8 && ends.length > 0) cut = ends[rng.int(ends.length)]
        let input = full.subarray(0, cut)
        if (r === 9 && input.length > 0) input = mutate(input, rng)
        const starts = [0, 1, 1 + rng.int(Math.max(1, ends.length))]
        const opts = { agent, cliVersion: '0.6.2' }
        const without = compactWithOffsets(input, opts, starts)
        const withHistory = compactWithOffsets(
          pieces(input, rng),
          { ...opts, history: { cache: history, key } },
          starts
        )
        expect(digest(withHistory)).toEqual(digest(without))
      }
      if (file.startsWith('claude') || file.startsWith('droid')) {
        expect(history.stats.reusedBytes).toBeGreaterThan(0)
        expect(history.stats.copiedOutputBytes).toBeGreaterThan(0)
      }
    }
  )

  it('another key, or another format under the same key, reuses nothing wrongly', () => {
    const claude = read('claude/claude_full.jsonl')
    const droid = read('droid/droid_full.jsonl')
    const history = new CompactHistory()
    const opts = { agent: 'Claude Code', cliVersion: '0.6.2' }
    for (const [input, key] of [
      [claude, 'a'],
      [droid, 'a'],
      [claude, 'a'],
      [Buffer.concat([claude, droid]), 'a'],
      [Buffer.concat([claude, droid]), 'b']
    ] as Array<[Buffer, string]>) {
      const h = compactWithOffsets(input, { ...opts, history: { cache: history, key } }, [0, 3])
      expect(digest(h)).toEqual(digest(compactWithOffsets(input, opts, [0, 3])))
    }
  })

  it('copies earlier output only when written for the same agent and CLI version', () => {
    const full = read('claude/claude_full2.jsonl')
    const ends = lineEnds(full)
    const history = new CompactHistory()
    const steps: Array<[number, string, string]> = [
      [ends[40], 'Claude Code', '0.6.2'],
      [ends[80], 'Claude Code', '0.6.2'],
      [ends[120], 'Claude Code', '0.7.0'],
      [ends[160], 'Cursor', '0.7.0'],
      [full.length, 'Cursor', '0.7.0']
    ]
    for (const [cut, agent, cliVersion] of steps) {
      const input = full.subarray(0, cut)
      const opts = { agent, cliVersion }
      const h = compactWithOffsets(input, { ...opts, history: { cache: history, key: 's' } }, [0])
      expect(digest(h)).toEqual(digest(compactWithOffsets(input, opts, [0])))
    }
    expect(history.stats.copiedOutputBytes).toBeGreaterThan(0)
  })

  it('holds at most its budget, dropping the oldest inputs first', () => {
    const full = read('claude/claude_full2.jsonl')
    const budget = Math.floor(full.length * 2.5)
    const history = new CompactHistory(budget)
    const opts = { agent: 'Claude Code', cliVersion: '0.6.2' }
    let out = 0
    for (let k = 0; k < 5; k++) {
      const r = compactWithOffsets(
        full,
        { ...opts, history: { cache: history, key: `s${k}` } },
        [0]
      )
      if (r.kind === 'output') out = r.bytes.length
      expect(history.heldBytes).toBeLessThanOrEqual(budget)
    }
    // inputs and their outputs: the two newest fit
    expect(out).toBeGreaterThan(0)
    expect(history.heldBytes).toBe((full.length + out) * 2)
    // s4 (newest) is held: converting it again parses nothing
    const parsed = history.stats.parsedBytes
    compactWithOffsets(full, { ...opts, history: { cache: history, key: 's4' } }, [0])
    expect(history.stats.parsedBytes).toBe(parsed)
    // s0 was dropped: converting it parses everything again
    compactWithOffsets(full, { ...opts, history: { cache: history, key: 's0' } }, [0])
    expect(history.stats.parsedBytes).toBe(parsed + full.length)
    const small = new CompactHistory(100)
    compactWithOffsets(full, { ...opts, history: { cache: small, key: 'x' } }, [0])
    expect(small.heldBytes).toBe(0)
  })

  /**
   * Pins as the read pool keeps them: a buffer whose last holder lets go is overwritten at once
   * (its memory is reused). Each conversion's caller holds its input while converting.
   */
  class ReusedMemory {
    readonly holders = new Map<Buffer, number>()
    retain(b: Buffer): void {
      this.holders.set(b, (this.holders.get(b) ?? 0) + 1)
    }
    release(b: Buffer): void {
      const n = this.holders.get(b)
      if (n === undefined) throw new Error('released a buffer never retained')
      if (n > 1) this.holders.set(b, n - 1)
      else {
        this.holders.delete(b)
        b.fill(0x20)
      }
    }
    get heldBytes(): number {
      let n = 0
      for (const b of this.holders.keys()) n += b.length
      return n
    }
  }

  function convertHeld(
    memory: ReusedMemory,
    history: CompactHistory,
    source: Buffer,
    rng: Rng
  ): ReturnType<typeof compactWithOffsets> {
    const chunks = pieces(Buffer.from(source), rng)
    for (const c of chunks) memory.retain(c)
    const opts = { agent: 'Claude Code', cliVersion: '0.6.2' }
    const r = compactWithOffsets(chunks, { ...opts, history: { cache: history, key: 's' } }, [0])
    for (const c of chunks) memory.release(c)
    return r
  }

  it("keeps one input's bytes of a growing session, not every earlier input whole", () => {
    const full = read('claude/claude_full2.jsonl')
    const ends = lineEnds(full)
    const memory = new ReusedMemory()
    const history = new CompactHistory(undefined, memory)
    const rng = new Rng(11)
    const opts = { agent: 'Claude Code', cliVersion: '0.6.2' }
    let inputs = 0
    for (let step = 1; step <= 12; step++) {
      const input = full.subarray(0, ends[Math.floor((ends.length - 1) * (step / 12))])
      inputs += input.length
      const r = convertHeld(memory, history, input, rng)
      expect(digest(r)).toEqual(digest(compactWithOffsets(input, opts, [0])))
      // What the pins hold (the first input) and the copies of later lines are within what the
      // history counts, which is about this input and its output.
      expect(memory.heldBytes).toBeLessThanOrEqual(history.heldBytes)
      const out = r.kind === 'output' ? r.bytes.length : 0
      expect(history.heldBytes).toBeLessThanOrEqual(input.length + out)
    }
    expect(history.stats.reusedBytes).toBeGreaterThan(inputs / 2)
    history.clear()
    expect(memory.heldBytes).toBe(0)
  })

  it('drop forgets a key at once: its memory is let go of, and the next input parses anew', () => {
    const full = read('claude/claude_full2.jsonl')
    const memory = new ReusedMemory()
    const history = new CompactHistory(undefined, memory)
    const rng = new Rng(3)
    convertHeld(memory, history, full, rng)
    expect(memory.heldBytes).toBe(full.length)
    history.drop('s')
    history.drop('not-held')
    expect(history.heldBytes).toBe(0)
    expect(memory.heldBytes).toBe(0)
    const parsed = history.stats.parsedBytes
    const r = convertHeld(memory, history, full, rng)
    expect(history.stats.parsedBytes).toBe(parsed + full.length)
    expect(digest(r)).toEqual(
      digest(compactWithOffsets(full, { agent: 'Claude Code', cliVersion: '0.6.2' }, [0]))
    )
  })

  it('keeps no input larger than largestInput, within a budget that would hold it', () => {
    const full = read('claude/claude_full2.jsonl')
    const ends = lineEnds(full)
    const half = full.subarray(0, ends[Math.floor(ends.length / 2)])
    const memory = new ReusedMemory()
    const history = new CompactHistory(undefined, memory, half.length)
    const rng = new Rng(9)
    convertHeld(memory, history, half, rng)
    expect(memory.heldBytes).toBe(half.length)
    // the whole input extends the half (its lines are reused) but is too large to keep
    const r = convertHeld(memory, history, full, rng)
    expect(history.stats.reusedBytes).toBe(half.length)
    expect(digest(r)).toEqual(
      digest(compactWithOffsets(full, { agent: 'Claude Code', cliVersion: '0.6.2' }, [0]))
    )
    convertHeld(memory, history, half, rng)
    expect(history.stats.reusedBytes).toBe(half.length)
    history.clear()
    expect(memory.heldBytes).toBe(0)
  })

  it('a continued input over the budget converts from pieces still held', () => {
    const full = read('claude/claude_full2.jsonl')
    const ends = lineEnds(full)
    const half = full.subarray(0, ends[Math.floor(ends.length / 2)])
    const memory = new ReusedMemory()
    const rng = new Rng(5)
    const opts = { agent: 'Claude Code', cliVersion: '0.6.2' }
    // The first half fits with its output; the whole input, which shares it, does not.
    const halfOut = compactWithOffsets(half, opts, [0])
    const halfHeld = half.length + (halfOut.kind === 'output' ? halfOut.bytes.length : 0)
    expect(halfHeld).toBeLessThan(full.length)
    const history = new CompactHistory(full.length - 1, memory)
    convertHeld(memory, history, half, rng)
    const r = convertHeld(memory, history, full, rng)
    expect(history.stats.reusedBytes).toBe(half.length)
    expect(digest(r)).toEqual(digest(compactWithOffsets(full, opts, [0])))
    // The dropped record is let go of at the next conversion (or clear).
    expect(memory.heldBytes).toBe(half.length)
    convertHeld(memory, history, half, rng)
    history.clear()
    expect(memory.heldBytes).toBe(0)
  })
})
