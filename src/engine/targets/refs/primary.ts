// The `checkpoints.primary` setting (git-refs-format.md §4): read the effective value, and flip it
// to git-refs only when asked, editing only the checkpoints block of `.entire/settings.json`.
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { GitRunner } from '../../../git/runner.js'
import {
  resolvePrimary,
  withPrimaryGitRefs,
  type PrimaryResolution
} from '../../../formats/git-refs/index.js'

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
}

/** Work tree root, or null for a bare repository (no settings files there). */
export async function worktreeRoot(git: GitRunner): Promise<string | null> {
  const r = await git.run(['rev-parse', '--show-toplevel'], { okCodes: [128] })
  return r.exitCode === 0 ? r.stdout.toString('utf8').trim() : null
}

export interface PrimaryState extends PrimaryResolution {
  worktree: string | null
}

export async function readPrimary(
  git: GitRunner,
  env: NodeJS.ProcessEnv = process.env,
  /** The work tree root when already known (null = bare); read from git otherwise. */
  knownRoot?: string | null
): Promise<PrimaryState> {
  const root = knownRoot !== undefined ? knownRoot : await worktreeRoot(git)
  const shared = root ? await readOrNull(join(root, '.entire', 'settings.json')) : null
  const local = root ? await readOrNull(join(root, '.entire', 'settings.local.json')) : null
  return { ...resolvePrimary(env.ENTIRE_CHECKPOINTS_PRIMARY, shared, local), worktree: root }
}

export interface FlipResult {
  changed: boolean
  path: string | null
  warnings: string[]
}

/** Set checkpoints.primary.type = git-refs in .entire/settings.json; warns about what would hide it. */
export async function makePrimaryGitRefs(
  git: GitRunner,
  env: NodeJS.ProcessEnv = process.env
): Promise<FlipResult> {
  const state = await readPrimary(git, env)
  const warnings = [
    ...state.overrides.map((o) => `${o}: the flip in .entire/settings.json does not take effect`)
  ]
  if (!state.worktree) {
    return {
      changed: false,
      path: null,
      warnings: [...warnings, 'bare repository: no .entire/settings.json to change']
    }
  }
  const dir = join(state.worktree, '.entire')
  const path = join(dir, 'settings.json')
  const before = await readOrNull(path)
  const after = withPrimaryGitRefs(before)
  if (after === before) return { changed: false, path, warnings }
  await mkdir(dir, { recursive: true })
  await writeFile(path, after)
  return { changed: true, path, warnings }
}
