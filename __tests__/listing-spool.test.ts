// The write step's listings kept in a file (src/engine/listing-spool.ts): each reads back equal to
// what was spooled, in any order, and the file is gone from the directory while the spool is open.
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListingSpool } from '../src/engine/listing-spool.js'
import type { V1CheckpointListing } from '../src/formats/v1/listing.js'

function listing(i: number, files: number): V1CheckpointListing {
  const id = i.toString(16).padStart(12, '0')
  const entries = Array.from({ length: files }, (_, k) => ({
    name: `file-${k}.txt`,
    mode: '100644',
    type: 'blob' as const,
    oid: (i * 1000 + k).toString(16).padStart(40, '0')
  }))
  return {
    id,
    path: `${id.slice(0, 2)}/${id.slice(2)}`,
    entries: [{ name: 'metadata.json', mode: '100644', type: 'blob', oid: 'a'.repeat(40) }],
    slots: new Map([['0', { name: '0', entries, tasks: null }]]),
    tasks: null
  }
}

describe('ListingSpool', () => {
  it('reads every listing back as spooled, in any order, with its noted blobs', () => {
    const parent = mkdtempSync(join(tmpdir(), 'em-spool-test-'))
    try {
      const spool = new ListingSpool(parent)
      // Open and unlinked: nothing is left in the directory (on systems that allow it).
      if (process.platform !== 'win32') expect(readdirSync(parent)).toEqual([])
      // Small ones share writes; one is larger than the spool's write stage (256 KiB).
      const sizes = [3, 1, 40, 2, 7]
      const made = Array.from({ length: 600 }, (_, i) =>
        listing(i, i === 100 ? 5000 : sizes[i % sizes.length])
      )
      const refs = made.map((l, i) =>
        spool.put(l, i % 3 === 0 ? [[`${i}`.repeat(40).slice(0, 40), i]] : [])
      )
      const order = made.map((_, i) => (i * 7919) % made.length)
      for (const i of order) {
        const { listing: back, noted } = refs[i].open()
        expect(back).toEqual(made[i])
        expect(noted).toEqual(i % 3 === 0 ? [[`${i}`.repeat(40).slice(0, 40), i]] : [])
      }
      // Spooling after reading goes on where the file ended.
      const late = spool.put(listing(9999, 4), [])
      expect(late.open().listing).toEqual(listing(9999, 4))
      expect(refs[5].open().listing).toEqual(made[5])
      spool.close()
      expect(() => refs[0].open()).toThrow(/after close/)
      expect(readdirSync(parent)).toEqual([])
    } finally {
      rmSync(parent, { recursive: true, force: true })
    }
  })
})
