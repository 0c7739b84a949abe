// One writer per repository: a lock file in the git common directory (shared by linked worktrees),
// created with O_EXCL and holding the owner's PID, host and start time. A lock whose PID is not
// alive on this host is stale (its owner crashed) and is taken over; a live or foreign-host owner
// makes the second run refuse with a message naming the holder and the file.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { GitRunner } from '../git/runner.js'
import { gitCommonDir } from '../git/repo.js'

export const LOCK_FILE = 'entire-migrate.lock'

export interface LockOwner {
  pid: number
  host: string
  /** ISO time the owner took the lock. */
  started: string
}

/** Another live run holds the lock. */
export class RepositoryLockedError extends Error {
  constructor(
    readonly path: string,
    readonly owner: LockOwner | null
  ) {
    super(
      `another entire-migrate run holds the repository lock ${path}` +
        (owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.started})` : ' (unreadable)') +
        '; wait for it to finish, or delete the file if that process is gone'
    )
    this.name = 'RepositoryLockedError'
  }
}

export interface RepositoryLock {
  readonly path: string
  /** True when a stale lock of a dead process was taken over. */
  readonly tookOverStale: LockOwner | null
  /** Remove the lock file (idempotent; only if it is still ours). */
  release(): void
}

/** Whether `pid` is a live process on this machine. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readOwner(path: string): LockOwner | null | 'absent' {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
    return null
  }
  try {
    const v = JSON.parse(text) as Partial<LockOwner>
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.started === 'string')
      return { pid: v.pid, host: v.host, started: v.started }
  } catch {
    // A half-written lock (owner died between create and write): treated as unreadable.
  }
  return null
}

const held = new Set<string>()
let handlersInstalled = false

/** On SIGINT/SIGTERM/SIGHUP: drop our locks, then die of the same signal. */
function installSignalHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const p of held) {
        try {
          if (ownedByUs(p)) unlinkSync(p)
        } catch {
          // Best effort: a leftover lock is detected as stale by PID later.
        }
      }
      held.clear()
      process.kill(process.pid, sig)
    })
  }
}

/** Whether the lock at `path` is held by process `pid` of this host. */
function ownedBy(path: string, pid: number): boolean {
  const o = readOwner(path)
  return o !== 'absent' && o !== null && o.pid === pid && o.host === hostname()
}

function ownedByUs(path: string): boolean {
  return ownedBy(path, process.pid)
}

/** Create the lock file atomically; false when it exists. */
function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx', 0o644)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  }
  try {
    writeSync(fd, JSON.stringify(owner) + '\n')
  } finally {
    closeSync(fd)
  }
  return true
}

/** Lock file path of the repository (in the common git dir). */
export async function lockPath(git: GitRunner): Promise<string> {
  return join(await gitCommonDir(git), LOCK_FILE)
}

/**
 * Take the repository lock or throw RepositoryLockedError. A stale lock (its PID is dead on this
 * host) is moved aside and replaced; a lock held by a live process or another host is respected.
 */
export async function acquireRepositoryLock(git: GitRunner): Promise<RepositoryLock> {
  const path = await lockPath(git)
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() }
  let stale: LockOwner | null = null
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, me)) {
      held.add(path)
      installSignalHandlers()
      let released = false
      return {
        path,
        tookOverStale: stale,
        release() {
          if (released) return
          released = true
          held.delete(path)
          try {
            if (ownedByUs(path)) unlinkSync(path)
          } catch {
            // Already gone.
          }
        }
      }
    }
    const owner = readOwner(path)
    if (owner === 'absent') continue
    if (owner === null || owner.host !== hostname() || pidAlive(owner.pid))
      throw new RepositoryLockedError(path, owner)
    // Stale: rename first so two runs racing for the takeover cannot both delete a fresh lock.
    stale = owner
    const aside = `${path}.stale-${process.pid}`
    try {
      renameSync(path, aside)
      unlinkSync(aside)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    }
  }
  throw new RepositoryLockedError(path, null)
}

/**
 * Throw unless the repository lock is held by process `pid` on this host: a segment of a run
 * (launch/segments.ts) works under its parent's lock instead of taking one.
 */
export async function confirmLockHeldBy(git: GitRunner, pid: number): Promise<void> {
  const path = await lockPath(git)
  if (!ownedBy(path, pid))
    throw new Error(
      `the repository lock ${path} is not held by the run this segment belongs to (pid ${pid})`
    )
}
