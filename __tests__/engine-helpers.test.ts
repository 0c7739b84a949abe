import { describe, it, expect } from '@jest/globals'
import { mapConcurrently } from '../src/engine/concurrency.js'
import {
  LARGE_BLOB_BYTES,
  listingForWrite,
  listingOf,
  packForWrite,
  releaseListing,
  type CheckpointWork
} from '../src/engine/plan.js'
import { goTimeFromEpochNanos } from '../src/formats/json/time.js'
import {
  FIRST_WINDOW_BYTES,
  mayReadAhead,
  readWindows,
  windowBytesFor
} from '../src/engine/migrate.js'
import type { V1CheckpointListing } from '../src/formats/v1/listing.js'
import {
  buildV1Repo,
  claudeTranscript,
  listFiles,
  readFileAt,
  sessionMeta,
  V1_REF
} from './helpers/v1repo.js'

describe('buildV1Repo', () => {
  it('lays out checkpoints, sessions, chunks, missing directories and tasks as v1 does', async () => {
    const id = 'a1b2c3d4e5f6'
    const repo = await buildV1Repo(undefined, [
      {
        id,
        sessions: [
          {
            transcript: claudeTranscript(1),
            prompt: 'hi',
            metadata: sessionMeta(id, { is_task: true })
          },
          null,
          { transcript: [Buffer.from('{"a":1}'), Buffer.from('{"b":2}')] }
        ],
        files: { 'tasks/toolu_1/checkpoint.json': '{}' }
      }
    ])
    const files = await listFiles(repo.git, V1_REF)
    expect(files).toEqual([
      'a1/b2c3d4e5f6/0/full.jsonl',
      'a1/b2c3d4e5f6/0/metadata.json',
      'a1/b2c3d4e5f6/0/prompt.txt',
      'a1/b2c3d4e5f6/2/full.jsonl',
      'a1/b2c3d4e5f6/2/full.jsonl.001',
      'a1/b2c3d4e5f6/2/metadata.json',
      'a1/b2c3d4e5f6/metadata.json',
      'a1/b2c3d4e5f6/tasks/toolu_1/checkpoint.json'
    ])
    const summary = JSON.parse((await readFileAt(repo.git, V1_REF, 'a1/b2c3d4e5f6/metadata.json'))!)
    expect(summary.sessions).toHaveLength(3)
    expect(summary.sessions[1].metadata).toBe('/a1/b2c3d4e5f6/1/metadata.json')
  })
})

describe('readWindows', () => {
  const MiB = 1024 * 1024

  it('fills windows up to the size (the first up to its own), one batch at most, skipping what reads nothing', () => {
    const first = FIRST_WINDOW_BYTES / MiB
    const sizes = [first - 1, null, 1, 1, 5, 6, null, 30, 2, 1, 1, 1].map((m) =>
      m === null ? null : m * MiB
    )
    const wins = readWindows(sizes, 10 * MiB, 3)
    expect(wins.map((w) => [w.from, w.to, w.bytes / MiB])).toEqual([
      [0, 3, first], // the first window's limit; the item reading nothing goes along
      [3, 5, 6], // 1 + 5; adding 6 would pass 10
      [5, 7, 6],
      [7, 8, 30], // larger than a window: alone
      [8, 11, 4], // three reads: the batch size
      [11, 12, 1] // the last window runs to the end
    ])
  })

  it('gives one window to work that reads nothing, and none is lost at the ends', () => {
    expect(readWindows([null, null], 10, 5)).toEqual([{ from: 0, to: 2, bytes: 0 }])
    expect(readWindows([], 10, 5)).toEqual([{ from: 0, to: 0, bytes: 0 }])
  })

  it("reads in smaller windows from 1 GiB of v1 blobs on (what bounds a large run's peak)", () => {
    const small = windowBytesFor(1024 * MiB - 1)
    const large = windowBytesFor(1024 * MiB)
    expect(small).toBe(24 * MiB)
    expect(large).toBe(16 * MiB)
  })
})

describe('mayReadAhead', () => {
  const win = (bytes: number) => ({ from: 0, to: 0, bytes })
  // windows of 16, 16, a checkpoint of 24 alone, 4, 16
  const wins = [16, 16, 24, 4, 16].map(win)

  it('reads ahead while the window processed and those ahead of it fit the budget together', () => {
    expect(mayReadAhead(wins, 0, 1, 32)).toBe(true) // 16 + 16
    expect(mayReadAhead(wins, 2, 3, 32)).toBe(true) // 24 + 4
    expect(mayReadAhead(wins, 2, 4, 48)).toBe(true) // 24 + 4 + 16 with two ahead
  })

  it('holds back a read that would pass it: next to a window larger than a window, or before one', () => {
    expect(mayReadAhead(wins, 1, 2, 32)).toBe(false) // 16 + 24
    expect(mayReadAhead(wins, 2, 4, 32)).toBe(false) // 24 + 4 + 16
  })
})

