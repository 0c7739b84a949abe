import { describe, it, expect, beforeAll } from '@jest/globals'
import { runMigration, defaultSettings } from '../src/engine/run.js'
import { InterruptedRunError } from '../src/engine/migrate.js'
import type { MigrateSettings } from '../src/engine/types.js'
import { GitRunner } from '../src/git/runner.js'
import {
  buildV1Repo,
  claudeTranscript,
  commitCount,
  readFileAt,
  refsUnder,
  tempDir,
  treeOf,
  writeTreeCommit,
  V1_REF
} from './helpers/v1repo.js'
import { IDS, v1Fixture } from './helpers/v1fixture.js'

const NOW = new Date('2026-05-01T12:00:00Z')
const MAIN = 'refs/entire/checkpoints/v2/main'
const CURRENT = 'refs/entire/checkpoints/v2/full/current'
const A = (n: number): string => `refs/entire/checkpoints/v2/full/${String(n).padStart(13, '0')}`

function settings(dir: string, over: Partial<MigrateSettings> = {}): MigrateSettings {
  return defaultSettings(dir, { now: NOW, cliVersion: '0.6.2', redact: true, ...over })
}

async function fixtureRepo(): Promise<{ dir: string; git: GitRunner }> {
  const r = await buildV1Repo(undefined, v1Fixture())
  return { dir: r.dir, git: r.git }
}

/** path → blob id of every file on every /full ref (generation.json excluded). */
async function fullFiles(git: GitRunner): Promise<Map<string, string>> {
  const refs = await refsUnder(git, 'refs/entire/checkpoints/v2/full/')
  const out = new Map<string, string>()
  for (const ref of Object.keys(refs).sort()) {
    const text = await git.text(['ls-tree', '-r', ref])
    for (const line of text.split('\n').filter(Boolean)) {
      const [meta, path] = line.split('\t')
      if (path === 'generation.json') continue
      if (out.has(path)) throw new Error(`${path} is on two /full refs`)
      out.set(path, meta.split(' ')[2])
    }
  }
  return out
}

async function cpLocations(git: GitRunner, id: string): Promise<string[]> {
  const refs = await refsUnder(git, 'refs/entire/checkpoints/v2/')
  const out: string[] = []
  for (const ref of Object.keys(refs).sort()) {
    if ((await treeOf(git, ref, `${id.slice(0, 2)}/${id.slice(2)}`)) !== null) out.push(ref)
  }
  return out
}

describe('checkpoints without transcripts', () => {
  it('are skipped from the listing alone: their blobs are never read', async () => {
    const withTranscript = {
      id: 'c1c2c3d4e5f6',
      sessions: [{ transcript: claudeTranscript(2), prompt: 'p' }]
    }
    const empty = {
      id: 'd1c2c3d4e5f6',
      sessions: [{ transcript: '', prompt: 'empty' }, null]
    }
    const both = await buildV1Repo(undefined, [withTranscript, empty])
    const alone = await buildV1Repo(undefined, [withTranscript])
    const r = await runMigration(settings(both.dir, { verify: false }))
    const a = await runMigration(settings(alone.dir, { verify: false }))
    expect(r.counts).toMatchObject({ migrated: 1, skipped: 1, failed: 0 })
    expect(r.counts.skippedByReason).toEqual({ 'no-migratable-sessions': 1 })
    expect(r.outcomes.find((o) => o.id === empty.id)?.status).toBe('skipped')
    // The same blobs are read as for a repository without that checkpoint.
    expect(r.timings.readV1?.objects).toBe(a.timings.readV1?.objects)
    expect(r.timings.readV1?.bytes).toBe(a.timings.readV1?.bytes)
  })
})

