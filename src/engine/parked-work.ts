// Work items the write step has not reached yet, in the listing spool instead of in memory. A
// planned item is a few small objects (~270 bytes with its id and created_at), but a run keeps
// one per checkpoint it has yet to process: the first segment of a 10,000-checkpoint run held
// 10,000 through its write, ~2 MB of live heap more than a run of 2,500, which the collector then
// sized the heap by. Parked, an item is 12 bytes of typed arrays until its read window takes it.
// Only items whose every part is plain data park (fresh paths, skips and plan-time failures); a
// repair item carries decoded v2 documents and stays as it is.
import { NO_SLOTS, type CheckpointWork } from './plan.js'
import { SpooledListing, type ListingSpool } from './listing-spool.js'

/** A work item as parked: its listing as where the spool holds it. */
type ParkedForm = Omit<CheckpointWork, 'cp'> & {
  cp: Omit<CheckpointWork['cp'], 'listing'> & { listing: [number, number] | null }
}

export class ParkedWork {
  private readonly at: Float64Array
  /** Bytes of each parked item; 0: not parked. */
  private readonly length: Uint32Array
  private count = 0

  constructor(
    private readonly spool: ListingSpool,
    size: number
  ) {
    this.at = new Float64Array(size)
    this.length = new Uint32Array(size)
  }

  /** Items parked now. */
  get parked(): number {
    return this.count
  }

  /** Park item `i` (false, and nothing kept, when it does not park: see above). */
  park(i: number, w: CheckpointWork): boolean {
    const bytes = encodeWork(w)
    if (bytes === null) return false
    const [at, length] = this.spool.putBytes(bytes)
    this.at[i] = at
    this.length[i] = length
    this.count++
    return true
  }

  has(i: number): boolean {
    return this.length[i] > 0
  }

  /** Item `i` back, no longer parked. */
  take(i: number): CheckpointWork {
    const w = this.peek(i)
    this.length[i] = 0
    this.count--
    return w
  }

  /** A copy of item `i`, which stays parked. */
  peek(i: number): CheckpointWork {
    if (!this.has(i)) throw new Error(`internal: work item ${i} is not parked`)
    return decodeWork(this.spool.read(this.at[i], this.length[i]), this.spool)
  }
}

/** The item as bytes to park; null when some part of it is not plain data. */
export function encodeWork(w: CheckpointWork): Buffer | null {
  const l = w.cp.listing
  if (w.v2Summary !== undefined || w.v2Slots !== undefined) return null
  if (l !== null && !(l instanceof SpooledListing)) return null
  const form: ParkedForm = { ...w, cp: { ...w.cp, listing: l === null ? null : l.place() } }
  return Buffer.from(JSON.stringify(form))
}

/** An item from `encodeWork`'s bytes (its listing in `spool`). */
export function decodeWork(bytes: Buffer, spool: ListingSpool): CheckpointWork {
  const form = JSON.parse(bytes.toString()) as ParkedForm
  const l = form.cp.listing
  return {
    ...form,
    cp: { ...form.cp, listing: l === null ? null : new SpooledListing(spool, l[0], l[1]) },
    repack: form.repack.length === 0 ? NO_SLOTS : form.repack,
    backfill: form.backfill.length === 0 ? NO_SLOTS : form.backfill
  }
}
