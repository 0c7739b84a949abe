// The verifier on the engine's own output: a migration of the shared v1 fixture (gaps, tasks,
// Claude/Codex/Gemini, no agent, offset-cache hit, zero time, archives) verifies clean, also as
// the engine's verification hook; corrupting an engine-written object with plumbing is caught.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { runMigration, defaultSettings } from '../src/engine/run.js'
import { verifyRepository } from '../src/engine/verify/verify.js'
import { engineVerifier } from '../src/engine/verify/engine-hook.js'
import type { CheckFailure, VerifyReport } from '../src/engine/verify/types.js'
import type { GitRunner } from '../src/git/runner.js'
import { buildV1Repo, claudeTranscript, sessionMeta } from './helpers/v1repo.js'
import { IDS, v1Fixture } from './helpers/v1fixture.js'

const CLI = '0.6.2'
const NOW = new Date('2026-05-01T12:00:00Z')
const MAIN = 'refs/entire/checkpoints/v2/main'

function failures(r: VerifyReport): CheckFailure[] {
  return [...r.failures, ...r.checkpoints.flatMap((c) => c.failures)]
}

/** Replace one blob at `path` on `ref` with `content` (mktree chain via update-index in a temp index). */
async function replaceFile(
  git: GitRunner,
  ref: string,
  path: string,
  content: string | null
): Promise<void> {
  const index = `${git.repoDir}/.git/verify-test-index`
  const env = { GIT_INDEX_FILE: index }
  await git.run(['read-tree', ref], { env })
  if (content === null) await git.run(['update-index', '--force-remove', path], { env })
  else {
    const oid = (
      await git.text(['hash-object', '-w', '--stdin'], { input: Buffer.from(content) })
    ).trim()
    await git.run(['update-index', '--add', '--cacheinfo', `100644,${oid},${path}`], { env })
  }
  const tree = await git.text(['write-tree'], { env })
  const commit = await git.text(['commit-tree', tree, '-p', ref, '-m', 'corrupt'])
  await git.run(['update-ref', ref, commit])
}

describe('verify after the engine migrates the shared v1 fixture', () => {
  let git: GitRunner
  let dir: string
  let report: Awaited<ReturnType<typeof runMigration>>
  beforeAll(async () => {
    const r = await buildV1Repo(undefined, v1Fixture())
    git = r.git
    dir = r.dir
    report = await runMigration(
      defaultSettings(dir, { now: NOW, cliVersion: CLI, redact: true, batchSize: 4, verify: true }),
      { verifier: engineVerifier }
    )
  })

  it('runs as the engine verification hook and passes', () => {
    expect(report.counts.failed).toBe(0)
    expect(report.verify?.ok).toBe(true)
    expect(report.verify?.summary).toMatch(/^verified: \d+ checkpoint\(s\) ok, 0 failed/)
  })

  it('re-reads everything from git and finds no failure', async () => {
    const r = await verifyRepository(git, { cliVersion: CLI })
    expect(failures(r)).toEqual([])
    expect(r.counts.ok).toBeGreaterThanOrEqual(7)
    expect(r.counts.notMigratable).toBe(1)
    expect(r.counts.rawProvenById).toBe(r.counts.sessions)
    expect(r.byCheck['generation.envelope'].passed).toBeGreaterThanOrEqual(1)
    // The fixture's cache hit is explained by the offset cache.
    expect(r.counts.offsetsFromCache).toBeGreaterThanOrEqual(1)
    // Task files of the task checkpoint were checked.
    expect(r.byCheck['tasks'].passed).toBeGreaterThanOrEqual(1)
  })

  it('catches a task file missing from /full', async () => {
    const r0 = await verifyRepository(git, { cliVersion: CLI })
    const cp = r0.checkpoints.find(
      (c) =>
        c.failures.length === 0 &&
        c.v2Slots > 0 &&
        r0.byCheck['tasks'] &&
        c.fullRefs.length > 0 &&
        c.id === IDS.twoSessions
    )
    expect(cp).toBeDefined()
    const ref = cp!.fullRefs[cp!.fullRefs.length - 1] as string
    const dirp = `${cp!.id.slice(0, 2)}/${cp!.id.slice(2)}`
    const files = (await git.text(['ls-tree', '-r', '--name-only', ref, dirp]))
      .split('\n')
      .filter((p) => p.includes('/tasks/'))
    expect(files.length).toBeGreaterThan(0)
    await replaceFile(git, ref, files[0], null)
    const r = await verifyRepository(git, { cliVersion: CLI })
    const f = failures(r).filter((x) => x.check === 'tasks')
    expect(f).toHaveLength(1)
    expect(f[0]).toMatchObject({ checkpointId: cp!.id, ref })
    expect(f[0].actual).toContain(`${files[0].slice(dirp.length + 3)}: expected 100`)
  })

  it('catches a corrupted engine-written session metadata field', async () => {
    const r0 = await verifyRepository(git, { cliVersion: CLI })
    const cp = r0.checkpoints.find(
      (c) => c.verdict === 'ok' && c.v2Slots > 0 && c.id !== IDS.twoSessions
    )
    expect(cp).toBeDefined()
    const path = `${cp!.id.slice(0, 2)}/${cp!.id.slice(2)}/0/metadata.json`
    const text = await git.text(['cat-file', 'blob', `${MAIN}:${path}`])
    await replaceFile(
      git,
      MAIN,
      path,
      text.replace(/"strategy": "[^"]*"/, '"strategy": "auto-commit"') + '\n'
    )
    const r = await verifyRepository(git, { cliVersion: CLI })
    const f = failures(r).filter((x) => x.checkpointId === cp!.id)
    // The summary's strategy is derived from the last slot: a second failure when slot 0 is last.
    expect(f[0]).toMatchObject({ check: 'metadata.copied', field: 'strategy' })
    expect(f.every((x) => x.field === 'strategy')).toBe(true)
    expect(f[0]).toMatchObject({
      checkpointId: cp!.id,
      slot: 0,
      file: path,
      actual: '"auto-commit"'
    })
  })
})

describe('verify with a known writer whose checkpoints are missing', () => {
  it('a v0.5.6 /main without the checkpoints v0.5.6 fails is a known skip, not a coverage failure', async () => {
    const ok = 'a0a0a0a0a0a0'
    const gap = 'b0b0b0b0b0b0'
    const r = await buildV1Repo(undefined, [
      {
        id: ok,
        sessions: [
          { metadata: sessionMeta(ok, { session_id: 'o' }), transcript: claudeTranscript(1, 'o') }
        ]
      },
      {
        id: gap,
        sessions: [
          { metadata: sessionMeta(gap, { session_id: 'g0' }) },
          { metadata: sessionMeta(gap, { session_id: 'g1' }), transcript: claudeTranscript(1, 'g') }
        ]
      }
    ])
    await runMigration(defaultSettings(r.dir, { now: NOW, cliVersion: '0.5.6', redact: true }))
    // Remove the gap checkpoint as v0.5.6 would never have written it.
    for (const ref of [MAIN, 'refs/entire/checkpoints/v2/full/current']) {
      await replaceFile(r.git, ref, `b0/b0b0b0b0b0/0/metadata.json`, null).catch(() => undefined)
      const files = (await r.git.text(['ls-tree', '-r', '--name-only', ref]))
        .split('\n')
        .filter((p) => p.startsWith('b0/'))
      for (const p of files) await replaceFile(r.git, ref, p, null)
    }
    const rep = await verifyRepository(r.git, {})
    expect(failures(rep)).toEqual([])
    expect(rep.checkpoints.find((c) => c.id === gap)?.verdict).toBe('known-skip')
  })
})
