import { describe, it, expect } from '@jest/globals'
import { readBranch, UnreadableTreeError } from '../src/engine/targets/refs/read.js'
import { initRepo } from './helpers/v1repo.js'

describe('git-refs: reading the v1 tip', () => {
  it('lists checkpoints and normalises their metadata.json while reading; names an unreadable tree', async () => {
    const git = await initRepo()
    const blob = async (text: string) =>
      git.text(['hash-object', '-w', '--stdin'], { input: Buffer.from(text) })
    const mktree = async (lines: string[]) =>
      git.text(['mktree', '--missing'], { input: Buffer.from(lines.join('\n') + '\n') })
    const meta = await blob('{"checkpoint_id":"a3b2c1d0e9f8","checkpoint_version":1}\n')
    const bad = await blob('{"checkpoint_id":')
    const cp = await mktree([`100644 blob ${meta}\tmetadata.json`])
    const cpBad = await mktree([`100644 blob ${bad}\tmetadata.json`])
    const bucket = await mktree([`040000 tree ${cp}\tb2c1d0e9f8`])
    const bucket2 = await mktree([`040000 tree ${cpBad}\t23456789ab`])
    const root = await mktree([`040000 tree ${bucket}\ta3`, `040000 tree ${bucket2}\t01`])
    const r = await readBranch(git, root)
    expect(r.checkpoints.map((c) => c.id)).toEqual(['0123456789ab', 'a3b2c1d0e9f8'])
    const n = r.normalised.get('a3b2c1d0e9f8')
    expect(n && !(n instanceof Error) && n.changed && n.bytes.toString()).toBe(
      '{\n  "checkpoint_id": "a3b2c1d0e9f8"\n}\n'
    )
    // A blob that cannot be decoded is a per-checkpoint failure, not a failed read.
    expect(r.normalised.get('0123456789ab')).toBeInstanceOf(Error)
    expect((await readBranch(git, root, { normalise: false })).normalised.size).toBe(0)
    // A checkpoint tree that is not in the repository: ls-tree fails, the level walk names it.
    const gone = '1111111111111111111111111111111111111111'
    const bucket3 = await mktree([`040000 tree ${gone}\tb2c1d0e9f8`])
    const root2 = await mktree([`040000 tree ${bucket3}\ta3`])
    const err = await readBranch(git, root2).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnreadableTreeError)
    expect((err as Error).message).toContain('a3/b2c1d0e9f8')
  })
})
