// Reading one v1 checkpoint from a listing and the blobs the engine fetched in bulk, with the
// semantics of the reference reader (v1-format.md §8.1–§8.4): the summary, then session
// directories 0 … len(sessions)-1 addressed by their decimal name. Every odd shape becomes a
// typed outcome or oddity naming the checkpoint and the file; nothing here throws on bad data.

import {
  decodeCheckpointSummary,
  decodeSessionMetadata,
  zeroSessionMetadata,
  type CheckpointSummary,
  type SessionMetadata
} from '../json/structs.js'
import { compareGoTime, GO_ZERO_TIME, isZeroTime, type GoTime } from '../json/time.js'
import { sha256Hex, parseHashFile } from '../hash.js'
import type { DirEntry, TaskFile, V1CheckpointListing, V1SlotListing } from './listing.js'
import {
  DOCUMENT_REASSEMBLY_AGENTS,
  planTranscript,
  scanJsonlLines,
  transcriptSegments,
  type V1Transcript
} from './transcript.js'

export const METADATA_FILE = 'metadata.json'
export const PROMPT_FILE = 'prompt.txt'
export const CONTENT_HASH_FILE = 'content_hash.txt'

/** Where blob contents come from: a map filled by one `cat-file --batch`, or a lookup. */
export type BlobSource = ReadonlyMap<string, Buffer> | ((oid: string) => Buffer | undefined)

function getBlob(src: BlobSource, oid: string): Buffer | undefined {
  return typeof src === 'function' ? src(oid) : src.get(oid)
}

export type V1OddityKind =
  | 'session-dir-missing'
  | 'session-dir-beyond-summary'
  | 'duplicate-session-id'
  | 'metadata-only-session'
  | 'session-metadata-missing'
  | 'session-metadata-undecodable'
  | 'session-metadata-partial'
  | 'summary-path-mismatch'
  | 'summary-path-repeats-prefix'
  | 'summary-prompt-path-dangling'
  | 'summary-transcript-path-dangling'
  | 'summary-checkpoint-id-mismatch'
  | 'session-checkpoint-id-mismatch'
  | 'unknown-keys'
  | 'non-utc-created-at'
  | 'zero-created-at'
  | 'agent-missing'
  | 'chunked-transcript'
  | 'document-agent-chunk-join'
  | 'content-hash-mismatch'
  | 'content-hash-missing'
  | 'tasks-tree'
  | 'jsonl-glued-objects'
  | 'jsonl-malformed-lines'

export interface V1Oddity {
  kind: V1OddityKind
  /** Path of the file or directory concerned, from the tree root. */
  path: string
  detail?: string
}

interface SessionBase {
  /** Session index (= directory name read). */
  index: number
  /** `<aa>/<rest>/<index>` */
  path: string
}

interface SessionFiles extends SessionBase {
  /** Decoded metadata: zero when missing or syntactically invalid, partial on other errors. */
  metadata: SessionMetadata
  metadataStatus: 'ok' | 'missing' | 'undecodable'
  metadataError?: string
  /** Keys of metadata.json the reference does not decode (legacy or newer keys). */
  unknownKeys: string[]
  /** Agent type used for reassembly: `metadata.agent` only when metadata decoded without error. */
  agentType: string
  /** Raw prompt.txt bytes; empty when absent. */
  prompt: Buffer
  /** Files under `<index>/tasks/`, or null. */
  tasks: TaskFile[] | null
}

export interface V1SessionOk extends SessionFiles {
  kind: 'ok'
  transcript: V1Transcript
  /** SHA-256 (hex) of the reassembled transcript. */
  transcriptSha256: string
}

/** The reference's ErrNoTranscript: no transcript file, an empty one, or unreadable chunks. */
export interface V1SessionNoTranscript extends SessionFiles {
  kind: 'no-transcript'
}

/** The reference's "session i not found": no directory named `<index>`. */
export interface V1SessionMissingDir extends SessionBase {
  kind: 'missing-dir'
}

export type V1SessionRead = V1SessionOk | V1SessionNoTranscript | V1SessionMissingDir

