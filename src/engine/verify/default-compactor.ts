// The project's compact-transcript converter (src/formats/compact) behind the verifier's
// Compactor interface: the same code the migration uses, called on bytes the verifier re-read.
// One per verify run: it holds the run's CompactHistory (a session's transcript at a later
// checkpoint usually extends its earlier one, whose parsed lines are then reused; the output
// is the same with or without it).
import {
  CompactHistory,
  compact,
  compactWithOffset,
  transcriptPosition
} from '../../formats/compact/index.js'
import type { Compactor, Pieces } from './compactor.js'

export interface RunCompactor extends Compactor {
  readonly history: CompactHistory
  /** Drop what the history holds (end of the run). */
  close(): void
}

export function createDefaultCompactor(history = new CompactHistory()): RunCompactor {
  const using = (key: string | undefined) =>
    key === undefined ? {} : { history: { cache: history, key } }
  const pieces = (input: Pieces): Buffer[] => input as Buffer[]
  return {
    history,
    compact(input, opts, historyKey) {
      const r = compact(pieces(input), { ...opts, ...using(historyKey) })
      if (r.kind === 'error') throw new Error(r.message)
      return r.kind === 'output' ? r.bytes : Buffer.alloc(0)
    },
    compactWithOffset(input, opts, offsetStart, historyKey) {
      const r = compactWithOffset(pieces(input), { ...opts, offsetStart, ...using(historyKey) })
      if (r.kind === 'error') throw new Error(r.message)
      return r.kind === 'output'
        ? { bytes: r.bytes, offset: r.offset ?? 0 }
        : { bytes: Buffer.alloc(0), offset: 0 }
    },
    position(input, agent) {
      return transcriptPosition(pieces(input), agent) ?? undefined
    },
    close() {
      history.clear()
    }
  }
}
