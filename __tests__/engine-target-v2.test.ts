// The v2 layout through the engine's Target interface (the same interface the per-checkpoint
// refs target implements): plan reads without writing, write moves the refs the plan named,
// verify runs the hook, and pushRefs leases every moved ref on the remote's known value.
import { describe, it, expect } from '@jest/globals'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { defaultSettings, runMigration } from '../src/engine/run.js'
import { pinV1 } from '../src/engine/v1source.js'
import { PhaseTimer } from '../src/engine/timer.js'
import { V2Target, leasedPushRefs } from '../src/engine/targets/v2/index.js'
import { silentLogger, type Target } from '../src/engine/types.js'
import { verifyRepository } from '../src/engine/verify/verify.js'
import type { DigestLookup } from '../src/engine/blob-digests.js'
import { buildV1Repo, claudeTranscript, refsUnder, sessionMeta } from './helpers/v1repo.js'
import { v1Fixture } from './helpers/v1fixture.js'

const NOW = new Date('2026-05-01T12:00:00Z')
const MAIN = 'refs/entire/checkpoints/v2/main'

describe('V2Target', () => {
  it('spools the plan listings (and parks the work items) in a file until written, or keeps them where no file can be made, and hands the work to the writer', async () => {
    const { dir, git } = await buildV1Repo(undefined, v1Fixture())
    // two checkpoints a batch: several read windows, so the items past the first one park
    const settings = defaultSettings(dir, {
      now: NOW,
      cliVersion: '0.6.2',
      redact: true,
      batchSize: 2
    })
    const debug: string[] = []
    const logger = { ...silentLogger, debug: (m: string) => void debug.push(m) }
    const ctx = { git, settings, logger, timer: new PhaseTimer(silentLogger) }
    const target = new V2Target()
    const plan = await target.plan(ctx, await pinV1(git, {}))
    expect(plan.internal.spool).toBeDefined()
    // a dry run's plan is never written: nothing to spool
    const dry = await target.plan({ ...ctx, settings: { ...settings, dryRun: true } }, plan.v1)
    expect(dry.internal.spool).toBeUndefined()
    const work: unknown[] = plan.internal.work
    expect(work.length).toBeGreaterThan(0)
    await target.write(ctx, plan)
    expect(debug.join('\n')).toMatch(/\d+ work item\(s\) parked in the listing spool/)
    const written = await refsUnder(git, 'refs/entire/checkpoints/v2/')
    expect(Object.keys(written)).toContain(MAIN)
    // the writer took the work and let every item go once processed (a long run keeps none)
    expect(plan.internal.work).toEqual([])
    expect(work.every((w) => w === undefined)).toBe(true)
    // and the v2 state read to plan (a plan is written once)
    expect(plan.internal.v2).toBeUndefined()
    await expect(target.write(ctx, plan)).rejects.toThrow(/this plan was written already/)

    const again = await buildV1Repo(undefined, v1Fixture())
    const ctx2 = {
      ...ctx,
      git: again.git,
      settings: defaultSettings(again.dir, {
        now: NOW,
        cliVersion: '0.6.2',
        redact: true,
        batchSize: 2
      })
    }
    const noDir = new V2Target({ spoolDir: join(again.dir, 'no-such-directory') })
    const inMemory = await noDir.plan(ctx2, await pinV1(again.git, {}))
    expect(inMemory.internal.spool).toBeUndefined()
    await noDir.write(ctx2, inMemory)
    expect(await refsUnder(again.git, 'refs/entire/checkpoints/v2/')).toEqual(written)
  })

  it('plans without writing, writes what the runner writes, and leases its pushes', async () => {
    const { dir, git } = await buildV1Repo(undefined, v1Fixture())
    const settings = defaultSettings(dir, { now: NOW, cliVersion: '0.6.2', redact: true })
    const calls: string[] = []
    const target: Target = new V2Target({
      verifier: async () => {
        calls.push('verify')
        return { ok: true, summary: 'ok' }
      }
    })
    const ctx = { git, settings, logger: silentLogger, timer: new PhaseTimer(silentLogger) }
    const plan = await target.plan(ctx, await pinV1(git, {}))
    expect(plan.target).toBe('v2')
    expect(plan.refs.map((r) => [r.ref, r.oid])).toContainEqual([MAIN, null])
    expect(plan.counts.migrate).toBeGreaterThan(0)
    expect(await refsUnder(git, 'refs/entire/checkpoints/v2/')).toEqual({})
    // the writer's internals never reach the JSON report
    expect(Object.keys(JSON.parse(JSON.stringify(plan)))).not.toContain('internal')

    const result = await target.write(ctx, plan)
    // digests of what was read are kept only for a verification that follows
    expect(settings.verify).toBe(false)
    expect(result.v1Sha256).toBeUndefined()
    const written = await refsUnder(git, 'refs/entire/checkpoints/v2/')
    expect(Object.fromEntries(result.refs.map((c) => [c.ref, c.new]))).toEqual(written)
    expect((await target.verify!(ctx, plan, result)).ok).toBe(true)
    expect(calls).toEqual(['verify'])

    // the same repository migrated by the runner gives the same refs
    const again = await buildV1Repo(undefined, v1Fixture())
    await runMigration(defaultSettings(again.dir, { now: NOW, cliVersion: '0.6.2', redact: true }))
    expect(await refsUnder(again.git, 'refs/entire/checkpoints/v2/')).toEqual(written)

    // pushes: everything moved, /main leased on a remote value, archives create-only
    const remote = new Map([[MAIN, 'f'.repeat(40)]])
    const pushes = target.pushRefs(plan, result, remote)
    expect(pushes.map((p) => p.ref).sort()).toEqual(Object.keys(written).sort())
    expect(pushes.find((p) => p.ref === MAIN)?.expectedRemote).toBe('f'.repeat(40))
    expect(pushes.filter((p) => p.ref !== MAIN).every((p) => p.expectedRemote === null)).toBe(true)
  })

  it('hands the verifier the digests of the v1 transcripts it read, which then stand for re-reading them', async () => {
    const big = claudeTranscript(40, 'big') // over the 4 KiB from which the reader hashes
    expect(big.length).toBeGreaterThan(4096)
    const id = 'ab12cd34ef56'
    const { dir, git } = await buildV1Repo(undefined, [
      { id, sessions: [{ metadata: sessionMeta(id), transcript: big, prompt: 'p' }] }
    ])
    let read: { v1Sha256?: DigestLookup } | undefined
    const report = await runMigration(
      defaultSettings(dir, { now: NOW, cliVersion: '0.6.2', verify: true }),
      {
        verifier: async (_git, _settings, r) => {
          read = r
          return { ok: true, summary: 'ok' }
        }
      }
    )
    expect(report.verify?.ok).toBe(true)
    const oid = (
      await git.text(['rev-parse', `refs/heads/entire/checkpoints/v1:ab/12cd34ef56/0/full.jsonl`])
    ).trim()
    expect(read?.v1Sha256?.get(oid)).toBe(createHash('sha256').update(big).digest('hex'))

    const v = await verifyRepository(git, {
      cliVersion: '0.6.2',
      rederiveCompact: false,
      knownSha256: read!.v1Sha256!
    })
    expect(v.ok).toBe(true)
    expect(v.counts.rawHashFromRead).toBe(1)
  })

  it('leasedPushRefs skips deletions, refs outside the prefix, and refs the remote already holds', () => {
    const a = 'a'.repeat(40)
    const b = 'b'.repeat(40)
    const changes = [
      { ref: MAIN, old: null, new: a },
      { ref: 'refs/entire/checkpoints/v2/full/current', old: a, new: null },
      { ref: 'refs/heads/other', old: null, new: a },
      { ref: 'refs/entire/checkpoints/v2/full/0000000000001', old: null, new: b }
    ]
    const remote = new Map([['refs/entire/checkpoints/v2/full/0000000000001', b]])
    expect(leasedPushRefs(changes, remote, 'refs/entire/checkpoints/v2/')).toEqual([
      { ref: MAIN, local: a, expectedRemote: null }
    ])
  })
})