export interface V1CheckpointOk {
  kind: 'ok'
  id: string
  path: string
  summary: CheckpointSummary
  summaryUnknownKeys: string[]
  /** One per `sessions[]` entry, index i = directory `i`. */
  sessions: V1SessionRead[]
  /** Files under the checkpoint-level `tasks/`, or null. */
  tasks: TaskFile[] | null
  /** Directories the reference never reads (outside 0 … len(sessions)-1), with what their metadata says when provided. */
  extraSlots: V1ExtraSlot[]
  oddities: V1Oddity[]
}

export interface V1ExtraSlot {
  name: string
  path: string
  /** From its metadata.json when that blob was provided and decodes. */
  sessionId?: string
  createdAt?: GoTime
}

/** No `metadata.json` blob: listed, but the reference's ReadCommitted says "not found". */
export interface V1CheckpointNoSummary {
  kind: 'no-summary'
  id: string
  path: string
  message: string
  oddities: V1Oddity[]
}

/** `metadata.json` does not decode (syntax, wrong type, bad checkpoint_id or time). */
export interface V1CheckpointSummaryError {
  kind: 'summary-error'
  id: string
  path: string
  message: string
  oddities: V1Oddity[]
}

/** A blob the read needed was not provided by the caller (a repository or engine problem). */
export interface V1CheckpointBlobUnavailable {
  kind: 'blob-unavailable'
  id: string
  path: string
  oid: string
  message: string
}

export type V1CheckpointRead =
  V1CheckpointOk | V1CheckpointNoSummary | V1CheckpointSummaryError | V1CheckpointBlobUnavailable

class MissingBlob extends Error {
  constructor(
    readonly path: string,
    readonly oid: string
  ) {
    super(`blob ${oid} of ${path} was not provided`)
  }
}

function findBlob(entries: readonly DirEntry[], name: string): DirEntry | undefined {
  return entries.find((e) => e.name === name && e.type === 'blob' && e.oid !== undefined)
}

function need(src: BlobSource, path: string, e: DirEntry): Buffer {
  const b = getBlob(src, e.oid as string)
  if (b === undefined) throw new MissingBlob(path, e.oid as string)
  return b
}

// ---------------------------------------------------------------------------------------------
// Blob plans

/** The summary blob id, or undefined when the checkpoint has no `metadata.json` file. */
export function summaryBlobOid(cp: V1CheckpointListing): string | undefined {
  return findBlob(cp.entries, METADATA_FILE)?.oid
}

/** Blob ids of `<index>/metadata.json`, `prompt.txt` and `content_hash.txt` (small files). */
export function sessionSmallBlobOids(cp: V1CheckpointListing, index: number): string[] {
  const slot = cp.slots.get(String(index))
  if (!slot) return []
  return [METADATA_FILE, PROMPT_FILE, CONTENT_HASH_FILE]
    .map((n) => findBlob(slot.entries, n)?.oid)
    .filter((o): o is string => o !== undefined)
}

/** Blob ids of the transcript files the reference reads for session `index`. */
export function sessionTranscriptBlobOids(cp: V1CheckpointListing, index: number): string[] {
  const slot = cp.slots.get(String(index))
  if (!slot) return []
  return planTranscript(slot.entries)
    .files.map((n) => findBlob(slot.entries, n)?.oid)
    .filter((o): o is string => o !== undefined)
}

/** Small blobs of the directories outside 0 … sessionCount-1 (optional: only for the report). */
export function extraSlotBlobOids(cp: V1CheckpointListing, sessionCount: number): string[] {
  const out: string[] = []
  for (const [name, slot] of cp.slots) {
    if (isSessionIndexName(name) && Number(name) < sessionCount) continue
    const m = findBlob(slot.entries, METADATA_FILE)
    if (m?.oid) out.push(m.oid)
  }
  return out
}

function isSessionIndexName(name: string): boolean {
  return /^(0|[1-9]\d*)$/.test(name)
}

/** Every blob `readV1Checkpoint` may need for a summary listing `sessionCount` sessions. */
export function checkpointBlobOids(cp: V1CheckpointListing, sessionCount: number): string[] {
  const out = new Set<string>()
  const s = summaryBlobOid(cp)
  if (s) out.add(s)
  for (let i = 0; i < sessionCount; i++) {
    for (const o of sessionSmallBlobOids(cp, i)) out.add(o)
    for (const o of sessionTranscriptBlobOids(cp, i)) out.add(o)
  }
  return [...out]
}

