// Bulk object reads: one `git cat-file --batch` (or `--batch-check`) process per call, its stdout
// parsed incrementally from Buffers. Headers are decoded as latin1; content is never decoded.
import { createHash } from 'node:crypto'
import { freeNow } from '../runtime/v8-flags.js'
import { GitError, type GitRunner, type RunningGit } from './runner.js'

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag'

/** Header of an object found by cat-file. `index` is the position of its name in the request. */
export interface ObjectHeader {
  index: number
  oid: string
  type: ObjectType
  size: number
}

/**
 * A found object. `content` may be a view into a chunk shared with neighbouring small objects:
 * do not mutate it; copy it (`Buffer.from(content)`) only if it is kept beyond the batch and
 * memory matters.
 */
export interface FoundObject extends ObjectHeader {
  missing: false
  content: Buffer
  /** SHA-256 of the content (hex), when the reader computed it on the way (`sha256From`). */
  sha256?: string
}

/** A requested name that does not resolve to an object (`missing`, or `ambiguous` short id). */
export interface MissingObject {
  index: number
  /** The name as requested (cat-file echoes it). */
  oid: string
  missing: true
  reason: 'missing' | 'ambiguous'
}

export type ObjectResult = FoundObject | MissingObject

export interface ObjectInfo extends ObjectHeader {
  missing: false
}
export type ObjectInfoResult = ObjectInfo | MissingObject

/** Receives objects as content chunks (for objects too big to hold whole). */
export interface ObjectStreamSink {
  /** An object starts; `size` bytes follow in `chunk` calls (none for an empty object). */
  start(header: ObjectHeader): void
  /** Next piece of the current object's content; a view into a reused chunk: copy to keep. */
  chunk(data: Buffer): void
  /** The current object is complete. */
  end(): void
  missing(result: MissingObject): void
  /** Whether the sink still holds views of chunks given to it (an object in progress). */
  holdsViews?(): boolean
}

const LF = 0x0a

/**
 * Objects of at least this many bytes are copied into a buffer of their own as their chunks
 * arrive, never handed out as a view of a pipe chunk (chunks are at most 64 KiB). Collecting a
 * large object's chunks and joining them at its end held as many chunks as it had bytes: below
 * the allocator's mmap threshold, they filled a 64 MiB malloc arena of the reading thread that
 * stayed resident for the rest of the run.
 */
export const WHOLE_FROM_BYTES = 64 * 1024
const OBJECT_TYPES = new Set(['blob', 'tree', 'commit', 'tag'])

/** Object names for cat-file's stdin: one per line; a name with a newline cannot be requested. */
function requestInput(names: readonly string[]): Buffer {
  for (const n of names) {
    if (n.length === 0 || n.includes('\n')) {
      throw new Error(`invalid object name for cat-file: ${JSON.stringify(n)}`)
    }
  }
  return Buffer.from(names.join('\n') + '\n', 'utf8')
}

type Header =
  | { missing: false; oid: string; type: ObjectType; size: number }
  | { missing: true; oid: string; reason: 'missing' | 'ambiguous' }

/** Parse `<oid> <type> <size>` or `<name> missing|ambiguous` (the name may contain spaces). */
function parseHeader(line: string): Header {
  const last = line.lastIndexOf(' ')
  const tail = line.slice(last + 1)
  if (tail === 'missing' || tail === 'ambiguous') {
    return { missing: true, oid: line.slice(0, last), reason: tail }
  }
  const mid = line.lastIndexOf(' ', last - 1)
  const type = line.slice(mid + 1, last)
  const size = Number(tail)
  if (last <= 0 || mid <= 0 || !OBJECT_TYPES.has(type) || !Number.isSafeInteger(size) || size < 0) {
    throw new Error(`unexpected cat-file header: ${JSON.stringify(line)}`)
  }
  return { missing: false, oid: line.slice(0, mid), type: type as ObjectType, size }
}

/**
 * Incremental parser of `cat-file --batch` output (exported for tests; use `streamObjects`).
 * State machine over chunks: a header line (possibly split across chunks), then `size` content
 * bytes handed on as chunk views, then LF.
 */
export class CatFileBatchParser {
  private index = 0
  private headerParts: Buffer[] = []
  /** Content bytes still expected for the current object; -1 = reading a header. */
  private remaining = -1
  /** The LF that follows content is still to be consumed. */
  private pendingLf = false

  constructor(private readonly sink: ObjectStreamSink) {}

  get complete(): boolean {
    return this.remaining === -1 && !this.pendingLf && this.headerParts.length === 0
  }