describe('engine: fresh migration of a v1 fixture', () => {
  let dir: string
  let git: GitRunner
  let report: Awaited<ReturnType<typeof runMigration>>
  beforeAll(async () => {
    ;({ dir, git } = await fixtureRepo())
    report = await runMigration(settings(dir, { batchSize: 4 }))
  })

  it('counts every checkpoint once', () => {
    const c = report.counts
    expect(c.total).toBe(8)
    expect(c.migrated).toBe(7)
    expect(c.skipped).toBe(1)
    expect(c.skippedByReason).toEqual({ 'no-migratable-sessions': 1 })
    expect(c.failed).toBe(0)
    // gaps: missing dir + metadata-only; nothing: metadata-only
    expect(c.missingSessions).toBe(3)
    expect(c.sessionsWritten).toBe(8)
    expect(c.compactionSkipped).toBe(1)
    expect(c.fieldsDropped.transcript_lines_at_start).toBe(1)
    expect(report.outcomes.map((o) => o.id)).toEqual([
      IDS.twoSessions,
      IDS.gaps,
      IDS.codex,
      IDS.gemini,
      IDS.cumulative,
      IDS.noAgent,
      IDS.nothing,
      IDS.zeroTime
    ])
  })

  it('writes one /main commit per batch, one archive of 4 and the remainder in /full/current', async () => {
    const refs = await refsUnder(git, 'refs/entire/checkpoints/v2/')
    expect(Object.keys(refs).sort()).toEqual([A(1), CURRENT, MAIN])
    expect(report.archivesCreated).toEqual([A(1)])
    // Initialize v2 ref + batch 1 + final flush
    expect(await commitCount(git, MAIN)).toBe(3)
    const log = await git.text(['log', '--format=%an|%s', MAIN])
    expect(log.split('\n')).toEqual([
      'Entire Migration|Migrate batch: 3 checkpoint(s), 3 session(s)',
      'Entire Migration|Migrate batch: 4 checkpoint(s), 5 session(s)',
      'Test User|Initialize v2 ref'
    ])
    expect(await commitCount(git, A(1))).toBe(1)
    const raw = (await git.run(['cat-file', 'commit', A(1)])).stdout.toString()
    expect(raw).toMatch(/\nauthor Entire Migration <migration@entire\.dev> \d+ [+-]\d{4}\n/)
    expect(raw.endsWith(`\n\nArchive migrated generation: ${A(1)}\n`)).toBe(true)
    expect(raw).not.toMatch(/\nparent /)
    expect(await git.text(['log', '--format=%s', CURRENT])).toBe(
      'Write migrated partial generation'
    )
    expect(await cpLocations(git, IDS.twoSessions)).toEqual([A(1), MAIN])
    expect(await cpLocations(git, IDS.cumulative)).toEqual([CURRENT, MAIN])
    expect(await cpLocations(git, IDS.nothing)).toEqual([])
  })

  it('each outcome names the /full ref that holds its raw data (completed after its batch)', async () => {
    for (const o of report.outcomes) {
      const full = (await cpLocations(git, o.id)).filter((r) => r !== MAIN)
      if (o.status === 'migrated') expect([o.id, o.fullRef]).toEqual([o.id, full[0]])
      else expect([o.id, o.fullRef, full]).toEqual([o.id, undefined, []])
    }
    expect(report.outcomes.filter((o) => o.fullRef === A(1))).toHaveLength(4)
  })

  it('derives v2 files as the spec says', async () => {
    const base = 'a1/a1a1a1a1a1'
    const s0 = JSON.parse((await readFileAt(git, MAIN, `${base}/0/metadata.json`))!)
    expect(s0.created_at).toBe('2026-01-01T09:00:00.123456789Z')
    expect(s0.cli_version).toBe('0.6.2')
    expect(s0.transcript_lines_at_start).toBeUndefined()
    expect(await readFileAt(git, MAIN, `${base}/0/prompt.txt`)).toBe(
      'first prompt\n\n---\n\nsecond prompt'
    )
    const summary = JSON.parse((await readFileAt(git, MAIN, `${base}/metadata.json`))!)
    expect(summary.files_touched).toEqual(['src/a.ts', 'src/b.ts'])
    expect(summary.checkpoints_count).toBe(2)
    expect(summary.token_usage.api_call_count).toBe(5)
    expect(summary.combined_attribution.calculated_at).toBe('2026-01-01T10:00:00+02:00')
    // raw transcript reuses the v1 blob; the hash is computed (v1 content_hash.txt was wrong)
    expect(await treeOf(git, A(1), `${base}/0/raw_transcript`)).toBe(
      await treeOf(git, V1_REF, `${base}/0/full.jsonl`)
    )
    expect(await readFileAt(git, A(1), `${base}/0/raw_transcript_hash.txt`)).not.toBe(
      'sha256:' + '0'.repeat(64)
    )
    // tasks: the root tree goes to the highest slot, first attached wins on a clash
    expect(await readFileAt(git, A(1), `${base}/1/tasks/toolu_01/checkpoint.json`)).toBe(
      '{"root": true}'
    )
    expect(await git.text(['ls-tree', A(1), `${base}/1/tasks/toolu_01/agent-1.jsonl`])).toMatch(
      /^100755 /
    )
    // gaps: the v1 session in directory 2 becomes slot 0
    const g = JSON.parse((await readFileAt(git, MAIN, 'b2/b2b2b2b2b2/0/metadata.json'))!)
    expect(g.session_id).toBe('sess-g')
    expect(await treeOf(git, MAIN, 'b2/b2b2b2b2b2/1')).toBeNull()
    // cumulative session: the offset comes from the cache (prefix of 4 raw lines = 4 compact lines)
    const cum = JSON.parse((await readFileAt(git, MAIN, 'e5/e5e5e5e5e5/0/metadata.json'))!)
    expect(cum.checkpoint_transcript_start).toBe(4)
    const o = report.outcomes.find((x) => x.id === IDS.cumulative)!
    expect(o.sessions![0].offsetSource).toBe('cache')
    // no agent: no compact transcript
    expect(await treeOf(git, MAIN, 'f6/f6f6f6f6f6/0/transcript.jsonl')).toBeNull()
    // zero created_at takes the run's clock reading
    const z = JSON.parse((await readFileAt(git, MAIN, '08/080808bbbb/0/metadata.json'))!)
    expect(z.created_at).toBe('2026-05-01T12:00:00Z')
    // Codex and Gemini sessions got compact transcripts stamped with the v1 agent type
    expect(await readFileAt(git, MAIN, 'c3/c3c3c3c3c3/0/transcript.jsonl')).toContain(
      '"agent":"Codex"'
    )
    expect(await readFileAt(git, MAIN, 'd4/d4d4d4d4d4/0/transcript.jsonl')).toContain(
      '"agent":"Gemini CLI"'
    )
    expect(await readFileAt(git, A(1), 'generation.json')).toBe(
      '{\n  "oldest_checkpoint_at": "2026-01-01T09:00:00.123456789Z",\n  "newest_checkpoint_at": "2026-01-04T00:00:00Z"\n}\n'
    )
  })

  it('pins the trees it writes', async () => {
    // Per checkpoint subtree (checked by hand against migration.md §6); the Gemini checkpoint's
    // compact transcript is pinned by the compactor's own byte tests, so only its metadata here.
    const main: Record<string, string | null> = {}
    for (const id of Object.values(IDS)) {
      const p = `${id.slice(0, 2)}/${id.slice(2)}`
      main[id] =
        id === IDS.gemini
          ? await treeOf(git, MAIN, `${p}/0/metadata.json`)
          : await treeOf(git, MAIN, p)
    }
    expect({
      main,
      archive: await treeOf(git, A(1)),
      current: await treeOf(git, CURRENT)
    }).toMatchSnapshot()
  })

  it('a rerun is a no-op: no new commits, everything skipped', async () => {
    const before = await refsUnder(git, 'refs/')
    const again = await runMigration(settings(dir, { batchSize: 4 }))
    expect(await refsUnder(git, 'refs/')).toEqual(before)
    expect(again.refs).toEqual([])
    expect(again.counts.migrated + again.counts.repaired).toBe(0)
    expect(again.counts.skipped).toBe(8)
    expect(again.counts.skippedByReason).toEqual({
      'already-in-v2': 7,
      'no-migratable-sessions': 1
    })
  })

  it('dry run writes nothing and plans what a run would do', async () => {
    const d = await fixtureRepo()
    const before = await refsUnder(d.git, 'refs/')
    const objects = await d.git.text(['count-objects'])
    const r = await runMigration(settings(d.dir, { dryRun: true }))
    expect(await refsUnder(d.git, 'refs/')).toEqual(before)
    expect(await d.git.text(['count-objects'])).toBe(objects)
    expect(r.plan.counts).toEqual({ migrate: 8, skip: 0, repair: 0, force: 0 })
    expect(r.plan.nextArchive).toBe(1)
    const done = await runMigration(settings(dir, { dryRun: true }))
    expect(done.plan.counts).toEqual({ migrate: 1, skip: 7, repair: 0, force: 0 })
  })
})

