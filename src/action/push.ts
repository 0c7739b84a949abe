// Push the refs a run wrote in one atomic, lease-protected push (github-action.md §6). Leases are
// the values fetched at the start (empty = must not exist). A rejection is never retried: the
// remote is re-read with ls-remote and each ref's true state is reported. Transport failures are
// retried by the git layer; an authentication failure fails with a message about
// `contents: write`, and can be detected before migrating with checkWriteAccess.
import type { GitRunner } from '../git/runner.js'
import {
  lsRemote,
  push,
  PushRejectedError,
  RemoteError,
  type PushRefResult as GitPushRef,
  type RemoteAuth
} from '../git/remote.js'
import { checkPushAccess } from '../git/action-prep.js'
import type { PushInfo, PushRefResult, PushRefStatus } from '../report/action-report.js'
import type { ActionLog } from './log.js'
import { retryPolicy, type Sleep } from './retry.js'

export const LEASE_REJECTED_MESSAGE =
  'remote v2 refs changed during migration (someone pushed meanwhile); nothing was pushed — rerun the workflow'

/** The token cannot write: fail early and name the likely causes. */
export class PushPermissionError extends Error {
  constructor(repository: string, detail: string) {
    super(
      `the token cannot push to ${repository}: give the job \`permissions: contents: write\` ` +
        `(pull requests from forks, and repositories whose default workflow permissions are ` +
        `read-only, get a read-only GITHUB_TOKEN; use dry-run: true or push: false there). ` +
        `git said: ${detail}`
    )
    this.name = 'PushPermissionError'
  }
}

export interface LeasedUpdate {
  ref: string
  newOid: string
  /** The remote value the migration was based on; null = must not exist. */
  expected: string | null
}

export interface PushOptions {
  remote: string
  repository: string
  auth: RemoteAuth
  log: ActionLog
  sleep?: Sleep
}

function lastLines(s: string): string {
  const lines = s.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('remote:'))
  return lines.slice(-2).join(' ').trim() || '(no message)'
}

function statusOf(r: GitPushRef): PushRefStatus {
  if (r.status !== 'ok') return r.status
  switch (r.flag) {
    case '*':
      return 'created'
    case '+':
      return 'forced'
    case '=':
      return 'up-to-date'
    case '-':
      return 'deleted'
    default:
      return 'updated'
  }
}

/**
 * Fail early when the token may not push: a dry-run push contacts receive-pack (which GitHub
 * refuses to a read-only token) and changes nothing. Other failures are left to the real push.
 */
export async function checkWriteAccess(
  git: GitRunner,
  anyLocalOid: string,
  o: PushOptions
): Promise<void> {
  const r = await checkPushAccess(git, o.remote, anyLocalOid, o.auth)
  if (r.ok) return
  if (r.kind === 'auth') throw new PushPermissionError(o.repository, lastLines(r.stderr))
  o.log.debug(`write check inconclusive (${r.kind}): ${lastLines(r.stderr)}`)
}

/** Push every update atomically with its lease. Rejections come back as `ok: false`. */
export async function pushLeased(
  git: GitRunner,
  updates: readonly LeasedUpdate[],
  o: PushOptions
): Promise<PushInfo> {
  const info: PushInfo = {
    remote: o.remote,
    attempted: updates.length > 0,
    ok: true,
    rejected: false,
    attempts: 0,
    refs: []
  }
  if (updates.length === 0) {
    info.message = 'nothing to push'
    return info
  }
  for (const u of updates) o.log.info(`  ${u.ref}: ${u.expected ?? '(new)'} → ${u.newOid}`)
  const policy = retryPolicy(o.log, o.sleep)
  let failedAttempts = 0
  const retry = {
    ...policy,
    log: (m: string) => {
      failedAttempts++
      policy.log?.(m)
    }
  }
  let results: GitPushRef[] = []
  try {
    results = await push(
      git,
      o.remote,
      updates.map((u) => ({ ref: u.ref, newOid: u.newOid, expectedOld: u.expected })),
      { auth: o.auth, retry }
    )
    info.attempts = failedAttempts + 1
  } catch (e) {
    info.ok = false
    if (e instanceof PushRejectedError) {
      info.attempts = failedAttempts + 1
      results = e.results
      const remote = e.remoteMessages
      if (remote.length > 0) info.remoteMessages = remote
    } else if (e instanceof RemoteError) {
      info.attempts = e.attempts
      if (e.kind === 'auth') throw new PushPermissionError(o.repository, lastLines(e.stderr))
      info.message = `push failed after ${e.attempts} attempt(s): ${lastLines(e.stderr)}`
    } else {
      throw e
    }
  }
  const byRef = new Map(results.map((r) => [r.ref, r]))
  info.refs = updates.map((u): PushRefResult => {
    const p = byRef.get(u.ref)
    return {
      ref: u.ref,
      expected: u.expected,
      new: u.newOid,
      status: p ? statusOf(p) : 'not-pushed',
      detail: p ? `${p.summary}${p.reason ? ` (${p.reason})` : ''}` : undefined
    }
  })
  if (info.ok && info.refs.every((r) => r.status !== 'not-pushed')) return info

  // Any failure: the remote may be partly updated (a server-side per-ref rejection is not covered
  // by --atomic), so report what it really holds now, never an assumed state.
  info.ok = false
  info.rejected = info.refs.some((r) => r.status === 'lease')
  try {
    const now = new Map(
      (
        await lsRemote(
          git,
          o.remote,
          updates.map((u) => u.ref),
          { auth: o.auth, retry: policy }
        )
      ).map((r) => [r.ref, r.oid])
    )
    for (const r of info.refs) r.remoteNow = now.get(r.ref) ?? null
  } catch (e) {
    o.log.warning(`could not re-read the remote after the failed push: ${(e as Error).message}`)
  }
  if (info.rejected) {
    info.message = LEASE_REJECTED_MESSAGE
  } else if (!info.message) {
    const bad = info.refs.filter(
      (r) => !['created', 'updated', 'forced', 'up-to-date', 'deleted'].includes(r.status)
    )
    info.message = `push rejected for ${bad.map((r) => `${r.ref} (${r.detail ?? r.status})`).join(', ')}`
  }
  return info
}
