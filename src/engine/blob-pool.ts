// One block of shared memory that large v1 blobs are read into, region by region, and that is
// reused from window to window. Every transcript read into a buffer of its own was fresh memory:
// the kernel zeroed and mapped its pages on first touch (~400,000 page faults in a real-corpus
// migration), and V8 counted it as external memory, so every 64 MiB read started a collection
// in the thread that received it. Regions here are handed out before a window is read (the
// listing gives each blob's size) and come back when nothing holds them any more: the window
// once processed, and the compaction history once it drops the input (retain/release).
// A blob that does not fit is read as before, into memory of its own.

/** Regions start at multiples of this (the JSON scanner reads 4-byte words). */
const ALIGN = 64

interface Region {
  start: number
  end: number
  refs: number
}

export class BlobPool {
  readonly memory: SharedArrayBuffer
  /** Free gaps as [start, end) pairs, sorted by start, never adjacent. */
  private free: Array<[number, number]>
  /** Regions in use, sorted by start. */
  private used: Region[] = []
  /** Blobs given regions, and blobs that did not fit (for the log and tests). */
  readonly stats = { placed: 0, missed: 0 }

  constructor(readonly bytes: number) {
    this.memory = new SharedArrayBuffer(bytes)
    this.free = bytes > 0 ? [[0, bytes]] : []
  }

  /** Bytes in regions now. */
  get usedBytes(): number {
    let n = 0
    for (const r of this.used) n += r.end - r.start
    return n
  }

  /** A region of `size` bytes (one reference, the caller's): its offset, or -1 when none fits. */
  alloc(size: number): number {
    const need = Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN)
    for (let i = 0; i < this.free.length; i++) {
      const [s, e] = this.free[i]
      if (e - s < need) continue
      if (e - s === need) this.free.splice(i, 1)
      else this.free[i] = [s + need, e]
      this.used.splice(this.insertionPoint(s), 0, { start: s, end: s + need, refs: 1 })
      this.stats.placed++
      return s
    }
    this.stats.missed++
    return -1
  }

  /** A view of `size` bytes at `offset` (a region's start). */
  view(offset: number, size: number): Buffer {
    return Buffer.from(this.memory, offset, size)
  }

  /** Whether `b` lies in this pool's memory. */
  holds(b: Uint8Array): boolean {
    return b.buffer === this.memory
  }

  /** One more holder of the region under `b` (a view into it); false when `b` is not pooled. */
  retain(b: Uint8Array): boolean {
    const r = this.regionOf(b)
    if (r) r.refs++
    return r !== null
  }

  /** One holder fewer of the region under `b`; the region is free once none is left. */
  release(b: Uint8Array): void {
    const r = this.regionOf(b)
    if (r) this.drop(r)
  }

  /** Release the region that starts at `offset` (the reference `alloc` gave). */
  releaseAt(offset: number): void {
    const i = this.insertionPoint(offset)
    const r = this.used[i]
    if (r?.start !== offset) throw new Error(`no pooled region starts at ${offset}`)
    this.drop(r)
  }

  private drop(r: Region): void {
    if (--r.refs > 0) return
    this.used.splice(this.insertionPoint(r.start), 1)
    this.giveBack(r.start, r.end)
  }

  private regionOf(b: Uint8Array): Region | null {
    if (b.buffer !== this.memory) return null
    // The last region starting at or before the view.
    let lo = 0
    let hi = this.used.length
    while (lo < hi) {
      const m = (lo + hi) >> 1
      if (this.used[m].start <= b.byteOffset) lo = m + 1
      else hi = m
    }
    const r = this.used[lo - 1]
    return r !== undefined && b.byteOffset < r.end ? r : null
  }

  /** Index of the first region starting at or after `start`. */
  private insertionPoint(start: number): number {
    let lo = 0
    let hi = this.used.length
    while (lo < hi) {
      const m = (lo + hi) >> 1
      if (this.used[m].start < start) lo = m + 1
      else hi = m
    }
    return lo
  }

  private giveBack(s: number, e: number): void {
    let i = 0
    while (i < this.free.length && this.free[i][0] < s) i++
    const prev = this.free[i - 1]
    const next = this.free[i]
    if (prev && prev[1] === s && next && next[0] === e) {
      prev[1] = next[1]
      this.free.splice(i, 1)
    } else if (prev && prev[1] === s) prev[1] = e
    else if (next && next[0] === e) next[0] = s
    else this.free.splice(i, 0, [s, e])
  }
}
