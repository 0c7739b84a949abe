// Running this same script again under the allocator settings of tuning.ts (glibc reads them
// only when a process starts). The CLI calls it before any work, for the runs that read a whole
// large corpus (cli.ts decides which): it costs one Node start and bundle load (~0.1–0.2 s). The
// child shares this process's standard streams and environment; signals sent to this process
// are passed on.
import { spawn } from 'node:child_process'
import { tunedEnvironment, tunedNodeArgs } from './tuning.js'

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** How the child ended. */
export interface ChildEnd {
  code: number | null
  signal: NodeJS.Signals | null
}

/**
 * Run `script` (this process's entry) with this process's arguments and Node options (and the
 * young-generation cap of tuning.ts) in a child with `env`; resolves when it has ended.
 */
export function runAgain(
  script: string,
  env: Record<string, string | undefined>
): Promise<ChildEnd> {
  return new Promise((resolve) => {
    const node = tunedNodeArgs(process.execArgv, process.env.NODE_OPTIONS)
    const child = spawn(process.execPath, [...node, script, ...process.argv.slice(2)], {
      stdio: 'inherit',
      env
    })
    // A terminal's Ctrl-C reaches both processes; a runner cancelling the step signals this one.
    // Passing a signal on twice is harmless: the child drops its locks and dies at the first.
    const forward = (sig: NodeJS.Signals): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig)
    }
    for (const sig of FORWARDED) process.on(sig, forward)
    const done = (end: ChildEnd): void => {
      for (const sig of FORWARDED) process.off(sig, forward)
      resolve(end)
    }
    child.on('error', (e) => {
      process.stderr.write(`entire-migrate: cannot start ${script} again: ${e.message}\n`)
      done({ code: 1, signal: null })
    })
    child.on('exit', (code, signal) => done({ code, signal }))
  })
}

/**
 * End this process as the child ended: with its exit code, or by the same signal (so whoever
 * waits on this process sees what the child saw).
 */
export function endLike(end: ChildEnd): void {
  if (end.signal !== null) {
    process.kill(process.pid, end.signal)
    return
  }
  process.exitCode = end.code ?? 1
}

/**
 * When `script` is this process's entry (a bundle; undefined otherwise) and the process lacks the
 * tuning, run it again in a process that has it, end this process the way that one ended, and
 * answer with its exit code; null: there is nothing to gain, go on in this process.
 */
export async function runTuned(script: string | undefined): Promise<number | null> {
  const env = tunedEnvironment(process.env, process.platform)
  if (script === undefined || env === null) return null
  const end = await runAgain(script, env)
  endLike(end)
  return end.code ?? 1
}
