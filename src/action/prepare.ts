// Prepare the repository with full checkpoint refs (github-action.md §5): works after
// actions/checkout (shallow or not, persisted credentials or not) and without it (git init +
// remote from the server URL). One ls-remote, one fetch of the v1 branch and every v2 ref, an
// unshallow only when the checkpoint history is cut, then the lease baseline and the pinned v1.
import { mkdir } from 'node:fs/promises'
import type { GitRunner } from '../git/runner.js'
import { checkGitVersion, initRepo, shallowCommits } from '../git/repo.js'
import { forEachRef, refMap, resolveRef, updateRefs, type RefOp } from '../git/refs.js'
import { fetch, lsRemote, type RemoteAuth } from '../git/remote.js'
import { addRemote, isRepositoryRoot, remoteUrl } from '../git/action-prep.js'
import type { PrepareInfo } from '../report/action-report.js'
import type { ActionLog } from './log.js'
import { retryPolicy, type Sleep } from './retry.js'

export const V1_BRANCH = 'refs/heads/entire/checkpoints/v1'
export const V2_PREFIX = 'refs/entire/checkpoints/v2/'

export function v1TrackingRef(remote: string): string {
  return `refs/remotes/${remote}/entire/checkpoints/v1`
}

export interface PrepareOptions {
  remote: string
  /** owner/name: used only to add the remote when it is missing. */
  repository: string
  auth: RemoteAuth
  log: ActionLog
  sleep?: Sleep
}

/** Where a missing remote points: `<server>/<owner>/<name>`, as actions/checkout configures it. */
export function remoteUrlFor(serverUrl: string, repository: string): string {
  return `${new URL(serverUrl).origin}/${repository}`
}

export async function prepareRepository(git: GitRunner, o: PrepareOptions): Promise<PrepareInfo> {
  await mkdir(git.repoDir, { recursive: true })
  let initialised = false
  if (!(await isRepositoryRoot(git))) {
    o.log.info(`${git.repoDir} is not a git repository: initialising it (no checkout needed)`)
    await initRepo(git)
    initialised = true
  }
  o.log.debug(`git ${await checkGitVersion(git)}`)

  let remoteAdded = false
  if ((await remoteUrl(git, o.remote)) === null) {
    const url = remoteUrlFor(o.auth.serverUrl, o.repository)
    o.log.info(`adding remote ${o.remote} → ${url}`)
    await addRemote(git, o.remote, url)
    remoteAdded = true
  }

  const net = { auth: o.auth, retry: retryPolicy(o.log, o.sleep) }
  const listed = (
    await lsRemote(git, o.remote, [V1_BRANCH, 'refs/entire/checkpoints/*'], net)
  ).filter((r) => !r.ref.endsWith('^{}'))
  const hasV1 = listed.some((r) => r.ref === V1_BRANCH)
  const remoteV2 = listed.filter((r) => r.ref.startsWith(V2_PREFIX))
  o.log.info(
    `remote ${o.remote}: ${hasV1 ? 'v1 branch present' : 'no v1 branch'}, ${remoteV2.length} v2 ref(s)`
  )

  // Local v2 refs the remote does not have were left by an earlier run that did not push (a
  // reused workspace). The migration must be based on the remote's state, so drop them.
  const localV2 = await refMap(git, [V2_PREFIX])
  const remoteNames = new Set(remoteV2.map((r) => r.ref))
  const stale: RefOp[] = [...localV2]
    .filter(([ref]) => !remoteNames.has(ref))
    .map(([ref, oid]) => ({ op: 'delete', ref, expectedOld: oid }))
  if (stale.length > 0) {
    o.log.info(
      `discarding ${stale.length} local v2 ref(s) absent on ${o.remote} (left by an unpushed run): ${stale.map((s) => s.ref).join(', ')}`
    )
    await updateRefs(git, stale)
  }

  // One fetch of exactly what exists, no --depth, no tags, no --prune (§5.2 step 2).
  const refspecs: string[] = []
  if (hasV1) refspecs.push(`+${V1_BRANCH}:${v1TrackingRef(o.remote)}`)
  if (remoteV2.length > 0) refspecs.push(`+${V2_PREFIX}*:${V2_PREFIX}*`)
  if (refspecs.length > 0) await fetch(git, o.remote, refspecs, net)

  // A fetch without --depth into a shallow repository does not deepen a ref whose history meets
  // the shallow boundary, and rev-list then silently returns a cut history (§5.2 step 4).
  const boundary = await shallowCommits(git)
  let unshallowed = false
  if (boundary.length > 0 && refspecs.length > 0) {
    let cut = false
    for (const oid of boundary) {
      const hit = await forEachRef(git, ['refs/entire/', `refs/remotes/${o.remote}/entire/`], {
        contains: oid
      })
      if (hit.length > 0) {
        cut = true
        break
      }
    }
    if (cut) {
      o.log.info('the checkpoint history meets the shallow boundary: fetching with --unshallow')
      await fetch(git, o.remote, refspecs, { ...net, unshallow: true })
      unshallowed = true
    }
  }

  // Lease baseline: what the fetch just wrote for each remote v2 ref.
  const fetched = await refMap(git, [V2_PREFIX])
  const baseline = remoteV2.map((r) => ({ ref: r.ref, oid: fetched.get(r.ref) ?? r.oid }))
  const v1Commit = hasV1 ? await resolveRef(git, `${v1TrackingRef(o.remote)}^{commit}`) : null
  return {
    initialised,
    remoteAdded,
    unshallowed,
    wasShallow: boundary.length > 0,
    remoteRefs: listed,
    v1Commit,
    v1Ref: hasV1 ? v1TrackingRef(o.remote) : null,
    baseline
  }
}
