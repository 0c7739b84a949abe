// Network commands (github-action.md §4.2-§6): fetch, ls-remote, push with leases. The token
// travels only as environment-scoped config of the one command that needs it; transport
// failures are retried, rejections and auth failures are not.
import type { GitRunner, RunResult } from './runner.js'

export interface RemoteAuth {
  /** e.g. https://github.com or a GHES URL; only its origin is used. */
  serverUrl: string
  /** Empty: no header is sent and credential helpers stay as configured. */
  token: string
}

export interface RetryOptions {
  /** Total attempts for transport failures (default 3). */
  attempts?: number
  /** Pause between attempts in ms (default: random 10-20 s). */
  delayMs?: () => number
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>
  /** Receives one line per failed attempt (the action maps it to core.info). */
  log?: (message: string) => void
}

export interface RemoteOptions {
  auth?: RemoteAuth
  retry?: RetryOptions
}

/** base64("x-access-token:" + token): the credential inside the header (mask it too). */
export function basicCredential(token: string): string {
  return Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64')
}

/** Value of the `http.<origin>/.extraheader` key, as actions/checkout writes it. */
export function authHeaderValue(token: string): string {
  return `AUTHORIZATION: basic ${basicCredential(token)}`
}

/**
 * Ordered config pairs for one network command: reset the header for the server origin (clears a
 * header persisted by actions/checkout), set ours, and keep credential helpers out. Empty token:
 * no pairs.
 */
export function authConfigPairs(serverUrl: string, token: string): Array<[string, string]> {
  if (!token) return []
  const key = `http.${new URL(serverUrl).origin}/.extraheader`
  return [
    [key, ''],
    [key, authHeaderValue(token)],
    ['credential.helper', '']
  ]
}

export type RemoteErrorKind = 'auth' | 'transport' | 'other'

/** A network command failed (after retries when the failure was transport). */
export class RemoteError extends Error {
  constructor(
    readonly kind: RemoteErrorKind,
    readonly command: string,
    readonly exitCode: number,
    readonly stderr: string,
    readonly attempts: number
  ) {
    super(
      `git ${command} failed (${kind}${attempts > 1 ? `, ${attempts} attempts` : ''}): ${stderr}` +
        (kind === 'auth'
          ? ' -- the token was refused: check that the workflow grants `contents: write`, that ' +
            'it is not a pull request from a fork, and that the token is not read-only'
          : '')
    )
    this.name = 'RemoteError'
  }
}

const AUTH_PATTERNS =
  /Authentication failed|Permission to .* denied|The requested URL returned error: 40[13]|could not read Username|could not read Password|terminal prompts disabled|Invalid username or password|HTTP Basic: Access denied/i
/** Failures that no retry can fix (they are not about the connection). */
const PERMANENT_PATTERNS =
  /couldn't find remote ref|--unshallow on a complete repository|invalid refspec|is not a valid|not a valid ref/i

