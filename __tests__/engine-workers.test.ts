// Compaction on worker threads (transcripts handed over in shared memory) writes exactly what
// in-thread compaction writes: same refs, same commits, same trees and blobs.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { runMigration, defaultSettings } from '../src/engine/run.js'
import { GitRunner } from '../src/git/runner.js'
import { generateSyntheticCorpus, syntheticTranscript } from '../src/bench/synthetic.js'
import { createCompactor, runCompactJob } from '../src/engine/compactor.js'
import { initRepo, refsUnder } from './helpers/v1repo.js'
import { verifyRepository } from '../src/engine/verify/verify.js'
import type { VerifyReport } from '../src/engine/verify/types.js'
import { buildCli, type BuiltCli } from './reliability-cli.js'

const NOW = new Date('2026-05-01T12:00:00Z')
const USER = { name: 'Test User', email: 'test@example.invalid' }

/** Synthetic checkpoints of realistic size and agents (transcripts read into shared memory). */
async function corpus(): Promise<GitRunner> {
  const git = await initRepo()
  await generateSyntheticCorpus(git, { checkpoints: 8, seed: 11, chunkSize: 4 })
  return git
}

describe('engine: compaction on worker threads', () => {
  let cli: BuiltCli
  beforeAll(() => {
    cli = buildCli()
  })
  afterAll(() => cli.cleanup())

  it('runs jobs on the pool, shared-memory pieces included, with the in-thread result', async () => {
    const compactor = createCompactor({ workers: 2, workerScript: cli.entry })
    try {
      expect(compactor.workers).toBe(2)
      const pieces = syntheticTranscript('Claude Code', 300_000, 3).map((p) => {
        const shared = Buffer.from(new SharedArrayBuffer(p.length))
        p.copy(shared)
        return shared
      })
      const job = { pieces, agent: 'Claude Code', cliVersion: '0.6.2', offsetStart: 5 }
      const got = await compactor.run(job)
      const want = runCompactJob(job)
      expect(got.kind).toBe('output')
      expect(Buffer.from(got.bytes!)).toEqual(Buffer.from(want.bytes!))
      expect([got.lines, got.offset, got.position]).toEqual([
        want.lines,
        want.offset,
        want.position
      ])
    } finally {
      await compactor.close()
    }
  }, 60_000)

  it('writes the same refs, commits, trees and blobs as in-thread compaction and reading', async () => {
    const results: Array<Record<string, string>> = []
    // [compaction workers, bundle for worker threads (also runs the object reader's thread)]
    for (const [workers, script] of [
      [0, undefined],
      [0, cli.entry],
      [2, cli.entry]
    ] as const) {
      const git = await corpus()
      const report = await runMigration(
        defaultSettings(git.repoDir, {
          now: NOW,
          batchSize: 4,
          redact: true,
          gitUser: USER,
          compactWorkers: workers
        }),
        { compactWorkerScript: script }
      )
      expect(report.counts.failed).toBe(0)
      expect(report.counts.migrated).toBe(8)
      results.push(await refsUnder(git, 'refs/entire/checkpoints/v2/'))
    }
    expect(Object.keys(results[0]).length).toBeGreaterThan(2)
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
  }, 120_000)

  it('verification gives the same report with compaction workers and the reader thread', async () => {
    const git = await corpus()
    const report = await runMigration(
      defaultSettings(git.repoDir, { now: NOW, batchSize: 4, redact: true, gitUser: USER }),
      {}
    )
    expect(report.counts.migrated).toBe(8)
    const strip = (r: VerifyReport) => ({ ...r, durationMs: 0, startedAt: '' })
    const inThread = strip(await verifyRepository(git, { cliVersion: '0.6.2', batchSize: 3 }))
    const threaded = strip(
      await verifyRepository(git, {
        cliVersion: '0.6.2',
        batchSize: 3,
        compactWorkers: 2,
        workerScript: cli.entry,
        readerScript: cli.entry
      })
    )
    expect(inThread.ok).toBe(true)
    expect(inThread.counts.compactProvenById).toBe(inThread.counts.compactRederived)
    expect(inThread.counts.compactRederived).toBeGreaterThan(0)
    expect(threaded).toEqual(inThread)
  }, 120_000)
})
