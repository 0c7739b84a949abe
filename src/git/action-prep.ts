// Git operations the action needs around the migration: remotes, per-command auth pairs,
// ls-remote, one fetch of the checkpoint refs, lease-protected atomic push with porcelain
// parsing. Nothing here reads GITHUB_* variables: the caller passes server URL and token in.
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { GitError, type GitRunner } from './runner.js'

// ---------------------------------------------------------------------------------------------
// Authentication (github-action.md §4.3): the token travels only in the environment-scoped config
// of the one network command, after an empty value that resets any persisted extraheader.

export interface RemoteAuth {
  /** e.g. https://github.com; the key is `http.<origin>/.extraheader`. */
  serverUrl: string
  /** '' = send no header and leave credential helpers alone. */
  token: string
}

/** base64("x-access-token:" + token): the credential inside the header; mask it too. */
export function basicCredential(token: string): string {
  return Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64')
}

/** The ordered config pairs for one network command (empty without a token). */
export function authConfigPairs(auth: RemoteAuth | undefined): Array<[string, string]> {
  if (!auth || !auth.token) return []
  const origin = new URL(auth.serverUrl).origin
  const key = `http.${origin}/.extraheader`
  return [
    [key, ''],
    [key, `AUTHORIZATION: basic ${basicCredential(auth.token)}`],
    ['credential.helper', '']
  ]
}

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
// ls-remote

export interface RemoteRef {
  ref: string
  oid: string
}

export function parseLsRemote(text: string): RemoteRef[] {
  const out: RemoteRef[] = []
  for (const line of text.split('\n')) {
    if (!line) continue
    const tab = line.indexOf('\t')
    if (tab < 0) continue
    const ref = line.slice(tab + 1)
    if (ref.endsWith('^{}')) continue
    out.push({ oid: line.slice(0, tab), ref })
  }
  return out
}

/** `git ls-remote <remote> <patterns…>` (exit 0 with no output when nothing matches). */
export async function lsRemote(
  git: GitRunner,
  remote: string,
  patterns: readonly string[],
  auth?: RemoteAuth
): Promise<RemoteRef[]> {
  const r = await git.run(['ls-remote', '--', remote, ...patterns], {
    config: authConfigPairs(auth)
  })
  return parseLsRemote(r.stdout.toString('utf8'))
}

// ---------------------------------------------------------------------------------------------
// fetch

export interface FetchOptions {
  auth?: RemoteAuth
  /** Deepen a shallow repository to full history (only when the checkpoint history is cut). */
  unshallow?: boolean
}

/** One `fetch --no-tags` of exactly these refspecs, protocol v2, no --depth, no --prune. */
export async function fetchRefspecs(
  git: GitRunner,
  remote: string,
  refspecs: readonly string[],
  opts: FetchOptions = {}
): Promise<void> {
  if (refspecs.length === 0) return
  const args = ['fetch', '--no-tags', '--no-recurse-submodules', '--no-write-fetch-head']
  if (opts.unshallow) args.push('--unshallow')
  args.push('--', remote, ...refspecs)
  await git.run(args, {
    config: [['protocol.version', '2'], ...authConfigPairs(opts.auth)]
  })
}

// ---------------------------------------------------------------------------------------------
// push with leases (github-action.md §6)

export interface LeasedUpdate {
  ref: string
  /** What to push (a raw oid is fine as the source). */
  newOid: string
  /** The remote value this update is based on; null = the ref must not exist. */
  expected: string | null
}

export type PushRefKind = 'ok' | 'lease' | 'collateral' | 'remote-rejected' | 'other-rejected'

export interface PorcelainRef {
  flag: string
  from: string
  to: string
  /** The summary column without the reason, e.g. `[rejected]`, `[new reference]`, `a..b`. */
  summary: string
  reason?: string
  kind: PushRefKind
}

