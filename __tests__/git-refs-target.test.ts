import { describe, it, expect } from '@jest/globals'
import { readFileSync, writeFileSync, mkdirSync, chmodSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GitRunner } from '../src/git/runner.js'
import { PhaseTimer } from '../src/engine/timer.js'
import { silentLogger, type MigrateSettings } from '../src/engine/types.js'
import { RefsTarget, pushCheckpointRefs } from '../src/engine/targets/refs/index.js'
import { pinV1, runRefsMigration, type RefsRunOptions } from '../src/engine/targets/refs/run.js'
import { parseDateInput, refNameFor } from '../src/formats/git-refs/index.js'
import {
  buildV1Repo,
  claudeTranscript,
  initRepo,
  refsUnder,
  tempDir,
  v1Files,
  writeTreeCommit,
  V1_REF,
  type V1CheckpointSpec
} from './helpers/v1repo.js'

const here = dirname(fileURLToPath(import.meta.url))
const ADA = { authorName: 'Ada Lovelace', authorEmail: 'ada@example.com' }
const PINNED: RefsRunOptions = { ...ADA, date: parseDateInput('1783000000 +0200'), env: {} }

function settings(repo: string, over: Partial<MigrateSettings> = {}): MigrateSettings {
  return {
    repo,
    batchSize: 100,
    cliVersion: '0.6.2',
    referenceCompatible: false,
    force: false,
    dryRun: false,
    verify: true,
    now: new Date('2026-07-01T00:00:00Z'),
    knownRemoteArchives: [],
    remote: 'origin',
    ...over
  }
}

const ids = ['a3b2c1d0e9f8', '1dd678f9643b', '0123456789ab']

function checkpoints(transcriptTag = 't'): V1CheckpointSpec[] {
  return ids.map((id) => ({
    id,
    sessions: [
      {
        transcript: claudeTranscript(2, transcriptTag + id),
        prompt: 'hello',
        contentHash: 'sha256:x'
      }
    ],
    summaryExtra: {
      checkpoint_version: 'branch-v1',
      token_usage: { input_tokens: 10, output_tokens: 2 }
    }
  }))
}

async function looseObjects(git: GitRunner): Promise<string> {
  return (await git.text(['count-objects', '-v']))
    .split('\n')
    .filter((l) => /^(count|in-pack):/.test(l))
    .join(' ')
}

