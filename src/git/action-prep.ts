// Git operations only the action needs, next to the network commands of remote.ts: is the path a
// repository at all, remote lookup/creation (the no-checkout case), and the early write check.
// Nothing here reads GITHUB_* variables: the caller passes server URL and token in.
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { GitRunner } from './runner.js'
import { authConfigPairs, classifyRemoteFailure, type RemoteAuth } from './remote.js'

// ---------------------------------------------------------------------------------------------
// Repository and remote

/** Whether `dir` is the top of a git work tree or a git dir (no parent-directory discovery). */
export async function isRepositoryRoot(git: GitRunner): Promise<boolean> {
  const s = await stat(git.repoDir).catch(() => null)
  if (!s?.isDirectory()) return false
  const dotGit = await stat(join(git.repoDir, '.git')).catch(() => null)
  if (dotGit) return true
  // A bare repository (or a git dir given directly).
  const r = await git.run(['rev-parse', '--is-bare-repository'], { okCodes: [128] })
  return r.exitCode === 0 && r.stdout.toString('utf8').trim() === 'true'
}

/** The fetch URL of a configured remote, or null when there is no such remote. */
export async function remoteUrl(git: GitRunner, remote: string): Promise<string | null> {
  const r = await git.run(['config', '--get', `remote.${remote}.url`], { okCodes: [1] })
  return r.exitCode === 0 ? r.stdout.toString('utf8').trim() : null
}

export async function addRemote(git: GitRunner, remote: string, url: string): Promise<void> {
  await git.run(['remote', 'add', '--', remote, url])
}

// ---------------------------------------------------------------------------------------------
// Write check

export type WriteCheck =
  { ok: true } | { ok: false; kind: 'auth' | 'transport' | 'other'; stderr: string }

/**
 * Whether the token may push to `remote`, without changing anything: a `push --dry-run`
 * contacts receive-pack (where GitHub refuses a read-only token) but sends no objects and updates
 * no ref. The source is any local object; the target ref is create-only and never created.
 */
export async function checkPushAccess(
  git: GitRunner,
  remote: string,
  anyLocalOid: string,
  auth?: RemoteAuth
): Promise<WriteCheck> {
  const ref = 'refs/entire-migrate/write-check'
  const config = auth && auth.token ? authConfigPairs(auth.serverUrl, auth.token) : []
  const r = await git.run(
    [
      'push',
      '--dry-run',
      '--porcelain',
      '--no-verify',
      `--force-with-lease=${ref}:`,
      '--end-of-options',
      remote,
      `${anyLocalOid}:${ref}`
    ],
    { okCodes: [1, 128], config }
  )
  if (r.exitCode === 0) return { ok: true }
  const stderr = git.redact(r.stderr)
  return { ok: false, kind: classifyRemoteFailure(r.exitCode, stderr), stderr }
}
