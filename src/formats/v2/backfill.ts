// The compact-transcript backfill of an existing `/main` checkpoint (migration.md §5.2 Step B,
// UpdateCommitted / updateCommittedMain in the reference): the slot is the one whose metadata has
// the session id, else the last; transcript.jsonl + transcript_hash.txt are written, and the
// decoded summary is re-encoded with that slot's `transcript` / `content_hash` set (its
// cli_version kept, unknown keys dropped). The slot's metadata.json is not touched.

import { hashFileContent } from '../hash.js'
import {
  decodeCheckpointSummary,
  decodeSessionMetadata,
  type CheckpointSummary
} from '../json/structs.js'
import {
  checkpointDir,
  COMPACT_TRANSCRIPT_FILE,
  COMPACT_TRANSCRIPT_HASH_FILE,
  METADATA_FILE,
  MODE_FILE,
  type V2TreeEntry
} from './layout.js'
import { encodeCheckpointSummary } from './metadata.js'

/**
 * Go's findSessionIndex with UpdateCommitted's fallback: the first slot `i < sessionCount` whose
 * metadata (decoded like json.Decoder; unreadable ones skipped) has `sessionId`, else the last.
 */
export function findSessionSlot(
  sessionCount: number,
  slotMetadata: ReadonlyArray<Buffer | undefined>,
  sessionId: string
): number {
  for (let i = 0; i < sessionCount; i++) {
    const bytes = slotMetadata[i]
    if (!bytes) continue
    const dec = decodeSessionMetadata(bytes, { mode: 'decoder' })
    if (!dec.error && dec.value && dec.value.session_id === sessionId) return i
  }
  return sessionCount - 1
}

export interface CompactBackfillInput {
  checkpointId: string
  /** The existing `/main` `<aa>/<rest>/metadata.json`. */
  summaryBytes: Buffer
  /** Existing `<i>/metadata.json` blobs by slot (undefined when absent). */
  slotMetadata: ReadonlyArray<Buffer | undefined>
  sessionId: string
  compactTranscript: Buffer
}

export type CompactBackfillResult =
  | { kind: 'ok'; slot: number; entries: V2TreeEntry[]; summary: CheckpointSummary }
  | { kind: 'not-found'; path: string; message: string }
  | { kind: 'summary-error'; path: string; message: string }

export function buildCompactBackfill(input: CompactBackfillInput): CompactBackfillResult {
  const dir = checkpointDir(input.checkpointId)
  const path = `${dir}/${METADATA_FILE}`
  const dec = decodeCheckpointSummary(input.summaryBytes, { mode: 'decoder' })
  if (dec.error || !dec.value) {
    return {
      kind: 'summary-error',
      path,
      message: `failed to read checkpoint summary: ${dec.error?.message}`
    }
  }
  const summary = dec.value
  const n = summary.sessions?.length ?? 0
  if (n === 0 || !summary.sessions)
    return {
      kind: 'not-found',
      path,
      message: `checkpoint ${input.checkpointId} has no sessions on /main`
    }
  const slot = findSessionSlot(n, input.slotMetadata, input.sessionId)
  const entries: V2TreeEntry[] = []
  if (input.compactTranscript.length > 0) {
    const base = `${dir}/${slot}/`
    entries.push({
      path: base + COMPACT_TRANSCRIPT_FILE,
      mode: MODE_FILE,
      content: input.compactTranscript
    })
    entries.push({
      path: base + COMPACT_TRANSCRIPT_HASH_FILE,
      mode: MODE_FILE,
      content: hashFileContent(input.compactTranscript)
    })
    summary.sessions[slot] = {
      ...summary.sessions[slot],
      transcript: `/${base}${COMPACT_TRANSCRIPT_FILE}`,
      content_hash: `/${base}${COMPACT_TRANSCRIPT_HASH_FILE}`
    }
    entries.push({ path, mode: MODE_FILE, content: encodeCheckpointSummary(summary) })
  }
  return { kind: 'ok', slot, entries, summary }
}
