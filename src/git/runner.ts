// The one place that spawns git. Every git call in the project goes through GitRunner.run,
// which drives @actions/exec with a full, fixed environment and typed errors.
import * as exec from '@actions/exec'
import childProcess from 'node:child_process'
import { basename } from 'node:path'
import type { Writable } from 'node:stream'

export interface GitLogger {
  debug(message: string): void
}

export interface RunOptions {
  /** stdin for batch commands whose whole request is known up front. */
  input?: Buffer
  /**
   * stdin streamed by the caller (instead of `input`): called with git's stdin once git has
   * started; the caller writes it, minding backpressure, and ends it.
   */
  stdin?: (stdin: Writable) => void
  /** Exit codes that are not errors (default: only 0). */
  okCodes?: number[]
  /** Extra environment for this call only (identity, auth config pairs). */
  env?: Record<string, string>
  /** Extra environment-scoped config pairs for this call (rendered as GIT_CONFIG_*). */
  config?: Array<[string, string]>
  /** Receives stdout chunks as they arrive; when set, stdout is not collected. */
  onStdout?: (chunk: Buffer) => void
}

export interface RunResult {
  exitCode: number
  stdout: Buffer
  stderr: string
}

/** A git command failed. Carries argv (never a secret: secrets only travel in env), exit code and stderr. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number,
    readonly stderr: string
  ) {
    super(`git ${args.join(' ')} failed with exit code ${exitCode}${stderr ? `: ${stderr}` : ''}`)
    this.name = 'GitError'
  }
}

const STDERR_CAP = 4096

/** Render ordered config pairs as GIT_CONFIG_COUNT/KEY/VALUE environment entries (git >= 2.31). */
export function configEnv(pairs: Array<[string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(pairs.length) }
  pairs.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k
    env[`GIT_CONFIG_VALUE_${i}`] = v
  })
  return env
}

/** Environment name carrying the token of a run whose stdin is streamed (`RunOptions.stdin`). */
const STDIN_TOKEN = 'ENTIRE_MIGRATE_STDIN_TOKEN'
type StdinTakers = Map<string, (stdin: Writable) => void>
let stdinSeq = 0

/**
 * exec writes `input` with `cp.stdin.end(input)` and never listens for errors on stdin. When git
 * exits before reading all of it (a fatal error early in a large fast-import or cat-file
 * request), the write fails with EPIPE on a stream without an 'error' listener, which crashes
 * the whole process instead of reporting git's exit code. exec does not expose the child, so
 * git children get a no-op stdin error listener right after they are spawned (a prototype hook:
 * module namespaces, ncc bundles and jest's module registry all share the one class); the exit
 * code and stderr still turn the failure into a GitError.
 *
 * The same hook hands a streamed stdin to its run (exec cannot stream stdin): the run puts a
 * token into the child's environment and its taker into the map returned here (kept on the hook,
 * so that every module instance sharing the hook shares the map).
 */
function guardGitStdin(): StdinTakers {
  type SpawnFn = (
    this: childProcess.ChildProcess,
    options: { file?: string; envPairs?: string[] }
  ) => unknown
  type Hook = SpawnFn & { emGuarded?: boolean; emStdinTakers?: StdinTakers }
  const proto = childProcess.ChildProcess.prototype as unknown as { spawn: Hook }
  const original = proto.spawn
  if (original.emGuarded) {
    original.emStdinTakers ??= new Map()
    return original.emStdinTakers
  }
  const stdinTakers: StdinTakers = new Map()
  const guarded: Hook = function (options) {
    const result = original.call(this, options)
    const file = typeof options?.file === 'string' ? basename(options.file) : ''
    if (/^git(\.exe)?$/i.test(file)) {
      this.stdin?.on('error', () => undefined)
      const pair = options.envPairs?.find((p) => p.startsWith(`${STDIN_TOKEN}=`))
      const take = pair ? stdinTakers.get(pair.slice(STDIN_TOKEN.length + 1)) : undefined
      if (take && this.stdin) take(this.stdin)
    }
    return result
  }
  guarded.emGuarded = true
  guarded.emStdinTakers = stdinTakers
  proto.spawn = guarded
  return stdinTakers
}
const stdinTakers = guardGitStdin()

const noText = (): string => ''

/**
 * @actions/exec decodes every stdout chunk to text (`data.toString()`) to split lines for `stdline`
 * listeners, which we never use. For a `cat-file --batch` that triples the time, and a long
 * newline-free blob makes it quadratic. After our listener has taken the chunk, shadow its
 * `toString` for exec's synchronous line step only; the microtask restores the Buffer as it was.
 */
function skipLineSplitting(listener: (b: Buffer) => void): (b: Buffer) => void {
  return (b: Buffer) => {
    listener(b)
    Object.defineProperty(b, 'toString', { value: noText, configurable: true, writable: true })
    queueMicrotask(() => void delete (b as { toString?: unknown }).toString)
  }
}

