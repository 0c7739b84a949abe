// Reliability: other writers. A process that moves /main or /full/current between plan and ref
// update makes the compare-and-swap fail (nothing overwritten, a clear error, a rerun converges);
// a remote moved meanwhile rejects the push by its lease; a second run on the same repository
// refuses while the first holds the lock, and a lock left by a dead process is taken over.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import { runMigration, defaultSettings } from '../src/engine/run.js'
import { acquireRepositoryLock, LOCK_FILE, RepositoryLockedError } from '../src/engine/lock.js'
import {
  buildV1Repo,
  claudeTranscript,
  sessionMeta,
  tempDir,
  type V1CheckpointSpec,
  treesUnder
} from './helpers/v1repo.js'
import { v1Fixture, IDS } from './helpers/v1fixture.js'
import {
  buildCli,
  fsckStrict,
  runCli,
  startCli,
  waitFor,
  type BuiltCli
} from './reliability-cli.js'

const V2 = 'refs/entire/checkpoints/v2/'
const MAIN = `${V2}main`
const CURRENT = `${V2}full/current`
/** 7 checkpoints to migrate: batches of 2 → archives 1-3 and one left for /full/current. */
const fixture = (): V1CheckpointSpec[] => [
  ...v1Fixture().filter((c) => c.id !== IDS.zeroTime),
  {
    id: 'ab12ab12ab12',
    sessions: [
      {
        transcript: claudeTranscript(2, 'extra'),
        metadata: sessionMeta('ab12ab12ab12', {
          session_id: 'sess-x',
          created_at: '2026-01-09T00:00:00Z'
        })
      }
    ]
  }
]

const v2Trees = (git: GitRunner) => treesUnder(git, V2)

async function refValue(git: GitRunner, ref: string): Promise<string | null> {
  const r = await git.run(['rev-parse', '--verify', '--quiet', ref], { okCodes: [1] })
  return r.exitCode === 0 ? r.stdout.toString().trim() : null
}

/**
 * What another writer (the Entire CLI appending to a v2 ref) puts on `ref`: a child of its tip
 * with the same tree, or a root commit with an empty tree when the ref does not exist yet.
 */
async function foreignCommit(git: GitRunner, ref: string): Promise<string> {
  const tip = await refValue(git, ref)
  const tree = tip
    ? await git.text(['rev-parse', `${tip}^{tree}`])
    : await git.text(['hash-object', '-t', 'tree', '-w', '--stdin'], { input: Buffer.alloc(0) })
  return git.text(['commit-tree', tree, ...(tip ? ['-p', tip] : []), '-m', 'foreign writer'], {
    env: { GIT_AUTHOR_DATE: '1767225600 +0000', GIT_COMMITTER_DATE: '1767225600 +0000' }
  })
}

/** Start the CLI held at `point`; resolves once it is there. */
async function held(cli: BuiltCli, args: string[], point: string) {
  const hold = join(tempDir(), 'hold')
  const run = startCli(cli.entry, args, {
    ENTIRE_MIGRATE_HOLD_AT: point,
    ENTIRE_MIGRATE_HOLD_FILE: hold
  })
  await Promise.race([waitFor(hold), run.done.then((r) => Promise.reject(new Error(r.stderr)))])
  return { ...run, release: () => rmSync(hold) }
}

