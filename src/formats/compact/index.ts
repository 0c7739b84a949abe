// Compact transcripts (`transcript.jsonl`): the reference converter of entireio/cli@afef3455
// (= v0.6.2), byte for byte, for every agent format. Spec: compact-transcript.md; offsets and
// positions for the migration: migration.md §7.
//
// API
//   compact(input, { agent, cliVersion, startLine? }) → CompactResult
//     One conversion. `input` is one Buffer or the ordered pieces whose concatenation is the
//     transcript (e.g. reassembled chunks joined with their '\n' pieces); pieces are never
//     joined into one string, and only into one buffer for the single-document formats
//     (OpenCode, Gemini). Result: { kind: 'output', bytes, lines } | { kind: 'empty' } |
//     { kind: 'error', message } — exactly the reference's output / empty / error (§1, §14).
//   compactWithOffset(input, { agent, cliVersion, startLine?, offsetStart }) →
//     CompactResult & { offset? }
//     The full conversion plus the migration's *recomputed* offset for the raw start
//     `offsetStart` (S₀, migration.md §7.2 step 3): 0 when S₀ ≤ 0, when the full conversion is
//     empty or an error, or when the scoped conversion (start line S₀) is empty or an error;
//     else max(0, L(full) − L(scoped)), L = number of lines. Computed from ONE parse of the
//     input: every converter parses each line/message once and the scoped count re-walks the
//     parsed form without writing bytes. (Only when the content-based detection of steps 5–7
//     of §4 picks a different format for the slice than for the whole input is the slice
//     parsed again, as that different format.) `offset` is absent unless kind is 'output'.
//     The offset *cache* (migration.md §7.3) belongs to the engine: it keys on
//     (session_id, agent, transcriptPosition(t)) and stores `lines` of the full conversion.
//   compactWithOffsets(input, opts, starts[]) → the same for several raw starts at once (one
//     parse; used by the tests to check every start line of the fixture tables).
//   transcriptPosition(input, agent) → number | null
//     The cache position of a transcript (migration.md §7.3): for agent 'Gemini CLI' or
//     'OpenCode' the length of the top-level `messages` array (null when the document does not
//     decode), else the number of '\n'-separated pieces without trailing blank ones.
//   detectFormat(input, startLine?) → Format — which converter the content selects (§4).
//   CompactHistory (history.ts): passed as `history: { cache, key }` in the options, it keeps
//     the parsed lines and output of recent inputs (bounded) so that an input sharing a prefix
//     with the key's previous one (a session's transcript at its next checkpoint) parses only
//     its new lines and copies the output written for the shared ones; results are identical.
import { type Input, contiguous, linePosition, toChunks, totalLength } from './lines.js'
import { Doc, decodeStruct, trimBytes, validDocument } from './json.js'
import {
  type Format,
  type SingleDoc,
  detectSliced,
  isCodexFormat,
  isGeminiDoc,
  isOpenCodeDoc,
  isPiFormat,
  singleDocument
} from './detect.js'
import { LineWriter } from './writer.js'
import { CompactHistory } from './history.js'
import { emitEntries, parseEntries } from './jsonl.js'
import { emitCodex, parseCodex } from './codex.js'
import { emitCopilot, parseCopilot } from './copilot.js'
import { emitGemini, parseGemini } from './gemini.js'
import { emitOpenCode, parseOpenCode } from './opencode.js'
import { emitPi, parsePi } from './pi.js'

export type { Input } from './lines.js'
export type { Format } from './detect.js'
export { CompactHistory, type HistoryStats, type InputPins } from './history.js'
export { forgetScannedInputs } from './json.js'
export {
  isCodexFormat,
  isCopilotFormat,
  isDroidFormat,
  isPiFormat,
  isGeminiDoc,
  isOpenCodeDoc,
  singleDocument
} from './detect.js'
export { stripIdeContextTags, isCodexSystemContent } from './text.js'

export interface CompactOptions {
  /** Copied into every line (the session metadata's `agent`, verbatim); never used to parse. */
  agent: string
  /** Copied into every line. */
  cliVersion: string
  /** Raw line (or message index for OpenCode/Gemini) to start from; 0 = everything. */
  startLine?: number
  /**
   * Parsed lines of earlier inputs to reuse (JSONL formats, start line 0): `key` names the
   * earlier input to compare with (e.g. session id and agent). The output is the same with or
   * without it.
   */
  history?: { cache: CompactHistory; key: string }
}

export type CompactResult =
  | { kind: 'output'; bytes: Buffer; lines: number }
  | { kind: 'empty' }
  | { kind: 'error'; message: string }

/** A parsed transcript that can be emitted from any start line without parsing again. */
interface Prepared {
  format: Format
  /** Writes (or counts, for a counting writer) the lines from `start` on; a string is an error. */
  emit(start: number, w: LineWriter): number | string
  /** Receives the output of a full emission (start 0): a history keeps it for the next input. */
  keep?(bytes: Buffer, w: LineWriter): void
}

function prepareWhole(chunks: Buffer[]): Prepared | null {
  if (totalLength(chunks) === 0) return null
  const d = singleDocument(chunks)
  if (isOpenCodeDoc(d)) return prepareDoc('opencode', d!)
  if (isGeminiDoc(d)) return prepareDoc('gemini', d!)
  if (isPiFormat(chunks)) {
    const p = parsePi(chunks)
    if ('error' in p) return { format: 'pi', emit: () => p.error }
    return { format: 'pi', emit: (start, w) => emitPi(p, start, w) }
  }
  if (isCodexFormat(chunks)) {
    const p = parseCodex(chunks)
    return { format: 'codex', emit: (start, w) => emitCodex(p, start, w) }
  }
  return null
}

