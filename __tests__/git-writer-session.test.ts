// One fast-import process for many batches: ids as a batch of its own gives them, objects
// readable by other git processes once a batch has run, no scratch ref left, one process.
import { describe, it, expect } from '@jest/globals'
import { readObjectsAll, type FoundObject } from '../src/git/objects.js'
import { forEachRef } from '../src/git/refs.js'
import { MODE_FILE } from '../src/git/tree.js'
import { FastImportBatch, FastImportSession, type Signature } from '../src/git/writer.js'
import { newRepo } from './git-helpers.js'

const who: Signature = {
  name: 'Entire Migration',
  email: 'm@entire.dev',
  time: 1750000000,
  tz: '+0000'
}

function fill(b: FastImportBatch, n: number, parent?: string): string {
  const blob = b.blob(Buffer.from(`content ${n}\n`))
  return b.commit({
    parents: parent ? [parent] : [],
    author: who,
    committer: who,
    message: `batch ${n}\n`,
    changes: [
      { op: 'M', mode: MODE_FILE, ref: blob, path: `dir/${n}.txt` },
      { op: 'M', mode: MODE_FILE, content: `inline ${n}\n`, path: 'inline.txt' }
    ]
  })
}

describe('FastImportSession', () => {
  it('runs many batches through one process with the ids separate batches give', async () => {
    const git = await newRepo('session')
    const session = new FastImportSession(git, 'sha1', { compression: 1 })
    const procs = git.processCount
    const ids: string[] = []
    let parent: string | undefined
    for (let n = 1; n <= 3; n++) {
      const b = session.batch()
      fill(b, n, parent)
      const r = await b.run()
      parent = r.commits[0].oid
      ids.push(parent)
      // Readable by another git process before the session ends (the pack was checkpointed).
      const [o] = (await readObjectsAll(git, [parent])) as FoundObject[]
      expect(o.missing).toBe(false)
      expect(o.content.toString()).toContain(`batch ${n}\n`)
    }
    await session.close()
    // one fast-import, one cat-file per check above
    expect(git.processCount - procs).toBe(1 + 3)
    expect(await forEachRef(git, ['refs/entire-migrate/'])).toEqual([])

    const other = await newRepo('session-other')
    let p: string | undefined
    for (let n = 1; n <= 3; n++) {
      const b = new FastImportBatch('sha1')
      fill(b, n, p)
      p = (await b.run(other)).commits[0].oid
      expect(p).toBe(ids[n - 1])
    }
  })

  it('streams blobs of the next batch while one runs, and keeps marks apart', async () => {
    const git = await newRepo('session-stream')
    const session = new FastImportSession(git, 'sha1')
    const a = session.batch()
    const blobA = a.blob(Buffer.from('a\n'))
    await a.flush()
    const b = session.batch()
    const blobB = b.blob(Buffer.from('b\n'))
    await b.flush()
    expect(blobA).not.toBe(blobB)
    a.commit({
      parents: [],
      author: who,
      committer: who,
      message: 'a\n',
      changes: [{ op: 'M', mode: MODE_FILE, ref: blobA, path: 'a' }]
    })
    const ra = await a.run()
    b.commit({
      parents: [ra.commits[0].oid],
      author: who,
      committer: who,
      message: 'b\n',
      changes: [{ op: 'M', mode: MODE_FILE, ref: blobB, path: 'b' }]
    })
    const rb = await b.run()
    await session.close()
    const tree = await git.text(['ls-tree', '-r', '--name-only', rb.commits[0].oid])
    expect(tree.split('\n')).toEqual(['a', 'b'])
    expect(rb.oidOf(blobB)).toBe(await git.text(['rev-parse', `${rb.commits[0].oid}:b`]))
  })

  it('takes commits from one batch at a time; an aborted batch leaves the process usable', async () => {
    const git = await newRepo('session-abort')
    const session = new FastImportSession(git, 'sha1')
    const a = session.batch()
    fill(a, 1)
    const b = session.batch()
    expect(() => fill(b, 2)).toThrow(/one batch at a time/)
    await a.flush()
    await a.abort()
    const c = session.batch()
    fill(c, 3)
    const r = await c.run()
    await session.close()
    expect(await git.text(['cat-file', '-p', `${r.commits[0].oid}:dir/3.txt`])).toBe('content 3')
    expect(await forEachRef(git, ['refs/entire-migrate/'])).toEqual([])
  })

  it('fails a run whose git has failed, with git’s message', async () => {
    const git = await newRepo('session-fail')
    const session = new FastImportSession(git, 'sha1')
    const b = session.batch()
    b.commit({
      parents: ['0123456789012345678901234567890123456789'],
      author: who,
      committer: who,
      message: 'x\n',
      changes: []
    })
    await expect(b.run()).rejects.toThrow(/fast-import/)
    await session.close()
  })
})