/** Parse `git push --porcelain` stdout: the lines with exactly two tabs. */
export function parsePushPorcelain(stdout: string): PorcelainRef[] {
  const out: PorcelainRef[] = []
  for (const line of stdout.split('\n')) {
    const cols = line.split('\t')
    if (cols.length !== 3) continue
    if (cols[0].length !== 1) continue
    const flag = cols[0]
    const spec = cols[1]
    const colon = spec.indexOf(':')
    if (colon < 0) continue
    const m = /^(.*?)(?: \((.*)\))?$/.exec(cols[2]) ?? ['', cols[2]]
    const summary = m[1]
    const reason = m[2]
    let kind: PushRefKind
    if (flag !== '!') kind = 'ok'
    else if (summary === '[remote rejected]') kind = 'remote-rejected'
    else if (reason === 'stale info') kind = 'lease'
    else if (reason === 'atomic push failed') kind = 'collateral'
    else kind = 'other-rejected'
    out.push({ flag, from: spec.slice(0, colon), to: spec.slice(colon + 1), summary, reason, kind })
  }
  return out
}

export interface PushRun {
  exitCode: number
  refs: PorcelainRef[]
  /** stderr without `remote:` lines, redacted by the runner. */
  stderr: string
  /** The server's `remote:` lines (rulesets, GH013 …), verbatim. */
  remoteLines: string[]
}

/**
 * One `git push --porcelain --atomic --no-verify` of every update, each with an explicit
 * `--force-with-lease=<ref>:<expected>` (empty = must not exist). Returns instead of throwing on
 * exit 1 (rejections) and 128 (no connection), so the caller can report per ref.
 */
export async function pushWithLeases(
  git: GitRunner,
  remote: string,
  updates: readonly LeasedUpdate[],
  opts: { auth?: RemoteAuth; dryRun?: boolean } = {}
): Promise<PushRun> {
  const args = ['push', '--porcelain', '--atomic', '--no-verify']
  if (opts.dryRun) args.push('--dry-run')
  for (const u of updates) {
    if (!u.ref.startsWith('refs/') || /[\s:]/.test(u.ref)) {
      throw new Error(`invalid ref to push: ${JSON.stringify(u.ref)}`)
    }
    args.push(`--force-with-lease=${u.ref}:${u.expected ?? ''}`)
  }
  args.push('--', remote, ...updates.map((u) => `${u.newOid}:${u.ref}`))
  const r = await git.run(args, { okCodes: [1, 128], config: authConfigPairs(opts.auth) })
  const lines = r.stderr.split('\n')
  return {
    exitCode: r.exitCode,
    refs: parsePushPorcelain(r.stdout.toString('utf8')),
    stderr: lines.filter((l) => !l.startsWith('remote:')).join('\n'),
    remoteLines: lines.filter((l) => l.startsWith('remote:'))
  }
}

// ---------------------------------------------------------------------------------------------
// Error classification for network commands (§4.2)

const AUTH_PATTERNS = [
  /Authentication failed/i,
  /Permission to .* denied/i,
  /The requested URL returned error: 40[13]/,
  /HTTP (?:Basic: )?Access denied/i,
  /could not read Username/i,
  /Write access to repository not granted/i,
  /Resource not accessible by integration/i
]

const TRANSPORT_PATTERNS = [
  /Could not resolve host/i,
  /RPC failed/i,
  /early EOF/i,
  /The requested URL returned error: 5\d\d/,
  /Internal Server Error/i,
  /Connection (?:timed out|reset|refused)/i,
  /Operation timed out/i,
  /unexpected disconnect/i,
  /Failed to connect/i,
  /SSL_(?:read|connect|write)/i,
  /gnutls_handshake/i,
  /the remote end hung up unexpectedly/i,
  /TLS connection was non-properly terminated/i
]

export function isAuthFailure(stderr: string): boolean {
  return AUTH_PATTERNS.some((p) => p.test(stderr))
}

/** A failure worth retrying: a network/transport problem, not a rejection or auth error. */
export function isTransientFailure(err: unknown): boolean {
  const stderr = err instanceof GitError ? err.stderr : err instanceof Error ? err.message : ''
  if (isAuthFailure(stderr)) return false
  return TRANSPORT_PATTERNS.some((p) => p.test(stderr))
}
