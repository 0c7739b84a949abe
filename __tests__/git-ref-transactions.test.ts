// Many ref transactions through one `update-ref --stdin`: each applies atomically, a refused one
// throws what updateRefs throws (and leaves everything as it was), and the next one still works.
import { describe, it, expect, beforeAll } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { GitRunner } from '../src/git/runner.js'
import { GitError } from '../src/git/runner.js'
import { refMap, RefConflictError, RefTransactions, resolveRef } from '../src/git/refs.js'
import { commitTree, mktree, hashObject, newRepo } from './git-helpers.js'

describe('RefTransactions', () => {
  let git: GitRunner
  let c1: string
  let c2: string
  let c3: string
  beforeAll(async () => {
    git = await newRepo('ref-tx')
    const tree = await mktree(git, [`100644 blob ${await hashObject(git, 'x')}\tx`])
    c1 = await commitTree(git, tree, [], 'one')
    c2 = await commitTree(git, tree, [c1], 'two')
    c3 = await commitTree(git, tree, [c2], 'three')
  })

  it('applies transaction after transaction with one process', async () => {
    const tx = new RefTransactions(git)
    const before = git.processCount
    await tx.apply([
      { op: 'create', ref: 'refs/tx/a', newOid: c1 },
      { op: 'update', ref: 'refs/tx/b', newOid: c1, expectedOld: null }
    ])
    await tx.apply([
      { op: 'update', ref: 'refs/tx/a', newOid: c2, expectedOld: c1 },
      { op: 'update', ref: 'refs/tx/b', newOid: c2, expectedOld: c1 }
    ])
    await tx.apply([{ op: 'delete', ref: 'refs/tx/b', expectedOld: c2 }])
    await tx.apply([])
    expect(git.processCount - before).toBe(1)
    await tx.close()
    expect(await refMap(git, ['refs/tx/a', 'refs/tx/b'])).toEqual(new Map([['refs/tx/a', c2]]))
  })

  it('refuses a stale expectation as updateRefs does, then goes on', async () => {
    const tx = new RefTransactions(git)
    await tx.apply([{ op: 'create', ref: 'refs/tx/c', newOid: c1 }])
    // moved by someone else between two transactions of the run
    await git.run(['update-ref', 'refs/tx/c', c3, c1])
    const err = await tx
      .apply([
        { op: 'create', ref: 'refs/tx/d', newOid: c1 },
        { op: 'update', ref: 'refs/tx/c', newOid: c2, expectedOld: c1 }
      ])
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RefConflictError)
    expect((err as RefConflictError).conflicts).toEqual([
      { ref: 'refs/tx/c', expected: c1, actual: c3 }
    ])
    expect((err as RefConflictError).stderr).toContain('refs/tx/c')
    // all or nothing
    expect(await resolveRef(git, 'refs/tx/d')).toBeNull()
    await tx.apply([{ op: 'update', ref: 'refs/tx/c', newOid: c2, expectedOld: c3 }])
    expect(await resolveRef(git, 'refs/tx/c')).toBe(c2)
    await tx.close()
  })

  it('a held lock is a git error, not a conflict', async () => {
    const tx = new RefTransactions(git)
    await tx.apply([{ op: 'create', ref: 'refs/tx/e', newOid: c1 }])
    const lock = join(git.repoDir, '.git', 'refs/tx/e.lock')
    writeFileSync(lock, '')
    const err = await tx
      .apply([{ op: 'update', ref: 'refs/tx/e', newOid: c2, expectedOld: c1 }])
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GitError)
    expect(err).not.toBeInstanceOf(RefConflictError)
    await tx.close()
  })
})
