// A run's per-checkpoint outcomes, serialised (json-lines.ts) as soon as each is complete: a
// migrated checkpoint's outcome names the /full ref of its raw data, known once its batch is
// written, so it stays an object until then; outcomes after it wait with it (order is kept).
import { JsonLines } from './json-lines.js'
import type { CheckpointOutcome } from './types.js'

interface Queued {
  outcome: CheckpointOutcome
  /** Still to be completed (its /full ref is known once its batch is written). */
  open: boolean
}

export class OutcomeLog {
  private readonly lines = new JsonLines<CheckpointOutcome>()
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
    const out = this.lines.toArray()
    for (let k = this.head; k < this.queue.length; k++) out.push(this.queue[k].outcome)
    return out
  }

  /** Serialise the closed outcomes at the head of the queue. */
  private settle(): void {
    while (this.head < this.queue.length && !this.queue[this.head].open) {
      this.lines.push(this.queue[this.head].outcome)
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
}
