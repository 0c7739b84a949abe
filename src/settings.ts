// Action inputs → one validated settings object. Parsed once in main.ts; nothing below the surface
// reads inputs. Every error names the input it is about, so a bad workflow fails at once and clearly.
import { availableParallelism } from 'node:os'
import { COMPACT_WORKERS_MAX, parseWorkerCount } from './engine/compactor.js'

/** Reads one raw input value ('' when unset); in the action this is core.getInput. */
export type InputReader = (name: string) => string

export interface ActionSettings {
  /** Absolute repository directory to migrate. */
  path: string
  /** owner/name on the server. */
  repository: string
  /** e.g. https://github.com (GITHUB_SERVER_URL); the origin of the auth header key. */
  serverUrl: string
  /** '' = no Authorization header (local remote or the user's own credentials). */
  token: string
  remote: string
  dryRun: boolean
  force: boolean
  batchSize: number
  push: boolean
  verify: boolean
  failOnVerifyError: boolean
  cliVersion: string
  referenceCompatible: boolean
  comment: boolean
  /** Compaction worker threads (0: compaction runs on the main thread). */
  compactWorkers: number
}

/** The inputs of action.yml with their defaults (used when the runner did not set a value). */
export const INPUT_DEFAULTS = {
  path: '',
  repository: '',
  token: '',
  remote: 'origin',
  'dry-run': 'false',
  force: 'false',
  'batch-size': '100',
  push: 'true',
  verify: 'true',
  'fail-on-verify-error': 'true',
  'cli-version': '0.6.2',
  'reference-compatible': 'false',
  comment: 'false',
  'compact-workers': 'auto',
  // Inputs of the per-checkpoint refs target (parsed by src/engine/targets/refs/action.ts).
  target: 'v2',
  'make-primary': 'false',
  'author-name': '',
  'author-email': '',
  date: ''
} as const

export type InputName = keyof typeof INPUT_DEFAULTS

export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Invalid input '${input}': ${message}`)
    this.name = 'InputError'
  }
}

export const BATCH_SIZE_MAX = 100_000

const TRUE_VALUES = ['true', 'True', 'TRUE']
const FALSE_VALUES = ['false', 'False', 'FALSE']

function raw(read: InputReader, name: InputName): string {
  const v = read(name).trim()
  return v === '' ? INPUT_DEFAULTS[name] : v
}

/** YAML 1.2 core-schema booleans only, as core.getBooleanInput, but with a message naming the input. */
export function parseBoolean(name: string, value: string): boolean {
  if (TRUE_VALUES.includes(value)) return true
  if (FALSE_VALUES.includes(value)) return false
  throw new InputError(name, `expected true or false, got ${JSON.stringify(value)}`)
}

export function parseBatchSize(value: string): number {
  if (!/^[0-9]+$/.test(value)) {
    throw new InputError('batch-size', `expected a whole number, got ${JSON.stringify(value)}`)
  }
  const n = Number(value)
  if (n < 1 || n > BATCH_SIZE_MAX) {
    throw new InputError('batch-size', `must be between 1 and ${BATCH_SIZE_MAX}, got ${value}`)
  }
  return n
}

// git check-ref-format rules for a one-level name, stricter where cheap: no leading '-' (it would
// read as an option), no whitespace or control characters, no '..', no ':' '?' '*' '[' '\\' '^' '~'.
const REMOTE_NAME = /^(?!-)(?!.*\.\.)(?!.*\.lock$)(?!\.)[A-Za-z0-9._\-/]+(?<![./])$/

export function parseRemote(value: string): string {
  if (!REMOTE_NAME.test(value)) {
    throw new InputError(
      'remote',
      `not a valid git remote name: ${JSON.stringify(value)} (letters, digits, '.', '_', '-', '/'; not starting with '-' or '.')`
    )
  }
  return value
}

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/

export function parseRepository(value: string): string {
  if (!REPOSITORY.test(value) || value.split('/').some((p) => p === '.' || p === '..')) {
    throw new InputError('repository', `expected owner/name, got ${JSON.stringify(value)}`)
  }
  return value
}

// cli_version is copied into every metadata.json and compact line: keep it a plain version token.
const CLI_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/

export function parseCliVersion(value: string): string {
  if (!CLI_VERSION.test(value)) {
    throw new InputError(
      'cli-version',
      `expected a version string such as 0.6.2 (letters, digits, '.', '+', '_', '-'; at most 64), got ${JSON.stringify(value)}`
    )
  }
  return value
}

export function parseServerUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError('GITHUB_SERVER_URL', `not a URL: ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError('GITHUB_SERVER_URL', `expected an http(s) URL, got ${url.protocol}`)
  }
  return url.origin
}