export class GitRunner {
  /** Number of git processes started by this runner (tests assert batch reads use one). */
  processCount = 0
  private readonly secrets: string[] = []

  constructor(
    readonly repoDir: string,
    private readonly logger: GitLogger = { debug: () => undefined }
  ) {}

  /** Strings that must never appear in an error message (token and its header forms). */
  addSecret(secret: string): void {
    if (secret && !this.secrets.includes(secret)) this.secrets.push(secret)
  }

  redact(text: string): string {
    let out = text
    for (const s of this.secrets) out = out.split(s).join('***')
    return out
  }

  private baseConfig(): Array<[string, string]> {
    return [
      ['safe.directory', this.repoDir],
      ['gc.auto', '0'],
      ['maintenance.auto', 'false'],
      ['core.pager', 'cat'],
      // git maps packs in 1 GiB windows up to 8 GiB by default, and every page it touches counts
      // as its resident memory: a listing over a 6 GB pack peaked at 860 MB. Bounded windows keep
      // every git process's memory independent of the repository's size.
      ['core.packedGitWindowSize', '32m'],
      ['core.packedGitLimit', '128m']
    ]
  }

  private environment(opts: RunOptions): Record<string, string> {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) {
      // Inherited GIT_CONFIG_* would shift our numbered pairs; replace objects must never apply.
      if (v !== undefined && !k.startsWith('GIT_CONFIG_')) env[k] = v
    }
    Object.assign(env, {
      GIT_TERMINAL_PROMPT: '0',
      GCM_INTERACTIVE: 'Never',
      LC_ALL: 'C',
      GIT_PAGER: 'cat',
      GIT_NO_REPLACE_OBJECTS: '1'
    })
    Object.assign(env, configEnv([...this.baseConfig(), ...(opts.config ?? [])]))
    Object.assign(env, opts.env ?? {})
    return env
  }

  async run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const out: Buffer[] = []
    const err: Buffer[] = []
    let errLen = 0
    this.processCount++
    this.logger.debug(`git ${args.join(' ')}`)
    const env = this.environment(opts)
    let token: string | undefined
    if (opts.stdin) {
      token = `${process.pid}-${++stdinSeq}`
      stdinTakers.set(token, opts.stdin)
      env[STDIN_TOKEN] = token
    }
    // The listener is let go once git is done: the closed pipe's stream (and exec's runner) are
    // freed only by a later collection, and would keep whatever the caller's listener reaches
    // (a plan's listing of every checkpoint: ~40 MB at 10,000) through the next read windows.
    let onStdout: ((b: Buffer) => void) | undefined =
      opts.onStdout ?? ((b: Buffer) => void out.push(b))
    const exitCode = await exec
      .exec('git', args, {
        cwd: this.repoDir,
        env,
        silent: true,
        ignoreReturnCode: true,
        input: opts.input,
        listeners: {
          stdout: skipLineSplitting((b) => onStdout?.(b)),
          stderr: (b: Buffer) => {
            if (errLen < STDERR_CAP * 4) {
              err.push(b)
              errLen += b.length
            }
          }
        }
      })
      .finally(() => {
        onStdout = undefined
        if (token) stdinTakers.delete(token)
      })
    const stderr = this.redact(Buffer.concat(err).toString('utf8').trim()).slice(-STDERR_CAP)
    if (exitCode !== 0 && !(opts.okCodes ?? []).includes(exitCode)) {
      throw new GitError(
        args.map((a) => this.redact(a)),
        exitCode,
        stderr
      )
    }
    return { exitCode, stdout: Buffer.concat(out), stderr }
  }

  /** stdout as a string with the trailing newline removed. */
  async text(args: string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.run(args, opts)
    return r.stdout.toString('utf8').replace(/\n$/, '')
  }

  /**
   * Start a long-lived git whose stdin the caller writes as it goes (cat-file, fast-import,
   * update-ref --stdin serving many requests). Nothing rejects unobserved: `result` carries
   * git's failure to whoever awaits it.
   */
  start(args: string[], opts: Omit<RunOptions, 'input' | 'stdin'> = {}): RunningGit {
    let give!: (w: Writable) => void
    const stdin = new Promise<Writable>((res) => (give = res))
    const result = this.run(args, { ...opts, stdin: give })
    result.catch(() => undefined)
    const exited = result.then(
      () => undefined,
      () => undefined
    )
    // A git that fails before it starts never hands over its stdin: fail the waiters then.
    return { stdin: Promise.race([stdin, result.then(() => stdin)]), result, exited }
  }
}

/** A git started by `GitRunner.start`. */
export interface RunningGit {
  /** Its stdin, once it has started (rejects with its error when it could not start). */
  stdin: Promise<Writable>
  /** Settles when git exits (rejects with its GitError). */
  result: Promise<RunResult>
  /** Resolved once git has exited, either way. */
  exited: Promise<void>
}