// ---------------------------------------------------------------------------------------------
// Listing info (§8.1 steps 3–4): what the migration sorts by

export interface V1ListingInfo {
  id: string
  /** `created_at` of directory `len(sessions)-1` when everything decodes; else Go's zero time. */
  createdAt: GoTime
  sessionCount: number
  checkpointsCount: number
  filesTouched: string[] | null
  agent: string
  sessionId: string
  summaryStatus: 'ok' | 'missing' | 'undecodable'
}

/**
 * Blobs for the listing info: the summary, and the metadata of every slot (the slot that
 * matters is only known after decoding the summary; all are small).
 */
export function listingInfoBlobOids(cp: V1CheckpointListing): string[] {
  const out: string[] = []
  const s = summaryBlobOid(cp)
  if (s) out.push(s)
  for (const slot of cp.slots.values()) {
    const m = findBlob(slot.entries, METADATA_FILE)
    if (m?.oid) out.push(m.oid)
  }
  return out
}

/** §8.1: a blob not provided counts as unreadable, as in the reference (id-only record). */
export function v1ListingInfo(cp: V1CheckpointListing, blobs: BlobSource): V1ListingInfo {
  const info: V1ListingInfo = {
    id: cp.id,
    createdAt: GO_ZERO_TIME,
    sessionCount: 0,
    checkpointsCount: 0,
    filesTouched: null,
    agent: '',
    sessionId: '',
    summaryStatus: 'missing'
  }
  const oid = summaryBlobOid(cp)
  const bytes = oid ? getBlob(blobs, oid) : undefined
  if (!bytes) return info
  const dec = decodeCheckpointSummary(bytes)
  if (dec.error || !dec.value) {
    info.summaryStatus = 'undecodable'
    return info
  }
  const summary = dec.value
  info.summaryStatus = 'ok'
  info.checkpointsCount = summary.checkpoints_count
  info.filesTouched = summary.files_touched
  info.sessionCount = summary.sessions?.length ?? 0
  if (info.sessionCount > 0) {
    const slot = cp.slots.get(String(info.sessionCount - 1))
    const m = slot ? findBlob(slot.entries, METADATA_FILE) : undefined
    const mb = m ? getBlob(blobs, m.oid as string) : undefined
    if (mb) {
      const sm = decodeSessionMetadata(mb)
      if (!sm.error && sm.value) {
        info.agent = sm.value.agent
        info.sessionId = sm.value.session_id
        info.createdAt = sm.value.created_at
      }
    }
  }
  return info
}

// ---------------------------------------------------------------------------------------------
// Full read

export interface ReadV1Options {
  /** Compare the transcript hash with `content_hash.txt` when that blob was provided (default true). */
  checkContentHash?: boolean
  /** Scan transcripts for JSONL lines that are not one JSON value (default false: costs a parse per line). */
  scanJsonl?: boolean
  /** The SHA-256 (hex) of a blob's content when already known (e.g. computed while reading it). */
  knownSha256?: (content: Buffer) => string | undefined
}

/** Reads one checkpoint like the migration's fresh path does (summary, then §8.3 per index). */
export function readV1Checkpoint(
  cp: V1CheckpointListing,
  blobs: BlobSource,
  options: ReadV1Options = {}
): V1CheckpointRead {
  try {
    return readCheckpointInner(cp, blobs, options)
  } catch (e) {
    if (e instanceof MissingBlob) {
      return { kind: 'blob-unavailable', id: cp.id, path: e.path, oid: e.oid, message: e.message }
    }
    throw e
  }
}

