// The object reader on its own thread gives exactly what the in-thread ObjectReader gives:
// every object (empty, small, spanning many pipe chunks), missing names, request order, several
// reads in turn, and a consumer's error ends only that read.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createObjectReader,
  READER_YOUNG_GENERATION_MB,
  ThreadedObjectReader
} from '../src/git/object-thread.js'
import { ObjectReader, WHOLE_FROM_BYTES, type ObjectResult } from '../src/git/objects.js'
import type { GitRunner } from '../src/git/runner.js'
import { newRepo, writeBlobsRaw } from './git-helpers.js'
import { buildCli, type BuiltCli } from './reliability-cli.js'

function summary(objs: ObjectResult[]): unknown[] {
  return objs.map((o) =>
    o.missing
      ? ['missing', o.index, o.oid, o.reason]
      : [o.index, o.oid, o.type, o.size, o.content.toString('base64')]
  )
}

describe('git: threaded object reader', () => {
  let cli: BuiltCli
  let git: GitRunner
  let names: string[]
  beforeAll(async () => {
    cli = buildCli()
    git = await newRepo('object-thread')
    const blobs: Buffer[] = [Buffer.alloc(0)]
    for (let i = 0; i < 300; i++) blobs.push(Buffer.from(`small blob ${i} `.repeat(1 + (i % 40))))
    for (const n of [70_000, 1_000_000, 5_500_000]) {
      const b = Buffer.alloc(n)
      for (let i = 0; i < n; i++) b[i] = (i * 7919 + n) & 0xff
      blobs.push(b)
    }
    // around the size from which objects get buffers of their own (smaller: slab copies)
    for (const n of [16_384, WHOLE_FROM_BYTES - 1, WHOLE_FROM_BYTES, WHOLE_FROM_BYTES + 1]) {
      blobs.push(Buffer.alloc(n, n & 0xff))
    }
    const oids = await writeBlobsRaw(git, blobs)
    // interleave big and small, repeat some, ask for absent ones
    names = [
      oids[301],
      ...oids.slice(0, 150),
      oids[302],
      '0'.repeat(40),
      ...oids.slice(150),
      oids[5],
      oids[305],
      oids[0]
    ]
  }, 60_000)
  afterAll(() => cli.cleanup())

  it('reads what the in-thread reader reads, read after read', async () => {
    const plain = new ObjectReader(git)
    const threaded = createObjectReader(git, cli.entry)
    expect(threaded).not.toBeInstanceOf(ObjectReader)
    try {
      for (const slice of [names, names.slice(3, 40), names.slice(0, 1), names]) {
        const want: ObjectResult[] = []
        const got: ObjectResult[] = []
        await plain.read(slice, (o) => void want.push(o))
        await threaded.read(slice, (o) => void got.push(o))
        expect(got.length).toBe(slice.length)
        expect(summary(got)).toEqual(summary(want))
      }
    } finally {
      await plain.close()
      await threaded.close()
    }
    // close() waits for the thread's cat-file: no git process (or zombie) is left behind
    const children = execFileSync('ps', ['-o', 'stat=,comm=', '--ppid', String(process.pid)])
    expect(children.toString()).not.toMatch(/git/)
  }, 60_000)

  it("caps the thread's young generation (its heap would grow with the corpus)", async () => {
    const threaded = createObjectReader(git, cli.entry)
    expect(threaded).toBeInstanceOf(ThreadedObjectReader)
    const t = threaded as ThreadedObjectReader
    try {
      expect(t.threadLimits).toBeNull() // no thread before the first read
      // many small reads: the allocation pattern whose garbage grew the heap
      for (let r = 0; r < 20; r++) await t.read(names, () => undefined)
      expect(t.threadLimits?.maxYoungGenerationSizeMb).toBe(READER_YOUNG_GENERATION_MB)
    } finally {
      await threaded.close()
    }
  }, 60_000)

  it.each([
    ['on the thread', true],
    ['in this thread', false]
  ])(
    'hashes objects at least sha256From big %s',
    async (_where, onThread) => {
      const reader = onThread ? createObjectReader(git, cli.entry) : new ObjectReader(git)
      expect(reader instanceof ThreadedObjectReader).toBe(onThread)
      try {
        const got: ObjectResult[] = []
        await reader.read(names, (o) => void got.push(o), { sha256From: 300 })
        let hashed = 0
        for (const o of got) {
          if (o.missing) continue
          if (o.size >= 300) {
            hashed++
            expect(o.sha256).toBe(createHash('sha256').update(o.content).digest('hex'))
          } else expect(o.sha256).toBeUndefined()
        }
        expect(hashed).toBeGreaterThan(4)
        // without sha256From nothing is hashed
        const plain: ObjectResult[] = []
        await reader.read(names.slice(0, 3), (o) => void plain.push(o))
        expect(plain.some((o) => !o.missing && o.sha256 !== undefined)).toBe(false)
      } finally {
        await reader.close()
      }
    },
    60_000
  )

  it.each([
    ['on the thread', true],
    ['in this thread', false]
  ])(
    'reads chosen objects into the memory given %s, others into their own',
    async (_where, onThread) => {
      const reader = onThread ? createObjectReader(git, cli.entry) : new ObjectReader(git)
      try {
        const plain: ObjectResult[] = []
        const inThread = new ObjectReader(git)
        await inThread.read(names, (o) => void plain.push(o))
        await inThread.close()
        const memory = new SharedArrayBuffer(8 * 1024 * 1024)
        const offsets = names.map(() => -1)
        const sizes = names.map(() => 0)
        // the 1,000,000-byte blob at 64, the 70,000-byte one after it; the 5,500,000-byte one
        // is given too little room, so it comes in memory of its own
        const at = (size: number, offset: number, room = size) => {
          const i = plain.findIndex((o) => !o.missing && o.size === size)
          offsets[i] = offset
          sizes[i] = room
          return i
        }
        const mega = at(1_000_000, 64)
        const small = at(70_000, 1_000_064)
        const big = at(5_500_000, 2_000_000, 5_499_999)
        const got: ObjectResult[] = []
        await reader.read(names, (o) => void got.push(o), {
          into: { memory, offsets, sizes },
          sha256From: 300
        })
        expect(summary(got)).toEqual(summary(plain))
        const content = (i: number) => (got[i] as Extract<ObjectResult, { missing: false }>).content
        for (const [i, off] of [
          [mega, 64],
          [small, 1_000_064]
        ]) {
          expect(content(i).buffer).toBe(memory)
          expect(content(i).byteOffset).toBe(off)
        }
        expect(content(big).buffer).not.toBe(memory)
        expect(Buffer.from(memory, 64, 1_000_000).equals(content(mega))).toBe(true)
        const digest = (got[mega] as { sha256?: string }).sha256
        expect(digest).toBe(createHash('sha256').update(content(mega)).digest('hex'))
      } finally {
        await reader.close()
      }
    },
    60_000
  )

  it("a consumer's error rejects that read; the next read works", async () => {
    const threaded = createObjectReader(git, cli.entry)
    try {
      let seen = 0
      await expect(
        threaded.read(names, () => {
          if (++seen === 10) throw new Error('consumer failed')
        })
      ).rejects.toThrow('consumer failed')
      const got: ObjectResult[] = []
      await threaded.read(names.slice(0, 5), (o) => void got.push(o))
      expect(got.map((o) => o.index)).toEqual([0, 1, 2, 3, 4])
    } finally {
      await threaded.close()
    }
  }, 60_000)

  it('a thread on a script that serves nothing fails the read instead of waiting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-noserve-'))
    const script = join(dir, 'noop.mjs')
    writeFileSync(script, '// serves nothing\n')
    // nothing to read: no thread is started, closing is immediate
    const idle = createObjectReader(git, script)
    await idle.read([], () => undefined)
    await idle.close()
    const threaded = createObjectReader(git, script)
    try {
      await expect(threaded.read(names.slice(0, 3), () => undefined)).rejects.toThrow(
        /object reader thread ended/
      )
    } finally {
      await threaded.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('without a runnable script reads in this thread', () => {
    expect(createObjectReader(git, undefined)).toBeInstanceOf(ObjectReader)
    expect(createObjectReader(git, '/src/cli.ts')).toBeInstanceOf(ObjectReader)
  })
})
