// A run in segments (settings.segment): each segment stops at a batch boundary once it has done
// its share, and the next starts where it stopped, as a rerun would, with the same clock reading
// and the offset cache (§7.3) carried over. The refs must equal one run's, object for object; the
// merged report must count what one run counts.
import { describe, it, expect } from '@jest/globals'
import { runMigration, defaultSettings, FatalMigrationError } from '../src/engine/run.js'
import { segmentReads, stateAfterPrune } from '../src/engine/migrate.js'
import { CURRENT_REF, loadV2State } from '../src/engine/v2state.js'
import { inCheckpoints } from '../src/formats/v1/listing.js'
import { mergeSegmentReports } from '../src/engine/segments.js'
import type {
  MigrateSettings,
  MigrationReport,
  PlannedCheckpoint,
  SegmentSettings
} from '../src/engine/types.js'
import {
  buildV1Repo,
  claudeTranscript,
  readFileAt,
  refsUnder,
  sessionMeta,
  tempDir,
  type V1CheckpointSpec
} from './helpers/v1repo.js'

const NOW = new Date('2026-05-01T12:00:00Z')
const V2 = 'refs/entire/checkpoints/v2/'
const MAIN = `${V2}main`

/**
 * Five checkpoints; three of one cumulative session. The second of those added no raw lines, so
 * its offset differs between the cache (the first one's compact line count) and recomputation
 * (0): a segment boundary just before it changes bytes unless the cache is carried over.
 */
function fixture(): V1CheckpointSpec[] {
  const cp = (
    id: string,
    day: number,
    transcript: string,
    fields: Record<string, unknown> = {}
  ): V1CheckpointSpec => ({
    id,
    sessions: [
      {
        transcript,
        metadata: sessionMeta(id, { created_at: `2026-01-0${day}T00:00:00Z`, ...fields })
      }
    ]
  })
  const cum = { session_id: 'sess-cum' }
  return [
    cp('a1a1a1a1a1a1', 1, claudeTranscript(2, 'a')),
    cp('b2b2b2b2b2b2', 2, claudeTranscript(2, 'cum'), cum),
    cp('c3c3c3c3c3c3', 3, claudeTranscript(2, 'cum'), { ...cum, transcript_lines_at_start: 4 }),
    cp('d4d4d4d4d4d4', 4, claudeTranscript(1, 'd')),
    cp('e5e5e5e5e5e5', 5, claudeTranscript(3, 'cum'), { ...cum, transcript_lines_at_start: 4 })
  ]
}

function settings(dir: string, over: Partial<MigrateSettings> = {}): MigrateSettings {
  return defaultSettings(dir, { now: NOW, batchSize: 2, redact: true, ...over })
}

/** Run segment after segment as launch/segments.ts does, in this process; their reports. */
async function inSegments(
  dir: string,
  limit: number,
  carry: { offsets: boolean } = { offsets: true },
  over: Partial<MigrateSettings> = {}
): Promise<MigrationReport[]> {
  const reports: MigrationReport[] = []
  let segment: SegmentSettings = { limit }
  let runPlan: PlannedCheckpoint[] | undefined
  for (;;) {
    const s = settings(dir, { ...over, segment })
    const first = reports.length === 0
    const r = await runMigration(s, { planSink: (list) => void (first && (runPlan = list)) })
    // the write took the carried cache over and the plan the ids: the settings hold neither
    expect(s.segment?.offsets).toBeUndefined()
    expect(s.segment?.ids).toBeUndefined()
    // the sink took the plan's list, which the segment then no longer holds
    expect(r.plan.checkpoints).toEqual([])
    reports.push(r)
    if (!r.resume) {
      // as launch/segments.ts does: the run's plan is the first segment's list
      reports[0].plan.checkpoints = runPlan!
      return reports
    }
    expect(reports.length).toBeLessThan(10)
    segment = {
      ids: r.resume.ids,
      before: r.resume.before,
      limit,
      ...(carry.offsets ? { offsets: r.resume.offsets } : {})
    }
  }
}

describe('segmentReads', () => {
  it('splits what is left evenly over as few segments as the limit allows; none when it fits', () => {
    expect(segmentReads(10_000, 2_500)).toBe(2_500)
    expect(segmentReads(7_500, 2_500)).toBe(2_500)
    expect(segmentReads(2_600, 2_500)).toBe(1_300)
    expect(segmentReads(5_001, 2_500)).toBe(1_667)
    expect(segmentReads(2_500, 2_500)).toBeUndefined()
    expect(segmentReads(5, undefined)).toBeUndefined()
    expect(segmentReads(5, 0)).toBeUndefined()
  })
})

