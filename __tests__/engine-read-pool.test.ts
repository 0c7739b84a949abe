// Large v1 blobs read into the write step's reused memory (blob-pool.ts) give the migration a
// run without it gives: the same refs, whether every blob fits, some do not, or the pool is off
// (blobs in memory of their own, freed as soon as done with: owned-blobs.ts), while the
// compaction history keeps a session's earlier transcripts across windows.
import { describe, it, expect } from '@jest/globals'
import { defaultSettings, runMigration } from '../src/engine/run.js'
import { silentLogger, type EngineLogger } from '../src/engine/types.js'
import { verifyRepository } from '../src/engine/verify/verify.js'
import { OwnedBlobs } from '../src/engine/owned-blobs.js'
import { CompactHistory } from '../src/formats/compact/index.js'
import { buildV1Repo, claudeTranscript, refsUnder, sessionMeta } from './helpers/v1repo.js'

const NOW = new Date('2026-05-01T12:00:00Z')

/** One session over four checkpoints (each transcript extends the last), and one of its own. */
function checkpoints() {
  const ids = ['a1b2c3d4e5f6', 'b1b2c3d4e5f6', 'c1b2c3d4e5f6', 'd1b2c3d4e5f6']
  const grown = ids.map((id, k) => ({
    id,
    sessions: [
      {
        metadata: sessionMeta(id, {
          session_id: 'sess-long',
          created_at: `2026-01-0${k + 1}T00:00:00Z`
        }),
        transcript: claudeTranscript(250 * (k + 1), 'long'),
        prompt: `prompt ${k}`
      }
    ]
  }))
  const single = {
    id: 'e1b2c3d4e5f6',
    sessions: [
      {
        metadata: sessionMeta('e1b2c3d4e5f6', { created_at: '2026-01-09T00:00:00Z' }),
        transcript: claudeTranscript(400, 'other'),
        prompt: 'other'
      }
    ]
  }
  return [...grown, single]
}

async function migrate(readPoolBytes?: number, readAheadBytes?: number) {
  const { dir, git } = await buildV1Repo(undefined, checkpoints())
  const logged: string[] = []
  const log = (m: string) => void logged.push(m)
  const logger: EngineLogger = { ...silentLogger, info: log, debug: log }
  const settings = defaultSettings(dir, {
    now: NOW,
    cliVersion: '0.6.2',
    batchSize: 2,
    ...(readPoolBytes !== undefined ? { readPoolBytes } : {}),
    ...(readAheadBytes !== undefined ? { readAheadBytes } : {})
  })
  const report = await runMigration(settings, { logger })
  expect(report.counts.failed).toBe(0)
  expect(report.counts.migrated).toBe(5)
  const refs = await refsUnder(git, 'refs/entire/checkpoints/v2/')
  const find = (prefix: string) => logged.find((m) => m.startsWith(prefix))
  return {
    git,
    refs,
    pool: find('read pool:'),
    freed: find('memory:'),
    history: find('compaction:'),
    heldBack: find('read budget:')
  }
}

describe('read pool', () => {
  it('writes what a run without it writes, blobs placed or not', async () => {
    expect(Buffer.byteLength(claudeTranscript(250, 'long'))).toBeGreaterThan(64 * 1024)
    const off = await migrate(0)
    expect(off.pool).toBeUndefined()
    // Without the pool, every transcript's own memory was freed once the run was done with it
    // (owned-blobs.ts), the history's earlier inputs included.
    expect(off.freed).toBe(
      'memory: 5 of 5 large transcript blob(s) in memory of their own freed as soon as done with'
    )
    // ... and the history still took over earlier lines from the inputs it kept (pinned).
    expect(off.history).toMatch(/, [1-9][\d.]* KiB taken over/)
    const on = await migrate()
    expect(on.pool).toBe(
      'read pool: 5 large transcript blob(s) read into reused memory, 0 into their own (no room)'
    )
    expect(on.freed).toBeUndefined()
    expect(on.refs).toEqual(off.refs)
    // later checkpoints' lines were taken over from inputs held in the pool
    expect(on.history).toMatch(/, [1-9][\d.]* KiB taken over/)
    // Room for about one transcript at a time: the history's hold leaves later ones no room.
    const tight = await migrate(400 * 1024)
    expect(tight.pool).toMatch(
      /read pool: [1-4] large transcript blob\(s\) read into reused memory, [1-4] into/
    )
    expect(tight.freed).toMatch(/^memory: ([1-4]) of \1 large transcript/)
    expect(tight.refs).toEqual(off.refs)
    for (const run of [on, off]) {
      const report = await verifyRepository(run.git, { rederiveCompact: true })
      expect(report.counts.checksFailed).toBe(0)
      expect(report.counts.verified).toBe(5)
    }
  })

  it('a read budget smaller than any window reads each only once the one before is done, and writes the same', async () => {
    const free = await migrate()
    expect(free.heldBack).toBeUndefined()
    // five checkpoints, two a window (the batch size): three windows, the last two held back
    const tight = await migrate(undefined, 1)
    expect(tight.heldBack).toBe(
      'read budget: 2 window(s) read only once the one before was done (1 bytes)'
    )
    expect(tight.refs).toEqual(free.refs)
  })

  it('verification frees each batch of transcripts once checked, and still proves every checkpoint', async () => {
    const { git } = await migrate(0)
    // One checkpoint per batch: the history keeps the session's earlier transcripts across
    // batches (its lines are taken over), so they are freed only when it lets them go.
    const owned = new OwnedBlobs()
    const history = new CompactHistory(undefined, owned)
    const report = await verifyRepository(
      git,
      { rederiveCompact: true, batchSize: 1 },
      { history, owned }
    )
    expect(report.counts.checksFailed).toBe(0)
    expect(report.counts.verified).toBe(5)
    expect(history.stats.reusedBytes).toBeGreaterThan(0)
    // v1 transcripts and their compact and raw v2 copies of at least 64 KiB
    expect(owned.stats.adopted).toBeGreaterThanOrEqual(5)
    // all of them, the history's last inputs too: the run's compactor clears it when closed
    expect(owned.stats.freed).toBe(owned.stats.adopted)
  })
})