describe('git-refs target with real git', () => {
  it('converts the worked example (§8) byte for byte with pinned identity and date; a rerun is a no-op', async () => {
    const git = await initRepo()
    const branchBlob = readFileSync(
      join(here, 'fixtures/git-refs/worked-example/branch-metadata.json')
    )
    const blob = await git.text(['hash-object', '-w', '--stdin'], { input: branchBlob })
    expect(blob).toBe('c97fe640230ff33e05e07b5cfda1cfe0538e0328')
    // The slot tree ccb0ec54… is only referenced (its content is not in the spec): the conversion
    // never opens session trees, so a tree that names it is enough.
    const mktree = (text: string) => git.text(['mktree', '--missing'], { input: Buffer.from(text) })
    const cpTree = await mktree(
      `040000 tree ccb0ec5469f04b082e2e5b66df6704571af492a9\t0\n100644 blob ${blob}\tmetadata.json\n`
    )
    expect(cpTree).toBe('e576c0296cb046af5f1bf5214e2d5aa79010e8f1')
    const bucket = await mktree(`040000 tree ${cpTree}\tb2c1d0e9f8\n`)
    const root = await mktree(`040000 tree ${bucket}\ta3\n100644 blob ${blob}\tvercel.json\n`)
    const commit = await git.text(['commit-tree', root, '-m', 'Checkpoint: fixture'])
    await git.run(['update-ref', V1_REF, commit])

    const r = await runRefsMigration(git, settings(git.repoDir), PINNED)
    expect(r.ok).toBe(true)
    expect(r.write.counts).toMatchObject({ total: 1, migrated: 1, skipped: 0, failed: 0 })
    const ref = 'refs/entire/checkpoints/f8/a3b2c1d0e9f8'
    const tip = await git.text(['rev-parse', ref])
    expect(tip).toBe('78135109d5ba651149a665138a00abe7289ac44d')
    const raw = (await git.run(['cat-file', 'commit', tip])).stdout.toString('utf8')
    expect(raw).toBe(
      'tree 3ac1f9abb71b37428b61be7a12f19c5ec5891c0d\n' +
        'author Ada Lovelace <ada@example.com> 1783000000 +0200\n' +
        'committer Ada Lovelace <ada@example.com> 1783000000 +0200\n\n' +
        'Import checkpoint a3b2c1d0e9f8 (migrated from git-branch)'
    )
    const meta = (await git.run(['cat-file', 'blob', `${tip}:metadata.json`])).stdout
    expect(
      meta.equals(
        readFileSync(join(here, 'fixtures/git-refs/worked-example/normalised-metadata.json'))
      )
    ).toBe(true)
    expect(await git.text(['rev-parse', `${tip}:metadata.json`])).toBe(
      '7f26b227c5cbca8bbba8c00936fd75fba9bee225'
    )
    expect(await git.text(['rev-parse', `${tip}:0`])).toBe(
      'ccb0ec5469f04b082e2e5b66df6704571af492a9'
    )
    expect(r.verify?.ok).toBe(true)
    // Only the checkpoint ref was added: no scratch ref of fast-import, branch untouched.
    expect(Object.keys(await refsUnder(git, 'refs/'))).toEqual([ref, V1_REF])
    expect(r.summary.join('\n')).toContain(
      'Migrated 1 checkpoint(s) to refs (0 already up to date, 1 total)'
    )
    expect(r.summary.join('\n')).toContain('Not visible to Entire yet')

    const objectsBefore = await looseObjects(git)
    const again = await runRefsMigration(git, settings(git.repoDir), { ...ADA, env: {} })
    expect(again.write.counts).toMatchObject({ total: 1, migrated: 0, skipped: 1 })
    expect(again.write.refs).toEqual([])
    expect(await git.text(['rev-parse', ref])).toBe(tip)
    expect(await looseObjects(git)).toBe(objectsBefore)
    expect(again.verify?.ok).toBe(true)
  })

  it('stacks exactly one commit on top when a checkpoint changes on the branch after conversion', async () => {
    const repo = await buildV1Repo(undefined, checkpoints())
    const { git } = repo
    const first = await runRefsMigration(git, settings(repo.dir), PINNED)
    expect(first.write.counts).toMatchObject({ total: 3, migrated: 3 })
    expect(first.verify?.ok).toBe(true)
    const before = await refsUnder(git, 'refs/entire/checkpoints/')
    // Pinned identity and date: a second conversion into an empty namespace gives the same ids (§9 item 7).
    const clone = await buildV1Repo(undefined, checkpoints())
    await runRefsMigration(clone.git, settings(clone.dir), PINNED)
    expect(await refsUnder(clone.git, 'refs/entire/checkpoints/')).toEqual(before)

    // A later v1 write changes one transcript.
    const changed = checkpoints()
    changed[1].sessions[0] = { ...changed[1].sessions[0], transcript: claudeTranscript(3, 'later') }
    await writeTreeCommit(git, V1_REF, v1Files(changed), {
      parent: repo.commit,
      message: 'Finalize\n'
    })
    const second = await runRefsMigration(git, settings(repo.dir), {
      ...PINNED,
      date: parseDateInput('1783000100 +0200')
    })
    expect(second.write.counts).toMatchObject({ total: 3, migrated: 1, skipped: 2 })
    const ref = 'refs/entire/checkpoints/3b/1dd678f9643b'
    const tip = await git.text(['rev-parse', ref])
    expect(await git.text(['rev-parse', `${tip}^`])).toBe(before[ref])
    expect(await git.text(['rev-list', '--count', ref])).toBe('2')
    expect(second.write.refs).toEqual([{ ref, old: before[ref], new: tip }])
    expect(second.verify?.ok).toBe(true)
    const after = await refsUnder(git, 'refs/entire/checkpoints/')
    for (const [r, oid] of Object.entries(before)) if (r !== ref) expect(after[r]).toBe(oid)
  })

  it('reports a ref moved by someone else between plan and write as a conflict and does not overwrite it', async () => {
    const repo = await buildV1Repo(undefined, checkpoints())
    const { git } = repo
    const ctx = { git, settings: settings(repo.dir), logger: silentLogger, timer: new PhaseTimer() }
    const target = new RefsTarget({ ...PINNED })
    const plan = await target.plan(ctx, await pinV1(git, ctx.settings))
    // Someone else creates one of the refs after our plan read it as absent.
    const other = await writeTreeCommit(git, 'refs/entire/checkpoints/ab/0123456789ab', {
      'x.txt': 'native'
    })
    const result = await target.write(ctx, plan)
    expect(result.conflicts).toEqual([
      {
        ref: 'refs/entire/checkpoints/ab/0123456789ab',
        id: '0123456789ab',
        expected: null,
        actual: other
      }
    ])
    expect(await git.text(['rev-parse', 'refs/entire/checkpoints/ab/0123456789ab'])).toBe(other)
    expect(result.counts).toMatchObject({ migrated: 2, failed: 1 })
    expect(result.outcomes.toArray().find((o) => o.id === '0123456789ab')?.message).toMatch(
      /moved while converting.*not overwritten/
    )
    const v = await target.verifyDetailed(ctx, plan, result)
    expect(v.ok).toBe(true)
    // A rerun stacks the branch copy on top of the other writer's commit (fast-forward).
    const rerun = await runRefsMigration(git, settings(repo.dir), PINNED)
    expect(rerun.write.counts).toMatchObject({ migrated: 1, skipped: 2 })
    expect(await git.text(['rev-parse', 'refs/entire/checkpoints/ab/0123456789ab^'])).toBe(other)
  })

  it('fails a checkpoint whose metadata.json is not JSON, naming it, and converts the others', async () => {
    const cps = checkpoints()
    cps[0] = { ...cps[0], summary: '{"checkpoint_id": "a3b2c1d0e9f8",' }
    const repo = await buildV1Repo(undefined, cps)
    const r = await runRefsMigration(repo.git, settings(repo.dir), PINNED)
    expect(r.ok).toBe(false)
    expect(r.write.counts).toMatchObject({ total: 3, migrated: 2, failed: 1 })
    const failed = r.write.outcomes.toArray().find((o) => o.status === 'failed')
    expect(failed?.message).toMatch(
      /checkpoint a3b2c1d0e9f8: a3\/b2c1d0e9f8\/metadata.json cannot be decoded/
    )
    expect(Object.keys(await refsUnder(repo.git, 'refs/entire/checkpoints/'))).toHaveLength(2)
    expect(r.verify?.ok).toBe(true)
  })

  it('repairs a ref that points at a missing commit with an orphan, compare-and-swapped against it', async () => {
    const repo = await buildV1Repo(undefined, checkpoints())
    const broken = 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef'
    const refFile = join(repo.dir, '.git/refs/entire/checkpoints/3b/1dd678f9643b')
    mkdirSync(dirname(refFile), { recursive: true })
    writeFileSync(refFile, broken + '\n')
    const r = await runRefsMigration(repo.git, settings(repo.dir), PINNED)
    expect(r.write.counts).toMatchObject({ migrated: 2, repaired: 1 })
    const tip = await repo.git.text(['rev-parse', 'refs/entire/checkpoints/3b/1dd678f9643b'])
    expect(r.write.refs.find((c) => c.ref.endsWith('1dd678f9643b'))).toEqual({
      ref: 'refs/entire/checkpoints/3b/1dd678f9643b',
      old: broken,
      new: tip
    })
    expect(await repo.git.text(['rev-list', '--count', tip])).toBe('1')
  })

  it('pushes to a local bare remote, confirms with ls-remote, and a rerun pushes nothing', async () => {
    const repo = await buildV1Repo(undefined, checkpoints())
    const remoteDir = tempDir('em-remote-')
    await new GitRunner(remoteDir).run(['init', '-q', '--bare'])
    await repo.git.run(['remote', 'add', 'origin', remoteDir])
    // A local ref in a converted ref's shard that is not a branch checkpoint must not be pushed.
    await writeTreeCommit(repo.git, 'refs/entire/checkpoints/3b/ffffffff643b', {
      'x.txt': 'native'
    })
    const r = await runRefsMigration(repo.git, settings(repo.dir), {
      ...PINNED,
      push: true,
      pushBatchSize: 2
    })
    expect(r.ok).toBe(true)
    expect(r.push).toMatchObject({
      considered: 3,
      landed: 3,
      alreadyThere: 0,
      batches: 2,
      failed: []
    })
    const remoteRefs = await refsUnder(new GitRunner(remoteDir), 'refs/entire/checkpoints/')
    const localRefs = await refsUnder(repo.git, 'refs/entire/checkpoints/')
    delete localRefs['refs/entire/checkpoints/3b/ffffffff643b']
    expect(remoteRefs).toEqual(localRefs)
    expect(remoteRefs[V1_REF]).toBeUndefined()
    const again = await runRefsMigration(repo.git, settings(repo.dir), { ...PINNED, push: true })
    expect(again.push).toMatchObject({ considered: 3, landed: 0, alreadyThere: 3, batches: 0 })
    expect(again.summary.join('\n')).toContain(
      '0 pushed and confirmed by ls-remote, 3 already on origin'
    )
  })

  it('grows pushes while the remote answers, and retries a push that failed as a whole smaller', async () => {
    const dir = tempDir('em-adaptive-')
    const git = new GitRunner(dir)
    await git.run(['init', '-q', '-b', 'main'])
    const refs = Array.from({ length: 12 }, (_, i) => refNameFor(`a0000000${i + 10}${i + 10}`))
    const stream = refs
      .map(
        (ref) =>
          `commit ${ref}\ncommitter T <t@x> 1783000000 +0000\ndata 1\nx\n` +
          `M 100644 inline f\ndata ${ref.length}\n${ref}\n`
      )
      .join('')
    await git.run(['fast-import', '--quiet'], { input: Buffer.from(stream) })
    const local = new Map<string, string>()
    for (const ref of refs) local.set(ref, await git.text(['rev-parse', ref]))
    const remoteDir = tempDir('em-remote-')
    await new GitRunner(remoteDir).run(['init', '-q', '--bare'])
    // A remote that hangs up (no per-ref answer at all) on a push of more than 4 refs.
    const hook = join(remoteDir, 'hooks', 'pre-receive')
    writeFileSync(hook, '#!/bin/sh\n[ "$(wc -l)" -gt 4 ] && kill -9 $PPID\nexit 0\n')
    chmodSync(hook, 0o755)
    const r = await pushCheckpointRefs(git, remoteDir, local, {
      firstBatchSize: 2,
      maxBatchSize: 8
    })
    // 2 and 4 land, 6 fails as a whole and comes back: 2 then 4 land.
    expect(r.batchSizes).toEqual([2, 4, 6, 2, 4])
    expect(r.failed).toEqual([])
    expect(r.landed).toBe(12)
    const fixed = await pushCheckpointRefs(git, remoteDir, local, { batchSize: 3 })
    expect(fixed).toMatchObject({ alreadyThere: 12, batches: 0 })
  })

  it('reports per ref what a remote hook rejected and what someone else moved; the others land, nothing is forced', async () => {
    const repo = await buildV1Repo(undefined, checkpoints())
    const remoteDir = tempDir('em-remote-')
    const remote = new GitRunner(remoteDir)
    await remote.run(['init', '-q', '--bare'])
    // The remote already has 0123456789ab at a commit of someone else's.
    const theirs = await writeTreeCommit(remote, 'refs/entire/checkpoints/ab/0123456789ab', {
      'x.txt': 'theirs'
    })
    const hook = join(remoteDir, 'hooks', 'update')
    writeFileSync(
      hook,
      '#!/bin/sh\ncase "$1" in *1dd678f9643b) echo "policy: no" >&2; exit 1;; esac\nexit 0\n'
    )
    chmodSync(hook, 0o755)
    await repo.git.run(['remote', 'add', 'origin', remoteDir])
    const r = await runRefsMigration(repo.git, settings(repo.dir), { ...PINNED, push: true })
    expect(r.ok).toBe(false)
    expect(r.push?.landed).toBe(1)
    const failed = Object.fromEntries(
      (r.push?.failed ?? []).map((f) => [f.ref, [f.status, f.detail]])
    )
    expect(failed['refs/entire/checkpoints/3b/1dd678f9643b']).toEqual([
      'remote-rejected',
      '[remote rejected] (hook declined)'
    ])
    expect(failed['refs/entire/checkpoints/ab/0123456789ab'][0]).toBe('rejected')
    expect(await remote.text(['rev-parse', 'refs/entire/checkpoints/ab/0123456789ab'])).toBe(theirs)
    expect(await remote.text(['rev-parse', 'refs/entire/checkpoints/f8/a3b2c1d0e9f8'])).toBe(
      await repo.git.text(['rev-parse', 'refs/entire/checkpoints/f8/a3b2c1d0e9f8'])
    )
    const text = r.summary.join('\n')
    expect(text).toContain('not landed refs/entire/checkpoints/3b/1dd678f9643b: remote-rejected')
    expect(text).toContain('not landed refs/entire/checkpoints/ab/0123456789ab: rejected')
    // make-primary is refused while refs did not land.
    expect(r.flip).toBeNull()
  })

  it('changes checkpoints.primary only when asked, and refuses to convert once git-refs is primary', async () => {
    const repo = await buildV1Repo(undefined, checkpoints())
    mkdirSync(join(repo.dir, '.entire'), { recursive: true })
    const settingsPath = join(repo.dir, '.entire/settings.json')
    writeFileSync(settingsPath, '{\n  "enabled": true\n}\n')
    await runRefsMigration(repo.git, settings(repo.dir), PINNED)
    expect(readFileSync(settingsPath, 'utf8')).toBe('{\n  "enabled": true\n}\n')
    const r = await runRefsMigration(repo.git, settings(repo.dir), { ...PINNED, makePrimary: true })
    expect(r.flip?.changed).toBe(true)
    expect(JSON.parse(readFileSync(settingsPath, 'utf8'))).toEqual({
      enabled: true,
      checkpoints: { primary: { type: 'git-refs' } }
    })
    expect(r.summary.join('\n')).toContain('checkpoints.primary is now git-refs')
    // Now primary: upstream refuses to convert; so do we unless forced.
    const refused = await runRefsMigration(repo.git, settings(repo.dir), PINNED)
    expect(refused.plan.refusal).toMatch(/already the primary/)
    expect(refused.write.refs).toEqual([])
    expect(existsSync(settingsPath)).toBe(true)
  })
  it('converts a ULID checkpoint (branch dir 01/…, ref shard = last two), skips deleted ids, dry run writes nothing', async () => {
    const ulid = '01KX3C7BMTWA91N5D9E0V15CXG'
    const repo = await buildV1Repo(undefined, [
      ...checkpoints(),
      { id: ulid, sessions: [{ transcript: claudeTranscript(1, 'u'), prompt: 'u' }] }
    ])
    const common = await repo.git.text(['rev-parse', '--git-common-dir'])
    writeFileSync(
      join(repo.dir, common, 'entire-deleted-checkpoints.json'),
      JSON.stringify(['0123456789ab'])
    )
    const dry = await runRefsMigration(repo.git, settings(repo.dir, { dryRun: true }), PINNED)
    expect(dry.write.counts).toMatchObject({ total: 3, migrated: 3 })
    expect(dry.summary.join('\n')).toContain('Would migrate 3 checkpoint(s) to refs')
    expect(dry.write.warnings).toContain(
      'checkpoint 0123456789ab is on the deleted list: not converted'
    )
    expect(await refsUnder(repo.git, 'refs/entire/')).toEqual({})
    const r = await runRefsMigration(repo.git, settings(repo.dir), PINNED)
    expect(r.ok).toBe(true)
    const refs = Object.keys(await refsUnder(repo.git, 'refs/entire/'))
    expect(refs).toContain(`refs/entire/checkpoints/XG/${ulid}`)
    expect(refs).not.toContain('refs/entire/checkpoints/ab/0123456789ab')
    expect(refs).toHaveLength(3)
    const meta = JSON.parse(
      (
        await repo.git.run(['cat-file', 'blob', `refs/entire/checkpoints/XG/${ulid}:metadata.json`])
      ).stdout.toString()
    )
    expect(meta.sessions[0].metadata).toBe('/0/metadata.json')
    writeFileSync(join(repo.dir, common, 'entire-deleted-checkpoints.json'), '{not json')
    await expect(runRefsMigration(repo.git, settings(repo.dir), PINNED)).rejects.toThrow(
      /entire-deleted-checkpoints.json: not valid JSON/
    )
  })
})
