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
import { isBlank } from '../../formats/compact/lines.js'

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
      if (agent === 'Gemini CLI' || agent === 'OpenCode')
        return transcriptPosition(pieces(input), agent) ?? undefined
      return linePosition(input)
    },
    close() {
      history.clear()
    }
  }
}

const LF = 0x0a

/**
 * transcriptPosition for line formats (migration.md §7.3: split on `\n`, drop trailing blank
 * pieces, count the rest), without visiting every line: newlines are counted natively, and
 * only the trailing lines are looked at, from the end.
 */
export function linePosition(input: Pieces): number {
  const pieces = input.filter((p) => p.length > 0)
  let newlines = 0
  for (const p of pieces) for (let i = p.indexOf(LF); i !== -1; i = p.indexOf(LF, i + 1)) newlines++
  // Line `k` (0-based) is the text after the k-th newline; walk back from the last one.
  let k = newlines
  let pi = pieces.length - 1
  let end = pi >= 0 ? pieces[pi].length : 0
  while (pi >= 0) {
    const p = pieces[pi]
    const nl = end > 0 ? p.lastIndexOf(LF, end - 1) : -1
    if (nl !== -1) {
      if (!isBlank(p, nl + 1, end)) return k + 1
      k--
      end = nl
      continue
    }
    // The line starts in an earlier piece: gather it whole (rare: lines end at piece joints).
    const parts: Buffer[] = [p.subarray(0, end)]
    let qi = pi - 1
    let start = -1
    while (qi >= 0) {
      const q = pieces[qi]
      const at = q.lastIndexOf(LF)
      if (at !== -1) {
        parts.unshift(q.subarray(at + 1))
        start = at
        break
      }
      parts.unshift(q)
      qi--
    }
    const line = Buffer.concat(parts)
    if (!isBlank(line, 0, line.length)) return k + 1
    if (qi < 0) return 0
    k--
    pi = qi
    end = start
  }
  return 0
}
