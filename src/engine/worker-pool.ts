// A small pool of worker_threads for CPU-heavy, independent jobs (transcript compaction).
// Jobs are plain data in, plain data out; results come back as promises, so the caller keeps
// its own order (the offset cache and batch membership depend on processing order).
//
// Workers run a script that calls `serveWorkerJobs(handler)`. The bundled CLI and action run
// their own bundle as the worker script (see `isPoolWorker`), so no extra file ships in dist/.
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'

const ROLE = 'entire-migrate-pool-worker'

interface JobMessage<T> {
  id: number
  job: T
}
type ReplyMessage<R> =
  { id: number; ok: true; result: R } | { id: number; ok: false; error: string }

/**
 * The script worker and reader threads may run (pass `import.meta.url`): the bundle this module
 * is part of, and only when that bundle is the process's entry (the CLI's or the action's entry
 * serves those threads). A module of a transpiled source tree, TypeScript sources or a test
 * runner's process give undefined: a thread started on a file that serves nothing ends at once,
 * and a read waiting on it would not be answered.
 */
export function runnableScript(moduleUrl: string, argv1 = process.argv[1]): string | undefined {
  try {
    const file = fileURLToPath(moduleUrl)
    if (!/\.(c|m)?js$/.test(file) || !argv1) return undefined
    return realpathSync(argv1) === realpathSync(file) ? file : undefined
  } catch {
    return undefined
  }
}

/** True inside a worker started by a WorkerPool (entries check it before doing anything else). */
export function isPoolWorker(): boolean {
  return !isMainThread && (workerData as { role?: string } | null)?.role === ROLE
}

/** Worker side: answer every job with `handler`, in the order received. */
export function serveWorkerJobs<T, R>(
  handler: (job: T) => R,
  transferOf?: (result: R) => ArrayBuffer[]
): void {
  const port = parentPort
  if (!port) throw new Error('serveWorkerJobs called outside a worker thread')
  port.on('message', (msg: JobMessage<T>) => {
    let reply: ReplyMessage<R>
    try {
      reply = { id: msg.id, ok: true, result: handler(msg.job) }
    } catch (e) {
      reply = { id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) }
    }
    port.postMessage(reply, reply.ok && transferOf ? transferOf(reply.result) : [])
  })
}

interface Pending<R> {
  resolve: (r: R) => void
  reject: (e: Error) => void
}

interface Slot {
  worker: Worker
  busy: number
}

export class WorkerPool<T, R> {
  private readonly slots: Slot[] = []
  private readonly pending = new Map<number, Pending<R> & { slot: Slot }>()
  private nextId = 1
  private failed: Error | null = null

  /**
   * @param script the worker script (a file path or file: URL) that calls serveWorkerJobs
   * @param size number of workers (at least 1)
   */
  constructor(script: string | URL, size: number, extraWorkerData: Record<string, unknown> = {}) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = new Worker(script, { workerData: { ...extraWorkerData, role: ROLE } })
      const slot: Slot = { worker, busy: 0 }
      worker.on('message', (msg: ReplyMessage<R>) => {
        const p = this.pending.get(msg.id)
        if (!p) return
        this.pending.delete(msg.id)
        slot.busy--
        if (msg.ok) p.resolve(msg.result)
        else p.reject(new Error(msg.error))
      })
      worker.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e))))
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`worker exited with code ${code}`))
      })
      // Idle workers must not keep the process alive.
      worker.unref()
      this.slots.push(slot)
    }
  }

  get size(): number {
    return this.slots.length
  }

  private fail(e: Error): void {
    this.failed = e
    for (const [id, p] of this.pending) {
      this.pending.delete(id)
      p.reject(e)
    }
  }

  /**
   * Run a job on the least busy worker, or, with `affinity`, always on the same worker for the
   * same value (a worker keeps state between such jobs). `transfer` lists ArrayBuffers to move.
   */
  run(job: T, transfer: ArrayBuffer[] = [], affinity?: string): Promise<R> {
    if (this.failed) return Promise.reject(this.failed)
    const slot =
      affinity !== undefined
        ? this.slots[stringHash(affinity) % this.slots.length]
        : this.slots.reduce((a, b) => (b.busy < a.busy ? b : a))
    const id = this.nextId++
    slot.busy++
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot })
      slot.worker.ref()
      slot.worker.postMessage({ id, job } satisfies JobMessage<T>, transfer)
    }).finally(() => {
      if (slot.busy === 0) slot.worker.unref()
    })
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
    this.slots.length = 0
  }
}

/** A small non-negative string hash (FNV-1a), to spread affinity keys over workers. */
function stringHash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
