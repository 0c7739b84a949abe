// Repository-level queries: version, config, directories, shallowness, init.
import { mkdir, readFile, readdir, stat } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import type { GitRunner } from './runner.js'
import type { ObjectFormat } from './format.js'

/** `cat-file --batch-command` (one reader for every read window) and `fetch --refetch` need 2.36. */
export const MIN_GIT_VERSION = '2.36.0'

/** Parse `git version 2.39.5` (also `2.39.5.windows.1`, `2.39.5 (Apple Git-143)`). */
export function parseGitVersion(text: string): [number, number, number] {
  const m = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text)
  if (!m) throw new Error(`cannot parse git version from: ${text}`)
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return 0
}

/** The installed git version; throws a clear error below `min` (default MIN_GIT_VERSION). */
export async function checkGitVersion(
  git: GitRunner,
  min: string = MIN_GIT_VERSION
): Promise<string> {
  const text = await git.text(['version'])
  const have = parseGitVersion(text)
  const need = parseGitVersion(`git version ${min}`)
  if (compareVersions(have, need) < 0) {
    throw new Error(`git ${have.join('.')} is too old: entire-migrate needs git >= ${min}`)
  }
  return have.join('.')
}

export type ConfigScope = 'local' | 'global' | 'any'

/** `git config --get <key>` in a scope; null when unset. `any` includes env-scoped pairs. */
export async function configGet(
  git: GitRunner,
  key: string,
  scope: ConfigScope = 'any'
): Promise<string | null> {
  const args = ['config']
  if (scope !== 'any') args.push(`--${scope}`)
  args.push('--get', key)
  const r = await git.run(args, { okCodes: [1] })
  return r.exitCode === 1 ? null : r.stdout.toString('utf8').replace(/\n$/, '')
}

export interface Identity {
  name: string
  email: string
}

/**
 * The "git user" identity of v2-format §3.4: local config over global `user.name` /
 * `user.email` (each key separately), else `Unknown` / `unknown@local`; environment ignored.
 */
export async function gitUserIdentity(git: GitRunner): Promise<Identity> {
  // One process for both keys and scopes (was four `config --get`): `scope NUL key LF value NUL`
  // per value in the order git reads them, so the last one of a scope is its `--get` value.
  const r = await git.run(
    ['config', '--show-scope', '--null', '--get-regexp', '^user\\.(name|email)$'],
    { okCodes: [1] }
  )
  const found = new Map<string, string>()
  const fields = r.stdout.toString('utf8').split('\0')
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const nl = fields[i + 1].indexOf('\n')
    const key = nl < 0 ? fields[i + 1] : fields[i + 1].slice(0, nl)
    const value = nl < 0 ? '' : fields[i + 1].slice(nl + 1)
    found.set(`${fields[i]} ${key.toLowerCase()}`, value)
  }
  const get = (key: string): string => found.get(`local ${key}`) || found.get(`global ${key}`) || ''
  return { name: get('user.name') || 'Unknown', email: get('user.email') || 'unknown@local' }
}

function absolute(git: GitRunner, p: string): string {
  return isAbsolute(p) ? p : resolve(git.repoDir, p)
}

/** Absolute path of the git directory (`.git` of a work tree, or the bare repository). */
export async function gitDir(git: GitRunner): Promise<string> {
  return absolute(git, await git.text(['rev-parse', '--git-dir']))
}

/** Absolute common git directory (shared by linked worktrees: refs and objects live there). */
export async function gitCommonDir(git: GitRunner): Promise<string> {
  return absolute(git, await git.text(['rev-parse', '--git-common-dir']))
}

/** Absolute path for a file inside the git directory (`rev-parse --git-path`). */
export async function gitPath(git: GitRunner, name: string): Promise<string> {
  return absolute(git, await git.text(['rev-parse', '--git-path', name]))
}

export async function isShallow(git: GitRunner): Promise<boolean> {
  return (await git.text(['rev-parse', '--is-shallow-repository'])) === 'true'
}

