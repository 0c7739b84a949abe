// Transcript files of a v1 session directory (v1-format.md §7.4, readTranscriptFromTree and
// transcriptBlobHashesFromTreeEntries in the reference): which files are read, in which order,
// how they are joined, and which blob ids the v2 `/full` tree reuses.

import { parseJsonDocument, parseJsonPrefix } from '../json/parse.js'
import type { DirEntry } from './listing.js'

export const TRANSCRIPT_FILE = 'full.jsonl'
export const TRANSCRIPT_FILE_LEGACY = 'full.log'

/**
 * Go's ParseChunkIndex: the suffix after `<base>.` read like `fmt.Sscanf(suffix, "%03d")`:
 * leading spaces, an optional sign and digits, at most 3 characters in all; the rest is ignored.
 * Returns -1 when nothing parses.
 */
export function parseChunkIndex(name: string, base: string): number {
  if (name === base) return 0
  if (!name.startsWith(base + '.')) return -1
  const m = /^( *)([+-]?)(\d*)/.exec(name.slice(base.length + 1).slice(0, 3))
  if (!m || m[3] === '') return -1
  const n = Number(m[3])
  return m[2] === '-' ? -n : n
}

/** Chunk file name: `<base>` for 0, else `<base>.` + index zero-padded to at least 3 digits. */
export function chunkFileName(base: string, index: number): string {
  return index === 0 ? base : `${base}.${String(index).padStart(3, '0')}`
}

/** Git modes go-git's FileMode.IsFile accepts (regular, deprecated group-writable, executable, symlink). */
export function isFileMode(mode: string): boolean {
  return mode === '100644' || mode === '100755' || mode === '100664' || mode === '120000'
}

function sortByChunkIndex(names: string[], base: string): string[] {
  // Go uses sort.Slice (not stable); ties (e.g. `.1` and `.001`) are broken by name here.
  return names
    .map((n) => [parseChunkIndex(n, base), n] as const)
    .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([, n]) => n)
}

export interface TranscriptPlan {
  /** Names to read in order (chunked form), or the single fallback candidates in order. */
  mode: 'chunked' | 'single'
  /** For `chunked`: the files to read in chunk order. For `single`: [full.jsonl, full.log] as present. */
  files: string[]
  /** Blob ids the reference records for the transcript (file-mode entries only), chunk order. */
  blobIds: string[]
}

/** Decides which transcript files the reference reads from a session directory. */
export function planTranscript(entries: readonly DirEntry[]): TranscriptPlan {
  let hasBase = false
  const candidates: string[] = []
  for (const e of entries) {
    if (e.name === TRANSCRIPT_FILE || e.name === TRANSCRIPT_FILE_LEGACY) hasBase = true
    if (e.name.startsWith(TRANSCRIPT_FILE + '.') && parseChunkIndex(e.name, TRANSCRIPT_FILE) > 0) {
      candidates.push(e.name)
    }
  }
  const blobIds = transcriptBlobIds(entries)
  if (candidates.length > 0) {
    const files = sortByChunkIndex(candidates, TRANSCRIPT_FILE)
    if (hasBase) files.unshift(TRANSCRIPT_FILE)
    return { mode: 'chunked', files, blobIds }
  }
  return {
    mode: 'single',
    files: [TRANSCRIPT_FILE, TRANSCRIPT_FILE_LEGACY].filter((n) =>
      entries.some((e) => e.name === n)
    ),
    blobIds
  }
}

function transcriptBlobIds(entries: readonly DirEntry[]): string[] {
  let base: string | undefined
  let legacy: string | undefined
  const chunks: DirEntry[] = []
  for (const e of entries) {
    if (e.type !== 'blob' || !isFileMode(e.mode) || e.oid === undefined) continue
    if (e.name === TRANSCRIPT_FILE) base = e.oid
    else if (e.name === TRANSCRIPT_FILE_LEGACY) legacy = e.oid
    else if (
      e.name.startsWith(TRANSCRIPT_FILE + '.') &&
      parseChunkIndex(e.name, TRANSCRIPT_FILE) > 0
    ) {
      chunks.push(e)
    }
  }
  if (chunks.length > 0) {
    const byName = new Map(chunks.map((c) => [c.name, c.oid as string]))
    const order = sortByChunkIndex([...byName.keys()], TRANSCRIPT_FILE)
    return [...(base ? [base] : []), ...order.map((n) => byName.get(n) as string)]
  }
  if (base) return [base]
  if (legacy) return [legacy]
  return []
}

/** Agent types whose reference reassembly re-encodes JSON documents instead of joining lines. */
export const DOCUMENT_REASSEMBLY_AGENTS: ReadonlySet<string> = new Set(['Gemini CLI', 'OpenCode'])

/**
 * A reassembled transcript, kept as its parts: the bytes are `parts` joined with `\n`
 * (the reference's JSONL reassembly), or the single part. Never concatenated here because a
 * transcript can be hundreds of MB.
 */
