import { describe, it, expect } from '@jest/globals'
import { inflateSync } from 'node:zlib'
import { indexPack } from '../src/git/refs-push.js'
import { readObjectsAll } from '../src/git/objects.js'
import {
  buildPack,
  commitBytes,
  objectId,
  treeBytes,
  zlibStored,
  type PackObject
} from '../src/formats/git-refs/index.js'
import { initRepo } from './helpers/v1repo.js'

describe('git-refs: pack of objects computed in process', () => {
  it('writes zlib streams that inflate to the input, across stored-block boundaries', () => {
    for (const n of [0, 1, 65535, 65536, 200_000]) {
      const body = Buffer.alloc(n, 0)
      for (let i = 0; i < n; i++) body[i] = (i * 31 + (i >> 8)) & 0xff
      expect(inflateSync(zlibStored(body)).equals(body)).toBe(true)
    }
  })

  it('index-pack stores every object under the id computed in process', async () => {
    const git = await initRepo()
    const big = Buffer.alloc(70_000, 'x')
    const blob = Buffer.from('{"a": 1}\n')
    const tree = treeBytes([
      { mode: '100644', name: 'metadata.json', oid: objectId('blob', blob) },
      { mode: '100644', name: 'big', oid: objectId('blob', big) }
    ])
    const commit = commitBytes({
      tree: objectId('tree', tree),
      parent: null,
      signature: { name: 'T', email: 't@x', seconds: 1783000000, offset: '+0200' },
      message: 'Import checkpoint a3b2c1d0e9f8 (migrated from git-branch)'
    })
    const objects: PackObject[] = [
      { type: 'blob', body: blob },
      { type: 'blob', body: big },
      { type: 'tree', body: tree },
      { type: 'commit', body: commit }
    ]
    const checksum = await indexPack(git, buildPack(objects), { fsck: true })
    expect(checksum).toMatch(/^[0-9a-f]{40}$/)
    const ids = objects.map((o) => objectId(o.type, o.body))
    const read = await readObjectsAll(git, ids)
    read.forEach((r, k) => {
      expect(r.missing).toBe(false)
      if (r.missing) return
      expect(r.type).toBe(objects[k].type)
      expect(r.content.equals(Buffer.from(objects[k].body))).toBe(true)
    })
    expect(await git.text(['fsck', '--no-dangling', '--strict'])).toBe('')
  })

  it('refuses a malformed tree instead of storing it (fsck), and tolerates entries not present', async () => {
    const git = await initRepo()
    const missing = '1111111111111111111111111111111111111111'
    // Present nowhere, as in a partial clone: accepted.
    const ok = treeBytes([{ mode: '100644', name: 'a', oid: missing }])
    await indexPack(git, buildPack([{ type: 'tree', body: ok }]), { fsck: true })
    // Entries out of order: git's fsck refuses the pack.
    const bad = Buffer.concat([
      Buffer.from('100644 b\0'),
      Buffer.from(missing, 'hex'),
      Buffer.from('100644 a\0'),
      Buffer.from(missing, 'hex')
    ])
    await expect(
      indexPack(git, buildPack([{ type: 'tree', body: bad }]), { fsck: true })
    ).rejects.toThrow(/index-pack/)
    const [stored] = await readObjectsAll(git, [objectId('tree', bad)])
    expect(stored.missing).toBe(true)
  })
})
