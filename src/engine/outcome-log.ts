// A run's per-checkpoint outcomes, kept as JSON lines in buffers outside the JS heap until the
// report asks for them. The report lists every checkpoint, but 10,000 outcome objects (~1 KB of
// objects, arrays and strings each) held through the write phase made the live heap, and with it
// every full collection and the committed heap, grow with the corpus. Serialised, an outcome
// costs its JSON bytes (~0.5 KB), which the collector never walks.
import type { CheckpointOutcome } from './types.js'

const CHUNK_BYTES = 256 * 1024

interface Queued {
  outcome: CheckpointOutcome
  /** Still to be completed (its /full ref is known once its batch is written). */
  open: boolean
}

export class OutcomeLog {
  private readonly chunks: Buffer[] = []
  private chunk: Buffer | null = null
  private used = 0
  /** Outcomes not serialised yet, in run order; an open one holds back those after it. */
  private queue: Queued[] = []
  private head = 0
  private readonly openById = new Map<string, Queued>()
  private count = 0

  /** Outcomes added so far. */
  get length(): number {
    return this.count
  }

  /**
   * Add the next outcome. An `open` one stays an object until `close` completes it; it and every
   * outcome after it are serialised once it is closed, so the order is the run's.
   */
  add(outcome: CheckpointOutcome, opts: { open?: boolean } = {}): void {
    const q: Queued = { outcome, open: opts.open === true }
    if (q.open) this.openById.set(outcome.id, q)
    this.queue.push(q)
    this.count++
    this.settle()
  }

  /** Complete an open outcome with the ref that received its raw data (no-op when not open). */
  close(id: string, fullRef: string): void {
    const q = this.openById.get(id)
    if (!q) return
    this.openById.delete(id)
    q.outcome.fullRef = fullRef
    q.open = false
    this.settle()
  }

  /** Every outcome in run order (open ones as they are), read back from the log. */
  toArray(): CheckpointOutcome[] {
    const out: CheckpointOutcome[] = []
    const parts = this.chunk ? [...this.chunks, this.chunk.subarray(0, this.used)] : this.chunks
    for (const part of parts) {
      let i = 0
      while (i < part.length) {
        const j = part.indexOf(10, i)
        out.push(JSON.parse(part.toString('utf8', i, j)) as CheckpointOutcome)
        i = j + 1
      }
    }
    for (let k = this.head; k < this.queue.length; k++) out.push(this.queue[k].outcome)
    return out
  }

  /** Serialise the closed outcomes at the head of the queue. */
  private settle(): void {
    while (this.head < this.queue.length && !this.queue[this.head].open) {
      this.append(JSON.stringify(this.queue[this.head].outcome))
      this.head++
    }
    if (this.head === this.queue.length) {
      this.queue = []
      this.head = 0
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
  }

  private append(line: string): void {
    // JSON.stringify escapes control characters, so a line never holds a newline of its own.
    const need = Buffer.byteLength(line) + 1
    if (this.chunk === null || this.used + need > this.chunk.length) {
      if (this.chunk) this.chunks.push(this.chunk.subarray(0, this.used))
      this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, need))
      this.used = 0
    }
    this.used += this.chunk.write(line, this.used)
    this.chunk[this.used++] = 10
  }
}
