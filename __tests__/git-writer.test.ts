import { describe, it, expect } from '@jest/globals'
import { GitRunner } from '../src/git/runner.js'
import { readObjectsAll, type FoundObject } from '../src/git/objects.js'
import { forEachRef } from '../src/git/refs.js'
import { lsTree, MODE_EXECUTABLE, MODE_FILE, MODE_TREE } from '../src/git/tree.js'
import { FastImportBatch, fastImportPath, writeTrees, type Signature } from '../src/git/writer.js'
import { initRepo } from '../src/git/repo.js'
import { commitTree, hashObject, mktree, newRepo, tempDir } from './git-helpers.js'

const who: Signature = {
  name: 'Entire Migration',
  email: 'migration@entire.dev',
  time: 1750000000,
  tz: '+0200'
}
const other: Signature = { name: 'Ünïcode Person', email: 'u@x', time: 1700000001, tz: '-0730' }

/** Loose plus packed objects (a small fast-import batch is unpacked to loose objects). */
async function objectCount(git: GitRunner): Promise<number> {
  const text = await git.text(['count-objects', '-v'])
  return Number(/^count: (\d+)/m.exec(text)?.[1]) + Number(/^in-pack: (\d+)/m.exec(text)?.[1])
}

async function rawCommit(git: GitRunner, oid: string): Promise<string> {
  const [o] = (await readObjectsAll(git, [oid])) as FoundObject[]
  return o.content.toString('utf8')
}