  get count(): number {
    return this.index
  }

  /** Whether this parser (a header split across chunks) or its sink points into chunks pushed. */
  get holdsViews(): boolean {
    return this.headerParts.length > 0 || (this.sink.holdsViews?.() ?? false)
  }

  push(buf: Buffer): void {
    let pos = 0
    const len = buf.length
    while (pos < len) {
      if (this.pendingLf) {
        if (buf[pos] !== LF) throw new Error('cat-file output out of sync: no LF after content')
        this.pendingLf = false
        pos++
        continue
      }
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, len - pos)
        this.sink.chunk(buf.subarray(pos, pos + take))
        pos += take
        this.remaining -= take
        if (this.remaining === 0) this.finishObject()
        continue
      }
      const nl = buf.indexOf(LF, pos)
      if (nl === -1) {
        this.headerParts.push(buf.subarray(pos))
        return
      }
      let line: string
      if (this.headerParts.length > 0) {
        this.headerParts.push(buf.subarray(pos, nl))
        line = Buffer.concat(this.headerParts).toString('latin1')
        this.headerParts = []
      } else {
        line = buf.toString('latin1', pos, nl)
      }
      pos = nl + 1
      this.onHeader(line)
    }
  }

  private onHeader(line: string): void {
    const h = parseHeader(line)
    const index = this.index++
    if (h.missing) {
      this.sink.missing({ index, oid: h.oid, missing: true, reason: h.reason })
      return
    }
    this.sink.start({ index, oid: h.oid, type: h.type, size: h.size })
    this.remaining = h.size
    if (h.size === 0) this.finishObject()
  }

  private finishObject(): void {
    this.remaining = -1
    this.pendingLf = true
    this.sink.end()
  }
}

/** Run one cat-file process; errors thrown by the consumer stop parsing and are rethrown after. */
async function runBatch(
  git: GitRunner,
  args: string[],
  names: readonly string[],
  onData: (chunk: Buffer) => void,
  isComplete: () => boolean,
  expected: () => number
): Promise<void> {
  if (names.length === 0) return
  let failure: unknown = undefined
  let failed = false
  await git.run(args, {
    input: requestInput(names),
    onStdout: (chunk) => {
      if (failed) return
      try {
        onData(chunk)
      } catch (e) {
        failed = true
        failure = e
      }
    }
  })
  if (failed) throw failure
  if (!isComplete() || expected() !== names.length) {
    throw new GitError(args, 0, `cat-file output truncated: ${expected()} of ${names.length}`)
  }
}

/**
 * Stream objects: `sink` receives each object's header, its content in chunks, and its end, in
 * request order; missing names go to `sink.missing`. One `git cat-file --batch` process.
 */
export async function streamObjects(
  git: GitRunner,
  names: readonly string[],
  sink: ObjectStreamSink
): Promise<void> {
  const parser = new CatFileBatchParser(sink)
  await runBatch(
    git,
    ['cat-file', '--batch', '--buffer'],
    names,
    (c) => parser.push(c),
    () => parser.complete,
    () => parser.count
  )
}

export interface ReadOptions {
  /**
   * Give objects of at least this many bytes content in a SharedArrayBuffer of their own, which
   * worker threads can read without a copy (default: never).
   */
  sharedFrom?: number
  /**
   * Compute the SHA-256 of objects at least this big and set `sha256`: a reader thread does it
   * there, off the caller's thread; the in-thread reader as each object completes (callers that
   * ask hash those objects anyway, so either way each is hashed once).
   */
  sha256From?: number
  /** Memory chosen objects are read into instead of memory of their own (see ReadInto). */
  into?: ReadInto
}

/**
 * Name i's content goes into `memory` at `offsets[i]` when that is ≥ 0 and the object has at
 * most `sizes[i]` bytes (the caller reserved that much there); the content is then a view of it.
 */
export interface ReadInto {
  memory: SharedArrayBuffer
  offsets: readonly number[]
  sizes: readonly number[]
}

/**
 * Read objects whole: `onObject` is called once per requested name, in request order, with the
 * object (content as one Buffer) or a missing marker. One `git cat-file --batch` process; memory
 * is bounded by the largest object plus one stdout chunk. An object of WHOLE_FROM_BYTES or more
 * is copied into a buffer of its own (or shared memory: `sharedFrom`, `into`) as it arrives; a
 * smaller one is a zero-copy view when it lies inside one chunk, else its pieces joined once.
 */
