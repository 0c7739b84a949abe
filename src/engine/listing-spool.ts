// The v1 listings a migration has yet to write, in a file instead of in memory. A run keeps every
// planned checkpoint's listing until the write step reaches it: ~1.3 KB of buffer and objects a
// checkpoint, 13 MB at 10,000, and resident memory grew with the corpus by more than that (the
// collector sizes the heap by what is live). Written once when planned, each is read back once,
// for its read window; the file is unlinked as soon as it is open where the system allows it.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PackedListing, type ListingPack, type V1CheckpointListing } from '../formats/v1/listing.js'

/** Bytes gathered before they are written (one write for many small listings). */
const STAGE_BYTES = 256 * 1024

export class ListingSpool {
  private fd: number | null
  /** The file's directory, while it is still there (removed on close). */
  private dir: string | null
  private readonly stage = Buffer.allocUnsafeSlow(STAGE_BYTES)
  private staged = 0
  /** Bytes in the file (not counting the stage). */
  private written = 0

  constructor(parent = tmpdir()) {
    const dir = mkdtempSync(join(parent, 'entire-migrate-'))
    const path = join(dir, 'listings')
    this.fd = openSync(path, 'w+', 0o600)
    this.dir = dir
    try {
      unlinkSync(path)
      rmSync(dir, { recursive: true, force: true })
      this.dir = null
    } catch {
      // Some systems do not remove an open file: it goes on close.
    }
  }

  /** Spool a listing (and the blobs noted with it); read it back with `open()`. */
  put(l: V1CheckpointListing, noted: ReadonlyArray<readonly [string, number]>): SpooledListing {
    const [at, length] = this.putBytes(PackedListing.encode(l, noted))
    return new SpooledListing(this, at, length)
  }

  /** Spool `bytes` (read them back with `read`): where they are, and how many. */
  putBytes(bytes: Uint8Array): [at: number, length: number] {
    const at = this.written + this.staged
    if (this.staged + bytes.length > STAGE_BYTES) this.flush()
    if (bytes.length > STAGE_BYTES) this.writeAll(bytes)
    else {
      this.stage.set(bytes, this.staged)
      this.staged += bytes.length
    }
    return [at, bytes.length]
  }

  /** The bytes at `[at, at + length)`. */
  read(at: number, length: number): Buffer {
    const fd = this.openFd()
    this.flush()
    const out = Buffer.allocUnsafe(length)
    let n = 0
    while (n < length) {
      const r = readSync(fd, out, n, length - n, at + n)
      if (r === 0) throw new Error(`listing spool: ${length - n} bytes missing at ${at + n}`)
      n += r
    }
    return out
  }

  /** Close (and remove) the file; listings spooled can no longer be opened. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true })
    this.dir = null
  }

  private openFd(): number {
    if (this.fd === null) throw new Error('listing spool: read after close')
    return this.fd
  }

  private flush(): void {
    if (this.staged === 0) return
    const n = this.staged
    this.staged = 0
    this.writeAll(this.stage.subarray(0, n))
  }

  private writeAll(b: Uint8Array): void {
    const fd = this.openFd()
    let n = 0
    while (n < b.length) n += writeSync(fd, b, n, b.length - n, this.written + n)
    this.written += b.length
  }
}

/** One listing in a spool: `open()` reads and unpacks it. */
export class SpooledListing implements ListingPack {
  constructor(
    private readonly spool: ListingSpool,
    private readonly at: number,
    private readonly length: number
  ) {}

  open(): { listing: V1CheckpointListing; noted: Array<[string, number]> } {
    return PackedListing.decode(this.spool.read(this.at, this.length))
  }

  /** Where the spool holds it (`new SpooledListing(spool, ...place())` opens it again). */
  place(): [at: number, length: number] {
    return [this.at, this.length]
  }
}