describe('engine: batches, numbering, interruption, repair, force', () => {
  it('gives the same /main tree and /full files for any batch size', async () => {
    const results: Array<[string | null, Map<string, string>, number]> = []
    for (const batchSize of [1, 3, 100]) {
      const { dir, git } = await fixtureRepo()
      const r = await runMigration(settings(dir, { batchSize }))
      results.push([await treeOf(git, MAIN), await fullFiles(git), r.archivesCreated.length])
      expect(await commitCount(git, MAIN)).toBe(1 + Math.ceil(7 / batchSize))
    }
    expect(results.map((r) => r[2])).toEqual([7, 2, 0])
    expect(results[1][0]).toBe(results[0][0])
    expect(results[2][0]).toBe(results[0][0])
    expect(results[1][1]).toEqual(results[0][1])
    expect(results[2][1]).toEqual(results[0][1])
  })

  it('numbers archives after the highest local and remote archive', async () => {
    const { dir, git } = await fixtureRepo()
    await writeTreeCommit(git, A(3), {
      'zz/zzzzzzzzzz/0/raw_transcript': 'x',
      'generation.json': '{}\n'
    })
    const r = await runMigration(settings(dir, { batchSize: 4, knownRemoteArchives: [5, 7] }))
    expect(r.archivesCreated).toEqual([A(8)])
    expect(r.plan.nextArchive).toBe(8)
    const { dir: d2, git: g2 } = await fixtureRepo()
    await writeTreeCommit(g2, A(3), {
      'zz/zzzzzzzzzz/0/raw_transcript': 'x',
      'generation.json': '{}\n'
    })
    const rc = await runMigration(
      settings(d2, { batchSize: 4, knownRemoteArchives: [7], referenceCompatible: true })
    )
    expect(rc.archivesCreated).toEqual([A(4)])
  })

  it('a run interrupted after batch k, then rerun, gives the uninterrupted trees', async () => {
    const ref = await fixtureRepo()
    await runMigration(settings(ref.dir, { batchSize: 2 }))
    const { dir, git } = await fixtureRepo()
    await expect(
      runMigration(settings(dir, { batchSize: 2, stopAfterBatches: 2 }))
    ).rejects.toBeInstanceOf(InterruptedRunError)
    expect(Object.keys(await refsUnder(git, 'refs/entire/checkpoints/v2/')).sort()).toEqual([
      A(1),
      A(2),
      MAIN
    ])
    const rerun = await runMigration(settings(dir, { batchSize: 2 }))
    expect(rerun.counts.migrated).toBe(3)
    expect(rerun.counts.skippedByReason['already-in-v2']).toBe(4)
    for (const r of [MAIN, CURRENT, A(1), A(2), A(3)])
      expect(await treeOf(git, r)).toBe(await treeOf(ref.git, r))
  })

  it('repacks checkpoints whose /full artifacts are missing (resume), then skips them', async () => {
    const { dir, git } = await fixtureRepo()
    await runMigration(settings(dir, { batchSize: 4 }))
    const mainBefore = await treeOf(git, MAIN)
    await git.run(['update-ref', '-d', A(1)])
    const r = await runMigration(settings(dir, { batchSize: 4 }))
    expect(r.counts.repaired).toBe(4)
    expect(r.counts.migrated).toBe(0)
    expect(await treeOf(git, MAIN)).toBe(mainBefore)
    // Archive 1 is gone, so the repack becomes archive 1 again with the same content.
    expect(r.archivesCreated).toEqual([A(1)])
    const full = await fullFiles(git)
    expect(full.get('a1/a1a1a1a1a1/1/tasks/toolu_01/checkpoint.json')).toBeDefined()
    const again = await runMigration(settings(dir, { batchSize: 4 }))
    expect(again.refs).toEqual([])
  })

  it('--force re-migrates everything and leaves exactly one copy, pruning each ref once', async () => {
    const { dir, git } = await fixtureRepo()
    await runMigration(settings(dir, { batchSize: 2 }))
    const mainTree = await treeOf(git, MAIN)
    const files = await fullFiles(git)
    const mainCommits = await commitCount(git, MAIN)
    const r = await runMigration(settings(dir, { batchSize: 2, force: true }))
    expect(r.counts.migrated).toBe(7)
    expect(await treeOf(git, MAIN)).toBe(mainTree)
    expect(await fullFiles(git)).toEqual(files)
    // one prune commit on /main, then one commit per batch
    expect(await commitCount(git, MAIN)).toBe(mainCommits + 1 + 4)
    for (const id of Object.values(IDS).filter((x) => x !== IDS.nothing)) {
      const locs = await cpLocations(git, id)
      expect(locs.filter((l) => l !== MAIN)).toHaveLength(1)
      expect(locs).toContain(MAIN)
    }
  })
})

