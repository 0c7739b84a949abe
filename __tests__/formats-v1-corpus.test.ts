// Reads every checkpoint of the real v1 corpus bundle (when present) with the v1 reader and
// checks the classification against the corpus facts of the specs (v1-format.md §9,
// migration.md §8.6). Skips cleanly when the bundle is absent.
import { describe, expect, test, beforeAll } from '@jest/globals'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import { lsTree } from '../src/git/tree.js'
import { readObjects } from '../src/git/objects.js'
import {
  listV1Checkpoints,
  readV1Checkpoint,
  listingInfoBlobOids,
  v1ListingInfo,
  checkpointBlobOids,
  sessionSmallBlobOids,
  extraSlotBlobOids,
  type V1CheckpointOk,
  migratingSessions,
  type V1CheckpointRead,
  type V1Listing
} from '../src/formats/v1/index.js'
import { isZeroTime } from '../src/formats/json/time.js'
import { decodeSessionMetadata } from '../src/formats/json/structs.js'
import { encodeSessionMetadata } from '../src/formats/v2/metadata.js'

const bundle =
  process.env.ENTIRE_CORPUS ??
  resolve(process.cwd(), '..', 'shared', 'corpus', 'entireio-cli-v1.bundle')
const present = existsSync(bundle)
const V1 = 'refs/heads/entire/checkpoints/v1'

async function readBlobs(git: GitRunner, oids: string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  await readObjects(git, oids, (o) => {
    if (!o.missing) out.set(o.oid, o.content)
  })
  return out
}

