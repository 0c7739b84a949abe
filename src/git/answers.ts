// The stdout of a long-lived git process that answers requests line by line (fast-import's
// get-mark/ls/progress, update-ref --stdin's "<command>: ok"), handed to the callers waiting
// for them in the order they asked.

interface Waiter {
  n: number
  resolve: (lines: string[]) => void
  reject: (e: unknown) => void
}

export class AnswerLines {
  private lines: string[] = []
  private partial = ''
  private readonly waiting: Waiter[] = []
  private failure: unknown = null

  /** A chunk of the process's stdout. */
  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('latin1')).split('\n')
    this.partial = parts.pop() as string
    for (const l of parts) this.lines.push(l)
    this.deliver()
  }

  /** The next `n` lines (after those earlier callers wait for); rejects once the process failed. */
  next(n: number): Promise<string[]> {
    if (this.failure !== null) return Promise.reject(this.failure)
    return new Promise<string[]>((resolve, reject) => {
      this.waiting.push({ n, resolve, reject })
      this.deliver()
    })
  }

  /** The process is gone: every waiter, and every later one, gets `e`. */
  fail(e: unknown): void {
    if (this.failure === null) this.failure = e
    for (const w of this.waiting.splice(0)) w.reject(this.failure)
  }

  private deliver(): void {
    while (this.waiting.length > 0 && this.lines.length >= this.waiting[0].n) {
      const w = this.waiting.shift()!
      w.resolve(this.lines.splice(0, w.n))
    }
  }
}
