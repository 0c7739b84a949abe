// Large v1 blobs in memory of their own are freed as soon as their last holder lets go
// (owned-blobs.ts), not at V8's next full collection.
import { describe, it, expect } from '@jest/globals'
import { OwnedBlobs } from '../src/engine/owned-blobs.js'
import { freeNow } from '../src/runtime/v8-flags.js'

const MiB = 1024 * 1024

describe('freeNow', () => {
  it('gives an array buffer its memory back at once; its views read as empty', () => {
    const b = Buffer.from(new ArrayBuffer(64 * MiB)).fill(7)
    const view = b.subarray(10, 20)
    const before = process.memoryUsage().arrayBuffers
    expect(freeNow(b.buffer as ArrayBuffer)).toBe(true)
    expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(64 * MiB)
    expect(b.length).toBe(0)
    expect(view.length).toBe(0)
    expect(b.buffer.byteLength).toBe(0)
    // Nothing left to free the second time.
    expect(freeNow(b.buffer as ArrayBuffer)).toBe(false)
  })
})

describe('OwnedBlobs', () => {
  it('takes on only buffers that are all of their own memory, and large enough', () => {
    const owned = new OwnedBlobs()
    const whole = Buffer.from(new ArrayBuffer(4096))
    expect(owned.adopt(whole.subarray(1), 16)).toBe(false)
    expect(owned.adopt(Buffer.from(new ArrayBuffer(8)), 16)).toBe(false)
    expect(owned.adopt(Buffer.from(new SharedArrayBuffer(4096)), 16)).toBe(false)
    expect(owned.adopt(whole, 16)).toBe(true)
    expect(owned.adopt(whole, 16)).toBe(false) // already counted
    expect(owned.holds(whole.subarray(100, 200))).toBe(true)
    expect(owned.holds(Buffer.alloc(4))).toBe(false)
    expect(owned.stats.adopted).toBe(1)
  })

  it('frees the memory when its last holder releases it, not before', () => {
    const owned = new OwnedBlobs()
    const b = Buffer.from(new ArrayBuffer(MiB)).fill(1)
    expect(owned.adopt(b, 1)).toBe(true)
    expect(owned.retain(b.subarray(5))).toBe(true) // a second holder, through a view
    expect(owned.retain(Buffer.alloc(4))).toBe(false)
    owned.release(b)
    expect(b.length).toBe(MiB)
    expect(b[MiB - 1]).toBe(1)
    owned.release(b.subarray(5))
    expect(b.length).toBe(0)
    expect(owned.count).toBe(0)
    expect(owned.stats.freed).toBe(1)
    owned.release(b) // released after the end: nothing happens
    expect(owned.stats.freed).toBe(1)
  })
})
