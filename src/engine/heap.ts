// A full collection between planning and writing. Planning holds the whole v1 listing and every
// decoded metadata.json (~150 MB of heap at 10,000 checkpoints) and keeps little of it; V8
// collects that garbage only once its heap grows again, so a run's first read windows (and, in
// the synthetic corpora, their largest transcripts) were held on top of it: the peak of a
// 10,000-checkpoint run came from there. V8 offers a full collection only behind --expose-gc,
// which a running process can turn on for itself (as jest's leak detector does).
import { setFlagsFromString } from 'node:v8'
import { behindFlag } from '../runtime/v8-flags.js'

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
