// A full collection between planning and writing. Planning holds the whole v1 listing and every
// decoded metadata.json (~150 MB of heap at 10,000 checkpoints) and keeps little of it; V8
// collects that garbage only once its heap grows again, so a run's first read windows (and, in
// the synthetic corpora, their largest transcripts) were held on top of it: the peak of a
// 10,000-checkpoint run came from there. V8 offers a full collection only behind --expose-gc,
// which a running process can turn on for itself (as jest's leak detector does).
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * `given` when this context has it, else `expression` evaluated in a new context after turning
 * on the V8 `flag` that provides it (a running process may; contexts made later pick it up);
 * null when neither works.
 */
function behindFlag<T>(given: T | undefined, flag: string, expression: string): T | null {
  if (given !== undefined) return given
  try {
    setFlagsFromString(flag)
    return (runInNewContext(expression) as T | undefined) ?? null
  } catch {
    return null
  }
}

let collect: (() => void) | null | undefined

/** Run a full garbage collection now; false when this runtime does not allow it. */
export function collectGarbage(): boolean {
  if (collect === undefined) {
    collect = behindFlag((globalThis as { gc?: () => void }).gc, '--expose-gc', 'gc')
  }
  if (collect === null) return false
  collect()
  return true
}

/**
 * Collect, let the event loop turn, and collect again: array buffers whose objects one collection
 * finds dead are freed by a later one (a migration's 128 MiB read pool, 152 MB of array buffers,
 * stayed after one collection and was gone after the second; ~30 ms in all).
 */
export async function releaseDeadBuffers(): Promise<boolean> {
  if (!collectGarbage()) return false
  await new Promise<void>((resolve) => setImmediate(resolve))
  return collectGarbage()
}

type Transfer = (this: ArrayBuffer, newLength: number) => ArrayBuffer
let transfer: Transfer | null | undefined

/**
 * Give `memory` back to the system now instead of at V8's next collection, which for buffers
 * that lived through a few young collections comes only with a full one: until then a run holds
 * the garbage of every transcript it finished with (V8 starts that collection only once such
 * memory has grown by ~64 MiB). Uses `ArrayBuffer.prototype.transfer(0)`, which detaches `memory`
 * (every view of it reads as empty afterwards) and frees what it held; Node 20's V8 has it behind
 * a flag, which a new context picks up (as with `gc` above). False when nothing was freed.
 */
export function freeNow(memory: ArrayBuffer): boolean {
  if (transfer === undefined) {
    transfer = behindFlag(
      (ArrayBuffer.prototype as { transfer?: Transfer }).transfer,
      '--harmony-rab-gsab-transfer',
      'ArrayBuffer.prototype.transfer'
    )
  }
  if (transfer === null || memory.byteLength === 0) return false
  try {
    transfer.call(memory, 0)
    return true
  } catch {
    return false
  }
}

/** The V8 flag that fixes how far the old generation may grow past what a full collection kept. */
const GROWTH_FLAG = '--heap-growing-percent'

/**
 * Let V8's old generation grow to at most (1 + percent/100) times what its last full collection
 * kept before it collects again, until the returned function restores V8's own choice. V8 picks
 * up to 4× (where the heap may reach 2 GiB or more), so what a run keeps for all its checkpoints
 * (a few MB at 10,000) came back several times over as heap on top of what every checkpoint
 * needs; a fixed smaller factor costs more frequent collections. Nothing changes when Node was
 * started with the flag (the user's choice wins). Node 20's V8 and current V8 have the flag; one
 * without it would say so on stderr and keep its own factor.
 */
export function capHeapGrowth(percent: number): () => void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some(
    (a) => a === GROWTH_FLAG || a.startsWith(`${GROWTH_FLAG}=`)
  )
  if (given || !Number.isInteger(percent) || percent <= 0) return () => undefined
  try {
    setFlagsFromString(`${GROWTH_FLAG}=${percent}`)
  } catch {
    return () => undefined
  }
  // 0 is V8's "not set": its dynamic factor again
  return () => setFlagsFromString(`${GROWTH_FLAG}=0`)
}