;(present ? describe : describe.skip)('v1 reader on the corpus bundle', () => {
  let git: GitRunner
  let listing: V1Listing
  const reads: V1CheckpointRead[] = []
  const infos: ReturnType<typeof v1ListingInfo>[] = []

  beforeAll(async () => {
    git = new GitRunner(mkdtempSync(join(tmpdir(), 'em-formats-corpus-')))
    await git.run(['init', '--bare', '-q'])
    await git.run(['fetch', '-q', bundle, `${V1}:${V1}`])
    listing = listV1Checkpoints(await lsTree(git, V1, { recursive: true, trees: true }))
    const small = await readBlobs(git, listing.checkpoints.flatMap(listingInfoBlobOids))
    for (const cp of listing.checkpoints) infos.push(v1ListingInfo(cp, small))
    // Read in batches of 100 checkpoints to keep memory bounded.
    for (let i = 0; i < listing.checkpoints.length; i += 100) {
      const batch = listing.checkpoints.slice(i, i + 100)
      const oids = batch.flatMap((cp, k) => {
        const n = infos[i + k].sessionCount
        const extra: string[] = []
        for (let s = 0; s < n; s++) extra.push(...sessionSmallBlobOids(cp, s))
        return [...checkpointBlobOids(cp, n), ...extra, ...extraSlotBlobOids(cp, n)]
      })
      const blobs = await readBlobs(git, [...new Set(oids)])
      for (const cp of batch) reads.push(readV1Checkpoint(cp, blobs, { scanJsonl: true }))
    }
  }, 120000)

  test('listing: 590 checkpoints, 712 session folders, nothing ignored', () => {
    // The corpus README says 714 folders; the bundle's tip tree has 712 (1,302 metadata.json = 590 + 712).
    expect(listing.checkpoints).toHaveLength(590)
    expect(listing.checkpoints.reduce((a, cp) => a + cp.slots.size, 0)).toBe(712)
    expect(listing.ignored).toEqual([])
  })

  test('classification matches the corpus facts of the specs', () => {
    const ok = reads.filter((r): r is V1CheckpointOk => r.kind === 'ok')
    const checkpointsWith = (kind: string) =>
      ok.filter((r) => r.oddities.some((o) => o.kind === kind)).length
    const oddities = (kind: string) =>
      ok.reduce((a, r) => a + r.oddities.filter((o) => o.kind === kind).length, 0)
    const counts = {
      read: ok.length,
      failed: reads.length - ok.length,
      // migration.md §8.6: 476 migrated, 114 skipped, 185 missing sessions, 522 v2 sessions
      migrated: ok.filter((r) => migratingSessions(r).length > 0).length,
      skippedNoMigratableSessions: ok.filter((r) => migratingSessions(r).length === 0).length,
      missingSessions: ok.reduce((a, r) => a + r.sessions.filter((s) => s.kind !== 'ok').length, 0),
      v2Sessions: ok.reduce((a, r) => a + migratingSessions(r).length, 0),
      // v1-format.md §9
      gapCheckpoints: checkpointsWith('session-dir-missing'),
      checkpointsWithUnreadDirs: checkpointsWith('session-dir-beyond-summary'),
      duplicateSessionIdCheckpoints: checkpointsWith('duplicate-session-id'),
      duplicateAmongMigrating: ok.filter((r) => {
        const ids = migratingSessions(r).map((s) => s.metadata.session_id)
        return new Set(ids).size !== ids.length
      }).length,
      repeatedPrefixCheckpoints: checkpointsWith('summary-path-repeats-prefix'),
      repeatedPrefixEntries: oddities('summary-path-repeats-prefix'),
      nonUtcCreatedAt: oddities('non-utc-created-at'),
      contentHashMismatchRead: oddities('content-hash-mismatch'),
      metadataOnlySessions: oddities('metadata-only-session'),
      migratedWithoutAgent: ok.filter((r) =>
        migratingSessions(r).some((s) => s.metadata.agent === '')
      ).length,
      gluedJsonlTranscripts: oddities('jsonl-glued-objects'),
      malformedJsonlTranscripts: oddities('jsonl-malformed-lines'),
      chunked: oddities('chunked-transcript'),
      zeroListingTime: infos.filter((i) => isZeroTime(i.createdAt)).length
    }
    console.log(JSON.stringify(counts))
    expect(counts).toMatchObject({
      read: 590,
      failed: 0,
      migrated: 476,
      skippedNoMigratableSessions: 114,
      missingSessions: 185,
      v2Sessions: 522,
      gapCheckpoints: 34,
      checkpointsWithUnreadDirs: 36, // the 34 gaps (last directory unreachable) + 9b/04c3d92e38 + f6/a415abf2b0
      duplicateSessionIdCheckpoints: 18,
      duplicateAmongMigrating: 2,
      repeatedPrefixCheckpoints: 5,
      repeatedPrefixEntries: 9,
      nonUtcCreatedAt: 268,
      migratedWithoutAgent: 84,
      // v1-format.md §7.1: "12 Claude or unlabelled" transcripts with glued objects
      gluedJsonlTranscripts: 12,
      malformedJsonlTranscripts: 0,
      // 196 of the 544 sessions with both files disagree (§4.5); 180 of them are in directories the reader reads
      contentHashMismatchRead: 180,
      chunked: 0
    })
  })

  test('the encoder reproduces real Go-written session files byte for byte', async () => {
    // Session metadata.json written by Go builds of the v0.6.2 struct family (no keys unknown to
    // v0.6.2). Older builds lacked some always-written fields (model, agent_removed,
    // total_lines_changed) and escaped <, >, & (before v0.5.6): both are undone on our side
    // before comparing; everything else (strings, times with offsets, floats, raw
    // prompt_attributions, layout) must be identical.
    const oids = listing.checkpoints.flatMap((cp) =>
      [...cp.slots.values()].flatMap((slot) =>
        slot.entries.filter((e) => e.name === 'metadata.json' && e.oid).map((e) => e.oid as string)
      )
    )
    const blobs = await readBlobs(git, oids)
    const sameLines = (a: string, b: string) => {
      const norm = (x: string) =>
        x
          .split('\n')
          .map((l) => l.replace(/,$/, ''))
          .sort()
          .join('\n')
      return norm(a) === norm(b)
    }
    let identical = 0
    let identicalAfterHtmlUnescape = 0
    const keyOrderOnly: string[] = []
    let considered = 0
    for (const b of blobs.values()) {
      const dec = decodeSessionMetadata(b)
      if (dec.error || dec.unknownKeys.length > 0) continue
      considered++
      const orig = b.toString('utf8')
      let ours = encodeSessionMetadata(dec.value!).toString('utf8')
      for (const [line, key] of [
        ['  "model": "",\n', '"model"'],
        ['    "agent_removed": 0,\n', '"agent_removed"'],
        ['    "total_lines_changed": 0,\n', '"total_lines_changed"']
      ]) {
        if (!orig.includes(key)) ours = ours.replace(line, '').replace(',\n  "model": ""\n}', '\n}')
      }
      if (ours === orig) identical++
      else if (
        ours ===
        orig
          .replace(/\\u003c/g, '<')
          .replace(/\\u003e/g, '>')
          .replace(/\\u0026/g, '&')
      )
        identicalAfterHtmlUnescape++
      else keyOrderOnly.push(sameLines(orig, ours) ? 'order' : orig)
    }
    expect(considered).toBe(467)
    expect(identical).toBe(444)
    expect(identicalAfterHtmlUnescape).toBe(17)
    // 6 files from an early build that wrote `branch` after `files_touched`: same lines, other order.
    expect(keyOrderOnly).toEqual(Array(6).fill('order'))
  })
})
