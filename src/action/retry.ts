// Retries for network commands: transport failures only, never rejections or auth errors
// (github-action.md §4.2). The sleep is injectable so tests do not wait.
import { isTransientFailure } from '../git/action-prep.js'

export type Sleep = (ms: number) => Promise<void>

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  retries?: number
  sleep?: Sleep
  /** Called before each pause with the failure and the pause length. */
  onRetry?: (err: unknown, attempt: number, pauseMs: number) => void
  isTransient?: (err: unknown) => boolean
  /** Base pause; attempt n waits base..2×base times n (default 10 s, as checkout's 10–20 s). */
  baseMs?: number
  random?: () => number
}

/** Run `fn`; on a transient failure wait and try again, up to `retries` more times. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions = {}
): Promise<T> {
  const retries = opts.retries ?? 3
  const sleep = opts.sleep ?? realSleep
  const transient = opts.isTransient ?? isTransientFailure
  const base = opts.baseMs ?? 10_000
  const random = opts.random ?? Math.random
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (attempt > retries || !transient(err)) throw err
      const pause = Math.round((base + random() * base) * attempt)
      opts.onRetry?.(err, attempt, pause)
      await sleep(pause)
    }
  }
}
