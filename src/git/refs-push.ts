// Git operations the per-checkpoint refs target needs and the rest of the layer does not offer:
// fast-forward-only pushes with porcelain output, ls-remote, first-parent history of many tips in
// one process, and a fast-import run that reports the ids of the commits it wrote.
import type { GitRunner } from './runner.js'

export interface PushRun {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * `git push --porcelain --no-verify <remote> <refspecs…>`. Never adds `--force` or a lease: the
 * caller's refspecs decide (and must not start with `+`). Exit code 1 (some ref rejected) and
 * 128 (remote unreachable) are returned, not thrown, so the caller can report per ref.
 */
export async function pushPorcelain(
  git: GitRunner,
  remote: string,
  refspecs: readonly string[],
  opts: { env?: Record<string, string>; config?: Array<[string, string]> } = {}
): Promise<PushRun> {
  for (const s of refspecs) {
    if (s.startsWith('+')) throw new Error(`refusing a forced refspec: ${s}`)
  }
  const r = await git.run(['push', '--porcelain', '--no-verify', '--', remote, ...refspecs], {
    okCodes: [1, 128],
    env: opts.env,
    config: opts.config
  })
  return { exitCode: r.exitCode, stdout: r.stdout.toString('utf8'), stderr: r.stderr }
}

/** `git ls-remote <remote> <patterns…>` raw output (throws GitError when the remote cannot be read). */
export async function lsRemoteText(
  git: GitRunner,
  remote: string,
  patterns: readonly string[],
  opts: { env?: Record<string, string>; config?: Array<[string, string]> } = {}
): Promise<string> {
  const r = await git.run(['ls-remote', '--', remote, ...patterns], {
    env: opts.env,
    config: opts.config
  })
  return r.stdout.toString('utf8')
}

export interface LoggedCommit {
  commit: string
  tree: string
  parents: string[]
  subject: string
}

/**
 * Every commit on the first-parent chains of `tips` (one `git log --first-parent` process, tips on
 * stdin). Tips that are missing are left out (`--ignore-missing`); a missing commit further down
 * fails the call (GitError).
 */
export async function firstParentCommits(
  git: GitRunner,
  tips: readonly string[]
): Promise<Map<string, LoggedCommit>> {
  const out = new Map<string, LoggedCommit>()
  if (tips.length === 0) return out
  const r = await git.run(
    [
      'log',
      '--first-parent',
      '--ignore-missing',
      '--no-decorate',
      '--format=%H%x09%T%x09%P%x09%s',
      '--stdin'
    ],
    { input: Buffer.from(tips.join('\n') + '\n', 'utf8') }
  )
  for (const line of r.stdout.toString('utf8').split('\n')) {
    if (!line) continue
    const [commit, tree, parents, ...subject] = line.split('\t')
    out.set(commit, {
      commit,
      tree,
      parents: parents ? parents.split(' ') : [],
      subject: subject.join('\t')
    })
  }
  return out
}

/**
 * Run one `git fast-import` stream that must not update any ref (it ends by resetting its scratch
 * ref) and collect what its `get-mark` commands print: one object id per line, in order.
 */
export async function fastImportMarks(git: GitRunner, stream: Buffer): Promise<string[]> {
  const r = await git.run(['fast-import', '--quiet', '--done', '--date-format=raw'], {
    input: stream
  })
  return r.stdout
    .toString('latin1')
    .split('\n')
    .filter((l) => l !== '')
}

/**
 * Write a multi-pack-index reachability bitmap (git >= 2.34) so that pack-objects can exclude
 * every object the remote already has through its refs. Without it, a push of orphan commits
 * whose trees reuse the v1 branch's subtrees at other paths re-sends every reused blob: git's
 * tree walk marks only edge commits' trees uninteresting. Returns the error text when git
 * could not write it (the push still works, only slower).
 */
export async function writeReachabilityBitmap(git: GitRunner): Promise<string | null> {
  const r = await git.run(['multi-pack-index', 'write', '--bitmap'], { okCodes: [1, 128, 129] })
  return r.exitCode === 0 ? null : r.stderr || `exit code ${r.exitCode}`
}

/**
 * `git fetch --no-tags --no-auto-gc --stdin <remote>` with the refspecs on stdin (thousands fit).
 * Exit code 1 (some ref rejected as non-fast-forward) is returned, not thrown.
 */
export async function fetchRefspecs(
  git: GitRunner,
  remote: string,
  refspecs: readonly string[],
  opts: { env?: Record<string, string>; config?: Array<[string, string]> } = {}
): Promise<PushRun> {
  const r = await git.run(
    ['fetch', '--no-tags', '--no-auto-gc', '--no-recurse-submodules', '--stdin', '--', remote],
    {
      input: Buffer.from(refspecs.join('\n') + '\n', 'utf8'),
      okCodes: [1],
      env: opts.env,
      config: opts.config
    }
  )
  return { exitCode: r.exitCode, stdout: r.stdout.toString('utf8'), stderr: r.stderr }
}

/**
 * Store a pack of objects computed in process with `git index-pack --stdin` (the pack lands in
 * the object store with its index). `fsck` (`--fsck-objects`, what receive-pack and fetch use for
 * transfer.fsckObjects) makes git check every object, so a malformed tree or commit fails instead
 * of being stored; unlike `--strict` it does not require the objects they name to be present (a
 * partial clone lacks blobs that fast-import never needed either). Returns the pack's checksum.
 */
export async function indexPack(
  git: GitRunner,
  pack: Buffer,
  opts: { fsck?: boolean } = {}
): Promise<string> {
  const args = ['index-pack', '--stdin']
  if (opts.fsck) args.push('--fsck-objects')
  const r = await git.run(args, { input: pack })
  return r.stdout.toString('latin1').trim().split('\t').pop() ?? ''
}
