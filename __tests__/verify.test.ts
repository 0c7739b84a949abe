// The verifier on hand-made migrations in real git repos: a correct migration verifies clean;
// each test corrupts exactly one thing with git plumbing and checks that the report names the
// checkpoint, slot, file, and expected vs actual.
import { describe, expect, it } from '@jest/globals'
import { verifyRepository } from '../src/engine/verify/verify.js'
import type { CheckFailure, VerifyReport } from '../src/engine/verify/types.js'
import { claudeTranscript, sessionMeta, writeTreeCommit } from './helpers/v1repo.js'
import {
  archiveRef,
  CLI,
  corrupt,
  CURRENT,
  MAIN,
  migratedRepo,
  migrateFiles,
  standardV1,
  type Migrated
} from './verify-fixture.js'

function allFailures(r: VerifyReport): CheckFailure[] {
  return [...r.failures, ...r.checkpoints.flatMap((c) => c.failures)]
}

function only(r: VerifyReport, check: string): CheckFailure {
  const f = allFailures(r)
  expect(f.map((x) => x.check)).toEqual([check])
  return f[0]
}

const A = 'aa11111111a1'

/** A natively written checkpoint (on v2 only): its files added to /main and /full/current. */
async function addNative(m: Migrated, id: string): Promise<void> {
  const refs = migrateFiles([
    {
      id,
      sessions: [
        { metadata: sessionMeta(id, { session_id: 'n' }), transcript: claudeTranscript(1, 'n') }
      ]
    }
  ])
  await corrupt(m, MAIN, (f) => Object.assign(f, refs[MAIN]))
  await corrupt(m, CURRENT, (f) => Object.assign(f, refs[CURRENT]))
}
const B = 'bb22222222b2'