describe('engine: failures are isolated', () => {
  it('fails a checkpoint with an unreadable summary and migrates the others', async () => {
    const specs = v1Fixture()
    specs[2] = { ...specs[2], summary: '{"checkpoint_id": "not-an-id"}' }
    const { dir, git } = await buildV1Repo(tempDir(), specs)
    const r = await runMigration(settings(dir, { batchSize: 4 }))
    expect(r.counts.failed).toBe(1)
    expect(r.counts.migrated).toBe(6)
    const f = r.outcomes.find((o) => o.status === 'failed')!
    expect(f.id).toBe(IDS.codex)
    expect(f.reason).toBe('bad-summary')
    expect(f.file).toBe('c3/c3c3c3c3c3/metadata.json')
    expect(await treeOf(git, MAIN, 'c3/c3c3c3c3c3')).toBeNull()
  })

  it('fails a session with an invalid session id (not the whole run)', async () => {
    const specs = v1Fixture()
    specs[3] = {
      ...specs[3],
      sessions: [{ ...specs[3].sessions[0]!, metadata: { agent: 'Gemini CLI', session_id: 'a/b' } }]
    }
    const { dir } = await buildV1Repo(tempDir(), specs)
    const r = await runMigration(settings(dir, { batchSize: 4 }))
    expect(r.counts.failed).toBe(1)
    expect(r.counts.failedByReason).toEqual({ 'invalid-session-id': 1 })
    expect(r.counts.migrated).toBe(6)
  })
})
