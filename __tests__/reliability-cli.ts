// Runs the real CLI as a child process for the reliability tests that must kill it mid-run:
// the sources transpiled module by module (no whole-program type check, so a colleague's
// in-progress file elsewhere does not block it, and a few seconds instead of ncc's minute).
import { spawn, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import type { GitRunner } from '../src/git/runner.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

function transpileTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true })
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, e.name)
    if (e.isDirectory()) transpileTree(src, join(to, e.name))
    else if (e.name.endsWith('.ts')) {
      const js = ts.transpileModule(readFileSync(src, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 }
      }).outputText
      writeFileSync(join(to, e.name.replace(/\.ts$/, '.js')), js)
    } else if (e.name.endsWith('.json')) writeFileSync(join(to, e.name), readFileSync(src))
  }
}

export interface BuiltCli {
  /** Path of the CLI entry (cli.js). */
  entry: string
  cleanup(): void
}

/** Transpile src/ under node_modules (so package imports resolve) and return the CLI entry. */
export function buildCli(): BuiltCli {
  const dir = mkdtempSync(join(ROOT, 'node_modules', '.cache-em-reliability-'))
  transpileTree(join(ROOT, 'src'), join(dir, 'src'))
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n')
  return {
    entry: join(dir, 'src', 'cli.js'),
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Environment of a CLI child: no jest marker (the CLI would not start), compaction in-thread,
 * and no second process for the allocator tuning (these tests signal and name the process they
 * started; cli-tuning.test.ts turns it back on).
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ENTIRE_MIGRATE_WORKERS: '0',
    ENTIRE_MIGRATE_MALLOC_TUNING: 'off',
    ...extra
  }
  delete env.JEST_WORKER_ID
  delete env.ENTIRE_MIGRATE_CRASH_AT
  delete env.ENTIRE_MIGRATE_HOLD_AT
  delete env.ENTIRE_MIGRATE_HOLD_FILE
  Object.assign(env, extra)
  return env
}

/** Run the CLI to completion (synchronously). */
export function runCli(entry: string, args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [entry, ...args], {
    env: cliEnv(env),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024
  })
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

/** Resolves once `file` exists (a held CLI writes it), or fails after `ms`. */
export async function waitFor(file: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${file}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Start the CLI in the background; `done` resolves when it exits. */
export function startCli(
  entry: string,
  args: string[],
  env: Record<string, string> = {}
): { pid: number; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [entry, ...args], { env: cliEnv(env) })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  )
  return { pid: child.pid!, done }
}

/** `git fsck --strict` of everything the v2 refs reach: '' when clean, else the complaint. */
export async function fsckStrict(git: GitRunner): Promise<string> {
  const refs = (await git.text(['for-each-ref', '--format=%(refname)', 'refs/entire/'])).split('\n')
  const r = await git.run(
    ['fsck', '--strict', '--no-dangling', '--no-progress', ...refs.filter(Boolean)],
    {
      okCodes: [0, 1, 2, 3, 4, 5, 6, 7, 8]
    }
  )
  return r.exitCode === 0 ? '' : `exit ${r.exitCode}: ${r.stderr}${r.stdout.toString()}`
}
