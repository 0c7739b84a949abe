import { describe, it, expect, beforeAll } from '@jest/globals'
import { GitRunner } from '../src/git/runner.js'
import {
  deleteRef,
  forEachRef,
  refMap,
  RefConflictError,
  resolveRef,
  updateRef,
  updateRefs
} from '../src/git/refs.js'
import { commitTree, mktree, hashObject, newRepo, tempDir } from './git-helpers.js'

describe('refs', () => {
  let git: GitRunner
  let c1: string
  let c2: string
  let c3: string
  beforeAll(async () => {
    git = await newRepo('refs')
    const tree = await mktree(git, [`100644 blob ${await hashObject(git, 'x')}\tx`])
    c1 = await commitTree(git, tree, [], 'one')
    c2 = await commitTree(git, tree, [c1], 'two')
    c3 = await commitTree(git, tree, [c2], 'three')
  })

  it('creates only when absent, then compare-and-swaps', async () => {
    await updateRef(git, 'refs/t/cas', c1, null)
    expect(await resolveRef(git, 'refs/t/cas')).toBe(c1)
    const exists = await updateRef(git, 'refs/t/cas', c2, null).catch((e: unknown) => e)
    expect(exists).toBeInstanceOf(RefConflictError)
    expect((exists as RefConflictError).conflicts).toEqual([
      { ref: 'refs/t/cas', expected: null, actual: c1 }
    ])
    await updateRef(git, 'refs/t/cas', c2, c1)
    expect(await resolveRef(git, 'refs/t/cas')).toBe(c2)
    const stale = await updateRef(git, 'refs/t/cas', c3, c1).catch((e: unknown) => e)
    expect(stale).toBeInstanceOf(RefConflictError)
    expect((stale as RefConflictError).message).toContain('refs/t/cas')
    expect(await resolveRef(git, 'refs/t/cas')).toBe(c2)
  })

  it('updates two refs atomically, and a failing transaction leaves both untouched', async () => {
    await updateRefs(git, [
      { op: 'create', ref: 'refs/t/a', newOid: c1 },
      { op: 'update', ref: 'refs/t/b', newOid: c1, expectedOld: null }
    ])
    await updateRefs(git, [
      { op: 'update', ref: 'refs/t/a', newOid: c2, expectedOld: c1 },
      { op: 'update', ref: 'refs/t/b', newOid: c2, expectedOld: c1 }
    ])
    expect(await refMap(git, ['refs/t/a', 'refs/t/b'])).toEqual(
      new Map([
        ['refs/t/a', c2],
        ['refs/t/b', c2]
      ])
    )
    const err = await updateRefs(git, [
      { op: 'update', ref: 'refs/t/a', newOid: c3, expectedOld: c2 },
      { op: 'update', ref: 'refs/t/b', newOid: c3, expectedOld: c1 },
      { op: 'create', ref: 'refs/t/new', newOid: c3 }
    ]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RefConflictError)
    expect((err as RefConflictError).conflicts).toEqual([
      { ref: 'refs/t/b', expected: c1, actual: c2 }
    ])
    expect(await resolveRef(git, 'refs/t/a')).toBe(c2)
    expect(await resolveRef(git, 'refs/t/b')).toBe(c2)
    expect(await resolveRef(git, 'refs/t/new')).toBeNull()
  })

  it('deletes with an expected old value, and verifies', async () => {
    await updateRef(git, 'refs/t/del', c1)
    await expect(deleteRef(git, 'refs/t/del', c2)).rejects.toBeInstanceOf(RefConflictError)
    expect(await resolveRef(git, 'refs/t/del')).toBe(c1)
    await expect(
      updateRefs(git, [
        { op: 'verify', ref: 'refs/t/del', expectedOld: null },
        { op: 'update', ref: 'refs/t/other', newOid: c1 }
      ])
    ).rejects.toBeInstanceOf(RefConflictError)
    expect(await resolveRef(git, 'refs/t/other')).toBeNull()
    await deleteRef(git, 'refs/t/del', c1)
    expect(await resolveRef(git, 'refs/t/del')).toBeNull()
  })

  it('reports non-conflict failures as GitError and rejects bad ref names', async () => {
    await expect(updateRef(git, 'refs/t/bad..name', c1)).rejects.toThrow(/update-ref/)
    await expect(updateRef(git, 'HEAD x', c1)).rejects.toThrow(/invalid ref name/)
  })

  it('lists refs by pattern with types, and by containment', async () => {
    await updateRefs(git, [
      { op: 'update', ref: 'refs/l/x/one', newOid: c1 },
      { op: 'update', ref: 'refs/l/x/two', newOid: c3 },
      { op: 'update', ref: 'refs/l/y', newOid: c2 }
    ])
    expect(await forEachRef(git, ['refs/l/x/'])).toEqual([
      { ref: 'refs/l/x/one', oid: c1 },
      { ref: 'refs/l/x/two', oid: c3 }
    ])
    expect(await forEachRef(git, ['refs/l/*'], { withType: true })).toEqual([
      { ref: 'refs/l/y', oid: c2, type: 'commit' }
    ])
    expect((await forEachRef(git, ['refs/l/'], { contains: c2 })).map((r) => r.ref)).toEqual([
      'refs/l/x/two',
      'refs/l/y'
    ])
    expect(await forEachRef(git, ['refs/none/'])).toEqual([])
  })

  it('resolves revisions or returns null', async () => {
    expect(await resolveRef(git, `${c2}^`)).toBe(c1)
    expect(await resolveRef(git, 'refs/heads/absent')).toBeNull()
    expect(await resolveRef(git, `${c1}^`)).toBeNull()
  })
})

describe('resolveRef outside a repository', () => {
  it('throws instead of reporting an absent ref', async () => {
    const git = new GitRunner(tempDir('norepo'))
    await expect(resolveRef(git, 'HEAD')).rejects.toThrow(/rev-parse/)
  })
})