describe('mapConcurrently', () => {
  it('keeps item order and never has more than the limit in flight', async () => {
    let inFlight = 0
    let most = 0
    const out = await mapConcurrently([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      inFlight++
      most = Math.max(most, inFlight)
      await new Promise((r) => setTimeout(r, n))
      inFlight--
      return n * 10
    })
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60])
    expect(most).toBe(3)
    expect(await mapConcurrently([], 4, async () => 1)).toEqual([])
  })
})

describe('plan: a checkpoint listing through the write step', () => {
  it('is packed with its read size, unpacked the same, then released for good', () => {
    const oid = (c: string): string => c.repeat(40)
    const listing: V1CheckpointListing = {
      id: 'a1b2c3d4e5f6',
      path: 'a1/b2c3d4e5f6',
      entries: [{ name: 'metadata.json', mode: '100644', type: 'blob', oid: oid('1') }],
      slots: new Map([
        [
          '0',
          {
            name: '0',
            entries: [
              { name: 'full.jsonl', mode: '100644', type: 'blob', oid: oid('2') },
              { name: 'metadata.json', mode: '100644', type: 'blob', oid: oid('3') }
            ],
            tasks: null
          }
        ]
      ]),
      tasks: null
    }
    const w: CheckpointWork = {
      cp: { id: listing.id, listing, createdAt: goTimeFromEpochNanos(0n) },
      v1Sessions: 1,
      action: 'migrate',
      repack: [],
      backfill: [],
      noAgent: false,
      inMainWithoutSummary: false
    }
    packForWrite(
      [w],
      new Map([
        [oid('1'), 10],
        [oid('2'), 1000],
        [oid('3'), 100]
      ])
    )
    expect(w.v1Bytes).toBe(1110)
    expect(listingOf(w.cp)).toEqual(listing)
    // A transcript under LARGE_BLOB_BYTES is not noted.
    expect(listingForWrite(w.cp).largeTranscripts).toEqual([])
    releaseListing(w)
    expect(() => listingOf(w.cp)).toThrow(
      'checkpoint a1b2c3d4e5f6: its v1 listing was released once it was processed'
    )
    packForWrite([w], new Map()) // a released listing is left released
    expect(w.cp.listing).toBeNull()
    expect(w.v1Bytes).toBe(1110)
  })

  it('notes large transcripts inside the packed listing and shares empty slot lists', () => {
    const oid = (c: string): string => c.repeat(40)
    const slot = (name: string, transcript: string, meta: string) => ({
      name,
      entries: [
        { name: 'full.jsonl', mode: '100644', type: 'blob' as const, oid: transcript },
        { name: 'metadata.json', mode: '100644', type: 'blob' as const, oid: meta }
      ],
      tasks: null
    })
    const listing: V1CheckpointListing = {
      id: 'b1b2c3d4e5f6',
      path: 'b1/b2c3d4e5f6',
      entries: [{ name: 'metadata.json', mode: '100644', type: 'blob', oid: oid('1') }],
      slots: new Map([
        ['0', slot('0', oid('2'), oid('3'))],
        ['1', slot('1', oid('4'), oid('5'))]
      ]),
      tasks: null
    }
    const work = (): CheckpointWork => ({
      cp: { id: listing.id, listing, createdAt: goTimeFromEpochNanos(0n) },
      v1Sessions: 2,
      action: 'migrate',
      repack: [],
      backfill: [],
      noAgent: false,
      inMainWithoutSummary: false
    })
    const [a, b] = [work(), work()]
    const sizes = new Map([
      [oid('1'), 10],
      [oid('2'), LARGE_BLOB_BYTES],
      [oid('3'), 100],
      [oid('4'), LARGE_BLOB_BYTES - 1],
      [oid('5'), 100]
    ])
    packForWrite([a, b], sizes)
    expect(a.v1Bytes).toBe(10 + 100 + 100 + 2 * LARGE_BLOB_BYTES - 1)
    expect(listingForWrite(a.cp)).toEqual({
      listing,
      largeTranscripts: [[oid('2'), LARGE_BLOB_BYTES]]
    })
    // No arrays of their own: one frozen empty list for all.
    expect(a.repack).toBe(b.backfill)
    expect(Object.isFrozen(a.repack)).toBe(true)
    expect(a.repack).toEqual([])
    // An unpacked listing has nothing noted.
    expect(
      listingForWrite({ id: 'x', listing, createdAt: a.cp.createdAt }).largeTranscripts
    ).toEqual([])
  })
})