/** The PID of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!
}

describe('reliability: concurrent writers', () => {
  let cli: BuiltCli
  let baseline: Record<string, string>

  beforeAll(async () => {
    cli = buildCli()
    const { dir, git } = await buildV1Repo(tempDir(), fixture())
    await runMigration(defaultSettings(dir, { batchSize: 2, compactWorkers: 0 }))
    baseline = await v2Trees(git)
  })
  afterAll(() => cli?.cleanup())

  for (const [moved, point] of [
    [MAIN, 'before-ref-update:2'],
    [CURRENT, 'before-ref-update:final']
  ] as const) {
    it(`${moved.slice(V2.length)} moved by another process between plan and ref update: CAS fails, nothing overwritten, rerun converges`, async () => {
      const { dir, git } = await buildV1Repo(tempDir(), fixture())
      const args = ['migrate', '--repo', dir, '--batch-size', '2']
      const run = await held(cli, args, point)
      const before = await refValue(git, moved)
      const foreign = await foreignCommit(git, moved)
      await git.run(['update-ref', moved, foreign])
      const others = Object.fromEntries(
        await Promise.all(
          [MAIN, CURRENT, `${V2}full/0000000000003`]
            .filter((r) => r !== moved)
            .map(async (r) => [r, await refValue(git, r)])
        )
      )
      run.release()
      const r = await run.done
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`^entire-migrate: .*${moved.replace(/\//g, '\\/')}`, 'm'))
      expect(r.stderr).toContain(before ?? '')
      // Nothing overwritten: the foreign value stays, and the transaction moved none of the others.
      expect(await refValue(git, moved)).toBe(foreign)
      for (const [ref, oid] of Object.entries(others)) expect(await refValue(git, ref)).toBe(oid)
      expect(existsSync(join(dir, '.git', LOCK_FILE))).toBe(false)

      const again = runCli(cli.entry, args)
      expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' })
      expect(again.stdout).toMatch(/^Verify: ok/m)
      expect(await v2Trees(git)).toEqual(baseline)
      expect(await fsckStrict(git)).toBe('')
    })
  }

  it('remote moved during the run: the push is rejected by its lease, the remote keeps its value', async () => {
    const { dir, git } = await buildV1Repo(tempDir(), fixture())
    const remoteDir = tempDir()
    const remote = new GitRunner(remoteDir)
    await remote.run(['init', '-q', '--bare'])
    await git.run(['remote', 'add', 'origin', remoteDir])
    const run = await held(
      cli,
      ['migrate', '--repo', dir, '--batch-size', '2', '--push'],
      'during-push'
    )
    const foreign = await foreignCommit(remote, MAIN)
    await remote.run(['update-ref', MAIN, foreign])
    run.release()
    const r = await run.done
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      /^Push to origin: FAILED \(rejected: refs\/entire\/checkpoints\/v2\/main \[rejected\] \(stale info\).* fetch and rerun\)$/m
    )
    expect(await refValue(remote, MAIN)).toBe(foreign)
    // Atomic: no other ref reached the remote either.
    expect(Object.keys(await v2Trees(remote))).toEqual([MAIN])
    expect(await v2Trees(git)).toEqual(baseline)
  })

  it('two runs at once on one repository: the second refuses while the first holds the lock', async () => {
    const { dir, git } = await buildV1Repo(tempDir(), fixture())
    const first = await held(cli, ['migrate', '--repo', dir, '--batch-size', '2'], 'after-plan')
    const second = runCli(cli.entry, ['migrate', '--repo', dir, '--batch-size', '2'])
    expect(second.code).toBe(2)
    expect(second.stderr).toContain(
      `entire-migrate: another entire-migrate run holds the repository lock ${join(dir, '.git', LOCK_FILE)} (pid ${first.pid} on ${hostname()}`
    )
    expect(await v2Trees(git)).toEqual({})
    first.release()
    const r = await first.done
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    expect(await v2Trees(git)).toEqual(baseline)
  })

  it('a stale lock (PID not alive on this host) is taken over; a live or foreign-host one is respected', async () => {
    const { dir, git } = await buildV1Repo(tempDir(), fixture())
    const lock = join(dir, '.git', LOCK_FILE)
    const write = (pid: number, host = hostname()) =>
      writeFileSync(lock, JSON.stringify({ pid, host, started: '2026-01-01T00:00:00.000Z' }) + '\n')

    write(process.pid, 'another-host.example')
    await expect(acquireRepositoryLock(git)).rejects.toThrow(
      /holds the repository lock .* \(pid \d+ on another-host\.example/
    )
    write(process.pid)
    await expect(acquireRepositoryLock(git)).rejects.toBeInstanceOf(RepositoryLockedError)
    await expect(runMigration(defaultSettings(dir, { batchSize: 2 }))).rejects.toThrow(
      RepositoryLockedError
    )
    expect(await v2Trees(git)).toEqual({})

    const dead = deadPid()
    write(dead)
    const l = await acquireRepositoryLock(git)
    expect(l.tookOverStale?.pid).toBe(dead)
    l.release()
    expect(existsSync(lock)).toBe(false)

    write(deadPid())
    const r = await runMigration(defaultSettings(dir, { batchSize: 2, compactWorkers: 0 }))
    expect(r.counts.migrated).toBe(7)
    expect(existsSync(lock)).toBe(false)
    expect(await v2Trees(git)).toEqual(baseline)
  })

  it('a linked worktree shares the lock (it lives in the common git dir)', async () => {
    const { dir, git } = await buildV1Repo(tempDir(), fixture())
    await git.run(['commit', '--allow-empty', '-q', '-m', 'root'])
    const wt = join(tempDir(), 'wt')
    await git.run(['worktree', 'add', '-q', '--detach', wt])
    const l = await acquireRepositoryLock(git)
    expect(l.path).toBe(join(dir, '.git', LOCK_FILE))
    await expect(acquireRepositoryLock(new GitRunner(wt))).rejects.toThrow(RepositoryLockedError)
    l.release()
    const l2 = await acquireRepositoryLock(new GitRunner(wt))
    expect(l2.path).toBe(l.path)
    l2.release()
  })
})
