// SHA-256 digests of blobs by git blob id, as the reader thread computed them from the bytes git
// gave it. A blob's content is fixed by its id, so such a digest stands for reading the blob
// again: verification after a migration takes the digests of the v1 transcripts the migration
// just read instead of inflating them a second time.
//
// Kept as 52-byte records (20-byte id, 32-byte digest) in a few buffers rather than as JS
// strings: a 10,000-checkpoint run reads ~40,000 transcripts. Ids other than 40 hex digits
// (SHA-256 repositories) are not kept; such blobs are simply read again.

const ID = 20
const DIGEST = 32
const RECORD = ID + DIGEST
/** Records per chunk: ~1 MiB, a mapping of its own in the tuned process, as in json-lines.ts. */
export const CHUNK_RECORDS = 20_480
const HEX40 = /^[0-9a-f]{40}$/
const HEX64 = /^[0-9a-f]{64}$/

/** What a reader of digests needs. */
export interface DigestLookup {
  /** SHA-256 (hex) of the blob with this id, if known. */
  get(oid: string): string | undefined
}

export class BlobDigests implements DigestLookup {
  private readonly chunks: Buffer[] = []
  private used = 0
  private records = 0
  /** All records sorted by id; rebuilt on the first lookup after an add. */
  private sorted: Buffer | null = null

  get size(): number {
    return this.records
  }

  add(oid: string, sha256: string): void {
    if (!HEX40.test(oid) || !HEX64.test(sha256)) return
    let chunk = this.chunks[this.chunks.length - 1]
    if (!chunk || this.used === chunk.length) {
      chunk = Buffer.allocUnsafeSlow(CHUNK_RECORDS * RECORD)
      this.chunks.push(chunk)
      this.used = 0
    }
    chunk.write(oid, this.used, ID, 'hex')
    chunk.write(sha256, this.used + ID, DIGEST, 'hex')
    this.used += RECORD
    this.records++
    this.sorted = null
  }

  /** Every record (20-byte id, 32-byte digest), sorted by id: what `addRecords` takes. */
  toRecords(): Buffer {
    if (this.records === 0) return Buffer.alloc(0)
    return (this.sorted ??= this.sort())
  }

  /** Add the records of another store (`toRecords()`), e.g. an earlier segment's of the same run. */
  addRecords(from: Uint8Array): void {
    if (from.byteLength % RECORD !== 0)
      throw new Error(`digest records: ${from.byteLength} bytes is not a multiple of ${RECORD}`)
    if (from.byteLength === 0) return
    // A full chunk of its own: later adds start a new one after it; the next lookup sorts all.
    const chunk = Buffer.from(from)
    const last = this.chunks.pop()
    if (last) this.chunks.push(last.subarray(0, this.used))
    this.chunks.push(chunk)
    this.used = chunk.length
    this.records += chunk.length / RECORD
    this.sorted = null
  }

  get(oid: string): string | undefined {
    if (this.records === 0 || !HEX40.test(oid)) return undefined
    const all = (this.sorted ??= this.sort())
    const key = Buffer.from(oid, 'hex')
    let lo = 0
    let hi = this.records - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const at = mid * RECORD
      const c = key.compare(all, at, at + ID)
      if (c === 0) return all.toString('hex', at + ID, at + RECORD)
      if (c < 0) hi = mid - 1
      else lo = mid + 1
    }
    return undefined
  }

  private sort(): Buffer {
    const flat = Buffer.allocUnsafeSlow(this.records * RECORD)
    let n = 0
    for (let i = 0; i < this.chunks.length; i++) {
      const last = i === this.chunks.length - 1
      n += this.chunks[i].copy(flat, n, 0, last ? this.used : this.chunks[i].length)
    }
    const order = Array.from({ length: this.records }, (_, i) => i * RECORD)
    // buf.compare(target, …) orders buf's range against target's: a's range against b's.
    order.sort((a, b) => flat.compare(flat, b, b + ID, a, a + ID))
    const out = Buffer.allocUnsafeSlow(this.records * RECORD)
    order.forEach((from, i) => flat.copy(out, i * RECORD, from, from + RECORD))
    // The sorted copy is the store from now on; later adds append after it.
    this.chunks.length = 0
    this.chunks.push(out)
    this.used = out.length
    return out
  }
}