/** Classify a failed network command from its stderr (status lines are handled by push). */
export function classifyRemoteFailure(exitCode: number, stderr: string): RemoteErrorKind {
  if (AUTH_PATTERNS.test(stderr)) return 'auth'
  if (PERMANENT_PATTERNS.test(stderr)) return 'other'
  return exitCode === 128 ? 'transport' : 'other'
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const defaultDelay = (): number => 10_000 + Math.floor(Math.random() * 10_000)

type Settled<T> = { value: T } | { failure: RemoteErrorKind }

/**
 * Run a network command with auth pairs, retrying transport failures. `settle` may turn a result
 * into a value or decide it is final; failed exits come back as RunResult with okCodes.
 */
async function runRemote<T>(
  git: GitRunner,
  args: string[],
  opts: RemoteOptions,
  settle: (r: RunResult) => Settled<T>
): Promise<T> {
  const auth = opts.auth && opts.auth.token ? opts.auth : undefined
  if (auth) {
    git.addSecret(auth.token)
    git.addSecret(basicCredential(auth.token))
  }
  const config: Array<[string, string]> = [
    ['protocol.version', '2'],
    ...(auth ? authConfigPairs(auth.serverUrl, auth.token) : [])
  ]
  const retry = opts.retry ?? {}
  const attempts = Math.max(1, retry.attempts ?? 3)
  const command = args[0]
  for (let attempt = 1; ; attempt++) {
    const r = await git.run(args, { config, okCodes: [1, 2, 128] })
    const out = settle(r)
    if ('value' in out) return out.value
    const stderr = git.redact(r.stderr)
    if (out.failure !== 'transport' || attempt >= attempts) {
      throw new RemoteError(out.failure, command, r.exitCode, stderr, attempt)
    }
    const delay = (retry.delayMs ?? defaultDelay)()
    retry.log?.(`git ${command} failed (attempt ${attempt}/${attempts}), retrying: ${stderr}`)
    await (retry.sleep ?? defaultSleep)(delay)
  }
}

function failureOf(r: RunResult): { failure: RemoteErrorKind } | null {
  return r.exitCode === 0 ? null : { failure: classifyRemoteFailure(r.exitCode, r.stderr) }
}

export interface FetchOptions extends RemoteOptions {
  /** `--depth=<n>` (normally not used: v1/v2 histories are fetched whole). */
  depth?: number
  /** `--unshallow`; only for a shallow repository (git refuses it on a complete one). */
  unshallow?: boolean
  /** `--no-tags` (default true). */
  noTags?: boolean
  /** `--prune` (default false: neither surface prunes, github-action.md §5.2). */
  prune?: boolean
  /**
   * `--refetch --no-filter` (git >= 2.36): every object of the refspecs, whatever a partial
   * clone's filter left out, in one fetch instead of one lazy fetch per missing blob later.
   */
  complete?: boolean
}

/** `git fetch` of explicit refspecs (protocol v2, no submodules), with auth and retries. */
export async function fetch(
  git: GitRunner,
  remote: string,
  refspecs: readonly string[],
  opts: FetchOptions = {}
): Promise<void> {
  const args = ['fetch', '--no-recurse-submodules']
  if (opts.noTags ?? true) args.push('--no-tags')
  if (opts.prune) args.push('--prune')
  if (opts.depth !== undefined) args.push(`--depth=${opts.depth}`)
  if (opts.unshallow) args.push('--unshallow')
  if (opts.complete) args.push('--refetch', '--no-filter')
  args.push('--end-of-options', remote, ...refspecs)
  await runRemote(git, args, opts, (r) => failureOf(r) ?? { value: undefined })
}

export interface RemoteRef {
  ref: string
  oid: string
}

/** `git ls-remote <remote> <patterns...>`: what exists there (nothing matching: empty list). */
export async function lsRemote(
  git: GitRunner,
  remote: string,
  patterns: readonly string[],
  opts: RemoteOptions = {}
): Promise<RemoteRef[]> {
  const args = ['ls-remote', '--end-of-options', remote, ...patterns]
  return runRemote(git, args, opts, (r) => {
    const failed = failureOf(r)
    if (failed) return failed
    const text = r.stdout.toString('utf8')
    const refs = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const tab = l.indexOf('\t')
        return { oid: l.slice(0, tab), ref: l.slice(tab + 1) }
      })
    return { value: refs }
  })
}

export interface PushUpdate {
  ref: string
  /** New id; null deletes the ref. */
  newOid: string | null
  /** Lease: the id the remote must still have; null or '' = the ref must not exist there. */
  expectedOld: string | null
}

export type PushRefStatus = 'ok' | 'lease' | 'collateral' | 'remote-rejected' | 'other-rejected'

export interface PushRefResult {
  /** Remote ref name (the `<to>` side). */
  ref: string
  /** Source as given (an id), empty for a delete. */
  from: string
  flag: string
  /** Summary without the reason, e.g. `[new reference]`, `a1b2..c3d4`, `[rejected]`. */
  summary: string
  /** Text of the trailing parenthesis (`stale info`, `forced update`), if any. */
  reason: string | null
  status: PushRefStatus
}