describe('verifyRepository on a correct migration', () => {
  it('passes every check and proves raw transcripts by blob id', async () => {
    const m = await migratedRepo(standardV1())
    const r = await verifyRepository(m.git, { cliVersion: CLI })
    expect(allFailures(r)).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.counts).toMatchObject({
      v1Checkpoints: 3,
      migratable: 3,
      mainCheckpoints: 3,
      ok: 3,
      failed: 0,
      sessions: 4,
      rawProvenById: 4,
      compactRederived: 4,
      compactProvenById: 4
    })
    expect(r.byCheck['encoding'].passed).toBe(7) // 3 summaries + 4 session files
    expect(r.checkpoints.find((c) => c.id === B)?.slots).toEqual([
      { slot: 0, v1Session: 0 },
      { slot: 1, v1Session: 1 }
    ])
    expect(r.checkpoints[0].fullRefs).toEqual([CURRENT])
  })

  it('uses one cat-file per batch, not one git process per object', async () => {
    const m = await migratedRepo(standardV1())
    const before = m.git.processCount
    await verifyRepository(m.git, { cliVersion: CLI })
    // rev-parse ×2, for-each-ref, ls-tree ×3, one cat-file (the reader: small blobs and transcripts),
    // one cat-file --batch-check (that the compacts proven by id exist).
    expect(m.git.processCount - before).toBeLessThanOrEqual(8)
  })

  it('gives the same report whatever the batch windows (one checkpoint each, or all at once)', async () => {
    const m = await migratedRepo(standardV1(), { archives: [[A, B]] })
    await addNative(m, 'ff66666666f6')
    const strip = (r: VerifyReport) => ({ ...r, durationMs: 0, startedAt: '' })
    const one = strip(await verifyRepository(m.git, { cliVersion: CLI, batchSize: 1 }))
    const all = strip(await verifyRepository(m.git, { cliVersion: CLI, batchSize: 1000 }))
    expect(one).toEqual(all)
    expect(all.counts).toMatchObject({ ok: 3, v2Only: 1 })
    expect(all.byCheck['generation.envelope']).toEqual({ passed: 1, failed: 0 })
  })

  it('skips sessions without transcript and maps the later ones to contiguous slots', async () => {
    const id = 'dd44444444d4'
    const m = await migratedRepo([
      {
        id,
        sessions: [
          { metadata: sessionMeta(id, { session_id: 'x-0' }) },
          null,
          {
            metadata: sessionMeta(id, {
              session_id: 'x-2',
              save_step_count: 3,
              transcript_lines_at_start: 0,
              kind: 'agent_review'
            }),
            transcript: claudeTranscript(1, 'x')
          }
        ],
        summaryExtra: { checkpoint_version: 'branch-v1' }
      }
    ])
    const r = await verifyRepository(m.git, { cliVersion: CLI })
    expect(allFailures(r)).toEqual([])
    const cp = r.checkpoints[0]
    expect(cp.slots).toEqual([{ slot: 0, v1Session: 2 }])
    expect(cp.dropped).toEqual(
      expect.arrayContaining([
        { scope: 'session-dir', v1Session: 0, name: '0', value: 'no transcript' },
        { scope: 'session-dir', v1Session: 1, name: '1', value: 'no directory' },
        { scope: 'session', v1Session: 2, name: 'save_step_count', value: '3' },
        { scope: 'session', v1Session: 2, name: 'kind', value: '"agent_review"' },
        { scope: 'summary', name: 'checkpoint_version', value: '"branch-v1"' }
      ])
    )
  })

  it('reports checkpoints without transcripts as not migratable and v2-only checkpoints as such', async () => {
    const empty = 'ee55555555e5'
    const native = 'ff66666666f6'
    const specs = [...standardV1(), { id: empty, sessions: [{ metadata: sessionMeta(empty) }] }]
    const m = await migratedRepo(specs)
    await addNative(m, native)
    const r = await verifyRepository(m.git, { cliVersion: CLI })
    expect(allFailures(r)).toEqual([])
    expect(r.checkpoints.find((c) => c.id === empty)?.verdict).toBe('not-migratable')
    expect(r.checkpoints.find((c) => c.id === native)?.verdict).toBe('v2-only')
    expect(r.counts).toMatchObject({ v2Only: 1, notMigratable: 1, ok: 3 })
  })

  it('verifies archives: names, generation.json envelope and layout', async () => {
    const m = await migratedRepo(standardV1(), { archives: [[A, B]] })
    const r = await verifyRepository(m.git, { cliVersion: CLI })
    expect(allFailures(r)).toEqual([])
    expect(r.checkpoints.find((c) => c.id === A)?.fullRefs).toEqual([archiveRef(1)])
    expect(r.byCheck['generation.envelope']).toEqual({ passed: 1, failed: 0 })
  })
})

