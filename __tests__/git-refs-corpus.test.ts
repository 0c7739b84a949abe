// The per-checkpoint refs target on the real corpus (skips cleanly without the bundle).
import { describe, it, expect, beforeAll } from '@jest/globals'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import type { MigrateSettings } from '../src/engine/types.js'
import { runRefsMigration } from '../src/engine/targets/refs/run.js'
import { readBranch, readBranchByLevels } from '../src/engine/targets/refs/read.js'
import { refsUnder, tempDir } from './helpers/v1repo.js'

const bundle =
  process.env.ENTIRE_CORPUS ??
  resolve(process.cwd(), '..', 'shared', 'corpus', 'entireio-cli-v1.bundle')
const present = existsSync(bundle)
const V1 = 'refs/heads/entire/checkpoints/v1'

async function objectCount(g: GitRunner): Promise<number> {
  const text = await g.text(['count-objects', '-v'])
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(text)?.[1] ?? 0)
  return field('count') + field('in-pack')
}

function settings(repo: string, verify = true): MigrateSettings {
  return {
    repo,
    remote: 'origin',
    batchSize: 100,
    cliVersion: '0.6.2',
    referenceCompatible: false,
    force: false,
    dryRun: false,
    verify,
    now: new Date(),
    knownRemoteArchives: []
  }
}

;(present ? describe : describe.skip)('git-refs target on the corpus bundle', () => {
  let git: GitRunner
  let remote: GitRunner
  beforeAll(async () => {
    git = new GitRunner(tempDir('em-refs-corpus-'))
    await git.run(['init', '-q', '-b', 'main'])
    await git.run(['fetch', '-q', bundle, `${V1}:${V1}`])
    // The remote holds the v1 branch already, as on GitHub.
    // A local bare clone hardlinks the objects: cheap to make.
    const remoteDir = tempDir('em-refs-corpus-remote-')
    await git.run(['clone', '-q', '--bare', '--local', git.repoDir, remoteDir])
    remote = new GitRunner(remoteDir)
    await git.run(['remote', 'add', 'origin', remote.repoDir])
  }, 120000)

  it('lists the same 590 checkpoints with ls-tree as level by level', async () => {
    const tree = await git.text(['rev-parse', `${V1}^{tree}`])
    const a = await readBranch(git, tree)
    const b = await readBranchByLevels(git, tree)
    expect(a.checkpoints).toHaveLength(590)
    expect(a.checkpoints).toEqual(b.checkpoints)
    expect(a.metadata).toEqual(b.metadata)
  })

  it('converts all 590 checkpoints, verifies, pushes only new objects, and reruns as a no-op', async () => {
    const opts = { env: {}, authorName: 'Corpus Test', authorEmail: 'corpus@example.com' }
    const remoteObjectsBefore = await objectCount(remote)
    const r = await runRefsMigration(git, settings(git.repoDir), { ...opts, push: true })
    expect(r.write.counts).toMatchObject({ total: 590, migrated: 590, failed: 0 })
    expect(r.verify?.ok).toBe(true)
    expect(r.verify?.checked).toBe(590)
    expect(r.push).toMatchObject({ landed: 590, failed: [], bitmapProblem: null })
    const local = await refsUnder(git, 'refs/entire/checkpoints/')
    expect(Object.keys(local)).toHaveLength(590)
    expect(await refsUnder(remote, 'refs/entire/checkpoints/')).toEqual(local)
    // Only commit, root tree and metadata.json per checkpoint reached the remote.
    // (plus the delta bases index-pack --fix-thin appends to complete a thin pack; the v1 branch has 5,356 objects, re-sending its blobs would add thousands).
    expect((await objectCount(remote)) - remoteObjectsBefore).toBeLessThanOrEqual(590 * 3 + 500)

    const again = await runRefsMigration(git, settings(git.repoDir, false), { ...opts, push: true })
    expect(again.write.counts).toMatchObject({ total: 590, migrated: 0, skipped: 590 })
    expect(again.write.refs).toEqual([])
    expect(again.push).toMatchObject({ landed: 0, alreadyThere: 590, batches: 0 })
  }, 180000)
})
