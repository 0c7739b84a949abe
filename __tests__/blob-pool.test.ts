import { describe, it, expect } from '@jest/globals'
import { BlobPool } from '../src/engine/blob-pool.js'
import { CompactHistory } from '../src/formats/compact/history.js'
import { compact, forgetScannedInputs } from '../src/formats/compact/index.js'
import { collectGarbage } from '../src/engine/heap.js'

describe('BlobPool', () => {
  it('hands out aligned regions, reuses freed ones and merges neighbours', () => {
    const pool = new BlobPool(1024)
    const a = pool.alloc(100)
    const b = pool.alloc(200)
    const c = pool.alloc(64)
    expect([a, b, c]).toEqual([0, 128, 384])
    expect(pool.alloc(1024)).toBe(-1)
    expect(pool.stats).toEqual({ placed: 3, missed: 1 })
    pool.releaseAt(b)
    expect(pool.alloc(300)).toBe(448) // the gap at 128 holds 256 only
    pool.releaseAt(a)
    expect(pool.alloc(256)).toBe(0) // 0..128 and 128..384 merged
    pool.releaseAt(0)
    pool.releaseAt(c)
    pool.releaseAt(448)
    expect(pool.usedBytes).toBe(0)
    expect(pool.alloc(1024)).toBe(0) // one gap again
    expect(() => pool.releaseAt(5)).toThrow(/no pooled region starts at 5/)
  })

  it('keeps a region while a view of it is retained', () => {
    const pool = new BlobPool(256)
    const at = pool.alloc(100)
    const v = pool.view(at, 100)
    expect(pool.holds(v)).toBe(true)
    expect(pool.holds(Buffer.alloc(4))).toBe(false)
    expect(pool.retain(v.subarray(10, 20))).toBe(true)
    expect(pool.retain(Buffer.alloc(4))).toBe(false)
    pool.releaseAt(at)
    expect(pool.alloc(256)).toBe(-1) // still held by the retained view
    pool.release(v.subarray(50))
    expect(pool.alloc(256)).toBe(0)
  })
})

describe('CompactHistory pins', () => {
  const line = (i: number): string =>
    JSON.stringify({ type: 'user', uuid: `u${i}`, message: { role: 'user', content: `m${i}` } }) +
    '\n'
  const input = (n: number): Buffer[] => [
    Buffer.from(Array.from({ length: n }, (_, i) => line(i)).join(''))
  ]

  it('retains the inputs its entries view into, and releases each once when dropped', () => {
    const held = new Map<Buffer, number>()
    const pins = {
      retain: (b: Buffer) => void held.set(b, (held.get(b) ?? 0) + 1),
      release: (b: Buffer) => {
        const n = (held.get(b) ?? 0) - 1
        expect(n).toBeGreaterThanOrEqual(0)
        if (n === 0) held.delete(b)
        else held.set(b, n)
      }
    }
    const h = new CompactHistory(1024 * 1024, pins)
    const first = input(3)
    h.entries('s', first, false)
    expect([...held.keys()]).toEqual(first)
    // The next input shares lines with the first: its entries view into the first and into a
    // copy of its new lines, so the second stays the caller's alone.
    const second = input(5)
    h.entries('s', second, false)
    expect(h.stats.reusedBytes).toBeGreaterThan(0)
    expect([...held.keys()]).toEqual(first)
    // An unrelated input shares nothing: the first is released with the key's record.
    const other = [Buffer.from(line(99))]
    h.entries('s', other, false)
    expect([...held.keys()]).toEqual(other)
    h.entries('t', input(2), false)
    h.clear()
    expect(held.size).toBe(0)
  })

  it('releases what it drops to stay within its budget', () => {
    const released: Buffer[] = []
    const h = new CompactHistory(400, { retain: () => undefined, release: (b) => released.push(b) })
    const a = input(3)
    const b = input(4)
    h.entries('a', a, false)
    h.entries('b', b, false)
    expect(released).toEqual(a)
  })
})

describe('forgetScannedInputs', () => {
  it('lets the last compacted input go (the converters keep no view of it)', async () => {
    const ref = ((): WeakRef<ArrayBuffer> => {
      const lines = Array.from({ length: 50 }, (_, i) =>
        JSON.stringify({ type: 'user', uuid: `u${i}`, message: { role: 'user', content: `m${i}` } })
      )
      const input = Buffer.from(new ArrayBuffer(1 << 20))
      const n = input.write(lines.join('\n') + '\n')
      const r = compact([input.subarray(0, n)], { agent: 'Claude Code', cliVersion: '0.6.2' })
      expect(r.kind).toBe('output')
      return new WeakRef(input.buffer)
    })()
    forgetScannedInputs()
    await new Promise((r) => setImmediate(r))
    expect(collectGarbage()).toBe(true)
    expect(ref.deref()).toBeUndefined()
  })
})
