// Planning (no writes): decide per v1 checkpoint, in the reference's order, whether it is migrated
// (fresh path), skipped (complete in v2), repaired (resume path: missing `/full` artifacts or a
// missing compact transcript) or force-migrated. Reads the `/main` summaries and slot metadata of
// the checkpoints present in `/main` with one `cat-file --batch`.
import type { GitRunner } from '../git/runner.js'
import { readObjects } from '../git/objects.js'
import {
  decodeCheckpointSummary,
  decodeSessionMetadata,
  type CheckpointSummary,
  type SessionMetadata
} from '../formats/json/structs.js'
import { PackedListing, type ListingPack, type V1CheckpointListing } from '../formats/v1/listing.js'
import { checkpointBlobOids, sessionTranscriptBlobOids } from '../formats/v1/read.js'
import { planTranscript } from '../formats/v1/transcript.js'
import type { GoTime } from '../formats/json/time.js'
import type { V1Checkpoint } from './v1source.js'
import { historyKeyOf } from './compactor.js'
import type { ListingSpool } from './listing-spool.js'
import type { V2State } from './v2state.js'
import type { FailReason, PlanAction, PlannedCheckpoint } from './types.js'

export interface SlotRef {
  slot: number
  sessionId: string
}

/**
 * What the write step keeps of a v1 checkpoint: its listing, not its decoded metadata (the
 * write step decodes each checkpoint's metadata again from its read window). Keeping every
 * decoded summary and session metadata made the live heap grow with the corpus (~5 KB a
 * checkpoint), and every collection of the old generation slower: 10,000 checkpoints 299 s,
 * 283 s without them.
 */
export interface V1CheckpointRef {
  id: string
  /**
   * Packed (one buffer, or spooled to a file) once planning is done: see packForWrite; null once
   * the write step has processed the checkpoint (releaseListing).
   */
  listing: V1CheckpointListing | ListingPack | null
  createdAt: GoTime
}

/** The checkpoint's listing (a fresh copy when it is packed). */
export function listingOf(cp: V1CheckpointRef): V1CheckpointListing {
  return listingForWrite(cp).listing
}

/**
 * The checkpoint's listing, and its v1 transcript blobs of at least LARGE_BLOB_BYTES with their
 * sizes (noted by packForWrite; none for a listing that was not packed).
 */
export function listingForWrite(cp: V1CheckpointRef): {
  listing: V1CheckpointListing
  largeTranscripts: Array<[string, number]>
} {
  if (cp.listing === null) {
    throw new Error(`checkpoint ${cp.id}: its v1 listing was released once it was processed`)
  }
  if (!isPacked(cp.listing)) return { listing: cp.listing, largeTranscripts: [] }
  const { listing, noted } = cp.listing.open()
  return { listing, largeTranscripts: noted }
}

/**
 * Drop the listing of a checkpoint the write step has processed: what a run keeps per
 * checkpoint then no longer includes its v1 tree (~1 KB each, 10 MB of a 10,000 run's heap).
 */
export function releaseListing(w: CheckpointWork): void {
  w.cp = { ...w.cp, listing: null }
}

/** The engine's per-checkpoint decision, with what the write step needs. */
export interface CheckpointWork {
  cp: V1CheckpointRef
  /** Sessions the v1 summary lists (0 when it is absent or did not decode). */
  v1Sessions: number
  /** Bytes of the v1 blobs the write step reads for it (set by packForWrite). */
  v1Bytes?: number
  /** With `noTranscripts`: each listed session as its v1 metadata names it (empty if unknown). */
  missingSessions?: Array<{ sessionId: string; agent: string }>
  action: PlanAction | 'fail'
  failure?: { reason: FailReason; message: string; file?: string }
  reason?: string
  /** Existing v2 summary (repair only). */
  v2Summary?: CheckpointSummary
  /** v2 slot metadata read from `/main` (repair only: every slot that decoded). */
  v2Slots?: Map<number, SessionMetadata>
  /** Step A: slots lacking complete `/full` artifacts. */
  repack: SlotRef[]
  /** Step B: slots without a compact transcript whose metadata has an agent. */
  backfill: SlotRef[]
  /** Step B saw a slot without agent (counts compaction skipped). */
  noAgent: boolean
  /** Present in the `/main` tree but without a root metadata.json (§5.1, §8.2 merge case). */
  inMainWithoutSummary: boolean
  /**
   * Fresh path known from the listing alone to have no migratable session (every session
   * directory missing or without a non-empty transcript file): skipped without reading blobs.
   */
  noTranscripts?: boolean
  /**
   * v1 session indexes whose transcript a later checkpoint of the run may extend (the same
   * session id and agent): the compaction history keeps only these. Absent: not known, kept.
   */
  continued?: number[]
}