function readCheckpointInner(
  cp: V1CheckpointListing,
  blobs: BlobSource,
  options: ReadV1Options
): V1CheckpointRead {
  const summaryPath = `${cp.path}/${METADATA_FILE}`
  const summaryEntry = findBlob(cp.entries, METADATA_FILE)
  if (!summaryEntry) {
    return {
      kind: 'no-summary',
      id: cp.id,
      path: summaryPath,
      message: `v1 checkpoint ${cp.id} has no summary (${summaryPath} missing)`,
      oddities: beyondSummary(cp, 0)
    }
  }
  const dec = decodeCheckpointSummary(need(blobs, summaryPath, summaryEntry))
  if (dec.error || !dec.value) {
    return {
      kind: 'summary-error',
      id: cp.id,
      path: summaryPath,
      message: `failed to parse metadata.json: ${dec.error?.message ?? 'no value'}`,
      oddities: []
    }
  }
  const summary = dec.value
  const oddities: V1Oddity[] = []
  if (dec.unknownKeys.length > 0) {
    oddities.push({ kind: 'unknown-keys', path: summaryPath, detail: dec.unknownKeys.join(', ') })
  }
  if (summary.checkpoint_id !== cp.id) {
    oddities.push({
      kind: 'summary-checkpoint-id-mismatch',
      path: summaryPath,
      detail: summary.checkpoint_id
    })
  }
  const n = summary.sessions?.length ?? 0
  const sessions: V1SessionRead[] = []
  for (let i = 0; i < n; i++) {
    const s = readV1Session(cp, i, blobs, options, oddities)
    sessions.push(s)
    checkSummaryPaths(cp, summary, i, oddities)
  }
  oddities.push(...beyondSummary(cp, n))
  const extraSlots = readExtraSlots(cp, n, blobs, oddities)
  const seen = new Map<string, string>()
  const ids: [string, string][] = []
  for (const s of sessions) if (s.kind !== 'missing-dir') ids.push([s.metadata.session_id, s.path])
  for (const x of extraSlots) if (x.sessionId !== undefined) ids.push([x.sessionId, x.path])
  for (const [sid, path] of ids) {
    if (sid === '') continue
    const first = seen.get(sid)
    if (first === undefined) seen.set(sid, path)
    else
      oddities.push({
        kind: 'duplicate-session-id',
        path: `${path}/${METADATA_FILE}`,
        detail: `${sid} also in ${first}`
      })
  }
  if (cp.tasks) oddities.push({ kind: 'tasks-tree', path: `${cp.path}/tasks` })
  return {
    kind: 'ok',
    id: cp.id,
    path: cp.path,
    summary,
    summaryUnknownKeys: dec.unknownKeys,
    sessions,
    tasks: cp.tasks,
    extraSlots,
    oddities
  }
}

function readExtraSlots(
  cp: V1CheckpointListing,
  n: number,
  blobs: BlobSource,
  oddities: V1Oddity[]
): V1ExtraSlot[] {
  const out: V1ExtraSlot[] = []
  for (const [name, slot] of cp.slots) {
    if (isSessionIndexName(name) && Number(name) < n) continue
    const x: V1ExtraSlot = { name, path: `${cp.path}/${name}` }
    const m = findBlob(slot.entries, METADATA_FILE)
    const bytes = m ? getBlob(blobs, m.oid as string) : undefined
    if (bytes) {
      const dec = decodeSessionMetadata(bytes)
      if (!dec.error && dec.value) {
        x.sessionId = dec.value.session_id
        x.createdAt = dec.value.created_at
        if (!isZeroTime(x.createdAt) && x.createdAt.offsetSeconds !== 0) {
          oddities.push({ kind: 'non-utc-created-at', path: `${x.path}/${METADATA_FILE}` })
        }
      }
    }
    out.push(x)
  }
  return out
}

function beyondSummary(cp: V1CheckpointListing, n: number): V1Oddity[] {
  const out: V1Oddity[] = []
  for (const name of cp.slots.keys()) {
    if (!isSessionIndexName(name) || Number(name) >= n) {
      out.push({ kind: 'session-dir-beyond-summary', path: `${cp.path}/${name}` })
    }
  }
  return out
}

function resolveSummaryPath(cp: V1CheckpointListing, p: string): DirEntry | undefined {
  const prefix = `/${cp.path}/`
  if (!p.startsWith(prefix)) return undefined
  const rest = p.slice(prefix.length).split('/')
  if (rest.length !== 2) return undefined
  const slot = cp.slots.get(rest[0])
  return slot ? findBlob(slot.entries, rest[1]) : undefined
}