export async function readObjects(
  git: GitRunner,
  names: readonly string[],
  onObject: (obj: ObjectResult) => void,
  opts: ReadOptions = {}
): Promise<void> {
  await streamObjects(git, names, wholeObjects(onObject, opts))
}

/** A sink that collects each object's content into one Buffer (see `readObjects`). */
function wholeObjects(onObject: (obj: ObjectResult) => void, opts: ReadOptions): ObjectStreamSink {
  const sharedFrom = opts.sharedFrom ?? Infinity
  const sha256From = opts.sha256From ?? Infinity
  const into = opts.into
  let header: ObjectHeader | undefined
  let pieces: Buffer[] = []
  /** Where the current object is copied as it arrives (null: kept as chunk views), and how far. */
  let dest: Buffer | null = null
  let filled = 0
  const destination = (h: ObjectHeader): Buffer | null => {
    const at = into ? into.offsets[h.index] : -1
    if (at >= 0 && h.size > 0 && h.size <= into!.sizes[h.index])
      return Buffer.from(into!.memory, at, h.size)
    if (h.size > 0 && h.size >= sharedFrom) return Buffer.from(new SharedArrayBuffer(h.size))
    if (h.size >= WHOLE_FROM_BYTES) return Buffer.allocUnsafeSlow(h.size)
    return null
  }
  return {
    start(h) {
      header = h
      dest = destination(h)
      filled = 0
    },
    chunk(data) {
      if (dest) filled += data.copy(dest, filled)
      else pieces.push(data)
    },
    end() {
      const h = header as ObjectHeader
      const content =
        dest ??
        (pieces.length === 1
          ? pieces[0]
          : pieces.length === 0
            ? Buffer.alloc(0)
            : Buffer.concat(pieces, h.size))
      pieces = []
      dest = null
      header = undefined
      onObject({
        ...h,
        missing: false,
        content,
        ...(h.size >= sha256From
          ? { sha256: createHash('sha256').update(content).digest('hex') }
          : {})
      })
    },
    missing(m) {
      onObject(m)
    },
    holdsViews: () => pieces.length > 0
  }
}

interface PendingRead {
  parser: CatFileBatchParser
  expected: number
  failure?: unknown
  resolve: () => void
  reject: (e: unknown) => void
}

/**
 * Many `readObjects` calls in turn through ONE `git cat-file --batch-command --buffer` process
 * (a migration reads one window of blobs after another): no process start per call. Calls run
 * one at a time, in call order; `close()` ends the process.
 */
export class ObjectReader {
  private proc: RunningGit | null = null
  private current: PendingRead | null = null
  private queue: Promise<void> = Promise.resolve()
  private exited: unknown = null

  /** Chunks the parser may still point into, and chunks it no longer does (freed next). */
  private held: Buffer[] = []
  private releasable: Buffer[] = []
  /** Pipe chunks freed early (releaseChunks). */
  chunksFreed = 0
  private readonly releaseChunks: boolean

  /**
   * `releaseChunks`: free each stdout chunk as soon as no object in progress points into it,
   * instead of at the thread's next collection. Only for callers whose `onObject` copies what
   * it keeps (a content view reads as empty once its chunk is freed); objects of at least
   * WHOLE_FROM_BYTES are buffers of their own and stay. The reader thread asks for it: its heap
   * is small and collects rarely, so the chunks of whole windows waited in its malloc arena,
   * which then stayed resident (a synthetic run of 2,500 checkpoints peaked at 280-304 MB with
   * the chunks and the joins, 252-265 MB without).
   */
  constructor(
    private readonly git: GitRunner,
    opts: { releaseChunks?: boolean } = {}
  ) {
    this.releaseChunks = opts.releaseChunks ?? false
  }

  /** Like `readObjects`, on the shared process. */
  read(
    names: readonly string[],
    onObject: (obj: ObjectResult) => void,
    opts: ReadOptions = {}
  ): Promise<void> {
    const run = this.queue.then(() => this.readNow(names, onObject, opts))
    this.queue = run.then(
      () => undefined,
      () => undefined
    )
    return run
  }

  private start(): RunningGit {
    const args = ['cat-file', '--batch-command', '--buffer']
    const git = this.git.start(args, {
      onStdout: (chunk) => this.onStdout(chunk),
      // A long-lived reader would keep every pack window it touched mapped (1 GiB windows,
      // 8 GiB in all by default): its resident size would grow with the repository.
      config: [
        ['core.packedGitWindowSize', '32m'],
        ['core.packedGitLimit', '128m']
      ]
    })
    const ended = (e: unknown): void => {
      this.exited = e ?? new GitError(args, 0, 'cat-file ended before answering')
      const c = this.current
      if (c) {
        this.current = null
        c.reject(this.exited)
      }
    }
    git.result.then(
      () => ended(null),
      (e: unknown) => ended(e)
    )
    return git
  }