describe('a run in segments', () => {
  it('writes the refs one run writes, object for object, and reports what one run reports', async () => {
    const whole = await buildV1Repo(tempDir(), fixture())
    const one = await runMigration(settings(whole.dir))
    const parts = await buildV1Repo(tempDir(), fixture())
    const reports = await inSegments(parts.dir, 2)
    // five to read, at most two per segment: 2 + 2 + 1, each ending at a batch boundary
    expect(reports.map((r) => r.outcomes.map((o) => o.id.slice(0, 2)))).toEqual([
      ['a1', 'b2'],
      ['c3', 'd4'],
      ['e5']
    ])
    expect(await refsUnder(parts.git, V2)).toEqual(await refsUnder(whole.git, V2))
    // the boundary before c3 is where the carried cache matters
    expect(reports[1].outcomes[0].sessions![0].offsetSource).toBe('cache')
    const start = JSON.parse((await readFileAt(parts.git, MAIN, 'c3/c3c3c3c3c3/0/metadata.json'))!)
    expect(start.checkpoint_transcript_start).toBe(4)

    const merged = mergeSegmentReports(reports)
    expect(merged.segments?.map((s) => s.checkpoints)).toEqual([2, 2, 1])
    expect(merged.counts).toEqual(one.counts)
    expect(merged.outcomes).toEqual(one.outcomes)
    expect(merged.refs).toEqual(one.refs)
    expect(merged.archivesCreated).toEqual(one.archivesCreated)
    expect(merged.batches).toBe(one.batches)
    expect(merged.plan).toEqual(one.plan)
    expect(merged.resume).toBeUndefined()
  })

  it('without the offset cache carried over, the checkpoint after a boundary differs (why it is)', async () => {
    const { dir, git } = await buildV1Repo(tempDir(), fixture())
    const reports = await inSegments(dir, 2, { offsets: false })
    expect(reports[1].outcomes[0].sessions![0].offsetSource).toBe('recompute')
    const start = JSON.parse((await readFileAt(git, MAIN, 'c3/c3c3c3c3c3/0/metadata.json'))!)
    expect(start.checkpoint_transcript_start).toBeUndefined()
  })

  it('a forced run in segments rewrites what one forced run rewrites', async () => {
    const whole = await buildV1Repo(tempDir(), fixture())
    await runMigration(settings(whole.dir))
    const forcedOnce = await runMigration(settings(whole.dir, { force: true }))
    const parts = await buildV1Repo(tempDir(), fixture())
    await runMigration(settings(parts.dir))
    const reports = await inSegments(parts.dir, 2, { offsets: true }, { force: true })
    expect(reports.length).toBe(3)
    expect(await refsUnder(parts.git, V2)).toEqual(await refsUnder(whole.git, V2))
    expect(mergeSegmentReports(reports).counts).toEqual(forcedOnce.counts)
  })

  it('a later segment plans only the checkpoints left to it, and refuses them in another order', async () => {
    const { dir } = await buildV1Repo(tempDir(), fixture())
    const first = await runMigration(settings(dir, { segment: { limit: 2 } }))
    expect(first.resume?.ids).toEqual(['c3c3c3c3c3c3', 'd4d4d4d4d4d4', 'e5e5e5e5e5e5'])
    expect(first.resume?.before).toBe(2)
    const [c3, d4, e5] = first.resume!.ids
    const bad = runMigration(settings(dir, { segment: { ids: [d4, c3, e5], before: 2, limit: 2 } }))
    await expect(bad).rejects.toThrow(FatalMigrationError)
    await expect(bad).rejects.toThrow(
      /segment plan differs from the run's: checkpoint 0 of the 3 left is c3c3c3c3c3c3, the run had d4d4d4d4d4d4/
    )
    const missing = runMigration(settings(dir, { segment: { ids: [c3, d4, e5, 'ffffffffffff'] } }))
    await expect(missing).rejects.toThrow(/checkpoint 3 of the 4 left is missing/)
    const second = await runMigration(settings(dir, { segment: { ids: [c3, d4, e5], before: 2 } }))
    expect(second.plan.checkpoints.map((c) => c.id)).toEqual([c3, d4, e5])
    expect(second.counts.migrated).toBe(3)
  })

  it("a later segment's writer keeps of the v2 state only what /full/current needs", async () => {
    const { dir, git } = await buildV1Repo(tempDir(), fixture())
    await runMigration(settings(dir))
    const v2 = await loadV2State(git)
    expect(v2.mainCheckpoints.size).toBe(5)
    expect(v2.fullRefs.length).toBe(3)
    const kept = stateAfterPrune(v2)
    // e5 is the one checkpoint in /full/current: its /main listing is the rotation's tree scan
    expect([...kept.mainCheckpoints.keys()]).toEqual(['e5e5e5e5e5e5'])
    expect(kept.fullRefs.map((r) => [r.ref, r.oid, r.entries.length])).toEqual([
      [CURRENT_REF, v2.current.oid, 0]
    ])
    expect(kept.fullIndex.size).toBe(0)
    expect([kept.main, kept.current, kept.archives]).toEqual([v2.main, v2.current, v2.archives])
  })

  it('reads /main and the archives for the checkpoints given, and /full/current whole', async () => {
    const { dir, git } = await buildV1Repo(tempDir(), fixture())
    await runMigration(settings(dir))
    const all = await loadV2State(git)
    const some = await loadV2State(git, new Set(['a1a1a1a1a1a1']))
    // e5 is in /full/current: its /main listing is kept for the rotation
    expect([...some.mainCheckpoints.keys()].sort()).toEqual(['a1a1a1a1a1a1', 'e5e5e5e5e5e5'])
    expect([...some.fullIndex].sort()).toEqual(['a1a1a1a1a1a1/0', 'e5e5e5e5e5e5/0'])
    expect(some.fullRefs.find((r) => r.ref === CURRENT_REF)).toEqual(
      all.fullRefs.find((r) => r.ref === CURRENT_REF)
    )
    expect([some.main, some.current, some.archives]).toEqual([all.main, all.current, all.archives])
    expect(some.entryCount).toBeLessThan(all.entryCount)
  })
})

describe('inCheckpoints', () => {
  it("keeps the root's entries, the shards and the given checkpoints' entries", () => {
    const keep = inCheckpoints(new Set(['a1a1a1a1a1a1']))
    expect(
      [
        'a1',
        'b2',
        'README',
        'a1/a1a1a1a1a1',
        'a1/a1a1a1a1a1/0/full.jsonl',
        'a1/b2b2b2b2b2',
        'b2/b2b2b2b2b2/metadata.json'
      ].filter(keep)
    ).toEqual(['a1', 'b2', 'README', 'a1/a1a1a1a1a1', 'a1/a1a1a1a1a1/0/full.jsonl'])
  })
})
