// Records kept as JSON lines in buffers outside the JS heap until they are read back. A run's
// per-checkpoint records (migration outcomes, verification results) are reported whole, but as
// objects held to the end they made the live heap, and with it every full collection and the
// committed heap, grow with the corpus (10,000 outcomes: ~12 MB of objects, arrays and strings).
// Serialised, a record costs its JSON bytes, which the collector never walks.

/**
 * Records are appended to chunks of this size, which live to the end of the run. At 1 MiB, the
 * mmap threshold the tuned process sets (src/launch/tuning.ts), glibc gives each chunk a mapping
 * of its own: at 256 KiB they came from the arena that every transient buffer of the run churns
 * through, a long-lived block every ~500 checkpoints, and synthetic migrations peaked higher
 * (alternated runs: 10,000 checkpoints 376–397 MB against 371–381, 5 pairs; 2,500 331–346
 * against 325–329, 3 pairs). Pages of a chunk not written yet are not resident.
 */
export const CHUNK_BYTES = 1024 * 1024

export class JsonLines<T> {
  private readonly chunks: Buffer[] = []
  private chunk: Buffer | null = null
  private used = 0
  private count = 0

  /** Records pushed so far. */
  get length(): number {
    return this.count
  }

  /** Serialise a record now (later changes to the object are not kept). */
  push(record: T): void {
    // JSON.stringify escapes control characters, so a line never holds a newline of its own.
    const line = JSON.stringify(record)
    const need = Buffer.byteLength(line) + 1
    if (this.chunk === null || this.used + need > this.chunk.length) {
      if (this.chunk) this.chunks.push(this.chunk.subarray(0, this.used))
      this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, need))
      this.used = 0
    }
    this.used += this.chunk.write(line, this.used)
    this.chunk[this.used++] = 10
    this.count++
  }

  /** Every record in the order pushed, decoded again (properties that were undefined are absent). */
  toArray(): T[] {
    const out: T[] = []
    const parts = this.chunk ? [...this.chunks, this.chunk.subarray(0, this.used)] : this.chunks
    for (const part of parts) {
      let i = 0
      while (i < part.length) {
        const j = part.indexOf(10, i)
        out.push(JSON.parse(part.toString('utf8', i, j)) as T)
        i = j + 1
      }
    }
    return out
  }
}