  private onStdout(chunk: Buffer): void {
    // Chunks found free on the last call: exec's own handler is done with them by now.
    for (const b of this.releasable) if (freeNow(b.buffer as ArrayBuffer)) this.chunksFreed++
    this.releasable = []
    const c = this.current
    if (!c) return
    try {
      c.parser.push(chunk)
      if (this.releaseChunks) {
        this.held.push(chunk)
        if (!c.parser.holdsViews) {
          this.releasable = this.held
          this.held = []
        }
      }
    } catch (e) {
      // out of sync: nothing more of this process can be trusted
      c.failure ??= e
      this.current = null
      c.reject(c.failure)
      return
    }
    if (c.parser.count === c.expected && c.parser.complete) {
      this.current = null
      if (c.failure !== undefined) c.reject(c.failure)
      else c.resolve()
    }
  }

  private async readNow(
    names: readonly string[],
    onObject: (obj: ObjectResult) => void,
    opts: ReadOptions
  ): Promise<void> {
    if (names.length === 0) return
    if (this.exited) throw this.exited
    const request = Buffer.from(names.map((n) => `contents ${n}\n`).join('') + 'flush\n', 'utf8')
    for (const n of names) {
      if (n.length === 0 || n.includes('\n')) {
        throw new Error(`invalid object name for cat-file: ${JSON.stringify(n)}`)
      }
    }
    this.proc ??= this.start()
    const stdin = await this.proc.stdin
    const inner = wholeObjects(onObject, opts)
    await new Promise<void>((resolve, reject) => {
      const pending: PendingRead = { parser: null!, expected: names.length, resolve, reject }
      // A consumer error stops delivery; the rest of the answer is still read to stay in sync.
      const guard =
        <A extends unknown[]>(f: (...a: A) => void) =>
        (...a: A) => {
          if (pending.failure !== undefined) return
          try {
            f(...a)
          } catch (e) {
            pending.failure = e
          }
        }
      pending.parser = new CatFileBatchParser({
        start: guard(inner.start),
        chunk: guard(inner.chunk),
        end: guard(inner.end),
        missing: guard(inner.missing),
        holdsViews: inner.holdsViews
      })
      this.current = pending
      stdin.write(request)
    })
  }

  /** End the process (waits for it). */
  async close(): Promise<void> {
    await this.queue
    if (!this.proc) return
    const p = this.proc
    this.proc = null
    ;(await p.stdin.catch(() => null))?.end()
    await p.result.catch(() => undefined)
  }
}

/** `readObjects` collected into an array in request order (convenience for modest batches). */
export async function readObjectsAll(
  git: GitRunner,
  names: readonly string[]
): Promise<ObjectResult[]> {
  const out: ObjectResult[] = []
  await readObjects(git, names, (o) => void out.push(o))
  return out
}

/**
 * Type and size only (`git cat-file --batch-check`), in request order, one process. Names may be
 * any object expression (`<commit>^{tree}`, `<rev>:<path>`), which makes this also a batched
 * resolver: `oid` is the resolved id.
 */
export async function checkObjects(
  git: GitRunner,
  names: readonly string[]
): Promise<ObjectInfoResult[]> {
  const out: ObjectInfoResult[] = []
  let carry: Buffer | undefined
  const onLine = (line: string): void => {
    const h = parseHeader(line)
    const index = out.length
    out.push(
      h.missing
        ? { index, oid: h.oid, missing: true, reason: h.reason }
        : { index, oid: h.oid, type: h.type, size: h.size, missing: false }
    )
  }
  await runBatch(
    git,
    ['cat-file', '--batch-check', '--buffer'],
    names,
    (chunk) => {
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk
      carry = undefined
      let pos = 0
      for (let nl = buf.indexOf(LF, pos); nl !== -1; nl = buf.indexOf(LF, pos)) {
        onLine(buf.toString('latin1', pos, nl))
        pos = nl + 1
      }
      if (pos < buf.length) carry = Buffer.from(buf.subarray(pos))
    },
    () => carry === undefined,
    () => out.length
  )
  return out
}

/** Resolve many names to object ids with one process; absent names give null. */
export async function resolveMany(
  git: GitRunner,
  names: readonly string[]
): Promise<Array<string | null>> {
  const infos = await checkObjects(git, names)
  return infos.map((i) => (i.missing ? null : i.oid))
}