function checkSummaryPaths(
  cp: V1CheckpointListing,
  summary: CheckpointSummary,
  i: number,
  out: V1Oddity[]
): void {
  const entry = summary.sessions?.[i]
  if (!entry) return
  const summaryPath = `${cp.path}/${METADATA_FILE}`
  const expected = `/${cp.path}/${i}/${METADATA_FILE}`
  if (entry.metadata !== expected) {
    const repeated = entry.metadata.startsWith(`/${cp.path}/${cp.path}/`)
    out.push({
      kind: repeated ? 'summary-path-repeats-prefix' : 'summary-path-mismatch',
      path: summaryPath,
      detail: `sessions[${i}].metadata = ${entry.metadata}`
    })
  }
  if (entry.prompt !== '' && !resolveSummaryPath(cp, entry.prompt)) {
    out.push({
      kind: 'summary-prompt-path-dangling',
      path: summaryPath,
      detail: `sessions[${i}].prompt = ${entry.prompt}`
    })
  }
  if (entry.transcript !== '' && !resolveSummaryPath(cp, entry.transcript)) {
    out.push({
      kind: 'summary-transcript-path-dangling',
      path: summaryPath,
      detail: `sessions[${i}].transcript = ${entry.transcript}`
    })
  }
}

/** §8.3 for one index; `oddities` receives what is odd about this session. */
export function readV1Session(
  cp: V1CheckpointListing,
  index: number,
  blobs: BlobSource,
  options: ReadV1Options = {},
  oddities: V1Oddity[] = []
): V1SessionRead {
  const path = `${cp.path}/${index}`
  const slot: V1SlotListing | undefined = cp.slots.get(String(index))
  if (!slot) {
    oddities.push({ kind: 'session-dir-missing', path })
    return { kind: 'missing-dir', index, path }
  }
  const metaPath = `${path}/${METADATA_FILE}`
  let metadata = zeroSessionMetadata()
  let metadataStatus: SessionFiles['metadataStatus'] = 'missing'
  let metadataError: string | undefined
  let unknownKeys: string[] = []
  let agentType = ''
  const metaEntry = findBlob(slot.entries, METADATA_FILE)
  if (metaEntry) {
    const dec = decodeSessionMetadata(need(blobs, metaPath, metaEntry))
    unknownKeys = dec.unknownKeys
    if (dec.value) metadata = dec.value
    if (dec.error) {
      metadataStatus = 'undecodable'
      metadataError = dec.error.message
      oddities.push({
        kind:
          dec.value && dec.error.kind !== 'syntax'
            ? 'session-metadata-partial'
            : 'session-metadata-undecodable',
        path: metaPath,
        detail: dec.error.message
      })
    } else {
      metadataStatus = 'ok'
      agentType = metadata.agent
    }
  } else {
    oddities.push({ kind: 'session-metadata-missing', path: metaPath })
  }
  if (unknownKeys.length > 0)
    oddities.push({ kind: 'unknown-keys', path: metaPath, detail: unknownKeys.join(', ') })
  if (metadataStatus === 'ok') {
    if (metadata.checkpoint_id !== cp.id) {
      oddities.push({
        kind: 'session-checkpoint-id-mismatch',
        path: metaPath,
        detail: metadata.checkpoint_id
      })
    }
    if (isZeroTime(metadata.created_at)) oddities.push({ kind: 'zero-created-at', path: metaPath })
    else if (metadata.created_at.offsetSeconds !== 0)
      oddities.push({ kind: 'non-utc-created-at', path: metaPath })
  }
  if (metadata.agent === '') oddities.push({ kind: 'agent-missing', path: metaPath })

  const promptEntry = findBlob(slot.entries, PROMPT_FILE)
  const prompt = promptEntry ? need(blobs, `${path}/${PROMPT_FILE}`, promptEntry) : Buffer.alloc(0)

  const files: SessionFiles = {
    index,
    path,
    metadata,
    metadataStatus,
    ...(metadataError !== undefined ? { metadataError } : {}),
    unknownKeys,
    agentType,
    prompt,
    tasks: slot.tasks
  }
  if (slot.tasks) oddities.push({ kind: 'tasks-tree', path: `${path}/tasks` })

  const transcript = readTranscript(slot, path, agentType, blobs)
  if (!transcript || transcript.length === 0) {
    oddities.push({ kind: 'metadata-only-session', path })
    return { ...files, kind: 'no-transcript' }
  }
  if (transcript.parts.length > 1) {
    oddities.push({ kind: 'chunked-transcript', path, detail: transcript.files.join(', ') })
  }
  if (transcript.reassembly === 'document-agent-fallback') {
    oddities.push({
      kind: 'document-agent-chunk-join',
      path,
      detail: `agent ${agentType}: chunks joined with \\n; the reference re-encodes them, so raw_transcript_hash.txt may differ`
    })
  }
  if (options.scanJsonl) {
    const scan = scanJsonlLines(transcript)
    const file = `${path}/${transcript.files[0]}`
    if (scan.gluedLines.length > 0) {
      oddities.push({
        kind: 'jsonl-glued-objects',
        path: file,
        detail: `lines ${scan.gluedLines.join(', ')}`
      })
    }
    if (scan.malformedLines.length > 0) {
      oddities.push({
        kind: 'jsonl-malformed-lines',
        path: file,
        detail: `lines ${scan.malformedLines.join(', ')}`
      })
    }
  }
  const transcriptSha256 =
    (transcript.parts.length === 1 ? options.knownSha256?.(transcript.parts[0]) : undefined) ??
    sha256Hex(transcriptSegments(transcript))
  if (options.checkContentHash !== false) {
    const hashEntry = findBlob(slot.entries, 'content_hash.txt')
    const hashBlob = hashEntry ? getBlob(blobs, hashEntry.oid as string) : undefined
    if (!hashEntry)
      oddities.push({ kind: 'content-hash-missing', path: `${path}/${CONTENT_HASH_FILE}` })
    else if (hashBlob && parseHashFile(hashBlob) !== transcriptSha256) {
      oddities.push({ kind: 'content-hash-mismatch', path: `${path}/${CONTENT_HASH_FILE}` })
    }
  }
  return { ...files, kind: 'ok', transcript, transcriptSha256 }
}

