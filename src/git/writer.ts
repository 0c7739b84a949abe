// Bulk object writes: one `git fast-import` process per batch (or per session of batches), fed a
// stream either built in memory (`new FastImportBatch(format)`, run at the end) or streamed to
// git as it is built (`FastImportBatch.streaming(git, format)`: blobs go to git as they are
// added, so memory holds at most `highWaterBytes` of the stream however large the batch is).
//
// Several commits go into one batch: declare blobs (each returns a mark), then commits in
// dependency order; a later commit may name an earlier one's mark as parent. Example for one
// migration batch:
//
//   const b = new FastImportBatch('sha1')
//   const meta = b.blob(metadataJson)
//   const main = b.commit({ parents: [mainTip], author, committer, message, changes: [
//     { op: 'M', mode: MODE_FILE, ref: meta, path: 'ab/cdef/metadata.json' },
//     { op: 'M', mode: MODE_FILE, ref: existingBlobOid, path: 'ab/cdef/0/prompt.txt' } ] })
//   const archive = b.commit({ parents: [currentTip], ... })
//   const current = b.commit({ parents: [], ..., changes: [{ op: 'deleteall' }] })
//   const r = await b.run(git)   // r.commits[i] = { mark, oid, tree }, r.oidOf(meta)
//
// Streamed, the same calls apply, with `await b.flush()` after adding content (it hands the
// stream built so far to git and waits while git is more than `highWaterBytes` behind), and
// `await b.run()` (or `b.abort()`) at the end.
//
// Batches of a `FastImportSession` (`session.batch()`) are streamed the same way, all into one
// process that outlives them: a run of many batches starts git once (see FastImportSession).
//
// Each commit is made on its own scratch ref (refs/entire-migrate/tmp/...) that the same stream
// deletes at its end, so fast-import never moves a real ref: callers move refs with the CAS
// functions of refs.ts. Ids are learnt in-stream (`get-mark`, `ls <commit> ""`) on stdout.
import type { GitRunner, RunResult, RunningGit } from './runner.js'
import { zeroOid, type ObjectFormat } from './format.js'
import { MODE_TREE } from './tree.js'
import { AnswerLines } from './answers.js'

/** A fast-import data reference: a full object id or a mark (`:<n>`) of this batch. */
export type DataRef = string

/** Author or committer: `Name <email> <unix seconds> <+hhmm>`, written exactly. */
export interface Signature {
  name: string
  email: string
  /** Unix seconds. */
  time: number
  /** Offset as git writes it: `+0000`, `-0700`, `+0530`. */
  tz: string
}

export type FileChange =
  /** Set `path` to an existing object or a mark (mode `040000` with a tree id grafts a tree; with
   * path `''` it replaces the whole root tree). */
  | { op: 'M'; mode: string; ref: DataRef; path: string }
  /** Set `path` to a new blob given inline (no mark; use `blob()` when content repeats). */
  | { op: 'M'; mode: string; content: Buffer | string; path: string }
  /** Remove a file or a whole directory. */
  | { op: 'D'; path: string }
  /** Start from an empty tree instead of the first parent's tree. */
  | { op: 'deleteall' }

export interface CommitSpec {
  /** First parent is `from` (its tree is the starting tree); others are merge parents. */
  parents: DataRef[]
  author: Signature
  committer: Signature
  /** Written verbatim: no newline is added or removed. */
  message: Buffer | string
  changes: FileChange[]
}

export interface WrittenCommit {
  mark: string
  oid: string
  tree: string
}

export interface FastImportResult {
  /** One entry per `commit()` call, in call order. */
  commits: WrittenCommit[]
  /** Object id of any blob or commit mark of the batch. */
  oidOf(mark: string): string
}

let batchSeq = 0

function signature(s: Signature): string {
  if (/[<>\n]/.test(s.name) || /[<>\n]/.test(s.email)) {
    throw new Error(`invalid identity for a commit: ${JSON.stringify(`${s.name} <${s.email}>`)}`)
  }
  if (!Number.isSafeInteger(s.time) || !/^[+-]\d{4}$/.test(s.tz)) {
    throw new Error(`invalid commit time: ${s.time} ${s.tz}`)
  }
  return `${s.name ? `${s.name} ` : ''}<${s.email}> ${s.time} ${s.tz}`
}