function prepareDoc(format: 'opencode' | 'gemini', d: SingleDoc): Prepared {
  if (format === 'opencode') {
    const p = parseOpenCode(d)
    if ('error' in p) return { format, emit: () => p.error }
    return { format, emit: (start, w) => emitOpenCode(p, start, w) }
  }
  const p = parseGemini(d)
  if ('error' in p) return { format, emit: () => p.error }
  return { format, emit: (start, w) => emitGemini(p, start, w) }
}

/** Steps 5–7: the line formats detected on the slice; parsed from `fromLine` on. */
function prepareSliced(
  chunks: Buffer[],
  fromLine: number,
  history?: CompactOptions['history']
): Prepared {
  const format = detectSliced(chunks, fromLine)
  if (format === 'copilot') {
    const p = parseCopilot(chunks, fromLine)
    return { format, emit: (start, w) => emitCopilot(p, start, w) }
  }
  const droid = format === 'droid'
  if (history !== undefined && fromLine === 0) {
    const { cache, key } = history
    const entries = cache.entries(key, chunks, droid)
    return {
      format,
      emit: (start, w) =>
        start === 0 && !w.counting ? cache.emit(key, entries, w) : emitEntries(entries, start, w),
      keep: (bytes, w) => cache.keepOutput(key, bytes, w.prefix)
    }
  }
  const entries = parseEntries(chunks, droid, fromLine)
  return { format, emit: (start, w) => emitEntries(entries, start, w) }
}

function result(n: number | string, w: LineWriter, p?: Prepared, start = 0): CompactResult {
  if (typeof n === 'string') return { kind: 'error', message: n }
  if (n === 0) return { kind: 'empty' }
  const bytes = w.out.take()
  if (start === 0) p?.keep?.(bytes, w)
  return { kind: 'output', bytes, lines: n }
}

/** Converts a raw transcript to the compact transcript.jsonl (see the header). */
export function compact(input: Input, opts: CompactOptions): CompactResult {
  const chunks = toChunks(input)
  const start = Math.max(0, opts.startLine ?? 0)
  const w = new LineWriter(opts.agent, opts.cliVersion)
  const p =
    prepareWhole(chunks) ??
    (totalLength(chunks) === 0 ? null : prepareSliced(chunks, start, opts.history))
  if (p === null) return { kind: 'empty' }
  return result(p.emit(start, w), w, p, start)
}

/** The full conversion plus the migration's recomputed offset for `offsetStart` (see the header). */
export function compactWithOffset(
  input: Input,
  opts: CompactOptions & { offsetStart: number }
): CompactResult & { offset?: number } {
  const r = compactWithOffsets(input, opts, [opts.offsetStart])
  if (r.kind !== 'output') return r
  const { offsets, ...full } = r
  return { ...full, offset: offsets[0] }
}

/**
 * compactWithOffset for several raw starts at once: the full conversion and, for each start,
 * the recomputed offset, all from one parse of the input.
 */
export function compactWithOffsets(
  input: Input,
  opts: CompactOptions,
  starts: number[]
):
  | { kind: 'output'; bytes: Buffer; lines: number; offsets: number[] }
  | { kind: 'empty' }
  | { kind: 'error'; message: string } {
  const chunks = toChunks(input)
  const start = Math.max(0, opts.startLine ?? 0)
  if (totalLength(chunks) === 0) return { kind: 'empty' }
  const w = new LineWriter(opts.agent, opts.cliVersion)
  const whole = prepareWhole(chunks)
  const p = whole ?? prepareSliced(chunks, start, opts.history)
  const full = result(p.emit(start, w), w, p, start)
  if (full.kind !== 'output') return full
  const offsets = starts.map((s0) => {
    if (!(s0 > 0)) return 0
    let scoped: number | string
    const counter = new LineWriter('', '', true)
    if (whole !== null) scoped = p.emit(s0, counter)
    else {
      const sliced = detectSliced(chunks, s0)
      scoped =
        sliced === p.format && s0 >= start
          ? p.emit(s0, counter)
          : prepareSliced(chunks, s0).emit(s0, counter)
    }
    return typeof scoped === 'string' || scoped === 0 ? 0 : Math.max(0, full.lines - scoped)
  })
  return { ...full, offsets }
}

/** Which converter the content selects (§4); steps 5–7 look at the input from `startLine`. */
export function detectFormat(input: Input, startLine = 0): Format {
  const chunks = toChunks(input)
  if (totalLength(chunks) === 0) return 'jsonl'
  const whole = prepareWholeFormat(chunks)
  return whole ?? detectSliced(chunks, startLine)
}

function prepareWholeFormat(chunks: Buffer[]): Format | null {
  const d = singleDocument(chunks)
  if (isOpenCodeDoc(d)) return 'opencode'
  if (isGeminiDoc(d)) return 'gemini'
  if (isPiFormat(chunks)) return 'pi'
  if (isCodexFormat(chunks)) return 'codex'
  return null
}

const MESSAGES = { messages: { list: 'raw' } } as const

/** The migration's transcript position (migration.md §7.3); null = not recordable. */
export function transcriptPosition(input: Input, agent: string): number | null {
  const chunks = toChunks(input)
  if (totalLength(chunks) === 0) return 0
  if (agent === 'Gemini CLI' || agent === 'OpenCode') {
    const buf = contiguous(chunks)
    const [s, e] = trimBytes(buf, 0, buf.length)
    const sp = validDocument(new Doc(buf), s, e)
    if (sp === null) return null
    const d = decodeStruct(buf, sp, MESSAGES)
    if (d === null) return null
    return d.messages === undefined ? 0 : d.messages.length
  }
  return linePosition(chunks)
}
