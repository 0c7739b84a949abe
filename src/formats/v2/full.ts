// The `/full` entries of migrated sessions (migration.md §6.4): raw transcript chunks reusing
// the v1 blob ids, `raw_transcript_hash.txt` computed from the reassembled bytes, and copied
// task files. Plus generation.json timestamps (migration.md §9).

import { hashFileContent } from '../hash.js'
import { decodeGoStruct, type StructSchema } from '../json/decode.js'
import { compareGoTime, isZeroTime, parseRfc3339, toUtc, type GoTime } from '../json/time.js'
import type { GenerationMetadata } from '../json/structs.js'
import type { TaskFile } from '../v1/listing.js'
import type { V1CheckpointOk, V1SessionOk } from '../v1/read.js'
import {
  chunkJsonl,
  transcriptBytes,
  transcriptSegments,
  type V1Transcript
} from '../v1/transcript.js'
import {
  checkpointDir,
  MODE_FILE,
  RAW_TRANSCRIPT_HASH_FILE,
  rawTranscriptChunkName,
  TASKS_DIR,
  type V2TreeEntry
} from './layout.js'

export interface FullSessionInput {
  /** v2 slot. */
  slot: number
  transcript: V1Transcript
  /** SHA-256 hex of the reassembled transcript, if already computed (saves a pass). */
  transcriptSha256?: string
  /** Task trees attached to this slot, in attachment order (the first wins on a path clash). */
  taskTrees?: ReadonlyArray<readonly TaskFile[]>
}

/**
 * Entries under `<aa>/<rest>/<slot>/` of a `/full` ref. Raw chunks reuse the v1 blob ids in chunk
 * order; with no reusable blob (not expected) the transcript is re-chunked with the JSONL chunker
 * into new blobs.
 */
export function buildFullSessionEntries(checkpointId: string, s: FullSessionInput): V2TreeEntry[] {
  const base = `${checkpointDir(checkpointId)}/${s.slot}/`
  const entries: V2TreeEntry[] = []
  if (s.transcript.blobIds.length > 0) {
    s.transcript.blobIds.forEach((oid, i) =>
      entries.push({ path: base + rawTranscriptChunkName(i), mode: MODE_FILE, oid })
    )
  } else {
    chunkJsonl(transcriptBytes(s.transcript)).forEach((content, i) =>
      entries.push({ path: base + rawTranscriptChunkName(i), mode: MODE_FILE, content })
    )
  }
  const hash = s.transcriptSha256
    ? Buffer.from('sha256:' + s.transcriptSha256, 'latin1')
    : hashFileContent(transcriptSegments(s.transcript))
  entries.push({ path: base + RAW_TRANSCRIPT_HASH_FILE, mode: MODE_FILE, content: hash })
  const taken = new Set(entries.map((e) => e.path))
  for (const tree of s.taskTrees ?? []) {
    for (const f of tree) {
      const path = `${base}${TASKS_DIR}/${f.path}`
      if (taken.has(path)) continue // task entries never replace an existing entry
      taken.add(path)
      entries.push({ path, mode: f.mode, oid: f.oid })
    }
  }
  return entries
}

/**
 * Task trees per v2 slot on the fresh path (migration.md §5.4 step 5): only when some migrating
 * session has `is_task`; the checkpoint-level `tasks/` goes to the highest slot (attached
 * first), each session's `<j>/tasks/` to its own slot.
 */
export function freshPathTaskTrees(
  read: V1CheckpointOk,
  migrating: readonly V1SessionOk[]
): Map<number, TaskFile[][]> {
  const out = new Map<number, TaskFile[][]>()
  if (!migrating.some((s) => s.metadata.is_task)) return out
  const attach = (slot: number, files: TaskFile[]) => {
    const list = out.get(slot) ?? []
    list.push(files)
    out.set(slot, list)
  }
  if (read.tasks && migrating.length > 0) attach(migrating.length - 1, read.tasks)
  migrating.forEach((s, k) => {
    if (s.tasks) attach(k, s.tasks)
  })
  return out
}

/** Min/max of non-zero times, in UTC; undefined when there is none. */
export function timeEnvelope(times: Iterable<GoTime>): GenerationMetadata | undefined {
  let oldest: GoTime | undefined
  let newest: GoTime | undefined
  for (const t of times) {
    if (isZeroTime(t)) continue
    if (!oldest || compareGoTime(t, oldest) < 0) oldest = t
    if (!newest || compareGoTime(t, newest) > 0) newest = t
  }
  if (!oldest || !newest) return undefined
  return { oldest_checkpoint_at: toUtc(oldest), newest_checkpoint_at: toUtc(newest) }
}

const timestampEventSchema: StructSchema = {
  goName: 'event',
  zero: () => ({ timestamp: '' }),
  fields: [{ json: 'timestamp', prop: 'timestamp', kind: 'string' }]
}

function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d)
}

/**
 * Top-level `"timestamp"` values of the transcript's lines (timestampRangeFromTranscript): each
 * trimmed line that json.Unmarshal decodes without error into `{Timestamp string}` with a
 * non-empty value parsing as RFC 3339.
 */
export function* transcriptTimestamps(transcript: V1Transcript): Generator<GoTime> {
  const bytes = transcriptBytes(transcript)
  let start = 0
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start)
    if (end < 0) end = bytes.length
    let a = start
    let b = end
    start = end + 1
    while (a < b && isAsciiSpace(bytes[a])) a++
    while (b > a && isAsciiSpace(bytes[b - 1])) b--
    if (a === b) continue
    const line = bytes.subarray(a, b)
    const dec = decodeGoStruct<{ timestamp: string }>(line, timestampEventSchema)
    if (dec.error || !dec.value || dec.value.timestamp === '') continue
    const t = parseRfc3339(dec.value.timestamp)
    if (t) yield t
  }
}