export interface V1Transcript {
  parts: Buffer[]
  /** Files actually read, in order. */
  files: string[]
  /** Blob ids for `/full` (v1-format.md §7.4 blob-hash list). */
  blobIds: string[]
  /** Total length of the reassembled bytes. */
  length: number
  /**
   * `single`: one file. `jsonl`: chunks joined with `\n`. `document-agent-fallback`: the agent is
   * Gemini CLI or OpenCode, whose Go reassembly re-encodes messages through Go structs; we join
   * with `\n` instead, so the bytes (and raw_transcript_hash.txt) can differ from Go's.
   */
  reassembly: 'single' | 'jsonl' | 'document-agent-fallback'
}

const NEWLINE = Buffer.from('\n')

/** The reassembled transcript as a sequence of buffers (parts with `\n` between them). */
export function transcriptSegments(t: V1Transcript): Buffer[] {
  if (t.parts.length <= 1) return t.parts
  const out: Buffer[] = []
  t.parts.forEach((p, i) => {
    if (i) out.push(NEWLINE)
    out.push(p)
  })
  return out
}

/** The reassembled transcript bytes (concatenates: use transcriptSegments to stream). */
export function transcriptBytes(t: V1Transcript): Buffer {
  const segs = transcriptSegments(t)
  return segs.length === 1 ? segs[0] : Buffer.concat(segs)
}

/** Go's ChunkJSONL at the 50 MiB limit (used only when a transcript has no reusable blob). */
export const MAX_CHUNK_SIZE = 50 * 1024 * 1024

export function chunkJsonl(content: Buffer, maxSize = MAX_CHUNK_SIZE): Buffer[] {
  if (content.length === 0) return []
  if (content.length <= maxSize) return [content]
  const chunks: Buffer[] = []
  let current: Buffer[] = []
  let currentLen = 0
  let start = 0
  const finish = () => {
    const chunk = Buffer.concat(current)
    // Each finished chunk loses one trailing newline.
    chunks.push(
      chunk.length && chunk[chunk.length - 1] === 0x0a ? chunk.subarray(0, chunk.length - 1) : chunk
    )
    current = []
    currentLen = 0
  }
  while (start <= content.length) {
    let end = content.indexOf(0x0a, start)
    if (end < 0) end = content.length
    const lineLen = end - start + 1
    if (lineLen > maxSize)
      throw new Error(`JSONL line of ${lineLen} bytes exceeds the chunk limit of ${maxSize}`)
    if (currentLen > 0 && currentLen + lineLen > maxSize) finish()
    current.push(content.subarray(start, end), NEWLINE)
    currentLen += lineLen
    start = end + 1
  }
  if (currentLen > 0) finish()
  return chunks
}

export interface JsonlScan {
  /** `jsonl` or a single JSON document (`{…}` with a non-empty `messages` array, like DetectAgentTypeFromContent). */
  format: 'jsonl' | 'json-document'
  lines: number
  /** 0-based indexes of lines holding two or more JSON values glued together. */
  gluedLines: number[]
  /** 0-based indexes of other lines that are not one JSON value. */
  malformedLines: number[]
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

/** Sniffs the format and finds JSONL lines that do not hold exactly one JSON value. */
export function scanJsonlLines(t: V1Transcript): JsonlScan {
  const bytes = transcriptBytes(t)
  let a = 0
  let b = bytes.length
  while (a < b && isJsonSpace(bytes[a])) a++
  while (b > a && isJsonSpace(bytes[b - 1])) b--
  if (bytes[a] === 0x7b) {
    try {
      const doc = parseJsonDocument(bytes.subarray(a, b))
      const messages =
        doc.kind === 'object' ? doc.members.filter((m) => m.key === 'messages').pop() : undefined
      if (messages && messages.value.kind === 'array' && messages.value.items.length > 0) {
        return { format: 'json-document', lines: 1, gluedLines: [], malformedLines: [] }
      }
    } catch {
      // not one document: scan as JSONL
    }
  }
  const scan: JsonlScan = { format: 'jsonl', lines: 0, gluedLines: [], malformedLines: [] }
  let start = 0
  let index = 0
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start)
    if (end < 0) end = bytes.length
    const line = bytes.subarray(start, end)
    if (start < bytes.length || line.length > 0) scan.lines++
    if (line.some((c) => !isJsonSpace(c))) {
      try {
        JSON.parse(line.toString('utf8'))
      } catch {
        let glued = false
        try {
          const first = parseJsonPrefix(line)
          const rest = line.subarray(first.end)
          if (rest.some((c) => !isJsonSpace(c))) {
            parseJsonPrefix(rest)
            glued = true
          }
        } catch {
          glued = false
        }
        ;(glued ? scan.gluedLines : scan.malformedLines).push(index)
      }
    }
    index++
    start = end + 1
  }
  return scan
}