describe('each corruption is reported with checkpoint, slot, file, expected and actual', () => {
  it('coverage: a v1 checkpoint missing from /main', async () => {
    const m = await migratedRepo(standardV1())
    await corrupt(m, MAIN, (f) => {
      for (const k of Object.keys(f)) if (k.startsWith('bb/')) delete f[k]
    })
    await corrupt(m, CURRENT, (f) => {
      for (const k of Object.keys(f)) if (k.startsWith('bb/')) delete f[k]
    })
    const r = await verifyRepository(m.git, { cliVersion: CLI })
    const f = only(r, 'coverage')
    expect(f).toMatchObject({
      checkpointId: B,
      file: 'bb/22222222b2/metadata.json',
      expected: 'present',
      actual: 'absent'
    })
    expect(r.ok).toBe(false)
  })

  it('raw.location: a slot held by no /full ref, and by two', async () => {
    const m = await migratedRepo(standardV1())
    await corrupt(m, CURRENT, (f) => {
      delete f['bb/22222222b2/1/raw_transcript']
      delete f['bb/22222222b2/1/raw_transcript_hash.txt']
    })
    let r = await verifyRepository(m.git, { cliVersion: CLI })
    expect(only(r, 'raw.location').message).not.toContain('legacy')
    await corrupt(m, CURRENT, (f) => (f['bb/22222222b2/1/full.jsonl'] = 'old name\n'))
    r = await verifyRepository(m.git, { cliVersion: CLI })
    expect(only(r, 'raw.location').message).toContain('legacy names full.jsonl/content_hash.txt')
    expect(only(r, 'raw.location')).toMatchObject({
      checkpointId: B,
      slot: 1,
      v1Session: 1,
      file: 'bb/22222222b2/1/raw_transcript',
      actual: 'none'
    })

    const m2 = await migratedRepo(standardV1())
    await writeTreeCommit(m2.git, archiveRef(1), {
      'generation.json':
        JSON.stringify(
          {
            oldest_checkpoint_at: '2026-01-01T10:00:00Z',
            newest_checkpoint_at: '2026-01-01T10:00:00Z'
          },
          null,
          2
        ) + '\n',
      'aa/11111111a1/0/raw_transcript': m2.refs[CURRENT]['aa/11111111a1/0/raw_transcript'],
      'aa/11111111a1/0/raw_transcript_hash.txt':
        m2.refs[CURRENT]['aa/11111111a1/0/raw_transcript_hash.txt']
    })
    r = await verifyRepository(m2.git, { cliVersion: CLI })
    const f = only(r, 'raw.location')
    expect(f).toMatchObject({ checkpointId: A, slot: 0 })
    expect(f.actual).toBe(`${CURRENT}, ${archiveRef(1)}`)
  })

  it('raw.bytes: raw transcript content differs from v1', async () => {
    const m = await migratedRepo(standardV1())
    await corrupt(m, CURRENT, (f) => {
      f['cc/33333333c3/0/raw_transcript'] = claudeTranscript(3, 'd').replace(
        'question 1',
        'question X'
      )
    })
    const r = await verifyRepository(m.git, { cliVersion: CLI })
    const f = only(r, 'raw.bytes')
    expect(f).toMatchObject({
      checkpointId: 'cc33333333c3',
      slot: 0,
      ref: CURRENT,
      file: 'cc/33333333c3/0/raw_transcript'
    })
    expect(f.expected).toContain('question 1')
    expect(f.actual).toContain('question X')
  })

  it('raw.bytes: a re-chunked transcript with equal bytes is proven by bytes', async () => {
    const id = 'ab12121212ab'
    const t = claudeTranscript(2, 'k')
    const cut = t.indexOf('\n', 10)
    const m = await migratedRepo([
      {
        id,
        sessions: [
          {
            metadata: sessionMeta(id),
            transcript: [Buffer.from(t.slice(0, cut)), Buffer.from(t.slice(cut + 1))]
          }
        ]
      }
    ])
    let r = await verifyRepository(m.git, { cliVersion: CLI })
    expect(allFailures(r)).toEqual([])
    expect(r.counts.rawProvenById).toBe(1)
    await corrupt(m, CURRENT, (f) => {
      delete f['ab/12121212ab/0/raw_transcript.001']
      f['ab/12121212ab/0/raw_transcript'] = t
    })
    r = await verifyRepository(m.git, { cliVersion: CLI })
    expect(allFailures(r)).toEqual([])
    expect(r.counts).toMatchObject({ rawProvenById: 0, rawProvenByBytes: 1 })
  })

  it('raw.hash: raw_transcript_hash.txt is wrong', async () => {
    const m = await migratedRepo(standardV1())
    await corrupt(m, CURRENT, (f) => {
      f['aa/11111111a1/0/raw_transcript_hash.txt'] = 'sha256:' + '0'.repeat(64)
    })
    const f = only(await verifyRepository(m.git, { cliVersion: CLI }), 'raw.hash')
    expect(f).toMatchObject({
      checkpointId: A,
      slot: 0,
      file: 'aa/11111111a1/0/raw_transcript_hash.txt',
      actual: 'sha256:' + '0'.repeat(64)
    })
    expect(f.expected).toMatch(/^sha256:[0-9a-f]{64}$/)
  })
})
