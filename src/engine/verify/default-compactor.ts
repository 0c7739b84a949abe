// The project's compact-transcript converter (src/formats/compact) behind the verifier's
// Compactor interface: the same code the migration uses, called on bytes the verifier re-read.
import { compact, compactWithOffset, transcriptPosition } from '../../formats/compact/index.js'
import type { Compactor } from './compactor.js'

export const defaultCompactor: Compactor = {
  compact(input, opts) {
    const r = compact(input, opts)
    if (r.kind === 'error') throw new Error(r.message)
    return r.kind === 'output' ? r.bytes : Buffer.alloc(0)
  },
  compactWithOffset(input, opts, offsetStart) {
    const r = compactWithOffset(input, { ...opts, offsetStart })
    if (r.kind === 'error') throw new Error(r.message)
    return r.kind === 'output'
      ? { bytes: r.bytes, offset: r.offset ?? 0 }
      : { bytes: Buffer.alloc(0), offset: 0 }
  },
  position(input, agent) {
    return transcriptPosition(input, agent) ?? undefined
  }
}