function checkRef(ref: DataRef): string {
  if (!/^(?::[1-9]\d*|[0-9a-f]{40}|[0-9a-f]{64})$/.test(ref)) {
    throw new Error(`invalid object reference for fast-import: ${JSON.stringify(ref)}`)
  }
  return ref
}

function checkMode(mode: string): string {
  if (!/^(?:100644|100755|120000|160000|0?40000)$/.test(mode)) {
    throw new Error(`invalid tree entry mode: ${mode}`)
  }
  return mode
}

/** A path as fast-import reads it: C-quoted when it needs to be, else verbatim. */
export function fastImportPath(path: string): string {
  if (path.includes('\0')) throw new Error(`path contains NUL: ${JSON.stringify(path)}`)
  if (path !== '' && !path.startsWith('"') && !/[\n\\"]/.test(path)) return path
  let out = '"'
  for (const ch of path) {
    if (ch === '"' || ch === '\\') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else out += ch
  }
  return `${out}"`
}

/** Default bound of stream bytes handed to git but not yet read by it (streamed batches). */
const HIGH_WATER_BYTES = 16 * 1024 * 1024

// --depth=0: no delta search. It tripled fast-import's time on transcript-sized blobs, and the
// reference writes loose (undeltified) objects anyway; a later gc packs them.
const FAST_IMPORT_ARGS = ['fast-import', '--quiet', '--date-format=raw', '--depth=0']

/**
 * One `git fast-import` for many batches (a run's every batch): starting a process forks this
 * one, and a fork of a process of a few hundred MB cost ~14 ms of a corpus run each (the page
 * tables copied, then a fault on every page written after it); a run that started three git
 * processes per batch spent ~4% of its time so. Batches made with `batch()` share the process
 * and its marks; each `run()` ends with a `checkpoint`, so what it wrote is in a pack other git
 * processes read, and waits for its answers. `close()` ends the process.
 */
export class FastImportSession {
  /** Names the session's scratch refs. */
  readonly id = `${process.pid}-${Date.now().toString(36)}-s${++batchSeq}`
  private sink: RunningGit | null = null
  private nextMark = 1
  private seq = 0
  private readonly answerLines = new AnswerLines()
  /** The batch whose commits are being built (their scratch names are the session's). */
  private committing: FastImportBatch | null = null

  constructor(
    private readonly git: GitRunner,
    readonly format: ObjectFormat,
    private readonly opts: { highWaterBytes?: number; compression?: number } = {}
  ) {}

  /** A batch written through this session's process. */
  batch(): FastImportBatch {
    return new FastImportBatch(this.format, {
      git: this.git,
      highWaterBytes: this.opts.highWaterBytes ?? HIGH_WATER_BYTES,
      session: this
    })
  }

  /** @internal the next mark of the process. */
  mark(): string {
    return `:${this.nextMark++}`
  }

  /** @internal one batch at a time adds commits, until it has run or aborted. */
  claimCommits(b: FastImportBatch): void {
    if (this.committing !== null && this.committing !== b) {
      throw new Error('a FastImportSession takes commits from one batch at a time')
    }
    this.committing = b
  }

  /** @internal `b` has run or aborted. */
  settled(b: FastImportBatch): void {
    if (this.committing === b) this.committing = null
  }

  /** @internal a unique tag for a run's sync point. */
  tag(): number {
    return ++this.seq
  }

  /** @internal the running process (started at the first use). */
  get process(): RunningGit {
    if (this.sink) return this.sink
    const level = this.opts.compression
    const sink = startFastImport(this.git, ['--done'], level, (chunk) =>
      this.answerLines.push(chunk)
    )
    sink.result.then(
      () => this.answerLines.fail(new Error('git fast-import ended before its answers')),
      (e: unknown) => this.answerLines.fail(e)
    )
    this.sink = sink
    return sink
  }

  /** @internal resolves with the next `n` answer lines. */
  answers(n: number): Promise<string[]> {
    return this.answerLines.next(n)
  }

  /** End the stream (`done`) and wait for git; objects of batches never run stay unreferenced. */
  async close(): Promise<void> {
    const sink = this.sink
    if (!sink) return
    try {
      const stdin = await sink.stdin
      stdin.end('done\n')
    } catch {
      // git is gone already
    }
    await sink.exited
  }
}

function startFastImport(
  git: GitRunner,
  extra: string[],
  level: number | undefined,
  onStdout?: (chunk: Buffer) => void
): RunningGit {
  return git.start([...FAST_IMPORT_ARGS, ...extra], {
    ...(onStdout ? { onStdout } : {}),
    ...(level !== undefined ? { config: [['pack.compression', String(level)]] } : {})
  })
}

/** One batch of blobs and commits, written by a single `git fast-import` run (or its session's). */
export class FastImportBatch {
  private parts: Buffer[] = []
  /** Bytes in `parts` (built, not yet handed to git). */
  private partBytes = 0
  private bytes = 0
  private nextMark = 1
  private readonly marks: string[] = []
  private readonly commitMarks: string[] = []
  private readonly scratchRefs: string[] = []
  private readonly batchId = `${process.pid}-${Date.now().toString(36)}-${++batchSeq}`
  private ran = false
  private sink: RunningGit | null = null

  constructor(
    private readonly format: ObjectFormat,
    private readonly stream?: {
      git: GitRunner
      highWaterBytes: number
      compression?: number
      /** The process is the session's, shared with its other batches. */
      session?: FastImportSession
    }
  ) {}

  /**
   * A batch streamed to one `git fast-import` as it is built (the process starts at the first
   * flush): memory holds at most about `highWaterBytes` of the stream plus what is added
   * between flushes. The objects and commits are the same as an in-memory batch's.
   */
  static streaming(
    git: GitRunner,
    format: ObjectFormat,
    opts: {
      highWaterBytes?: number
      /** zlib level of the written pack (object ids do not depend on it); default git's. */
      compression?: number
    } = {}
  ): FastImportBatch {
    return new FastImportBatch(format, {
      git,
      highWaterBytes: opts.highWaterBytes ?? HIGH_WATER_BYTES,
      compression: opts.compression
    })
  }

  /** Bytes of stream built so far (bound batches by this). */
  get byteLength(): number {
    return this.bytes
  }

  get commitCount(): number {
    return this.commitMarks.length
  }

  private push(b: Buffer): void {
    this.parts.push(b)
    this.partBytes += b.length
    this.bytes += b.length
  }

  private text(s: string): void {
    this.push(Buffer.from(s, 'utf8'))
  }

  private data(content: Buffer | string): void {
    const b = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
    this.text(`data ${b.length}\n`)
    if (b.length > 0) this.push(b)
    this.text('\n')
  }

  private mark(): string {
    const m = this.stream?.session ? this.stream.session.mark() : `:${this.nextMark++}`
    this.marks.push(m)
    return m
  }

  /**
   * Add a blob; returns its mark for M lines of later commits. Content given as pieces is
   * written piece by piece (never joined).
   */
  blob(content: Buffer | string | readonly Buffer[]): string {
    const m = this.mark()
    this.text(`blob\nmark ${m}\n`)
    if (Array.isArray(content)) {
      const pieces = content as readonly Buffer[]
      this.text(`data ${pieces.reduce((a, p) => a + p.length, 0)}\n`)
      for (const p of pieces) if (p.length > 0) this.push(p)
      this.text('\n')
    } else this.data(content as Buffer | string)
    return m
  }

  /** Add a commit; returns its mark (usable as a later commit's parent). */
  commit(spec: CommitSpec): string {
    // A session's batches reuse their scratch names: git updates every ref it ever made at
    // each checkpoint, so fresh names per batch would make each checkpoint slower than the last.
    const session = this.stream?.session
    if (session && this.commitMarks.length === 0) session.claimCommits(this)
    const ref = `refs/entire-migrate/tmp/${session?.id ?? this.batchId}-${this.commitMarks.length + 1}`
    this.scratchRefs.push(ref)
    const m = this.mark()
    this.commitMarks.push(m)
    this.text(`reset ${ref}\ncommit ${ref}\nmark ${m}\n`)
    this.text(`author ${signature(spec.author)}\ncommitter ${signature(spec.committer)}\n`)
    this.data(spec.message)
    spec.parents.forEach((p, i) => this.text(`${i === 0 ? 'from' : 'merge'} ${checkRef(p)}\n`))
    for (const c of spec.changes) {
      if (c.op === 'deleteall') this.text('deleteall\n')
      else if (c.op === 'D') this.text(`D ${fastImportPath(c.path)}\n`)
      else if ('ref' in c) {
        const mode = checkMode(c.mode) === '40000' ? MODE_TREE : c.mode
        this.text(`M ${mode} ${checkRef(c.ref)} ${fastImportPath(c.path)}\n`)
      } else {
        this.text(`M ${checkMode(c.mode)} inline ${fastImportPath(c.path)}\n`)
        this.data(c.content)
      }
    }
    this.text('\n')
    return m
  }

  /**
   * Streamed batches: hand the stream built so far to git; resolves once git is at most
   * `highWaterBytes` behind (rejects if git failed). In-memory batches: no-op.
   */
  async flush(): Promise<void> {
    if (!this.stream || this.ran) return
    await this.send(this.stream.highWaterBytes)
  }

  private async send(highWater: number): Promise<void> {
    this.sink ??= this.stream!.session
      ? this.stream!.session.process
      : startFastImport(this.stream!.git, [], this.stream!.compression)
    const sink = this.sink
    const stdin = await sink.stdin
    const parts = this.parts
    this.parts = []
    this.partBytes = 0
    for (const p of parts) stdin.write(p)
    if (stdin.writableLength > highWater) {
      await Promise.race([
        new Promise<void>((res) => stdin.once('drain', () => res())),
        sink.exited
      ])
    }
    if (stdin.writableLength > highWater || stdin.destroyed) {
      // git exited early: its error says why.
      await sink.result
      throw new Error('git fast-import exited before reading its whole input')
    }
  }

  /** The commands that report ids and drop the scratch refs, then the end of the stream. */
  private trailer(): void {
    this.requestIds()
    this.dropScratchRefs()
    this.text('done\n')
  }

  /** One answer line per mark (its id), then one per commit (its tree): see `results`. */
  private requestIds(): void {
    for (const m of this.marks) this.text(`get-mark ${m}\n`)
    for (const m of this.commitMarks) this.text(`ls ${m} ""\n`)
  }

  private dropScratchRefs(): void {
    for (const ref of this.scratchRefs) this.text(`reset ${ref}\nfrom ${zeroOid(this.format)}\n\n`)
  }

  /**
   * Run `git fast-import` once over the whole stream (for a streamed batch: send the rest and
   * wait for git). Returns commit and tree ids; leaves no ref behind. A batch runs once; `git`
   * is required for an in-memory batch.
   */
  async run(git?: GitRunner): Promise<FastImportResult> {
    if (this.ran) throw new Error('a FastImportBatch runs once')
    const session = this.stream?.session
    if (session) {
      // Ids, scratch refs dropped, the pack closed (`checkpoint`): the progress line answers
      // once git has done all of it.
      this.requestIds()
      this.dropScratchRefs()
      const tag = `progress entire-migrate batch ${session.tag()}`
      this.text(`checkpoint\n${tag}\n`)
      const answer = session.answers(this.marks.length + this.commitMarks.length + 1)
      answer.catch(() => undefined)
      this.ran = true
      let lines: string[]
      try {
        await this.send(Infinity)
        lines = await answer
      } finally {
        session.settled(this)
      }
      if (lines[lines.length - 1] !== tag) {
        throw new Error(`fast-import answers out of step: ${JSON.stringify(lines.at(-1))}`)
      }
      return this.results(lines)
    }
    this.trailer()
    let r: RunResult
    if (this.stream) {
      await this.send(Infinity)
      this.ran = true
      const stdin = await this.sink!.stdin
      stdin.end()
      r = await this.sink!.result
    } else {
      this.ran = true
      if (!git) throw new Error('an in-memory FastImportBatch needs a git runner to run')
      const input = Buffer.concat(this.parts, this.partBytes)
      this.parts = [] // the pieces can be collected while git runs
      // --done: a truncated stream is an error, never a shorter batch.
      r = await git.run([...FAST_IMPORT_ARGS, '--done'], { input })
    }
    return this.results(r.stdout.toString('latin1').split('\n'))
  }

  /**
   * Streamed batches: end a batch that will not be used (its commits are not wanted): git
   * finishes without leaving a ref; the objects it wrote stay unreferenced. Never throws.
   */
  async abort(): Promise<void> {
    if (this.ran || !this.stream) return
    this.ran = true
    if (this.stream.session) {
      // The shared process goes on: only this batch's scratch refs are dropped.
      this.stream.session.settled(this)
      this.parts = []
      this.partBytes = 0
      if (this.scratchRefs.length === 0 || !this.sink) return
      this.dropScratchRefs()
      try {
        await this.send(Infinity)
      } catch {
        // git is gone already
      }
      return
    }
    if (!this.sink) return
    this.parts = []
    this.partBytes = 0
    this.dropScratchRefs()
    this.text('done\n')
    try {
      const stdin = await this.sink.stdin
      for (const p of this.parts) stdin.write(p)
      stdin.end()
    } catch {
      // git is gone already
    }
    this.parts = []
    await this.sink.exited
  }

  private results(lines: string[]): FastImportResult {
    const expected = this.marks.length + this.commitMarks.length
    if (lines.length < expected) {
      throw new Error(`fast-import answered ${lines.length} of ${expected} id requests`)
    }
    const byMark = new Map(this.marks.map((m, i) => [m, lines[i]]))
    const commits = this.commitMarks.map((mark, i) => {
      const ls = lines[this.marks.length + i]
      const m = /^0?40000 tree ([0-9a-f]+)\t/.exec(ls)
      if (!m) throw new Error(`unexpected fast-import ls answer: ${JSON.stringify(ls)}`)
      return { mark, oid: byMark.get(mark) as string, tree: m[1] }
    })
    return {
      commits,
      oidOf(mark: string): string {
        const oid = byMark.get(mark)
        if (!oid) throw new Error(`unknown mark in this batch: ${mark}`)
        return oid
      }
    }
  }
}

/** An entry of one tree level for `writeTrees`: `name` is a single path component. */
export interface TreeLevelEntry {
  mode: string
  oid: string
  name: string
}

function typeOfEntryMode(mode: string): string {
  if (mode === MODE_TREE || mode === '40000') return 'tree'
  if (mode === '160000') return 'commit'
  return 'blob'
}

/**
 * Write tree objects with one `git mktree --batch -z`, returning their ids in order. Entries may
 * be given in any order (git sorts them); every referenced object must exist, which includes a
 * tree written earlier in the same call, so children go before their parents.
 */
export async function writeTrees(
  git: GitRunner,
  trees: ReadonlyArray<readonly TreeLevelEntry[]>
): Promise<string[]> {
  if (trees.length === 0) return []
  const parts: string[] = []
  for (const tree of trees) {
    for (const e of tree) {
      if (e.name === '' || /[/\0]/.test(e.name)) {
        throw new Error(`invalid tree entry name: ${JSON.stringify(e.name)}`)
      }
      const mode = checkMode(e.mode) === '40000' ? MODE_TREE : e.mode
      parts.push(`${mode} ${typeOfEntryMode(mode)} ${checkRef(e.oid)}\t${e.name}\0`)
    }
    parts.push('\0')
  }
  const out = await git.text(['mktree', '--batch', '-z'], {
    input: Buffer.from(parts.join(''), 'utf8')
  })
  const ids = out.split('\n')
  if (ids.length !== trees.length) {
    throw new Error(`mktree wrote ${ids.length} of ${trees.length} trees`)
  }
  return ids
}