describe('fast-import writer', () => {
  it('writes a nested tree in one process, reusing an existing blob without rewriting it', async () => {
    const git = await newRepo('writer')
    const existing = await hashObject(git, 'existing content\n')
    // Reachable and packed, so a rewrite of its content would show as a new loose object.
    const holder = await commitTree(git, await mktree(git, [`100644 blob ${existing}\tf`]))
    await git.run(['update-ref', 'refs/keep/existing', holder])
    await git.run(['repack', '-a', '-d', '-q'])
    expect(await git.text(['count-objects'])).toMatch(/^0 objects/)
    const before = await objectCount(git)
    const b = new FastImportBatch('sha1')
    const fresh = b.blob(Buffer.from([0, 1, 2, 3]))
    const c = b.commit({
      parents: [],
      author: who,
      committer: who,
      message: 'Migrate checkpoints', // no trailing newline: kept verbatim
      changes: [
        { op: 'M', mode: MODE_FILE, ref: existing, path: 'ab/cdef0123/0/full.jsonl' },
        { op: 'M', mode: MODE_FILE, ref: fresh, path: 'ab/cdef0123/metadata.json' },
        { op: 'M', mode: MODE_EXECUTABLE, content: 'inline\n', path: 'top level.sh' }
      ]
    })
    const procs = git.processCount
    const r = await b.run(git)
    expect(git.processCount - procs).toBe(1)
    expect(r.commits).toHaveLength(1)
    expect(r.commits[0].mark).toBe(c)
    const { oid, tree } = r.commits[0]
    // new objects only: 1 commit + 4 trees (root, ab, ab/cdef0123, ab/cdef0123/0) + 2 blobs
    expect((await objectCount(git)) - before).toBe(7)
    expect(await lsTree(git, oid, { recursive: true })).toEqual([
      { mode: MODE_FILE, type: 'blob', oid: existing, path: 'ab/cdef0123/0/full.jsonl' },
      { mode: MODE_FILE, type: 'blob', oid: r.oidOf(fresh), path: 'ab/cdef0123/metadata.json' },
      {
        mode: MODE_EXECUTABLE,
        type: 'blob',
        oid: await hashObject(git, 'inline\n'),
        path: 'top level.sh'
      }
    ])
    expect(await rawCommit(git, oid)).toBe(
      `tree ${tree}\n` +
        'author Entire Migration <migration@entire.dev> 1750000000 +0200\n' +
        'committer Entire Migration <migration@entire.dev> 1750000000 +0200\n' +
        '\nMigrate checkpoints'
    )
    expect((await forEachRef(git)).map((ref) => ref.ref)).toEqual(['refs/keep/existing'])
  })

  it('writes several dependent commits in one process and leaves no scratch ref', async () => {
    const git = await newRepo('writer')
    const x = await hashObject(git, 'x')
    const y = await hashObject(git, 'y')
    const baseTree = await mktree(git, [`100644 blob ${x}\tkeep`, `100644 blob ${y}\tdrop`])
    const base = await commitTree(git, baseTree)
    const sub = await mktree(git, [`100644 blob ${y}\tinner`])
    const b = new FastImportBatch('sha1')
    const shared = b.blob('shared\n')
    const main = b.commit({
      parents: [base],
      author: other,
      committer: who,
      message: 'main\n',
      changes: [
        { op: 'D', path: 'drop' },
        { op: 'M', mode: MODE_FILE, ref: shared, path: 'added' }
      ]
    })
    const next = b.commit({
      parents: [main],
      author: who,
      committer: who,
      message: 'next\n',
      changes: [{ op: 'M', mode: MODE_TREE, ref: sub, path: 'grafted/dir' }]
    })
    const root = b.commit({
      parents: [],
      author: who,
      committer: who,
      message: '',
      changes: [{ op: 'M', mode: MODE_FILE, ref: shared, path: 'only' }]
    })
    const replaced = b.commit({
      parents: [base, next],
      author: who,
      committer: who,
      message: 'merge',
      changes: [{ op: 'M', mode: MODE_TREE, ref: sub, path: '' }]
    })
    const cleared = b.commit({
      parents: [base],
      author: who,
      committer: who,
      message: 'cleared',
      changes: [{ op: 'deleteall' }]
    })
    expect(b.commitCount).toBe(5)
    const procs = git.processCount
    const r = await b.run(git)
    expect(git.processCount - procs).toBe(1)
    const [cMain, cNext, cRoot, cReplaced, cCleared] = r.commits
    expect([cMain.mark, cNext.mark, cRoot.mark, cReplaced.mark, cCleared.mark]).toEqual([
      main,
      next,
      root,
      replaced,
      cleared
    ])
    expect((await lsTree(git, cMain.oid)).map((e) => e.path)).toEqual(['added', 'keep'])
    expect(await rawCommit(git, cMain.oid)).toContain(
      `parent ${base}\nauthor Ünïcode Person <u@x> 1700000001 -0730\ncommitter Entire Migration`
    )
    expect((await lsTree(git, cNext.oid, { recursive: true })).map((e) => e.path)).toEqual([
      'added',
      'grafted/dir/inner',
      'keep'
    ])
    expect(await rawCommit(git, cNext.oid)).toContain(`parent ${cMain.oid}\n`)
    expect(await rawCommit(git, cRoot.oid)).not.toContain('parent ')
    expect((await rawCommit(git, cRoot.oid)).endsWith('\n\n')).toBe(true)
    expect(cReplaced.tree).toBe(sub)
    expect(await rawCommit(git, cReplaced.oid)).toContain(`parent ${base}\nparent ${cNext.oid}\n`)
    expect(cCleared.tree).toBe(await git.text(['mktree'], { input: Buffer.alloc(0) }))
    expect(r.oidOf(shared)).toBe(await hashObject(git, 'shared\n'))
    expect(await forEachRef(git)).toEqual([])
  })

  it('quotes paths with quotes, backslashes and newlines', async () => {
    expect(fastImportPath('plain path/ü.txt')).toBe('plain path/ü.txt')
    expect(fastImportPath('"lead')).toBe('"\\"lead"')
    expect(fastImportPath('a\\b\nc')).toBe('"a\\\\b\\nc"')
    const git = await newRepo('writer')
    const b = new FastImportBatch('sha1')
    const paths = ['"quoted" name', 'back\\slash', 'new\nline', 'sp ace/ünï']
    b.commit({
      parents: [],
      author: who,
      committer: who,
      message: 'm',
      changes: paths.map((path) => ({ op: 'M' as const, mode: MODE_FILE, content: path, path }))
    })
    const r = await b.run(git)
    expect((await lsTree(git, r.commits[0].oid, { recursive: true })).map((e) => e.path)).toEqual(
      [...paths].sort((a, c) => Buffer.compare(Buffer.from(a), Buffer.from(c)))
    )
  })

  it('fails clearly on bad input', async () => {
    const git = await newRepo('writer')
    const b = new FastImportBatch('sha1')
    expect(() =>
      b.commit({
        parents: [],
        author: { ...who, name: 'a<b' },
        committer: who,
        message: '',
        changes: []
      })
    ).toThrow(/invalid identity/)
    expect(() =>
      b.commit({ parents: ['HEAD'], author: who, committer: who, message: '', changes: [] })
    ).toThrow(/invalid object reference/)
    b.commit({
      parents: [],
      author: who,
      committer: who,
      message: '',
      changes: [{ op: 'M', mode: MODE_FILE, ref: 'ab'.repeat(20), path: 'x' }]
    })
    await expect(b.run(git)).rejects.toThrow(/fast-import/)
    await expect(b.run(git)).rejects.toThrow(/runs once/)
  })

  it('works in a SHA-256 repository', async () => {
    const git = new GitRunner(tempDir('writer256'))
    await initRepo(git, { objectFormat: 'sha256' })
    const b = new FastImportBatch('sha256')
    const m = b.blob('x')
    b.commit({
      parents: [],
      author: who,
      committer: who,
      message: 'm',
      changes: [{ op: 'M', mode: MODE_FILE, ref: m, path: 'x' }]
    })
    const r = await b.run(git)
    expect(r.commits[0].oid).toHaveLength(64)
    expect(r.commits[0].tree).toHaveLength(64)
    expect(await forEachRef(git)).toEqual([])
  })
})

