// Push the refs a run wrote in one atomic, lease-protected push (github-action.md §6). Leases are
// the values fetched at the start (empty = must not exist). A rejection is never retried: the
// remote is re-read with ls-remote and each ref's true state is reported. Transport failures are
// retried; an authentication failure fails with a message about `contents: write`.
import type { GitRunner } from '../git/runner.js'
import {
  isAuthFailure,
  lsRemote,
  pushWithLeases,
  type LeasedUpdate,
  type PorcelainRef,
  type PushRun,
  type RemoteAuth
} from '../git/action-prep.js'
import type { PushInfo, PushRefResult, PushRefStatus } from '../report/action-report.js'
import type { ActionLog } from './log.js'
import { withRetry, type Sleep } from './retry.js'

export const LEASE_REJECTED_MESSAGE =
  'remote v2 refs changed during migration (someone pushed meanwhile); nothing was pushed — rerun the workflow'

/** The token cannot write: fail early and name the likely causes. */
export class PushPermissionError extends Error {
  constructor(repository: string, detail: string) {
    super(
      `the token cannot push to ${repository}: give the job \`permissions: contents: write\` ` +
        `(pull requests from forks and repositories whose default workflow permissions are read-only ` +
        `get a read-only GITHUB_TOKEN; use push: false or dry-run: true there). git said: ${detail}`
    )
    this.name = 'PushPermissionError'
  }
}

/** Push failed after transport retries, or with no status lines for another reason. */
class TransportError extends Error {
  constructor(readonly run: PushRun) {
    super(run.stderr || `git push exited with ${run.exitCode}`)
    this.name = 'TransportError'
  }
}

function statusOf(r: PorcelainRef): PushRefStatus {
  switch (r.kind) {
    case 'lease':
      return 'lease'
    case 'collateral':
      return 'collateral'
    case 'remote-rejected':
      return 'remote-rejected'
    case 'other-rejected':
      return 'other-rejected'
    default:
      break
  }
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

export interface PushOptions {
  remote: string
  repository: string
  auth: RemoteAuth
  log: ActionLog
  sleep?: Sleep
}

/**
 * Check early that the token may push: a `--dry-run` push contacts receive-pack (where a
 * read-only token is refused) but sends nothing. Only an authentication failure is an error here.
 */
export async function checkWriteAccess(
  git: GitRunner,
  anyLocalOid: string,
  o: PushOptions
): Promise<void> {
  const run = await withRetry(
    async () => {
      const r = await pushWithLeases(
        git,
        o.remote,
        [{ ref: 'refs/entire-migrate/write-check', newOid: anyLocalOid, expected: null }],
        { auth: o.auth, dryRun: true }
      )
      if (r.exitCode !== 0 && r.refs.length === 0 && !isAuthFailure(r.stderr)) {
        throw new TransportError(r)
      }
      return r
    },
    { sleep: o.sleep, isTransient: (e) => e instanceof TransportError && isTransport(e.run) }
  ).catch((e: unknown) => {
    if (e instanceof TransportError) return e.run
    throw e
  })
  if (run.exitCode !== 0 && isAuthFailure(run.stderr)) {
    throw new PushPermissionError(o.repository, lastLine(run.stderr))
  }
  if (run.exitCode !== 0) o.log.debug(`write check did not pass cleanly: ${lastLine(run.stderr)}`)
}

function lastLine(s: string): string {
  const lines = s.split('\n').filter((l) => l.trim() !== '')
  return lines.slice(-2).join(' ').trim() || '(no message)'
}

function isTransport(run: PushRun): boolean {
  return run.exitCode !== 0 && run.refs.length === 0 && !isAuthFailure(run.stderr)
}

/** Push every update atomically with its lease; never throws for rejections (see `ok`). */
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
  for (const u of updates) {
    o.log.info(`  ${u.ref}: ${u.expected ?? '(new)'} → ${u.newOid}`)
  }
  let run: PushRun
  try {
    run = await withRetry(
      async (attempt) => {
        info.attempts = attempt
        const r = await pushWithLeases(git, o.remote, updates, { auth: o.auth })
        if (isTransport(r)) throw new TransportError(r)
        return r
      },
      {
        sleep: o.sleep,
        isTransient: (e) => e instanceof TransportError,
        onRetry: (e, attempt, pause) =>
          o.log.info(
            `push attempt ${attempt} failed (${(e as Error).message.split('\n').pop()}); retrying in ${(pause / 1000).toFixed(0)} s`
          )
      }
    )
  } catch (e) {
    if (!(e instanceof TransportError)) throw e
    run = e.run
  }
  if (run.exitCode !== 0 && run.refs.length === 0 && isAuthFailure(run.stderr)) {
    throw new PushPermissionError(o.repository, lastLine(run.stderr))
  }
  info.remoteMessages = run.remoteLines.length ? run.remoteLines : undefined
  const byRef = new Map(run.refs.map((r) => [r.to, r]))
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
  if (run.exitCode === 0 && info.refs.every((r) => r.status !== 'not-pushed')) {
    info.ok = true
    return info
  }

  // Any failure: the remote may be partly updated (a server-side per-ref rejection is not covered
  // by --atomic), so report what it really holds now.
  info.ok = false
  info.rejected = info.refs.some((r) => r.status === 'lease')
  try {
    const now = new Map(
      (
        await lsRemote(
          git,
          o.remote,
          updates.map((u) => u.ref),
          o.auth
        )
      ).map((r) => [r.ref, r.oid])
    )
    for (const r of info.refs) r.remoteNow = now.get(r.ref) ?? null
  } catch (e) {
    o.log.warning(`could not re-read the remote after the failed push: ${(e as Error).message}`)
  }
  if (info.rejected) {
    info.message = LEASE_REJECTED_MESSAGE
  } else if (run.refs.length === 0) {
    info.message = `push failed: ${lastLine(run.stderr)}`
  } else {
    const bad = info.refs.filter(
      (r) => !['created', 'updated', 'forced', 'up-to-date', 'deleted'].includes(r.status)
    )
    info.message = `push rejected for ${bad.map((r) => `${r.ref} (${r.detail ?? r.status})`).join(', ')}`
  }
  return info
}