/** The shallow-boundary commit ids (the `shallow` file); empty for a complete repository. */
export async function shallowCommits(git: GitRunner): Promise<string[]> {
  if (!(await isShallow(git))) return []
  const text = await readFile(await gitPath(git, 'shallow'), 'utf8').catch(() => '')
  return text.split('\n').filter((l) => l !== '')
}

/**
 * Whether the repository is a partial clone (actions/checkout `filter:`, `git clone --filter`):
 * its fetches leave blobs out and every later read of a missing blob starts one lazy fetch.
 */
export async function isPartialClone(git: GitRunner): Promise<boolean> {
  if ((await configGet(git, 'extensions.partialclone')) !== null) return true
  const r = await git.run(['config', '--get-regexp', '^remote\\..*\\.promisor$'], { okCodes: [1] })
  return r.exitCode === 0 && /\strue$/im.test(r.stdout.toString('utf8'))
}

/** Whether the installed git is at least `min` (e.g. `2.36.0`). */
export async function gitAtLeast(git: GitRunner, min: string): Promise<boolean> {
  const have = parseGitVersion(await git.text(['version']))
  return compareVersions(have, parseGitVersion(`git version ${min}`)) >= 0
}

export interface InitOptions {
  bare?: boolean
  objectFormat?: ObjectFormat
  initialBranch?: string
}

/** `git init` of `git.repoDir` (created if needed). */
export async function initRepo(git: GitRunner, opts: InitOptions = {}): Promise<void> {
  await mkdir(git.repoDir, { recursive: true })
  const args = ['init', '-q']
  if (opts.bare) args.push('--bare')
  if (opts.objectFormat) args.push(`--object-format=${opts.objectFormat}`)
  if (opts.initialBranch) args.push(`--initial-branch=${opts.initialBranch}`)
  args.push('.')
  await git.run(args)
}

/**
 * Bytes of the repository's object store: its packs and loose objects (`count-objects -v`), and
 * the packs of the stores it borrows from (`alternate:` lines), whose objects a run reads as much
 * as its own: a clone made with `--reference` or `--shared` holds almost nothing itself.
 */
export async function objectStoreBytes(git: GitRunner): Promise<number> {
  const text = await git.text(['count-objects', '-v'])
  let bytes = 0
  const alternates: string[] = []
  for (const line of text.split('\n')) {
    const m = /^(size|size-pack): (\d+)$/.exec(line.trim())
    if (m) bytes += Number(m[2]) * 1024
    else if (line.startsWith('alternate: ')) alternates.push(unquoteCPath(line.slice(11)))
  }
  for (const dir of alternates) bytes += await packBytes(dir)
  return bytes
}

/** Bytes of the pack files (and their indexes) in an object directory; 0 if it cannot be read. */
async function packBytes(objectDir: string): Promise<number> {
  const packDir = join(objectDir, 'pack')
  let names: string[]
  try {
    names = await readdir(packDir)
  } catch {
    return 0
  }
  let bytes = 0
  for (const name of names) {
    if (!name.endsWith('.pack') && !name.endsWith('.idx')) continue
    try {
      bytes += (await stat(join(packDir, name))).size
    } catch {
      // removed meanwhile (a concurrent repack): not part of the store any more
    }
  }
  return bytes
}

const C_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13 }

/** A path as git prints it: as is, or C-quoted (`"..."` with backslash escapes, octal bytes). */
export function unquoteCPath(s: string): string {
  if (!s.startsWith('"') || !s.endsWith('"') || s.length < 2) return s
  const out: number[] = []
  const body = Buffer.from(s.slice(1, -1), 'utf8')
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c !== 0x5c || i + 1 >= body.length) {
      out.push(c)
      continue
    }
    const e = String.fromCharCode(body[++i])
    if (/[0-7]/.test(e) && i + 2 < body.length) {
      out.push(parseInt(body.subarray(i, i + 3).toString('latin1'), 8) & 0xff)
      i += 2
    } else out.push(C_ESCAPES[e] ?? body[i])
  }
  return Buffer.from(out).toString('utf8')
}
