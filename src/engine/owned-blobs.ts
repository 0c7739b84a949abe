// Large v1 blobs read into memory of their own (runs without the read pool) are freed the
// moment the migration is done with them. Left to V8, a transcript's memory outlived its window
// until the next full collection: ~100 MB of finished transcripts was typical at any time of a
// synthetic run, and how much depended on when collections fell, which a longer run (more live
// heap, collections further apart) did later. Holders are counted as for pool regions: the
// window that read a blob, and the compaction history while it keeps the blob as an input.
// What outlives both takes a copy (`holds` tells which buffers need one). It serves as a
// CompactHistory's InputPins as it is.
import { freeNow } from '../runtime/v8-flags.js'

export class OwnedBlobs {
  private readonly holders = new Map<ArrayBufferLike, number>()
  /** Blobs taken on, and freed early (for the log and tests). */
  readonly stats = { adopted: 0, freed: 0 }

  /**
   * Count `b`'s memory from now on (one holder: the caller) when `b` is all of it: its own,
   * not shared, at least `minBytes`. False (and nothing counted) otherwise.
   */
  adopt(b: Uint8Array, minBytes: number): boolean {
    const m = b.buffer
    if (b.byteLength < minBytes || b.byteOffset !== 0 || b.byteLength !== m.byteLength) return false
    if (!(m instanceof ArrayBuffer) || this.holders.has(m)) return false
    this.holders.set(m, 1)
    this.stats.adopted++
    return true
  }

  /** Whether `b` views memory counted here (what outlives its holders must copy it). */
  holds(b: Uint8Array): boolean {
    return this.holders.has(b.buffer)
  }

  /** One more holder of the memory under `b`; false when it is not counted here. */
  retain(b: Uint8Array): boolean {
    const n = this.holders.get(b.buffer)
    if (n === undefined) return false
    this.holders.set(b.buffer, n + 1)
    return true
  }

  /** One holder fewer; the memory is freed when none is left. */
  release(b: Uint8Array): void {
    const m = b.buffer
    const n = this.holders.get(m)
    if (n === undefined) return
    if (n > 1) {
      this.holders.set(m, n - 1)
      return
    }
    this.holders.delete(m)
    if (freeNow(m as ArrayBuffer)) this.stats.freed++
  }

  /** Memory counted now (held by someone). */
  get count(): number {
    return this.holders.size
  }
}
