// Bulk object reads on a thread of their own. git writes into a socket that holds a few hundred
// KiB; on the main thread, every synchronous step (compacting one large transcript takes tens of
// ms) left cat-file blocked on a full socket, so reading the next window did not overlap with
// processing this one (the main thread then sat idle for ~15% of a corpus run, waiting). Here a
// worker thread owns the one `cat-file --batch-command` process and drains it as fast as git
// writes; the buffers it fills are moved (transferred) to the main thread, not copied.
//
// The worker runs the same bundle as the caller (as the compaction pool does): its entry calls
// `serveObjectReaderIfWorker()` first. Without a runnable script (tests on TypeScript sources),
// `createObjectReader` gives the in-thread ObjectReader: the objects are the same either way.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import {
  ObjectReader,
  WHOLE_FROM_BYTES,
  type ObjectResult,
  type ReadInto,
  type ReadOptions
} from './objects.js'
import { GitRunner } from './runner.js'

const ROLE = 'entire-migrate-object-reader'

/** Small objects of a reply are copied into slabs of this size. */
const SLAB_BYTES = 256 * 1024
/** A reply carries objects up to about this many bytes (the main thread sees them sooner). */
const REPLY_BYTES = 2 * 1024 * 1024
/**
 * The thread's young generation, capped. What it allocates dies young (pipe chunks' wrappers,
 * replies), yet V8 grew its semi-spaces toward the 16 MiB default over a long run: the thread's
 * heap went from 21 to 45 MiB through 10,000 synthetic checkpoints, resident memory that grew
 * with the corpus. With 6 MiB (2 MiB semi-spaces) it stayed at 17 MiB, at the same speed.
 */
export const READER_YOUNG_GENERATION_MB = 6

/** What readers of whole objects offer (ObjectReader, or the threaded one). */
export interface ObjectReading {
  read(
    names: readonly string[],
    onObject: (obj: ObjectResult) => void,
    opts?: ReadOptions
  ): Promise<void>
  close(): Promise<void>
}

interface ReadRequest {
  id: number
  names: readonly string[]
  sha256From?: number
  /** Shared memory is the same memory on both threads: no content moves for these objects. */
  into?: ReadInto
  /** End the cat-file process, then answer with id 0. */
  close?: boolean
}

type WireObject =
  | {
      index: number
      oid: string
      type: string
      size: number
      /** Absent when the content is in the request's `into` memory, at `pooled`. */
      content?: Uint8Array
      pooled?: number
      sha256?: string
    }
  | { index: number; oid: string; missing: true; reason: 'missing' | 'ambiguous' }

type Reply = { id: number; objects: WireObject[]; done: boolean } | { id: number; error: string }

/**
 * A reader on a worker thread running `script` (a bundle whose entry calls
 * serveObjectReaderIfWorker), or the in-thread ObjectReader when no such script can run.
 * From the thread, content arrives in buffers of its own (`ReadOptions.sharedFrom` is moot).
 */
export function createObjectReader(git: GitRunner, script?: string): ObjectReading {
  if (!script || !/\.(c|m)?js$/.test(script)) return new ObjectReader(git)
  return new ThreadedObjectReader(git.repoDir, script)
}

interface Pending {
  onObject: (obj: ObjectResult) => void
  into?: ReadInto
  resolve: () => void
  reject: (e: Error) => void
  failure?: unknown
}

export class ThreadedObjectReader implements ObjectReading {
  /** Started at the first read: a run with nothing to read (a no-op rerun) starts no thread. */
  private thread: Worker | null = null
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private failed: Error | null = null
  private queue: Promise<void> = Promise.resolve()
  /** Resolves close() once the thread has ended its cat-file. */
  private closing: (() => void) | null = null

  constructor(
    private readonly repoDir: string,
    private readonly script: string
  ) {}

