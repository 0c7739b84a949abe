import { describe, it, expect, beforeAll } from '@jest/globals'
import type { GitRunner } from '../src/git/runner.js'
import { readObjectsAll, type FoundObject } from '../src/git/objects.js'
import { lsTree, lsTreeLong, parseTree } from '../src/git/tree.js'
import { hashObject, mktree, newRepo } from './git-helpers.js'

describe('tree listing', () => {
  let git: GitRunner
  let a: string
  let b: string
  let root: string
  let sub: string
  const odd = 'with space/ünïcödé\nnew line.txt'
  beforeAll(async () => {
    git = await newRepo('tree')
    a = await hashObject(git, 'a')
    b = await hashObject(git, 'bb')
    const inner = await mktree(git, [`100644 blob ${a}\tünïcödé\nnew line.txt`])
    sub = await mktree(git, [`040000 tree ${inner}\twith space`, `100755 blob ${b}\trun me.sh`])
    root = await mktree(git, [
      `100644 blob ${a}\ta file.txt`,
      `040000 tree ${sub}\tdir`,
      `120000 blob ${b}\tlink`
    ])
  })

  it('lists recursively with exact paths (spaces, unicode, newline)', async () => {
    expect(await lsTree(git, root, { recursive: true })).toEqual([
      { mode: '100644', type: 'blob', oid: a, path: 'a file.txt' },
      { mode: '100755', type: 'blob', oid: b, path: 'dir/run me.sh' },
      { mode: '100644', type: 'blob', oid: a, path: `dir/${odd}` },
      { mode: '120000', type: 'blob', oid: b, path: 'link' }
    ])
  })

  it('lists one level, trees included, and with -t the intermediate trees', async () => {
    expect((await lsTree(git, root)).map((e) => `${e.mode} ${e.type} ${e.path}`)).toEqual([
      '100644 blob a file.txt',
      '040000 tree dir',
      '120000 blob link'
    ])
    const withTrees = await lsTree(git, root, { recursive: true, trees: true })
    expect(withTrees.map((e) => e.path)).toEqual([
      'a file.txt',
      'dir',
      'dir/run me.sh',
      'dir/with space',
      `dir/${odd}`,
      'link'
    ])
    expect(withTrees[1]).toEqual({ mode: '040000', type: 'tree', oid: sub, path: 'dir' })
  })

  it('limits to literal paths and reports blob sizes with -l', async () => {
    const listed = await lsTreeLong(git, root, { recursive: true, paths: ['dir/with space'] })
    expect(listed).toEqual([{ mode: '100644', type: 'blob', oid: a, path: `dir/${odd}`, size: 1 }])
    const top = await lsTreeLong(git, root)
    expect(top.map((e) => e.size)).toEqual([1, null, 2])
  })

  it('gives no size for a blob missing from the object store (git prints BAD)', async () => {
    const absent = 'ab'.repeat(20)
    const r = await git.run(['mktree', '--missing'], {
      input: Buffer.from(`100644 blob ${absent}\tgone.jsonl\n100644 blob ${a}\there.txt\n`)
    })
    const tree = r.stdout.toString().trim()
    expect(await lsTreeLong(git, tree)).toEqual([
      { mode: '100644', type: 'blob', oid: absent, path: 'gone.jsonl', size: null },
      { mode: '100644', type: 'blob', oid: a, path: 'here.txt', size: 1 }
    ])
  })

  it('parses a raw tree object like ls-tree lists it', async () => {
    const [rootObj, subObj] = (await readObjectsAll(git, [root, sub])) as FoundObject[]
    expect(parseTree(rootObj.content, 'sha1')).toEqual(await lsTree(git, root))
    expect(parseTree(subObj.content, 'sha1')).toEqual(await lsTree(git, sub))
    expect(parseTree(Buffer.alloc(0), 'sha1')).toEqual([])
    expect(() => parseTree(rootObj.content.subarray(0, 30), 'sha1')).toThrow(/malformed tree/)
  })

  it('fails with a GitError for a missing tree', async () => {
    await expect(lsTree(git, 'deadbeef'.repeat(5))).rejects.toThrow(/ls-tree/)
  })
})