/** Whether the write step reads the checkpoint's v1 blobs (migrated, forced or repaired). */
export function readsV1Blobs(w: CheckpointWork): boolean {
  if (w.noTranscripts) return false
  return w.action === 'migrate' || w.action === 'force' || w.action === 'repair'
}

function blobOf(l: V1CheckpointListing, slot: string | null, name: string): string | undefined {
  const entries = slot === null ? l.entries : l.slots.get(slot)?.entries
  return entries?.find((e) => e.name === name && e.type === 'blob')?.oid
}

function isPacked(l: V1CheckpointListing | ListingPack): l is ListingPack {
  return 'open' in l
}

/** Decide every checkpoint. `force` selects §5.3 for existing ones. */
export async function planCheckpoints(
  git: GitRunner,
  checkpoints: readonly V1Checkpoint[],
  v2: V2State,
  force: boolean,
  sizes: ReadonlyMap<string, number> = new Map()
): Promise<{ work: CheckpointWork[]; objects: number; bytes: number }> {
  // One read: summary and every slot metadata of the v1 checkpoints present in /main.
  const want = new Set<string>()
  for (const cp of checkpoints) {
    const m = v2.mainCheckpoints.get(cp.id)
    if (!m) continue
    const s = blobOf(m, null, 'metadata.json')
    if (s) want.add(s)
    for (const slot of m.slots.keys()) {
      const o = blobOf(m, slot, 'metadata.json')
      if (o) want.add(o)
    }
  }
  const blobs = new Map<string, Buffer>()
  let bytes = 0
  await readObjects(git, [...want], (o) => {
    if (!o.missing) {
      blobs.set(o.oid, Buffer.from(o.content))
      bytes += o.size
    }
  })
  const work = checkpoints.map((cp) => {
    const w = planOne(cp, v2, blobs, force)
    if (w.action === 'migrate' && !w.inMainWithoutSummary && hasNoTranscripts(cp, sizes)) {
      w.noTranscripts = true
      w.missingSessions = []
      for (let j = 0; j < w.v1Sessions; j++) {
        const meta = sessionMetadata(cp, j)
        w.missingSessions.push({ sessionId: meta?.session_id ?? '', agent: meta?.agent ?? '' })
      }
    }
    return w
  })
  noteContinuedSessions(work, checkpoints)
  return { work, objects: blobs.size, bytes }
}

/**
 * Note on each item that reads v1 blobs which of its sessions a later such item continues. The
 * compaction history kept every transcript until 32 MiB of newer ones pushed it out, though in
 * the synthetic corpora only ~30% of sessions have a later checkpoint: that memory (inputs,
 * their parsed lines, their output) came and went with where large transcripts fell, and was
 * the largest part of how far one run's peak differed from another's.
 */
function noteContinuedSessions(work: CheckpointWork[], checkpoints: readonly V1Checkpoint[]): void {
  const later = new Set<string>()
  for (let i = work.length - 1; i >= 0; i--) {
    const w = work[i]
    if (!readsV1Blobs(w)) continue
    const continued: number[] = []
    const keys: string[] = []
    for (let j = 0; j < w.v1Sessions; j++) {
      const meta = sessionMetadata(checkpoints[i], j)
      if (!meta) {
        continued.push(j) // not known here: kept, as without a plan
        continue
      }
      const key = historyKeyOf(meta.session_id, meta.agent)
      if (later.has(key)) continued.push(j)
      keys.push(key)
    }
    for (const k of keys) later.add(k)
    w.continued = continued.length === 0 ? NO_SESSIONS : continued
  }
}

/** Session `index`'s v1 metadata as planning decoded it (undefined: absent or not decoded). */
function sessionMetadata(cp: V1Checkpoint, index: number): SessionMetadata | undefined {
  const m = cp.sessions.get(String(index))
  return m?.state === 'decoded' ? (m.result.value ?? undefined) : undefined
}

/** Whether the compaction history keeps session `index` of `w` for a later checkpoint. */
export function historyKeeps(w: CheckpointWork, index: number): boolean {
  return w.continued === undefined || w.continued.includes(index)
}