export interface SettingsEnv {
  /** GITHUB_WORKSPACE: default for `path`. */
  workspace?: string
  /** GITHUB_REPOSITORY: default for `repository`. */
  repository?: string
  /** GITHUB_SERVER_URL. */
  serverUrl?: string
  /** Resolves a relative `path` (the process cwd in the action). */
  cwd: string
  /** CPU cores this process may use (os.availableParallelism()), for `compact-workers: auto`. */
  cores: number
}

export function settingsEnvFrom(env: NodeJS.ProcessEnv, cwd: string): SettingsEnv {
  return {
    workspace: env.GITHUB_WORKSPACE,
    repository: env.GITHUB_REPOSITORY,
    serverUrl: env.GITHUB_SERVER_URL,
    cwd,
    cores: availableParallelism()
  }
}

function resolvePath(value: string, env: SettingsEnv): string {
  const p = value || env.workspace || ''
  if (!p) throw new InputError('path', 'empty, and GITHUB_WORKSPACE is not set')
  if (p.includes('\0')) throw new InputError('path', 'contains a NUL character')
  // Absolute paths stay as given; relative ones are relative to the workspace (as in checkout).
  if (p.startsWith('/')) return normalise(p)
  return normalise(`${env.workspace || env.cwd}/${p}`)
}

function normalise(p: string): string {
  const out: string[] = []
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return '/' + out.join('/')
}

/** Parse and validate every input. Throws InputError naming the first bad input. */
export function parseSettings(read: InputReader, env: SettingsEnv): ActionSettings {
  const token = read('token')
  if (/[\r\n]/.test(token)) throw new InputError('token', 'contains a line break')
  const repositoryRaw = raw(read, 'repository') || env.repository || ''
  if (!repositoryRaw) {
    throw new InputError('repository', 'empty, and GITHUB_REPOSITORY is not set')
  }
  return {
    path: resolvePath(raw(read, 'path'), env),
    repository: parseRepository(repositoryRaw),
    serverUrl: parseServerUrl(env.serverUrl || 'https://github.com'),
    token: token.trim(),
    remote: parseRemote(raw(read, 'remote')),
    dryRun: parseBoolean('dry-run', raw(read, 'dry-run')),
    force: parseBoolean('force', raw(read, 'force')),
    batchSize: parseBatchSize(raw(read, 'batch-size')),
    push: parseBoolean('push', raw(read, 'push')),
    verify: parseBoolean('verify', raw(read, 'verify')),
    failOnVerifyError: parseBoolean('fail-on-verify-error', raw(read, 'fail-on-verify-error')),
    cliVersion: parseCliVersion(raw(read, 'cli-version')),
    referenceCompatible: parseBoolean('reference-compatible', raw(read, 'reference-compatible')),
    comment: parseBoolean('comment', raw(read, 'comment')),
    compactWorkers: parseCompactWorkers(raw(read, 'compact-workers'), env.cores)
  }
}

/** `auto` (every core but two, see defaultCompactWorkers) or a whole number of threads. */
export function parseCompactWorkers(value: string, cores: number): number {
  const n = parseWorkerCount(value, cores)
  if (n === null) {
    throw new InputError(
      'compact-workers',
      `expected auto or a whole number from 0 to ${COMPACT_WORKERS_MAX}, got ${JSON.stringify(value)}`
    )
  }
  return n
}

/** Whether this run pushes (dry run and push: false both mean no). */
export function willPush(s: ActionSettings): boolean {
  return s.push && !s.dryRun
}

/** The settings as shown in the summary and report: every value except the token. */
export function describeSettings(s: ActionSettings): Array<[string, string]> {
  return [
    ['path', s.path],
    ['repository', s.repository],
    ['server', s.serverUrl],
    ['remote', s.remote],
    ['token', s.token ? '(set, masked)' : '(empty: no Authorization header)'],
    ['dry-run', String(s.dryRun)],
    ['force', String(s.force)],
    ['batch-size', String(s.batchSize)],
    ['push', String(s.push)],
    ['verify', String(s.verify)],
    ['fail-on-verify-error', String(s.failOnVerifyError)],
    ['cli-version', s.cliVersion],
    ['reference-compatible', String(s.referenceCompatible)],
    ['comment', String(s.comment)],
    ['compact-workers', String(s.compactWorkers)]
  ]
}
