// Reliability: the real CLI is killed at every phase boundary of a batched run (crash points,
// src/engine/crash.ts). Each time, a rerun must converge to exactly what an uninterrupted run
// writes (the same tree for every v2 ref, the same archives, none twice), verify clean, leave
// `git fsck --strict` clean, and take over the lock the killed run left behind.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import { LOCK_FILE } from '../src/engine/lock.js'
import { CRASH_EXIT_CODE } from '../src/engine/crash.js'
import {
  buildV1Repo,
  claudeTranscript,
  sessionMeta,
  tempDir,
  type V1CheckpointSpec,
  treesUnder
} from './helpers/v1repo.js'
import { v1Fixture, IDS } from './helpers/v1fixture.js'
import { buildCli, fsckStrict, runCli, type BuiltCli } from './reliability-cli.js'

const V2 = 'refs/entire/checkpoints/v2/'

/** 7 checkpoints to migrate (+1 without transcript): batches of 2 → archives 1-3 and a remainder. */
function fixture(): V1CheckpointSpec[] {
  const extra = 'ab12ab12ab12'
  return [
    // Zero created_at takes the run's clock (§16 item 14): runs at different times would differ.
    ...v1Fixture().filter((c) => c.id !== IDS.zeroTime),
    {
      id: extra,
      sessions: [
        {
          transcript: claudeTranscript(2, 'extra'),
          metadata: sessionMeta(extra, { session_id: 'sess-x', created_at: '2026-01-09T00:00:00Z' })
        }
      ]
    }
  ]
}

const v2Trees = (git: GitRunner) => treesUnder(git, V2)

/** Checkpoint id → /full refs holding it (a duplicate archive shows as two). */
async function fullHolders(git: GitRunner): Promise<Record<string, string[]>> {
  const refs = (await git.text(['for-each-ref', '--format=%(refname)', `${V2}full/`]))
    .split('\n')
    .filter(Boolean)
  const holders: Record<string, string[]> = {}
  for (const ref of refs) {
    const out = await git.text(['ls-tree', '-d', '--name-only', '-r', ref])
    for (const p of out.split('\n').filter((x) => /^[0-9a-f]{2}\/[0-9a-f]{10}$/.test(x))) {
      const id = p.replace('/', '')
      ;(holders[id] ??= []).push(ref)
    }
  }
  return holders
}

interface Repo {
  dir: string
  git: GitRunner
  remote: GitRunner
}

async function repoWithRemote(): Promise<Repo> {
  const { dir, git } = await buildV1Repo(tempDir(), fixture())
  const remoteDir = tempDir()
  const remote = new GitRunner(remoteDir)
  await remote.run(['init', '-q', '--bare'])
  await git.run(['remote', 'add', 'origin', remoteDir])
  return { dir, git, remote }
}

const CRASH_POINTS = process.env.REL_ONLY
  ? [process.env.REL_ONLY]
  : [
      'after-plan',
      'after-main:1',
      'after-ref-update:1',
      'after-archive:2',
      'before-ref-update:2',
      'after-main:final',
      'before-ref-update:final',
      'during-push'
    ]

describe('reliability: a run killed at any phase boundary converges on rerun', () => {
  let cli: BuiltCli
  let baseline: { local: Record<string, string>; remote: Record<string, string> }
  let holders: Record<string, string[]>

  beforeAll(async () => {
    cli = buildCli()
    const r = await repoWithRemote()
    const run = runCli(cli.entry, ['migrate', '--repo', r.dir, '--batch-size', '2', '--push'])
    if (run.code !== 0) throw new Error(`baseline run failed (${run.code}): ${run.stderr}`)
    baseline = { local: await v2Trees(r.git), remote: await v2Trees(r.remote) }
    holders = await fullHolders(r.git)
  })
  afterAll(() => cli?.cleanup())

  it('the uninterrupted run wrote 3 archives, /full/current, /main, each checkpoint once', () => {
    expect(Object.keys(baseline.local).sort()).toEqual([
      `${V2}full/0000000000001`,
      `${V2}full/0000000000002`,
      `${V2}full/0000000000003`,
      `${V2}full/current`,
      `${V2}main`
    ])
    expect(baseline.remote).toEqual(baseline.local)
    expect(Object.keys(holders)).toHaveLength(7)
    expect(Object.values(holders).every((h) => h.length === 1)).toBe(true)
  })

  for (const point of CRASH_POINTS) {
    it(`killed at ${point}: the rerun gives the same trees, verifies clean, no duplicate archive`, async () => {
      const r = await repoWithRemote()
      const push = point === 'during-push' ? ['--push'] : []
      const args = ['migrate', '--repo', r.dir, '--batch-size', '2', ...push]
      const crashed = runCli(cli.entry, [...args, '--no-verify'], {
        ENTIRE_MIGRATE_CRASH_AT: point
      })
      expect({ code: crashed.code, stderr: crashed.stderr }).toEqual({
        code: CRASH_EXIT_CODE,
        stderr: expect.stringContaining(`crash point ${point}`)
      })
      // The killed run could not release its lock: the rerun must see it is stale (dead PID).
      // (The lock covers plan to verify; the push runs after it, leased instead.)
      const lock = join(r.dir, '.git', LOCK_FILE)
      expect(existsSync(lock)).toBe(point !== 'during-push')
      if (point === 'during-push') expect(await v2Trees(r.remote)).toEqual({})

      const rerun = runCli(cli.entry, args)
      expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' })
      // A rerun that finds nothing left to write does not verify: the verify command does.
      const verify = runCli(cli.entry, ['verify', '--repo', r.dir])
      expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 0, stderr: '' })
      expect(existsSync(lock)).toBe(false)
      expect(await v2Trees(r.git)).toEqual(baseline.local)
      expect(await fullHolders(r.git)).toEqual(holders)
      if (point === 'during-push') expect(await v2Trees(r.remote)).toEqual(baseline.remote)
      expect(await fsckStrict(r.git)).toBe('')
    })
  }
})