/** The session list of an item none of whose sessions continues (frozen, shared). */
const NO_SESSIONS = Object.freeze([]) as unknown as number[]

/**
 * Transcript blobs the write step may read into its reused memory (the pool of migrate.ts).
 * Only transcripts: what holds their bytes past the checkpoint (the compaction history, raw
 * chunks written later) is known; metadata and prompts stay in memory of their own.
 */
export const LARGE_BLOB_BYTES = 64 * 1024

/**
 * Ready the plan for the write step: note each checkpoint's read size and pack its listing, so
 * that what a run keeps per checkpoint until it is written is a few small objects and one buffer
 * (10,000 synthetic checkpoints: the listings were ~20 MB of objects for the collector to mark),
 * or, given a `spool`, a file offset (the buffers were another 13 MB).
 */
export function packForWrite(
  work: CheckpointWork[],
  sizes: ReadonlyMap<string, number>,
  spool?: ListingSpool
): void {
  for (const w of work) {
    // Empty slot lists are one shared (frozen) array: two arrays a checkpoint were ~0.6 MB of a
    // 10,000-checkpoint run's heap.
    if (w.repack.length === 0) w.repack = NO_SLOTS
    if (w.backfill.length === 0) w.backfill = NO_SLOTS
    const l = w.cp.listing
    if (l === null || isPacked(l)) continue
    let bytes = 0
    for (const oid of checkpointBlobOids(l, w.v1Sessions)) bytes += sizes.get(oid) ?? 0
    w.v1Bytes = bytes
    // Large transcripts are noted in the packed listing, not as arrays of the work item: what
    // a run keeps per checkpoint is part of the live heap V8 sizes its next collections by
    // (listingForWrite reads them back).
    const large: Array<[string, number]> = []
    for (let i = 0; i < w.v1Sessions; i++) {
      for (const oid of sessionTranscriptBlobOids(l, i)) {
        const size = sizes.get(oid) ?? 0
        if (size >= LARGE_BLOB_BYTES) large.push([oid, size])
      }
    }
    w.cp = { ...w.cp, listing: spool ? spool.put(l, large) : new PackedListing(l, large) }
  }
}

/** The slot list of a work item that has none, once planned (frozen: nothing adds to it). */
export const NO_SLOTS = Object.freeze([]) as unknown as SlotRef[]

/** Sessions the summary lists, when it decoded. */
function summarySessions(cp: V1Checkpoint): number {
  return cp.summary.state === 'decoded' ? (cp.summary.result.value?.sessions?.length ?? 0) : 0
}

/**
 * True when the listing alone shows that no session of 0 … len(sessions)-1 has a transcript:
 * each directory is missing, or the file the reader would take (full.jsonl, else full.log) is
 * empty or absent, with no chunk files. Needs a summary that decoded without error.
 */
function hasNoTranscripts(cp: V1Checkpoint, sizes: ReadonlyMap<string, number>): boolean {
  if (cp.summary.state !== 'decoded' || cp.summary.result.error || !cp.summary.result.value)
    return false
  const n = cp.summary.result.value.sessions?.length ?? 0
  for (let j = 0; j < n; j++) {
    const slot = cp.listing.slots.get(String(j))
    if (!slot) continue
    if (cp.sessions.get(String(j))?.state === 'unreadable') return false
    const plan = planTranscript(slot.entries)
    if (plan.mode === 'chunked') return false
    const first = plan.files[0]
    if (first === undefined) continue
    const e = slot.entries.find((x) => x.name === first)
    if (!e || e.type !== 'blob' || e.oid === undefined) return false
    const size = sizes.get(e.oid)
    if (size === undefined || size > 0) return false
  }
  return true
}