describe('streamed fast-import writer', () => {
  /** A batch with a few blobs (one large) and two dependent commits. */
  function fill(b: FastImportBatch, big: Buffer, parent: string): string[] {
    const small = b.blob('small\n')
    const large = b.blob(big)
    const first = b.commit({
      parents: [parent],
      author: who,
      committer: other,
      message: 'first\n',
      changes: [
        { op: 'M', mode: MODE_FILE, ref: small, path: 'ab/c/0/metadata.json' },
        { op: 'M', mode: MODE_FILE, ref: large, path: 'ab/c/0/transcript.jsonl' }
      ]
    })
    b.commit({
      parents: [first],
      author: who,
      committer: who,
      message: 'second',
      changes: [{ op: 'M', mode: MODE_FILE, content: 'inline', path: 'cd/e/metadata.json' }]
    })
    return [small, large]
  }

  it('writes the same objects as an in-memory batch, with one process, as it is built', async () => {
    const git = await newRepo('writer-stream')
    const base = await commitTree(git, await mktree(git, []))
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'x\n')
    const a = new FastImportBatch('sha1')
    fill(a, big, base)
    const expected = await a.run(git)

    const procs = git.processCount
    const s = FastImportBatch.streaming(git, 'sha1', { highWaterBytes: 64 * 1024 })
    const [small] = fill(s, big, base)
    await s.flush()
    // git is running and has been handed the stream so far (all but the last 64 KiB at most)
    expect(git.processCount - procs).toBe(1)
    await s.flush()
    const got = await s.run()
    expect(git.processCount - procs).toBe(1)
    expect(got.commits.map((c) => [c.oid, c.tree])).toEqual(
      expected.commits.map((c) => [c.oid, c.tree])
    )
    expect(got.oidOf(small)).toBe(await hashObject(git, 'small\n'))
    expect(await forEachRef(git)).toEqual([])
  })

  it("fails with git's error when git stops reading, and abort leaves no ref", async () => {
    const git = await newRepo('writer-stream')
    const s = FastImportBatch.streaming(git, 'sha1', { highWaterBytes: 1024 })
    s.commit({
      parents: ['ab'.repeat(20)],
      author: who,
      committer: who,
      message: 'm',
      changes: []
    })
    // git dies on the missing parent while it still has megabytes to read
    for (let i = 0; i < 8; i++) s.blob(Buffer.alloc(1024 * 1024, i))
    await expect(
      (async () => {
        await s.flush()
        await s.run()
      })()
    ).rejects.toThrow(/fast-import/)

    const t = FastImportBatch.streaming(git, 'sha1')
    const m = t.blob('kept out\n')
    t.commit({
      parents: [],
      author: who,
      committer: who,
      message: 'm',
      changes: [{ op: 'M', mode: MODE_FILE, ref: m, path: 'x' }]
    })
    await t.flush()
    await t.abort()
    await t.abort()
    expect(await forEachRef(git)).toEqual([])
    await expect(t.run()).rejects.toThrow(/runs once/)
    // an unstarted streamed batch aborts without starting git
    const procs = git.processCount
    await FastImportBatch.streaming(git, 'sha1').abort()
    expect(git.processCount).toBe(procs)
  })
})

describe('mktree --batch writer', () => {
  it('writes several trees, children before parents, in one process', async () => {
    const git = await newRepo('mktree')
    const x = await hashObject(git, 'x')
    const procs = git.processCount
    const [leaf, empty] = await writeTrees(git, [
      [
        { mode: MODE_FILE, oid: x, name: 'z last' },
        { mode: MODE_EXECUTABLE, oid: x, name: 'ä' }
      ],
      []
    ])
    const [root] = await writeTrees(git, [[{ mode: MODE_TREE, oid: leaf, name: 'dir' }]])
    expect(git.processCount - procs).toBe(2)
    expect(empty).toBe(await git.text(['mktree'], { input: Buffer.alloc(0) }))
    expect(await lsTree(git, root, { recursive: true })).toEqual([
      { mode: MODE_FILE, type: 'blob', oid: x, path: 'dir/z last' },
      { mode: MODE_EXECUTABLE, type: 'blob', oid: x, path: 'dir/ä' }
    ])
    await expect(writeTrees(git, [[{ mode: MODE_FILE, oid: x, name: 'a/b' }]])).rejects.toThrow(
      /invalid tree entry name/
    )
  })
})
