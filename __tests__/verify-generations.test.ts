// generation.json envelopes of archives the engine packs, where sessions have a zero v1
// created_at: the packer ignores zero v1 times (migration.md §9.1), while /main carries the run's
// clock for them (§6.2), so the verifier must derive the expected envelope from v1, not /main.
import { describe, expect, it } from '@jest/globals'
import { runMigration, defaultSettings } from '../src/engine/run.js'
import { verifyRepository } from '../src/engine/verify/verify.js'
import type { CheckFailure, VerifyReport } from '../src/engine/verify/types.js'
import { buildV1Repo, claudeTranscript, sessionMeta } from './helpers/v1repo.js'
import type { V1CheckpointSpec } from './helpers/v1repo.js'
import type { GitRunner } from '../src/git/runner.js'

/** Rewrite the archive's generation.json (a new commit on the archive ref). */
async function setGeneration(git: GitRunner, oldest: string, newest: string): Promise<void> {
  const body = `{\n  "oldest_checkpoint_at": "${oldest}",\n  "newest_checkpoint_at": "${newest}"\n}\n`
  const env = { GIT_INDEX_FILE: `${git.repoDir}/.git/verify-generations-index` }
  await git.run(['read-tree', ARCHIVE], { env })
  const oid = (
    await git.text(['hash-object', '-w', '--stdin'], { input: Buffer.from(body) })
  ).trim()
  await git.run(['update-index', '--add', '--cacheinfo', `100644,${oid},generation.json`], { env })
  const tree = (await git.text(['write-tree'], { env })).trim()
  const commit = (await git.text(['commit-tree', tree, '-p', ARCHIVE, '-m', 'edit'])).trim()
  await git.run(['update-ref', ARCHIVE, commit])
}

const CLI = '0.6.2'
const NOW = new Date('2026-05-01T12:00:00Z')
const ARCHIVE = 'refs/entire/checkpoints/v2/full/0000000000001'

function failures(r: VerifyReport): CheckFailure[] {
  return [...r.failures, ...r.checkpoints.flatMap((c) => c.failures)]
}

/** Four checkpoints (one archive at batch size 4); `zero` lists those whose created_at is zero. */
function checkpoints(zero: (i: number) => boolean): V1CheckpointSpec[] {
  return [0, 1, 2, 3].map((i) => {
    const id = `c${i}c${i}c${i}c${i}c${i}c${i}`
    const created = zero(i) ? '0001-01-01T00:00:00Z' : `2026-02-0${i + 1}T10:00:00Z`
    return {
      id,
      sessions: [
        {
          metadata: sessionMeta(id, { session_id: `s${i}`, created_at: created }),
          transcript: claudeTranscript(2, `t${i}`, i * 5)
        }
      ]
    }
  })
}

async function migrateAndVerify(
  zero: (i: number) => boolean,
  edit?: (git: GitRunner) => Promise<void>
): Promise<VerifyReport> {
  const r = await buildV1Repo(undefined, checkpoints(zero))
  const run = await runMigration(
    defaultSettings(r.dir, { now: NOW, cliVersion: CLI, redact: true, batchSize: 4 })
  )
  expect(run.counts.failed).toBe(0)
  expect(await r.git.text(['cat-file', '-t', ARCHIVE])).toMatch(/^commit/)
  await edit?.(r.git)
  return verifyRepository(r.git, { cliVersion: CLI })
}

describe('generation.envelope with zero created_at', () => {
  it('an archive mixing zero and non-zero created_at: the envelope of the non-zero v1 times', async () => {
    const r = await migrateAndVerify((i) => i === 1)
    expect(failures(r)).toEqual([])
    expect(r.byCheck['generation.envelope']).toEqual({ passed: 1, failed: 0 })
  })

  it('a wrong envelope on the mixed archive names the v1 created_at envelope as expected', async () => {
    const r = await migrateAndVerify(
      (i) => i === 1,
      (git) => setGeneration(git, '2026-02-01T10:00:00Z', '2026-03-01T00:00:00Z')
    )
    expect(failures(r)).toEqual([
      expect.objectContaining({
        check: 'generation.envelope',
        ref: ARCHIVE,
        expected: '2026-02-01T10:00:00Z … 2026-02-04T10:00:00Z (v1 created_at of packed sessions)'
      })
    ])
  })

  it('an archive whose created_at are all zero: the transcript envelope (§9.1 step 2)', async () => {
    const r = await migrateAndVerify(() => true)
    expect(failures(r)).toEqual([])
    expect(r.byCheck['generation.envelope']).toEqual({ passed: 1, failed: 0 })
    expect(r.notes.map((n) => n.message)).toContainEqual(
      expect.stringContaining('no packed session has a non-zero v1 created_at')
    )
  })
})
