// Refs: listing, resolving, and compare-and-swap updates as one atomic `update-ref --stdin`.
import { GitError, type GitRunner, type RunningGit } from './runner.js'
import { AnswerLines } from './answers.js'
import { isZeroOid, zeroOidLike } from './format.js'

export interface RefInfo {
  ref: string
  oid: string
  /** Type of the object the ref points at (only with `withType`). */
  type?: string
}

export interface ForEachRefOptions {
  /** Also report the object type (`%(objecttype)`). */
  withType?: boolean
  /** Only refs whose history contains this commit (`--contains`). */
  contains?: string
}

/**
 * `git for-each-ref` over patterns (prefixes like `refs/entire/` or globs), sorted by name. With
 * no pattern, every ref.
 */
export async function forEachRef(
  git: GitRunner,
  patterns: readonly string[] = [],
  opts: ForEachRefOptions = {}
): Promise<RefInfo[]> {
  const format = opts.withType
    ? '%(objectname) %(objecttype) %(refname)'
    : '%(objectname) %(refname)'
  const args = ['for-each-ref', `--format=${format}`]
  if (opts.contains) args.push(`--contains=${opts.contains}`)
  args.push('--', ...patterns)
  const text = await git.text(args)
  if (text === '') return []
  return text.split('\n').map((line) => {
    const parts = line.split(' ')
    return opts.withType
      ? { oid: parts[0], type: parts[1], ref: parts.slice(2).join(' ') }
      : { oid: parts[0], ref: parts.slice(1).join(' ') }
  })
}

/** `for-each-ref` as a map ref name -> oid. */
export async function refMap(
  git: GitRunner,
  patterns: readonly string[] = []
): Promise<Map<string, string>> {
  return new Map((await forEachRef(git, patterns)).map((r) => [r.ref, r.oid]))
}

/** Object id a revision expression resolves to, or null when it does not resolve. */
export async function resolveRef(git: GitRunner, rev: string): Promise<string | null> {
  const r = await git.run(['rev-parse', '-q', '--verify', '--end-of-options', rev], {
    okCodes: [1]
  })
  if (r.exitCode !== 0) return null
  return r.stdout.toString('utf8').trim() || null
}

/**
 * One ref operation of a transaction.
 * - `expectedOld`: `undefined` = no check; `null` = must not exist; an oid = must equal it.
 * - `verify` only checks (`expectedOld` null = must not exist).
 */
export type RefOp =
  | { op: 'update'; ref: string; newOid: string; expectedOld?: string | null }
  | { op: 'create'; ref: string; newOid: string }
  | { op: 'delete'; ref: string; expectedOld?: string | null }
  | { op: 'verify'; ref: string; expectedOld: string | null }

export interface RefConflict {
  ref: string
  /** null = expected absent. */
  expected: string | null
  /** null = absent. */
  actual: string | null
}

/** A transaction was refused because refs do not hold their expected values; no ref was changed. */
export class RefConflictError extends Error {
  constructor(
    readonly conflicts: RefConflict[],
    readonly stderr: string
  ) {
    super(
      `ref update refused, refs changed concurrently: ${conflicts
        .map((c) => `${c.ref} (expected ${c.expected ?? 'absent'}, is ${c.actual ?? 'absent'})`)
        .join(', ')}`
    )
    this.name = 'RefConflictError'
  }
}

function checkRefName(ref: string): void {
  if (!ref.startsWith('refs/') || /[\s\0]/.test(ref)) {
    throw new Error(`invalid ref name for update: ${JSON.stringify(ref)}`)
  }
}

function expectationOf(op: RefOp): string | null | undefined {
  if (op.op === 'create') return null
  return op.expectedOld
}

/** The zero id needed to say "must not exist": its length follows an oid of the same call. */
function zeroFor(ops: readonly RefOp[]): string {
  for (const op of ops) {
    if ((op.op === 'update' || op.op === 'create') && !isZeroOid(op.newOid)) {
      return zeroOidLike(op.newOid)
    }
    const e = expectationOf(op)
    if (e) return zeroOidLike(e)
  }
  throw new Error('cannot infer the object format of a ref transaction without any object id')
}

