// Push of converted refs (git-refs-format.md §5.2, §9 item 11): only refs the remote lacks or holds
// at another value, in adaptive batches of non-forced refspecs (fast-forward only: never `+`,
// `--force` or a lease, so a ref someone else moved is rejected by the remote and reported), each
// ref's porcelain result parsed, and every ref confirmed afterwards with ls-remote.
import { lsRemoteText, pushPorcelain, writeReachabilityBitmap } from '../../../git/refs-push.js'
import { GitError, type GitRunner } from '../../../git/runner.js'
import { forEachRef } from '../../../git/refs.js'
import {
  PushBatcher,
  nextPushSize,
  classifyPorcelain,
  parseCheckpointRef,
  parseLsRemote,
  parsePorcelain,
  stderrMentionsRuleset,
  PUSH_BATCH_MAX,
  PUSH_BATCH_SIZE,
  type PushRefStatus
} from '../../../formats/git-refs/index.js'

export interface PushAuth {
  env?: Record<string, string>
  config?: Array<[string, string]>
}

export interface RefPushResult {
  ref: string
  local: string
  /** Remote value before the push (null = absent). */
  remoteBefore: string | null
  status: PushRefStatus
  detail: string
}

export interface RefsPushReport {
  remote: string
  /** Refs considered (all local checkpoint refs of converted ids). */
  considered: number
  /** Already at the local value on the remote: not pushed. */
  alreadyThere: number
  /** Pushed and confirmed by ls-remote. */
  landed: number
  /** Every ref that did not land, with why. */
  failed: RefPushResult[]
  /** Pushes run (a push that failed as a whole and was retried counts twice). */
  batches: number
  /** Refs per push, in order. */
  batchSizes: number[]
  ms: number
  /** Why no reachability bitmap could be written (null = written or not needed). */
  bitmapProblem: string | null
}

const CHECKPOINT_GLOB = 'refs/entire/checkpoints/*'

async function remoteCheckpointRefs(
  git: GitRunner,
  remote: string,
  auth: PushAuth
): Promise<Map<string, string>> {
  const all = parseLsRemote(await lsRemoteText(git, remote, [CHECKPOINT_GLOB], auth))
  for (const ref of [...all.keys()]) if (parseCheckpointRef(ref) === null) all.delete(ref)
  return all
}

/**
 * Push `refs` (ref → local id) to `remote`. A rerun pushes only what is missing or different.
 * Throws only when the remote cannot be listed at all before pushing.
 */
export async function pushCheckpointRefs(
  git: GitRunner,
  remote: string,
  refs: Map<string, string>,
  opts: {
    /** Refs per push, fixed; default: from `firstBatchSize` growing up to `maxBatchSize`. */
    batchSize?: number
    /** First adaptive push, and the size a push that failed as a whole is retried at (default PUSH_BATCH_SIZE). */
    firstBatchSize?: number
    /** Largest adaptive push (default PUSH_BATCH_MAX). */
    maxBatchSize?: number
    auth?: PushAuth
  } = {}
): Promise<RefsPushReport> {
  const t0 = performance.now()
  const auth = opts.auth ?? {}
  const before = await remoteCheckpointRefs(git, remote, auth)
  const todo: RefPushResult[] = []
  let alreadyThere = 0
  for (const [ref, local] of refs) {
    const r = before.get(ref) ?? null
    if (r === local) alreadyThere++
    else todo.push({ ref, local, remoteBefore: r, status: 'ok', detail: '' })
  }
  const local = (await forEachRef(git, ['refs/entire/checkpoints/'])).map((r) => r.ref)
  const byRef = new Map(todo.map((r) => [r.ref, r]))
  const batcher = new PushBatcher(
    todo.map((r) => r.ref),
    local
  )
  // An explicit size is kept for every push; by default the size grows from the safe size.
  const start = opts.batchSize ?? opts.firstBatchSize ?? PUSH_BATCH_SIZE
  const limits = {
    start,
    max: Math.max(start, opts.batchSize ?? opts.maxBatchSize ?? PUSH_BATCH_MAX)
  }
  // Converted trees reuse v1 subtrees at other paths: only a bitmap lets git see the remote has them.
  const bitmapProblem = todo.length > 0 ? await writeReachabilityBitmap(git) : null
  const batchSizes: number[] = []
  let size = start
  for (let batch = batcher.next(size); batch; batch = batcher.next(size)) {
    batchSizes.push(batch.refs.length)
    const group = batch.refs.map((ref) => byRef.get(ref) as RefPushResult)
    const t = performance.now()
    let run
    try {
      run = await pushPorcelain(git, remote, batch.refspecs, auth)
    } catch (e) {
      const msg = e instanceof GitError ? e.stderr || e.message : (e as Error).message
      for (const r of group) Object.assign(r, { status: 'network', detail: msg })
      size = nextPushSize(size, { answered: false, ms: performance.now() - t }, limits)
      continue
    }
    const lines = new Map(parsePorcelain(run.stdout).map((l) => [l.to, l]))
    const answered = group.every((r) => lines.has(r.ref))
    const ms = performance.now() - t
    if (lines.size === 0 && batch.refs.length > limits.start) {
      // Failed as a whole (too big for the remote, a timeout): the same refs again, smaller.
      batcher.putBack(batch)
      size = nextPushSize(size, { answered: false, ms }, limits)
      continue
    }
    size = nextPushSize(size, { answered, ms }, limits)
    const ruleset = stderrMentionsRuleset(run.stderr)
    for (const r of group) {
      const line = lines.get(r.ref)
      if (!line) {
        // No per-ref line: the push did not get as far as the remote's answer.
        Object.assign(r, {
          status: ruleset ? 'ruleset' : 'network',
          detail:
            run.stderr.split('\n').slice(-3).join(' ') ||
            `git push exited ${run.exitCode} without a result for this ref`
        })
        continue
      }
      const c = classifyPorcelain(line)
      Object.assign(r, {
        status: c.status === 'remote-rejected' && ruleset ? 'ruleset' : c.status,
        detail: c.detail
      })
    }
  }
  // Confirm: every ref pushed ok must now be advertised at the local id.
  if (todo.length > 0) {
    let after: Map<string, string> | null = null
    try {
      after = await remoteCheckpointRefs(git, remote, auth)
    } catch (e) {
      const msg = e instanceof GitError ? e.stderr || e.message : (e as Error).message
      for (const r of todo)
        if (r.status === 'ok')
          Object.assign(r, { status: 'unconfirmed', detail: `ls-remote failed: ${msg}` })
    }
    if (after) {
      for (const r of todo) {
        if (r.status !== 'ok') continue
        const now = after.get(r.ref) ?? null
        if (now !== r.local) {
          Object.assign(r, {
            status: 'unconfirmed',
            detail: `remote advertises ${now ?? 'nothing'} after the push, local is ${r.local}`
          })
        }
      }
    }
  }
  const failed = todo.filter((r) => r.status !== 'ok')
  return {
    remote,
    considered: refs.size,
    alreadyThere,
    landed: todo.length - failed.length,
    failed,
    batches: batchSizes.length,
    batchSizes,
    ms: performance.now() - t0,
    bitmapProblem
  }
}