function planOne(
  cp: V1Checkpoint,
  v2: V2State,
  blobs: Map<string, Buffer>,
  force: boolean
): CheckpointWork {
  // Every field is present from the start (undefined until set): fields added later would live
  // in a properties array of their own, ~190 bytes a checkpoint for the whole run.
  const w: CheckpointWork = {
    cp: { id: cp.id, listing: cp.listing, createdAt: cp.createdAt },
    v1Sessions: summarySessions(cp),
    v1Bytes: undefined,
    missingSessions: undefined,
    action: 'migrate',
    failure: undefined,
    reason: undefined,
    v2Summary: undefined,
    v2Slots: undefined,
    repack: [],
    backfill: [],
    noAgent: false,
    inMainWithoutSummary: false,
    noTranscripts: undefined
  }
  const m = v2.mainCheckpoints.get(cp.id)
  if (!m) return w
  const base = `${cp.id.slice(0, 2)}/${cp.id.slice(2)}`
  const summaryOid = blobOf(m, null, 'metadata.json')
  if (!summaryOid) {
    // §5.1: present in the set, no summary → absent (the batch writer then merges, §8.2).
    w.inMainWithoutSummary = true
    return w
  }
  const fail = (message: string, file: string): CheckpointWork => {
    w.action = 'fail'
    w.failure = { reason: 'v2-read-error', message, file }
    return w
  }
  const sb = blobs.get(summaryOid)
  if (!sb)
    return fail(
      `failed to check v2 for checkpoint ${cp.id}: /main ${base}/metadata.json unreadable`,
      `${base}/metadata.json`
    )
  const dec = decodeCheckpointSummary(sb)
  if (dec.error || !dec.value) {
    return fail(
      `failed to check v2 for checkpoint ${cp.id}: /main ${base}/metadata.json: ${dec.error?.message ?? 'no value'}`,
      `${base}/metadata.json`
    )
  }
  if (force) {
    w.action = 'force'
    return w
  }
  const sessions = dec.value.sessions ?? []
  const v2Slots = new Map<number, SessionMetadata>()
  const slotMeta = (i: number): SessionMetadata | string => {
    const o = blobOf(m, String(i), 'metadata.json')
    const path = `${base}/${i}/metadata.json`
    if (!o) return `/main ${path} missing`
    const b = blobs.get(o)
    if (!b) return `/main ${path} unreadable`
    const d = decodeSessionMetadata(b)
    if (d.error || !d.value) return `/main ${path}: ${d.error?.message ?? 'no value'}`
    return d.value
  }
  for (let i = 0; i < sessions.length; i++) {
    const sm = slotMeta(i)
    if (typeof sm !== 'string') v2Slots.set(i, sm)
  }
  // Step A (§5.2): slots without complete /full artifacts.
  for (let i = 0; i < sessions.length; i++) {
    if (v2.fullIndex.has(`${cp.id}/${i}`)) continue
    const sm = slotMeta(i)
    if (typeof sm === 'string')
      return fail(
        `failed to read v2 session ${i} metadata while resuming migration: ${sm}`,
        `${base}/${i}/metadata.json`
      )
    w.repack.push({ slot: i, sessionId: sm.session_id })
  }
  // Step B: slots without a compact transcript.
  for (let i = 0; i < sessions.length; i++) {
    if (sessions[i].transcript !== '') continue
    const sm = slotMeta(i)
    if (typeof sm === 'string')
      return fail(
        `failed to read v2 session ${i} metadata while backfilling compact transcript: ${sm}`,
        `${base}/${i}/metadata.json`
      )
    if (sm.agent === '') {
      w.noAgent = true
      continue
    }
    w.backfill.push({ slot: i, sessionId: sm.session_id })
  }
  if (w.repack.length > 0 || w.backfill.length > 0) {
    // Only a repair reads the decoded v2 metadata again (a rerun that skips 10,000 checkpoints
    // kept its ~23,500 decoded documents through the run for nothing).
    w.v2Summary = dec.value
    w.v2Slots = v2Slots
    w.action = 'repair'
    const parts: string[] = []
    if (w.repack.length > 0)
      parts.push(`/full artifacts missing for slot(s) ${w.repack.map((r) => r.slot).join(', ')}`)
    if (w.backfill.length > 0)
      parts.push(
        `compact transcript missing for slot(s) ${w.backfill.map((r) => r.slot).join(', ')}`
      )
    w.reason = parts.join('; ')
  } else {
    w.action = 'skip'
    w.reason = 'already in v2'
  }
  return w
}

export function plannedCheckpoint(w: CheckpointWork, createdAt: string): PlannedCheckpoint {
  const p: PlannedCheckpoint = {
    id: w.cp.id,
    createdAt,
    action: w.action === 'fail' ? 'repair' : w.action
  }
  if (w.action === 'fail') p.failure = w.failure?.message
  if (w.reason) p.reason = w.reason
  if (w.repack.length > 0) p.missingFullSlots = w.repack.map((r) => r.slot)
  if (w.backfill.length > 0) p.missingCompactSlots = w.backfill.map((r) => r.slot)
  return p
}