function renderOps(ops: readonly RefOp[]): Buffer {
  const lines = ops.map((op) => {
    checkRefName(op.ref)
    const e = expectationOf(op)
    const old = e === undefined ? '' : ` ${e === null ? zeroFor(ops) : e}`
    switch (op.op) {
      case 'update':
        return `update ${op.ref} ${op.newOid}${old}`
      case 'create':
        return `create ${op.ref} ${op.newOid}`
      case 'delete':
        return `delete ${op.ref}${old}`
      case 'verify':
        return `verify ${op.ref}${old}`
    }
  })
  return Buffer.from(['start', ...lines, 'prepare', 'commit', ''].join('\n'), 'utf8')
}

/**
 * Apply ref operations atomically (`git update-ref --stdin --no-deref`: start/prepare/commit).
 * Either every op applies or none does. When an expected old value does not hold, throws
 * `RefConflictError` naming every ref whose current value differs from its expectation (re-read
 * after the refusal). Other failures (invalid name, lock held by another process) are GitError.
 */
export async function updateRefs(git: GitRunner, ops: readonly RefOp[]): Promise<void> {
  if (ops.length === 0) return
  const input = renderOps(ops)
  try {
    await git.run(['update-ref', '--no-deref', '--stdin'], { input })
  } catch (e) {
    if (!(e instanceof GitError)) throw e
    const conflicts = await conflictsOf(git, ops)
    if (conflicts.length > 0) throw new RefConflictError(conflicts, e.stderr)
    throw e
  }
}

/** The refs whose current values differ from what `ops` expected (re-read now). */
async function conflictsOf(git: GitRunner, ops: readonly RefOp[]): Promise<RefConflict[]> {
  const checked = ops.filter((op) => expectationOf(op) !== undefined)
  const actual = await refMap(
    git,
    checked.map((op) => op.ref)
  )
  const conflicts: RefConflict[] = []
  for (const op of checked) {
    const expected = expectationOf(op) ?? null
    const now = actual.get(op.ref) ?? null
    if (now !== expected) conflicts.push({ ref: op.ref, expected, actual: now })
  }
  return conflicts
}

/**
 * `updateRefs` for a run that makes many transactions: one `git update-ref --stdin` answers
 * them all ("start: ok" … "commit: ok"), so no process is started per transaction (each start
 * forks this process: see FastImportSession). A refused transaction ends that git (it exits
 * fatally); the error is the one `updateRefs` throws, and the next transaction starts another.
 */
export class RefTransactions {
  private proc: (RunningGit & { answers: AnswerLines }) | null = null

  constructor(private readonly git: GitRunner) {}

  async apply(ops: readonly RefOp[]): Promise<void> {
    if (ops.length === 0) return
    const input = renderOps(ops)
    const proc = (this.proc ??= this.start())
    try {
      const answer = proc.answers.next(3)
      ;(await proc.stdin).write(input)
      const lines = await answer
      if (lines.join('\n') !== 'start: ok\nprepare: ok\ncommit: ok') {
        throw new Error(`update-ref answered ${JSON.stringify(lines)}`)
      }
    } catch (e) {
      this.proc = null
      ;(await proc.stdin.catch(() => null))?.end()
      const ended = await proc.result.then(
        () => e,
        (g: unknown) => g
      )
      if (!(ended instanceof GitError)) throw ended
      const conflicts = await conflictsOf(this.git, ops)
      if (conflicts.length > 0) throw new RefConflictError(conflicts, ended.stderr)
      throw ended
    }
  }

  /** End the process (waits for it). */
  async close(): Promise<void> {
    const p = this.proc
    this.proc = null
    if (!p) return
    ;(await p.stdin.catch(() => null))?.end()
    await p.result.catch(() => undefined)
  }

  private start(): RunningGit & { answers: AnswerLines } {
    const answers = new AnswerLines()
    const git = this.git.start(['update-ref', '--no-deref', '--stdin'], {
      onStdout: (chunk) => answers.push(chunk)
    })
    git.result.then(
      () => answers.fail(new Error('git update-ref ended')),
      (e: unknown) => answers.fail(e)
    )
    return { ...git, answers }
  }
}

/**
 * Compare-and-swap one ref to `newOid`: `expectedOld` an oid = must currently be it; null = must
 * not exist (create-only); undefined = unconditional.
 */
export async function updateRef(
  git: GitRunner,
  ref: string,
  newOid: string,
  expectedOld?: string | null
): Promise<void> {
  await updateRefs(git, [{ op: 'update', ref, newOid, expectedOld }])
}

/** Delete one ref, optionally only if it still holds `expectedOld`. */
export async function deleteRef(git: GitRunner, ref: string, expectedOld?: string): Promise<void> {
  await updateRefs(git, [{ op: 'delete', ref, expectedOld }])
}
