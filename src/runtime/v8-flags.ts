// V8 features this Node has only behind a flag, turned on by the running process for itself:
// a flag set at run time applies to contexts made afterwards, so the feature is taken from a new
// context (as jest's leak detector does for `gc`). Used by the git layer (pipe chunks) and the
// engine (transcripts, collections) alike, so it sits below both.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * `given` when this context has it, else `expression` evaluated in a new context after turning
 * on the V8 `flag` that provides it; null when neither works.
 */
export function behindFlag<T>(given: T | undefined, flag: string, expression: string): T | null {
  if (given !== undefined) return given
  try {
    setFlagsFromString(flag)
    return (runInNewContext(expression) as T | undefined) ?? null
  } catch {
    return null
  }
}

type Transfer = (this: ArrayBuffer, newLength: number) => ArrayBuffer
let transfer: Transfer | null | undefined

/**
 * Give `memory` back to the system now instead of at V8's next collection, which for buffers
 * that lived through a few young collections comes only with a full one: until then a run holds
 * the garbage of every transcript it finished with (V8 starts that collection only once such
 * memory has grown by ~64 MiB). Uses `ArrayBuffer.prototype.transfer(0)`, which detaches `memory`
 * (every view of it reads as empty afterwards) and frees what it held; Node 20's V8 has it behind
 * a flag. False when nothing was freed (already detached or empty, or no way to).
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
