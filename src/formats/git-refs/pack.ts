// A git pack (version 2) of whole objects, for `git index-pack --stdin`: the conversion computes
// every new blob, tree and commit in process (their ids are part of the plan), so git only has to
// check and index them. Object data is zlib with stored (uncompressed) deflate blocks: compressing
// ~2,000 small objects costs more than index-pack then spends on the whole pack, and `git gc`
// recompresses later. Pure: no I/O.
import { createHash } from 'node:crypto'
import { treeBytes, type ObjectType } from './objects.js'
import type { PlannedCommit } from './plan.js'

export interface PackObject {
  type: ObjectType
  body: Uint8Array
}

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3 }
/** Largest stored deflate block. */
const STORED_MAX = 0xffff

function adler32(b: Uint8Array): number {
  let a = 1
  let s = 0
  // 5552 bytes keep both sums below 2^32 between reductions (zlib's NMAX).
  for (let i = 0; i < b.length;) {
    const end = Math.min(b.length, i + 5552)
    for (; i < end; i++) {
      a += b[i]
      s += a
    }
    a %= 65521
    s %= 65521
  }
  return ((s << 16) | a) >>> 0
}

/** Bytes of a zlib stream holding `body` in stored deflate blocks (RFC 1950/1951). */
export function zlibStored(body: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(body.length / STORED_MAX))
  const out = Buffer.allocUnsafe(2 + blocks * 5 + body.length + 4)
  out[0] = 0x78 // deflate, 32K window
  out[1] = 0x01 // no dictionary, fastest; (0x78 * 256 + 0x01) % 31 === 0
  let o = 2
  for (let k = 0; k < blocks; k++) {
    const start = k * STORED_MAX
    const len = Math.min(STORED_MAX, body.length - start)
    out[o++] = k === blocks - 1 ? 1 : 0 // BFINAL, BTYPE = 00 (stored)
    out.writeUInt16LE(len, o)
    out.writeUInt16LE(~len & 0xffff, o + 2)
    o += 4
    out.set(body.subarray(start, start + len), o)
    o += len
  }
  out.writeUInt32BE(adler32(body), o)
  return out
}

/** Pack entry header: type and size, size in 4 + 7-bit little-endian groups. */
function entryHeader(type: ObjectType, size: number): Buffer {
  const bytes: number[] = []
  let b = (TYPE_CODE[type] << 4) | (size & 0x0f)
  let rest = Math.floor(size / 16)
  while (rest > 0) {
    bytes.push(b | 0x80)
    b = rest & 0x7f
    rest = Math.floor(rest / 128)
  }
  bytes.push(b)
  return Buffer.from(bytes)
}

/** A complete pack of `objects` (no deltas), with its SHA-1 trailer. */
export function buildPack(objects: readonly PackObject[]): Buffer {
  const parts: Buffer[] = []
  const header = Buffer.alloc(12)
  header.write('PACK', 0, 'latin1')
  header.writeUInt32BE(2, 4)
  header.writeUInt32BE(objects.length, 8)
  parts.push(header)
  for (const o of objects) parts.push(entryHeader(o.type, o.body.length), zlibStored(o.body))
  const pack = Buffer.concat(parts)
  return Buffer.concat([pack, createHash('sha1').update(pack).digest()])
}

/** The new objects of the planned commits: metadata.json blob and tree where changed, and the commit. */
export function conversionObjects(commits: readonly PlannedCommit[]): PackObject[] {
  const seen = new Set<string>()
  const out: PackObject[] = []
  for (const c of commits) {
    const d = c.decision
    if (d.newBlob && d.targetTree && d.targetEntries) {
      if (!seen.has(d.newBlob.oid)) {
        seen.add(d.newBlob.oid)
        out.push({ type: 'blob', body: d.newBlob.bytes })
      }
      if (!seen.has(d.targetTree)) {
        seen.add(d.targetTree)
        out.push({ type: 'tree', body: treeBytes(d.targetEntries) })
      }
    }
    if (!seen.has(c.commit)) {
      seen.add(c.commit)
      out.push({ type: 'commit', body: c.bytes })
    }
  }
  return out
}
