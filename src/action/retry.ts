// Retry policy for the network commands the action runs: a transport failure is retried up to 3
// times (4 attempts) with a growing random pause; rejections and auth failures never are (the
// git layer decides which is which). The sleep is injectable so tests do not wait.
import type { RetryOptions } from '../git/remote.js'
import type { ActionLog } from './log.js'

export type Sleep = (ms: number) => Promise<void>

export const RETRIES = 3

/** Pause before retry n (1-based): n × 10–20 s, as checkout's 10–20 s, growing per attempt. */
export function backoffMs(n: number, random: () => number = Math.random): number {
  return Math.round(n * (10_000 + random() * 10_000))
}

export function retryPolicy(log: ActionLog, sleep?: Sleep, random?: () => number): RetryOptions {
  let n = 0
  return {
    attempts: RETRIES + 1,
    delayMs: () => backoffMs(++n, random),
    sleep,
    log: (m) => log.info(m)
  }
}
