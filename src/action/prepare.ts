// Prepare the repository with full checkpoint refs (github-action.md §5): works after
// actions/checkout (shallow or not, persisted credentials or not) and without it (git init +
// remote from the server URL). One ls-remote, one fetch of the v1 branch and every v2 ref, an
// unshallow only when the checkpoint history is cut, then the lease baseline and the pinned v1.
import { mkdir } from 'node:fs/promises'
import type { GitRunner } from '../git/runner.js'
import {
  checkGitVersion,
  gitAtLeast,
  initRepo,
  isPartialClone,
  shallowCommits
} from '../git/repo.js'
import { forEachRef, refMap, resolveRef, updateRefs, type RefOp } from '../git/refs.js'
import { fetch, lsRemote, type RemoteAuth } from '../git/remote.js'
import { addRemote, isRepositoryRoot, remoteUrl } from '../git/action-prep.js'
import type { PrepareInfo } from '../report/action-report.js'
import type { ActionLog } from './log.js'
import { retryPolicy, type Sleep } from './retry.js'

export const V1_BRANCH = 'refs/heads/entire/checkpoints/v1'
export const V2_PREFIX = 'refs/entire/checkpoints/v2/'
/** Where local v2 refs the prepare step resets are kept (never deleted by this tool). */
export const BACKUP_PREFIX = 'refs/entire-migrate/backup/'

/** `20261125T211500Z`: one folder per run, sortable. */
export function backupStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
}

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
  /** Clock for the backup folder name (tests pin it). */
  now?: () => Date
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

  // Local v2 refs that differ from the remote's were left by an earlier run that did not push (a
  // reused workspace): the migration must be based on the remote's state, so the ones the remote
  // lacks are dropped and the others are overwritten by the forced fetch below. Nothing written is
  // lost: each is first kept under a backup ref (same transaction as the drop, compare-and-swap).
  const localV2 = await refMap(git, [V2_PREFIX])
  const remoteOid = new Map(remoteV2.map((r) => [r.ref, r.oid]))
  const backupPrefix = `${BACKUP_PREFIX}${backupStamp(o.now?.() ?? new Date())}/`
  const backedUp: Array<{ ref: string; oid: string; backup: string }> = []
  const ops: RefOp[] = []
  for (const [ref, oid] of localV2) {
    const theirs = remoteOid.get(ref)
    if (theirs === oid) continue
    const backup = backupPrefix + ref.slice(V2_PREFIX.length)
    backedUp.push({ ref, oid, backup })
    ops.push({ op: 'create', ref: backup, newOid: oid })
    if (theirs === undefined) ops.push({ op: 'delete', ref, expectedOld: oid })
  }
  if (backedUp.length > 0) {
    await updateRefs(git, ops)
    o.log.info(
      `${backedUp.length} local v2 ref(s) differ from ${o.remote} (left by an unpushed run); kept under ${backupPrefix}, then reset to the remote's state: ${backedUp.map((b) => b.ref).join(', ')}`
    )
  }

  // One fetch of exactly what exists, no --depth, no tags, no --prune (§5.2 step 2).
  const refspecs: string[] = []
  if (hasV1) refspecs.push(`+${V1_BRANCH}:${v1TrackingRef(o.remote)}`)
  if (remoteV2.length > 0) refspecs.push(`+${V2_PREFIX}*:${V2_PREFIX}*`)
  // A partial clone would leave every checkpoint blob out and fetch each one lazily, one process
  // per blob, when the migration reads it: fetch them all now, in the same single fetch.
  let complete = false
  if (refspecs.length > 0 && (await isPartialClone(git))) {
    if (await gitAtLeast(git, '2.36.0')) {
      complete = true
      o.log.info(
        'partial clone: fetching the checkpoint refs with every blob (--refetch --no-filter)'
      )
    } else {
      o.log.warning(
        'partial clone with git < 2.36: checkpoint blobs will be fetched lazily, one at a time (slow); use a checkout without `filter:`'
      )
    }
  }
  if (refspecs.length > 0) await fetch(git, o.remote, refspecs, { ...net, complete })

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
    baseline,
    backedUp
  }
}