  private get worker(): Worker {
    if (this.thread) return this.thread
    const w = new Worker(this.script, {
      workerData: { role: ROLE, repoDir: this.repoDir },
      resourceLimits: { maxYoungGenerationSizeMb: READER_YOUNG_GENERATION_MB }
    })
    w.on('message', (msg: Reply) => this.onReply(msg))
    w.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e))))
    // Any exit fails what is still waiting (a thread on a script that serves nothing ends at
    // once with code 0: its reads must not wait forever).
    w.on('exit', (code) => this.fail(new Error(`object reader thread ended (exit code ${code})`)))
    w.unref()
    this.thread = w
    return w
  }

  /** The heap limits of the running thread (null before the first read starts it). */
  get threadLimits(): Worker['resourceLimits'] | null {
    return this.thread?.resourceLimits ?? null
  }

  read(
    names: readonly string[],
    onObject: (obj: ObjectResult) => void,
    opts: ReadOptions = {}
  ): Promise<void> {
    // One request at a time, in call order (as ObjectReader): replies are not interleaved.
    const run = this.queue.then(() => this.readNow(names, onObject, opts))
    this.queue = run.then(
      () => undefined,
      () => undefined
    )
    return run
  }

  private readNow(
    names: readonly string[],
    onObject: (obj: ObjectResult) => void,
    opts: ReadOptions
  ): Promise<void> {
    if (names.length === 0) return Promise.resolve()
    if (this.failed) return Promise.reject(this.failed)
    const id = this.nextId++
    const { sha256From, into } = opts
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { onObject, resolve, reject, ...(into ? { into } : {}) })
      this.worker.ref()
      this.worker.postMessage({ id, names, sha256From, into } satisfies ReadRequest)
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref()
    })
  }

  private onReply(msg: Reply): void {
    if (msg.id === 0) {
      this.closing?.()
      return
    }
    const p = this.pending.get(msg.id)
    if (!p) return
    if ('error' in msg) {
      this.pending.delete(msg.id)
      p.reject(new Error(msg.error))
      return
    }
    for (const o of msg.objects) {
      if (p.failure !== undefined) break
      try {
        p.onObject(
          'missing' in o
            ? o
            : {
                index: o.index,
                oid: o.oid,
                type: o.type as 'blob',
                size: o.size,
                missing: false,
                content:
                  o.pooled !== undefined
                    ? Buffer.from(p.into!.memory, o.pooled, o.size)
                    : Buffer.from(o.content!.buffer, o.content!.byteOffset, o.content!.byteLength),
                ...(o.sha256 !== undefined ? { sha256: o.sha256 } : {})
              }
        )
      } catch (e) {
        // A consumer error ends this read once the rest of its answer has arrived.
        p.failure = e
      }
    }
    if (!msg.done) return
    this.pending.delete(msg.id)
    if (p.failure !== undefined)
      p.reject(p.failure instanceof Error ? p.failure : new Error(String(p.failure)))
    else p.resolve()
  }

  private fail(e: Error): void {
    this.failed ??= e
    for (const [id, p] of this.pending) {
      this.pending.delete(id)
      p.reject(e)
    }
  }

  /** End cat-file (waited for, so no process is left behind), then the thread. */
  async close(): Promise<void> {
    await this.queue
    if (!this.thread) return
    if (!this.failed) {
      const closed = new Promise<void>((resolve) => {
        const done = (): void => resolve()
        this.closing = done
        this.worker.once('exit', done)
      })
      this.worker.ref()
      this.worker.postMessage({ id: 0, names: [], close: true } satisfies ReadRequest)
      await closed
    }
    await this.worker.terminate()
  }
}

/** True inside a thread started by createObjectReader. */
function isReaderThread(): boolean {
  return !isMainThread && (workerData as { role?: string } | null)?.role === ROLE
}

/**
 * Worker side: serve read requests with one cat-file process (entries call this before anything
 * else; returns false outside such a thread). Content is moved to the main thread, never shared:
 * shared memory is freed only when every thread that saw it has collected, and this thread
 * allocates too little to collect often (a corpus run peaked near 600 MB that way).
 */
export function serveObjectReaderIfWorker(): boolean {
  if (!isReaderThread()) return false
  const port = parentPort!
  const git = new GitRunner((workerData as { repoDir: string }).repoDir)
  const reader = new ObjectReader(git, { releaseChunks: true })
  port.on('message', (req: ReadRequest) => {
    if (req.close) {
      void reader.close().finally(() => {
        port.postMessage({ id: 0, objects: [], done: true } satisfies Reply)
      })
      return
    }
    let batch: WireObject[] = []
    let bytes = 0
    let moved: ArrayBuffer[] = []
    let slab: Buffer | null = null
    let slabUsed = 0
    /**
     * Objects of WHOLE_FROM_BYTES and more have buffers of their own: moved. Smaller ones are
     * views of pipe chunks (freed once read, see releaseChunks) or joins: copied into the
     * reply's slab, so no chunk's memory crosses to the main thread.
     */
    const own = (c: Buffer): Uint8Array => {
      if (c.length >= WHOLE_FROM_BYTES) {
        moved.push(c.buffer as ArrayBuffer)
        return c
      }
      if (slab === null || slabUsed + c.length > slab.length) {
        slab = Buffer.from(new ArrayBuffer(Math.max(SLAB_BYTES, c.length)))
        slabUsed = 0
        moved.push(slab.buffer as ArrayBuffer)
      }
      c.copy(slab, slabUsed)
      const view = slab.subarray(slabUsed, slabUsed + c.length)
      slabUsed += c.length
      return view
    }
    const send = (done: boolean): void => {
      port.postMessage({ id: req.id, objects: batch, done } satisfies Reply, moved)
      batch = []
      bytes = 0
      moved = []
      slab = null
    }
    // Objects are hashed here (sha256From), before their buffers move: the main thread need
    // not read them again.
    const opts: ReadOptions = {
      ...(req.sha256From !== undefined ? { sha256From: req.sha256From } : {}),
      ...(req.into ? { into: req.into } : {})
    }
    reader
      .read(
        req.names,
        (o) => {
          if (o.missing) batch.push(o)
          else {
            batch.push({
              index: o.index,
              oid: o.oid,
              type: o.type,
              size: o.size,
              ...(req.into && o.content.buffer === req.into.memory
                ? { pooled: o.content.byteOffset }
                : { content: own(o.content) }),
              ...(o.sha256 !== undefined ? { sha256: o.sha256 } : {})
            })
            bytes += o.size
          }
          if (bytes >= REPLY_BYTES || batch.length >= 512) send(false)
        },
        opts
      )
      .then(
        () => send(true),
        (e: unknown) =>
          port.postMessage({
            id: req.id,
            error: e instanceof Error ? e.message : String(e)
          } satisfies Reply)
      )
  })
  return true
}