function readTranscript(
  slot: V1SlotListing,
  path: string,
  agentType: string,
  blobs: BlobSource
): V1Transcript | undefined {
  const plan = planTranscript(slot.entries)
  if (plan.mode === 'chunked') {
    const parts: Buffer[] = []
    const files: string[] = []
    for (const name of plan.files) {
      const e = findBlob(slot.entries, name)
      if (!e) continue // the reference skips chunk files it cannot open
      parts.push(need(blobs, `${path}/${name}`, e))
      files.push(name)
    }
    if (parts.length > 0) {
      const reassembly =
        parts.length === 1
          ? 'single'
          : DOCUMENT_REASSEMBLY_AGENTS.has(agentType)
            ? 'document-agent-fallback'
            : 'jsonl'
      const length = parts.reduce((a, p) => a + p.length, 0) + (parts.length - 1)
      return { parts, files, blobIds: plan.blobIds, length, reassembly }
    }
  }
  for (const name of ['full.jsonl', 'full.log']) {
    const e = findBlob(slot.entries, name)
    if (!e) continue
    const b = need(blobs, `${path}/${name}`, e)
    return {
      parts: [b],
      files: [name],
      blobIds: plan.blobIds,
      length: b.length,
      reassembly: 'single'
    }
  }
  return undefined
}

/** Sessions that migrate (fresh path): the `ok` ones, in index order; their v2 slot is their position. */
export function migratingSessions(read: V1CheckpointOk): V1SessionOk[] {
  return read.sessions.filter((s): s is V1SessionOk => s.kind === 'ok')
}

/**
 * The migration's checkpoint order (migration.md §3.2, sortMigratableCheckpoints): non-zero
 * `created_at` before zero, earlier instant first (nanosecond precision, offsets applied), then
 * checkpoint id ascending.
 */
export function compareMigrationOrder(
  a: Pick<V1ListingInfo, 'id' | 'createdAt'>,
  b: Pick<V1ListingInfo, 'id' | 'createdAt'>
): number {
  const az = isZeroTime(a.createdAt)
  const bz = isZeroTime(b.createdAt)
  if (az !== bz) return az ? 1 : -1
  if (!az) {
    const c = compareGoTime(a.createdAt, b.createdAt)
    if (c !== 0) return c
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
