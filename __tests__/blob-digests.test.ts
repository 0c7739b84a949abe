// BlobDigests: SHA-256 digests by blob id in packed records, looked up by binary search.
import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { BlobDigests, CHUNK_RECORDS } from '../src/engine/blob-digests.js'

const hex = (s: string, algo: 'sha1' | 'sha256'): string => createHash(algo).update(s).digest('hex')

describe('BlobDigests', () => {
  it('finds every digest added, across several record chunks, and nothing else', () => {
    const d = new BlobDigests()
    const n = 2 * CHUNK_RECORDS + 1_000 // more than two chunks
    for (let i = 0; i < n; i++) d.add(hex(`blob ${i}`, 'sha1'), hex(`content ${i}`, 'sha256'))
    expect(d.size).toBe(n)
    for (let i = 0; i < n; i += 7)
      expect(d.get(hex(`blob ${i}`, 'sha1'))).toBe(hex(`content ${i}`, 'sha256'))
    expect(d.get(hex(`blob ${n - 1}`, 'sha1'))).toBe(hex(`content ${n - 1}`, 'sha256'))
    expect(d.get(hex('not added', 'sha1'))).toBeUndefined()
    expect(d.get('0'.repeat(40))).toBeUndefined()
    expect(d.get('f'.repeat(40))).toBeUndefined()
  })

  it('adds after a lookup are found too', () => {
    const d = new BlobDigests()
    d.add('b'.repeat(40), '1'.repeat(64))
    expect(d.get('b'.repeat(40))).toBe('1'.repeat(64))
    d.add('a'.repeat(40), '2'.repeat(64))
    d.add('c'.repeat(40), '3'.repeat(64))
    expect(d.get('a'.repeat(40))).toBe('2'.repeat(64))
    expect(d.get('b'.repeat(40))).toBe('1'.repeat(64))
    expect(d.get('c'.repeat(40))).toBe('3'.repeat(64))
    expect(d.size).toBe(3)
  })

  it('keeps only 40-hex ids and 64-hex digests (SHA-256 repositories are read again instead)', () => {
    const d = new BlobDigests()
    d.add('a'.repeat(64), '1'.repeat(64))
    d.add('a'.repeat(40), 'not a digest')
    d.add('A'.repeat(40), '1'.repeat(64))
    expect(d.size).toBe(0)
    expect(d.get('a'.repeat(40))).toBeUndefined()
    expect(d.get('a'.repeat(64))).toBeUndefined()
  })

  it('empty: every lookup is unknown', () => {
    expect(new BlobDigests().get('a'.repeat(40))).toBeUndefined()
  })

  it("takes another store's records (an earlier segment's) beside its own, before and after them", () => {
    const id = (n: number) => createHash('sha1').update(`id ${n}`).digest('hex')
    const sha = (n: number) => createHash('sha256').update(`v ${n}`).digest('hex')
    const earlier = new BlobDigests()
    for (let n = 0; n < 50; n++) earlier.add(id(n), sha(n))
    const d = new BlobDigests()
    d.add(id(100), sha(100))
    d.addRecords(earlier.toRecords())
    d.add(id(101), sha(101))
    expect(d.size).toBe(52)
    for (const n of [0, 17, 49, 100, 101]) expect(d.get(id(n))).toBe(sha(n))
    expect(d.get(id(50))).toBeUndefined()
    expect(() => d.addRecords(new Uint8Array(51))).toThrow(/not a multiple of 52/)
  })
})
