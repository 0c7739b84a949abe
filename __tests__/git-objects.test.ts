import { describe, it, expect, beforeAll } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import type { GitRunner } from '../src/git/runner.js'
import {
  CatFileBatchParser,
  ObjectReader,
  WHOLE_FROM_BYTES,
  checkObjects,
  readObjects,
  readObjectsAll,
  resolveMany,
  streamObjects,
  type FoundObject,
  type MissingObject,
  type ObjectResult,
  type ObjectStreamSink
} from '../src/git/objects.js'
import { blobOid, hashObject, mktree, newRepo, writeBlobsRaw } from './git-helpers.js'

const text = Buffer.from('hello, wörld\nline 2\n', 'utf8')
const binary = Buffer.from([0, 1, 2, 0, 0, 255, 10, 13, 0, 0x80, 0xfe])
const empty = Buffer.alloc(0)
const big = randomBytes(1_500_000) // spans many stdout chunks
const absent = 'deadbeef'.repeat(5)

describe('batch object read (cat-file --batch)', () => {
  let git: GitRunner
  let ids: string[]
  beforeAll(async () => {
    git = await newRepo('objects')
    ids = await writeBlobsRaw(git, [text, binary, empty, big])
  })

  it('reads in turn through one process (ObjectReader), shared memory on request', async () => {
    const before = git.processCount
    const reader = new ObjectReader(git)
    const collect = async (names: string[], sharedFrom?: number): Promise<ObjectResult[]> => {
      const out: ObjectResult[] = []
      await reader.read(names, (o) => void out.push(o), sharedFrom ? { sharedFrom } : {})
      return out
    }
    const [a, b] = await Promise.all([collect([ids[3], absent, ids[0]]), collect([ids[2]])])
    expect(a.map((o) => o.index)).toEqual([0, 1, 2])
    expect((a[0] as FoundObject).content.equals(big)).toBe(true)
    expect(a[1]).toMatchObject({ missing: true, oid: absent, reason: 'missing' })
    expect((a[2] as FoundObject).content.equals(text)).toBe(true)
    expect((b[0] as FoundObject).content.length).toBe(0)
    // a consumer error fails its own read only; the next read is in sync
    await expect(
      reader.read([ids[3], ids[1]], () => {
        throw new Error('consumer says no')
      })
    ).rejects.toThrow('consumer says no')
    const c = await collect([ids[3], ids[1]], 1000)
    expect((c[0] as FoundObject).content.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect((c[0] as FoundObject).content.equals(big)).toBe(true)
    expect((c[1] as FoundObject).content.buffer).not.toBeInstanceOf(SharedArrayBuffer)
    expect((c[1] as FoundObject).content.equals(binary)).toBe(true)
    await reader.close()
    expect(git.processCount - before).toBe(1)
  })

  it('reads text, binary (NUL bytes), empty and large blobs exactly, reports missing, one process', async () => {
    const before = git.processCount
    const got = await readObjectsAll(git, [ids[0], ids[1], absent, ids[2], ids[3]])
    expect(git.processCount - before).toBe(1)
    expect(got.map((o) => o.index)).toEqual([0, 1, 2, 3, 4])
    const found = (i: number): FoundObject => got[i] as FoundObject
    expect(found(0)).toMatchObject({ oid: ids[0], type: 'blob', size: text.length, missing: false })
    expect(found(0).content.equals(text)).toBe(true)
    expect(found(1).content.equals(binary)).toBe(true)
    expect(got[2]).toEqual({ index: 2, oid: absent, missing: true, reason: 'missing' })
    expect(found(3).size).toBe(0)
    expect(found(3).content.length).toBe(0)
    expect(found(4).size).toBe(big.length)
    expect(found(4).content.equals(big)).toBe(true)
  })

  it('reads 10,000 small blobs with one git process', async () => {
    const blobs = Array.from({ length: 10_000 }, (_, i) => Buffer.from(`blob number ${i}\n`))
    const blobIds = await writeBlobsRaw(git, blobs)
    const before = git.processCount
    let n = 0
    let ok = 0
    await readObjects(git, blobIds, (o) => {
      if (!o.missing && o.content.equals(blobs[o.index]) && o.oid === blobIds[o.index]) ok++
      n++
    })
    expect(git.processCount - before).toBe(1)
    expect(n).toBe(10_000)
    expect(ok).toBe(10_000)
  })

  it('streams content in chunks that reassemble to the object', async () => {
    const events: string[] = []
    const pieces: Buffer[][] = []
    const sink: ObjectStreamSink = {
      start: (h) => {
        events.push(`start ${h.index} ${h.type} ${h.size}`)
        pieces.push([])
      },
      chunk: (d) => void pieces[pieces.length - 1].push(Buffer.from(d)),
      end: () => void events.push('end'),
      missing: (m) => void events.push(`missing ${m.index}`)
    }
    await streamObjects(git, [ids[3], absent, ids[2]], sink)
    expect(events).toEqual([
      `start 0 blob ${big.length}`,
      'end',
      'missing 1',
      'start 2 blob 0',
      'end'
    ])
    expect(pieces[0].length).toBeGreaterThan(1)
    expect(Buffer.concat(pieces[0]).equals(big)).toBe(true)
    expect(pieces[1]).toEqual([])
  })

  it('parses output split at every possible byte boundary, and tells which chunks it still points into', async () => {
    const names = [ids[0], absent, ids[2], ids[1]]
    const raw = (
      await git.run(['cat-file', '--batch'], { input: Buffer.from(names.join('\n') + '\n') })
    ).stdout
    const collect = (splits: number[]): string[] => {
      const out: string[] = []
      let cur: Buffer[] = []
      let views: Buffer[] = []
      const parser = new CatFileBatchParser({
        start: (h) => void (cur = [Buffer.from(`${h.oid} ${h.type} ${h.size}:`)]),
        chunk: (d) => void views.push(d),
        end: () => {
          out.push(Buffer.concat([...cur, ...views]).toString('latin1'))
          views = []
        },
        missing: (m) => void out.push(`missing ${m.oid}`),
        holdsViews: () => views.length > 0
      })
      let held: Buffer[] = []
      let pos = 0
      for (const s of [...splits, raw.length]) {
        const chunk = Buffer.from(raw.subarray(pos, s))
        parser.push(chunk)
        held.push(chunk)
        // what the parser no longer points into is overwritten, as a freed chunk would be
        if (!parser.holdsViews) {
          for (const h of held) h.fill(0xee)
          held = []
        }
        pos = s
      }
      expect(parser.complete).toBe(true)
      expect(parser.holdsViews).toBe(false)
      return out
    }
    const whole = collect([])
    expect(whole).toHaveLength(4)
    for (let i = 1; i < raw.length; i++) expect(collect([i])).toEqual(whole)
    expect(collect(Array.from({ length: raw.length - 1 }, (_, i) => i + 1))).toEqual(whole)
  })

  it('gives objects of WHOLE_FROM_BYTES and more buffers of their own, not views of chunks', async () => {
    const sizes = [WHOLE_FROM_BYTES - 1, WHOLE_FROM_BYTES, WHOLE_FROM_BYTES + 1, 3_000_000]
    const blobs = sizes.map((n) => randomBytes(n))
    const oids = await writeBlobsRaw(git, blobs)
    const got = await readObjectsAll(git, oids)
    got.forEach((o, i) => {
      const c = (o as FoundObject).content
      expect(c.equals(blobs[i])).toBe(true)
      if (sizes[i] >= WHOLE_FROM_BYTES) {
        expect([c.byteOffset, c.buffer.byteLength]).toEqual([0, sizes[i]])
      }
    })
  })

  it('frees pipe chunks as it goes when asked; what the consumer copied stays intact', async () => {
    const blobs: Buffer[] = []
    for (let i = 0; i < 400; i++) blobs.push(randomBytes(200 + ((i * 7919) % 30_000)))
    blobs.push(randomBytes(WHOLE_FROM_BYTES), randomBytes(2_000_000))
    const oids = await writeBlobsRaw(git, blobs)
    const names = [...oids, absent, ...oids.slice(0, 50)]
    const plain = new ObjectReader(git)
    const releasing = new ObjectReader(git, { releaseChunks: true })
    try {
      const want: string[] = []
      await plain.read(
        names,
        (o) => void want.push(o.missing ? 'missing' : o.content.toString('hex'))
      )
      const copies: string[] = []
      const kept: Buffer[] = []
      for (const slice of [names, names.slice(10, 30)]) {
        copies.length = 0
        await releasing.read(slice, (o) => {
          copies.push(o.missing ? 'missing' : o.content.toString('hex'))
          if (!o.missing) kept.push(o.content)
        })
        expect(copies).toEqual(
          want.slice(names.indexOf(slice[0]), names.indexOf(slice[0]) + slice.length)
        )
      }
      expect(releasing.chunksFreed).toBeGreaterThan(10)
      expect(plain.chunksFreed).toBe(0)
      // a view kept past its callback may read as empty; own buffers (large objects) stay
      expect(kept.some((k) => k.length === 0)).toBe(true)
      const large = kept.filter((k) => k.length >= WHOLE_FROM_BYTES)
      expect(large.map((k) => k.length)).toEqual([WHOLE_FROM_BYTES, 2_000_000])
      expect(large[1].equals(blobs[401])).toBe(true)
    } finally {
      await plain.close()
      await releasing.close()
    }
  })

  it('reads trees and commits as objects', async () => {
    const tree = await mktree(git, [`100644 blob ${ids[0]}\ta`])
    const [obj] = await readObjectsAll(git, [tree])
    expect(obj).toMatchObject({ oid: tree, type: 'tree', missing: false })
  })

  it('batch-check gives type and size only, and resolves expressions', async () => {
    const tree = await mktree(git, [`100644 blob ${ids[1]}\tx y`])
    const before = git.processCount
    const info = await checkObjects(git, [ids[3], absent, `${tree}:x y`])
    expect(git.processCount - before).toBe(1)
    expect(info).toEqual([
      { index: 0, oid: ids[3], type: 'blob', size: big.length, missing: false },
      { index: 1, oid: absent, missing: true, reason: 'missing' },
      { index: 2, oid: ids[1], type: 'blob', size: binary.length, missing: false }
    ])
    expect(await resolveMany(git, [`${tree}:x y`, `${tree}:nope`])).toEqual([ids[1], null])
  })

  it('starts no process for an empty request and rejects names with newlines', async () => {
    const before = git.processCount
    expect(await readObjectsAll(git, [])).toEqual([])
    expect(git.processCount).toBe(before)
    await expect(readObjectsAll(git, ['a\nb'])).rejects.toThrow(/invalid object name/)
  })

  it('rethrows an error thrown by the consumer after the process ends', async () => {
    const seen: ObjectResult[] = []
    await expect(
      readObjects(git, [ids[0], ids[1]], (o) => {
        seen.push(o)
        throw new Error('consumer failed')
      })
    ).rejects.toThrow('consumer failed')
    expect(seen).toHaveLength(1)
  })

  it('agrees with an independently computed blob id', async () => {
    const oid = await hashObject(git, 'x')
    expect(oid).toBe(blobOid('x'))
    const [o] = (await readObjectsAll(git, [oid])) as Array<FoundObject | MissingObject>
    expect(!o.missing && o.content.toString()).toBe('x')
  })
})

describe('runner stdout chunks', () => {
  it('keeps chunks decodable after exec has seen them (line splitting is skipped only in passing)', async () => {
    const git = await newRepo('chunks')
    const [oid] = await writeBlobsRaw(git, [Buffer.from('line one\nline two\n')])
    const kept: Buffer[] = []
    await git.run(['cat-file', '-p', oid], { onStdout: (b) => void kept.push(b) })
    await new Promise((r) => setImmediate(r))
    expect(kept.map((b) => b.toString()).join('')).toBe('line one\nline two\n')
    expect(await git.text(['cat-file', '-p', oid])).toBe('line one\nline two')
  })
})