/** The push reached the remote and at least one ref was refused; never retried. */
export class PushRejectedError extends Error {
  constructor(
    readonly results: PushRefResult[],
    readonly stderr: string
  ) {
    const bad = results.filter((r) => r.status !== 'ok')
    super(
      `push rejected: ${bad.map((r) => `${r.ref} ${r.summary}${r.reason ? ` (${r.reason})` : ''}`).join(', ')}` +
        (results.some((r) => r.status === 'lease')
          ? ' -- remote refs changed since they were fetched; rerun to start from the new state'
          : '')
    )
    this.name = 'PushRejectedError'
  }

  /** Lines the server sent on stderr (`remote: ...`), e.g. ruleset violations (GH013). */
  get remoteMessages(): string[] {
    return this.stderr.split('\n').filter((l) => l.startsWith('remote:'))
  }
}

function statusOf(flag: string, summary: string, reason: string | null): PushRefStatus {
  if (flag !== '!') return 'ok'
  if (summary.startsWith('[remote rejected]')) return 'remote-rejected'
  if (reason === 'stale info') return 'lease'
  if (reason === 'atomic push failed') return 'collateral'
  return 'other-rejected'
}

/** Parse `git push --porcelain` stdout: the lines with exactly two tabs (github-action.md §6.2). */
export function parsePushPorcelain(stdout: string): PushRefResult[] {
  const out: PushRefResult[] = []
  for (const line of stdout.split('\n')) {
    const cols = line.split('\t')
    if (cols.length !== 3 || cols[0].length !== 1) continue
    const [flag, fromTo, rest] = cols
    const colon = fromTo.indexOf(':')
    if (colon === -1) continue
    const m = /^(.*?) \(([^()]*)\)$/.exec(rest)
    const summary = m ? m[1] : rest
    const reason = m ? m[2] : null
    out.push({
      ref: fromTo.slice(colon + 1),
      from: fromTo.slice(0, colon),
      flag,
      summary,
      reason,
      status: statusOf(flag, summary, reason)
    })
  }
  return out
}

/**
 * One atomic push of all `updates`, each with an explicit lease
 * (`git push --porcelain --atomic --no-verify --force-with-lease=<ref>:<expect> <new>:<ref>`).
 * Returns the per-ref results when every ref was applied. Throws PushRejectedError (with every
 * ref's result) when any ref was refused, RemoteError for auth or (after retries) transport
 * failures. After a rejection, re-read the remote (`lsRemote`): a server-side refusal of one ref
 * may not undo the others (github-action.md §6.3).
 */
export async function push(
  git: GitRunner,
  remote: string,
  updates: readonly PushUpdate[],
  opts: RemoteOptions = {}
): Promise<PushRefResult[]> {
  if (updates.length === 0) return []
  for (const u of updates) {
    if (!u.ref.startsWith('refs/') || /[\s:]/.test(u.ref)) {
      throw new Error(`invalid ref name to push: ${JSON.stringify(u.ref)}`)
    }
  }
  const args = [
    'push',
    '--porcelain',
    '--atomic',
    '--no-verify',
    ...updates.map((u) => `--force-with-lease=${u.ref}:${u.expectedOld ?? ''}`),
    '--end-of-options',
    remote,
    ...updates.map((u) => `${u.newOid ?? ''}:${u.ref}`)
  ]
  let rejected: PushRejectedError | undefined
  const results = await runRemote<PushRefResult[]>(git, args, opts, (r) => {
    const parsed = parsePushPorcelain(r.stdout.toString('utf8'))
    if (r.exitCode === 0) return { value: parsed }
    if (parsed.some((p) => p.status !== 'ok')) {
      rejected = new PushRejectedError(parsed, git.redact(r.stderr))
      return { value: parsed }
    }
    // Status lines all ok but a failed exit (e.g. a post-update problem): not a transport error.
    if (parsed.length > 0) return { failure: 'other' }
    return { failure: classifyRemoteFailure(r.exitCode, r.stderr) }
  })
  if (rejected) throw rejected
  return results
}
