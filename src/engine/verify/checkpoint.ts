// Verification of one checkpoint: v1 (as re-read from git) against `/main` and `/full/*`.
import { historyKeyOf } from '../compactor.js'
import {
  canonical,
  compactRaw,
  compareBytes,
  COPIED_SESSION_FIELDS,
  DECODED_SESSION_KEYS,
  DECODED_SUMMARY_KEYS,
  GO_ZERO_TIME,
  isEmptyValue,
  NEVER_WRITTEN_SESSION_KEYS,
  parseInstant,
  project,
  ATTRIBUTION,
  TOKEN_USAGE_SUM
} from './values.js'
import {
  obj,
  parseDoc,
  rawMember,
  reencode,
  SESSION_METADATA_ENC,
  SUMMARY_ENC,
  str,
  int,
  type Doc,
  type Enc
} from './docs.js'
import {
  DOCUMENT_AGENTS,
  joinChunks,
  v2RawTranscriptFiles,
  type CheckpointDir,
  type SlotDir
} from './layout.js'
import type { RepoState, V1Checkpoint, V1Session } from './model.js'
import { CheckpointRecord, clip, firstDifference } from './record.js'
import {
  CompactCache,
  gitBlobId,
  sha256,
  sha256Pieces,
  type CompactResult,
  type Pieces
} from './compactor.js'
import type { CheckName } from './types.js'
import type { DigestLookup } from '../blob-digests.js'
import { redactPromptBytes, redactSummary, type SummaryText } from '../../formats/redact/index.js'
import { decodeSessionMetadata } from '../../formats/json/structs.js'
import { REFERENCE_PROFILE, writerProfile, type WriterProfile } from './writers.js'

export interface RunContext {
  state: RepoState
  /** Transcript blobs of the current batch. */
  blobs: Map<string, Buffer>
  /** sha256 (hex) of some of them, computed as they were read (on the reader thread). */
  blobSha: Map<string, string>
  /** sha256 (hex) of blobs read earlier in this process (the migration's read of v1). */
  known?: DigestLookup
  /** v1 blobs of the batch left unread because `known` proves them (see batchBlobs). */
  notRead: Set<string>
  rederive: boolean
  cliVersion?: string
  compact?: CompactCache
  position?: (input: Pieces, agent: string) => number | undefined
  /** (session_id, agent, position) → compact newline count: the reference's offset cache, filled in processing order. */
  offsetCache: Map<string, number>
  /** sha256 of reassembled transcripts by blob-id list. */
  shaCache: Map<string, string>
  /**
   * Expected prompt.txt (normalised, redacted) by v1 prompt.txt blob id, for the current batch:
   * each small buffer pins the 8 KiB pool it was cut from, so kept for the run they grew the
   * process by ~100 MB at 10,000 checkpoints.
   */
  redactedPrompts: Map<string, Buffer>
  counters: {
    sessions: number
    rawProvenById: number
    rawProvenByBytes: number
    rawHashFromRead: number
    compactRederived: number
    /** Of those, proven by the derived bytes' blob id (the stored blob was not read). */
    compactProvenById: number
    offsetsFromCache: number
    offsetsRecomputed: number
  }
}

/**
 * Thrown when a check needs a v1 blob the batch left unread (RunContext.notRead): the caller
 * reads it and checks the checkpoint again from the start.
 */
export class BlobsNeeded extends Error {
  constructor(readonly oids: string[]) {
    super(`v1 blobs needed: ${oids.join(', ')}`)
  }
}

const SEP = Buffer.from('\n\n---\n\n')

/** migration.md §6.1: split on the separator, drop trailing empty pieces, join again. */
export function normalisePrompt(p: Buffer): Buffer {
  const pieces: Buffer[] = []
  let start = 0
  for (;;) {
    const i = p.indexOf(SEP, start)
    if (i < 0) {
      pieces.push(p.subarray(start))
      break
    }
    pieces.push(p.subarray(start, i))
    start = i + SEP.length
  }
  if (p.length === 0) return Buffer.alloc(0)
  while (pieces.length > 0 && pieces[pieces.length - 1].length === 0) pieces.pop()
  const out: Buffer[] = []
  pieces.forEach((x, i) => {
    if (i > 0) out.push(SEP)
    out.push(x)
  })
  return Buffer.concat(out)
}

/** Transcript blob ids of a v1 session (chunk order), joined as a cache key. */
function blobKey(oids: string[]): string {
  return oids.join(',')
}

function docFor(
  state: RepoState,
  dir: SlotDir | CheckpointDir | undefined,
  name: string
): Doc | undefined {
  const e = dir?.files.get(name)
  if (!e) return undefined
  const b = state.small.get(e.oid)
  return b ? parseDoc(b) : { bytes: Buffer.alloc(0), error: `blob ${e.oid} unreadable` }
}

/** Why the migration cannot write this v1 checkpoint, when it cannot (migration.md §16 item 8). */
function unmigratable(cp: V1Checkpoint): string | undefined {
  for (const s of cp.sessions) {
    if (!s.migrating) continue
    const m = obj(s.meta)
    const sid = str(m?.session_id)
    if (!m)
      return `session ${s.index} has a transcript but its metadata.json is missing or does not decode`
    if (sid.trim() === '' || /[/\\]/.test(sid))
      return `session ${s.index} has an invalid session id ${JSON.stringify(sid)}`
    // Go's decoder stops midway (e.g. a created_at of the wrong type): the migration fails it.
    const partial = s.meta ? decodeSessionMetadata(s.meta.bytes).error : undefined
    if (partial && partial.kind !== 'syntax')
      return `session ${s.index} metadata.json decodes only in part (${partial.message})`
    const tool = str(m.tool_use_id)
    if (tool && !/^[A-Za-z0-9_-]+$/.test(tool))
      return `session ${s.index} has an invalid tool_use_id ${JSON.stringify(tool)}`
  }
  return undefined
}

/** Expected v2 slots for a v1 checkpoint under a writer profile: slot → v1 session index. */
export function expectedSlots(cp: V1Checkpoint, profile: WriterProfile): number[] {
  const slots: number[] = []
  const bySid = new Map<string, number>()
  for (const s of cp.sessions) {
    if (!s.migrating) continue
    if (profile.dedupSessionIds) {
      const sid = str(obj(s.meta)?.session_id)
      const at = bySid.get(sid)
      if (at !== undefined) {
        slots[at] = s.index
        continue
      }
      bySid.set(sid, slots.length)
    }
    slots.push(s.index)
  }
  return slots
}

/**
 * Writer profile detected from the whole `/main` (for checkpoints that are absent from it):
 * `counts` are the checkpoints' cli_version values counted in tree order (first most wins).
 */
export function dominantProfile(counts: Map<string, number>): WriterProfile {
  let best: string | undefined
  for (const [v, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = v
  return best === undefined ? REFERENCE_PROFILE : writerProfile(best)
}

/**
 * Blob ids this checkpoint needs from the batch read (transcripts, raw chunks, and with
 * `compacts` the stored compact transcripts: without it they are proven by blob id, see
 * proveCompacts, and only the unproven ones are read). `known`: digests of blobs already read
 * in this process; used only with `compacts` (no re-derivation), see below.
 */
export function batchBlobs(
  state: RepoState,
  id: string,
  compacts = true,
  known?: DigestLookup
): Array<{ oid: string; size: number; notRead?: true }> {
  const out: Array<{ oid: string; size: number; notRead?: true }> = []
  const v1 = state.v1.get(id)
  const main = state.main.checkpoints.get(id)
  // Without re-derivation a v1 transcript is read for its raw copy and its hash only. Neither
  // needs it when a slot with a compact transcript holds the same single blob as its raw copy
  // and its digest is known: marked notRead (verifySlot asks for it if that guess was wrong).
  const provable = new Set<string>()
  if (known && compacts && main) {
    for (const slot of main.slots.values()) {
      if (!slot.files.has('transcript.jsonl')) continue
      for (const fs of state.fullSlots.get(`${id}/${slot.name}`) ?? []) {
        const chunks = v2RawTranscriptFiles(fs.slot).chunks
        if (chunks.length === 1 && known.get(chunks[0].entry.oid) !== undefined)
          provable.add(chunks[0].entry.oid)
      }
    }
  }
  if (v1 && main) {
    for (const s of v1.sessions)
      if (s.migrating) {
        const chunks = s.transcript.chunks
        if (chunks.length === 1 && provable.has(chunks[0].entry.oid))
          out.push({ oid: chunks[0].entry.oid, size: chunks[0].entry.size, notRead: true })
        else for (const c of chunks) out.push({ oid: c.entry.oid, size: c.entry.size })
      }
  }
  if (main) {
    for (const slot of main.slots.values()) {
      const t = slot.files.get('transcript.jsonl')
      if (t && compacts) out.push({ oid: t.oid, size: t.size })
      for (const fs of state.fullSlots.get(`${id}/${slot.name}`) ?? []) {
        for (const c of v2RawTranscriptFiles(fs.slot).chunks) {
          // Raw chunks are only read when they are not the v1 blobs already requested.
          if (!out.some((o) => o.oid === c.entry.oid))
            out.push({ oid: c.entry.oid, size: c.entry.size })
        }
      }
    }
  }
  return out
}

/** One full compaction verifySlot will ask the cache for (computed ahead, e.g. on a worker). */
export interface CompactionJob {
  /** Transcript identity (v1 blob ids), as verifySlot keys the cache. */
  key: string
  /** The reassembled v1 transcript as ordered pieces (chunks with their '\n' joints). */
  pieces: Buffer[]
  opts: { agent: string; cliVersion: string; startLine: 0 }
  /** S₀ of the session (migration.md §7.2), 0 when none. */
  offsetStart: number
  /** Session id and agent: the converter's history key (see Compactor.compact). */
  historyKey: string
  /** The v2 slot this compaction is expected in. */
  slot: number
}

/** A v1 session's transcript chunks as pieces of the reassembled transcript (§7.4: '\n' joints). */
export function transcriptPieces(parts: Buffer[]): Buffer[] {
  if (parts.length <= 1) return parts
  const pieces: Buffer[] = []
  parts.forEach((p, i) => {
    if (i > 0) pieces.push(NEWLINE)
    pieces.push(p)
  })
  return pieces
}

/** The pieces as one buffer (a copy only when there are several). */
function concatPieces(pieces: Pieces): Buffer {
  return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces)
}

/**
 * The full compactions that verifying checkpoint `id` with re-derivation will need, from the
 * state and the batch's blobs (mirrors verifySlot: expected slots, agent, writer version, S₀).
 * Jobs whose transcript is not in `blobs` are left out (verifySlot reports them).
 */
export function compactionJobs(
  state: RepoState,
  id: string,
  blobs: Map<string, Buffer>
): CompactionJob[] {
  const v1 = state.v1.get(id)
  const main = state.main.checkpoints.get(id)
  if (!v1 || !main || v1.summaryProblem) return []
  const writer = str(obj(docFor(state, main, 'metadata.json'))?.cli_version)
  const out: CompactionJob[] = []
  for (const [slot, index] of expectedSlots(v1, writerProfile(writer)).entries()) {
    const s = v1.sessions[index]
    const m = obj(s.meta) ?? {}
    const agent = str(m.agent)
    if (agent === '') continue
    const parts = s.transcript.chunks.map((c) => blobs.get(c.entry.oid))
    if (parts.length === 0 || parts.some((p) => p === undefined)) continue
    out.push({
      key: blobKey(s.transcript.chunks.map((c) => c.entry.oid)),
      pieces: transcriptPieces(parts as Buffer[]),
      opts: { agent, cliVersion: writer, startLine: 0 },
      offsetStart: rawStart(m),
      historyKey: historyKeyOf(str(m.session_id), agent),
      slot
    })
  }
  return out
}

/**
 * Prove the stored compact transcripts of checkpoint `id` by blob id: re-derive each expected
 * compact (cached for the checks that follow) and hash it as git does; equal ids mean equal
 * bytes, so the derived bytes stand in for the stored blob and git need not inflate it (on a
 * synthetic 10,000 the compacts are 4.3 GB, a fifth of what verification read). `missing`:
 * compact ids git does not have (never stood in for: the checks report them unreadable).
 * Returns the compact ids that must be read: not derivable, or derived differently.
 */
export function proveCompacts(ctx: RunContext, id: string, missing: Set<string>): string[] {
  const main = ctx.state.main.checkpoints.get(id)
  if (!main) return []
  const unproven = new Map<string, string>()
  for (const slot of main.slots.values()) {
    const e = slot.files.get('transcript.jsonl')
    if (e && !missing.has(e.oid) && !ctx.blobs.has(e.oid)) unproven.set(slot.name, e.oid)
  }
  if (unproven.size === 0 || !ctx.compact) return [...unproven.values()]
  for (const job of compactionJobs(ctx.state, id, ctx.blobs)) {
    const oid = unproven.get(String(job.slot))
    if (oid === undefined) continue
    const res = ctx.compact.run(
      job.key,
      job.pieces,
      job.opts,
      true,
      job.offsetStart,
      job.historyKey
    )
    if (res.bytes && gitBlobId(res.bytes) === oid) {
      ctx.blobs.set(oid, res.bytes)
      ctx.counters.compactProvenById++
      unproven.delete(String(job.slot))
    }
  }
  return [...unproven.values()]
}

const NEWLINE = Buffer.from('\n')

/** S₀ of migration.md §7.2: checkpoint_transcript_start if > 0, else transcript_lines_at_start. */
function rawStart(v1Meta: Record<string, unknown>): number {
  return int(v1Meta.checkpoint_transcript_start) > 0
    ? int(v1Meta.checkpoint_transcript_start)
    : int(v1Meta.transcript_lines_at_start)
}

export function verifyCheckpoint(
  ctx: RunContext,
  rec: CheckpointRecord,
  id: string,
  globalProfile: WriterProfile
): void {
  const { state } = ctx
  const v1 = state.v1.get(id)
  const main = state.main.checkpoints.get(id)
  const dir = `${id.slice(0, 2)}/${id.slice(2)}`
  const mainRef = state.mainRef
  rec.v.v1Sessions = v1?.sessionCount ?? 0

  if (!v1) {
    rec.v.verdict = 'v2-only'
    rec.note({
      kind: 'v2-only',
      message: `checkpoint ${id} is on /main with no v1 source (written natively)`
    })
    if (main) verifyV2Internal(ctx, rec, main)
    return
  }
  const migrating = v1.sessions.filter((s) => s.migrating)
  if (v1.summaryProblem || migrating.length === 0) {
    const why = v1.summaryProblem
      ? `v1 summary unusable (${v1.summaryProblem})`
      : `no v1 session has a transcript (${v1.sessionCount} listed)`
    rec.v.verdict = 'not-migratable'
    rec.note({
      kind: 'not-migratable',
      message: `checkpoint ${id}: nothing to migrate: ${why}`,
      file: `${dir}/metadata.json`
    })
    if (main) {
      rec.note({
        kind: 'v2-only',
        message: `checkpoint ${id} is on /main although v1 has nothing to migrate (written natively)`
      })
      verifyV2Internal(ctx, rec, main)
    }
    return
  }
  if (!main) {
    // Only asked for checkpoints missing from /main (a full metadata decode per session).
    const cannot = unmigratable(v1)
    if (cannot) {
      rec.v.verdict = 'not-migratable'
      rec.note({
        kind: 'not-migratable',
        message: `checkpoint ${id}: ${cannot}; the migration counts it failed`
      })
      return
    }
    if (globalProfile.failsOnMissingSession && v1.sessions.some((s) => !s.migrating)) {
      rec.v.verdict = 'known-skip'
      rec.note({
        kind: 'known-writer',
        message: `checkpoint ${id} is not on /main: a v1 session has no transcript, which ${globalProfile.name} fails (known behaviour)`
      })
      return
    }
    rec.fail({
      check: 'coverage',
      ref: mainRef,
      file: `${dir}/metadata.json`,
      message: `v1 checkpoint ${id} has ${migrating.length} transcript-bearing session(s) but is not on /main`,
      expected: 'present',
      actual: 'absent'
    })
    return
  }
  rec.pass('coverage')

  const summaryDoc = docFor(state, main, 'metadata.json')
  const summary = obj(summaryDoc)
  const writer = str(summary?.cli_version)
  const profile = writerProfile(writer)
  rec.v.writer = writer
  rec.v.writerProfile = profile.name
  if (profile !== REFERENCE_PROFILE) {
    rec.note({ kind: 'known-writer', message: `written by ${writer}: ${profile.description}` })
  }
  const foreign =
    ctx.cliVersion !== undefined ? writer !== ctx.cliVersion : profile !== REFERENCE_PROFILE

  // ---- slots -------------------------------------------------------------------------------
  const expected = expectedSlots(v1, profile)
  const v2SlotNames = [...main.slots.keys()]
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b)
  const sessionsArr = Array.isArray(summary?.sessions) ? (summary?.sessions as unknown[]) : []
  rec.v.v2Slots = sessionsArr.length
  const contiguous = v2SlotNames.every((n, i) => n === i)
  rec.check(
    contiguous && v2SlotNames.length === expected.length && sessionsArr.length === expected.length,
    {
      check: 'slots',
      ref: mainRef,
      file: `${dir}/metadata.json`,
      message: `checkpoint ${id}: v2 slots do not match the ${expected.length} migrating v1 session(s) [${expected.join(', ')}]`,
      expected: `${expected.length} slot(s) 0…${expected.length - 1}`,
      actual: `slot dirs [${v2SlotNames.join(', ')}], sessions[] length ${sessionsArr.length}`
    }
  )

  // ---- per slot ------------------------------------------------------------------------------
  const slotMetas: Array<Record<string, unknown> | undefined> = []
  const n = Math.min(expected.length, Math.max(v2SlotNames.length, sessionsArr.length))
  for (let k = 0; k < n; k++) {
    const s = v1.sessions[expected[k]]
    rec.v.slots.push({ slot: k, v1Session: s.index })
    const slotDir = main.slots.get(String(k))
    const meta = verifySlot(ctx, rec, v1, s, k, slotDir, summary, writer, profile, foreign)
    slotMetas.push(meta)
  }
  // Sessions of v1 that got no slot are dropped (listed, not failures).
  for (const s of v1.sessions) {
    if (!s.migrating) {
      rec.drop({
        scope: 'session-dir',
        v1Session: s.index,
        name: String(s.index),
        value: s.dir ? 'no transcript' : 'no directory'
      })
    } else if (!expected.includes(s.index)) {
      rec.drop({
        scope: 'session-dir',
        v1Session: s.index,
        name: String(s.index),
        value: 'same session id as a later session (one slot per session id)'
      })
    }
  }
  for (const name of v1.dir.slots.keys()) {
    if (/^\d+$/.test(name) && Number(name) >= v1.sessionCount) {
      rec.drop({
        scope: 'session-dir',
        name,
        value: `beyond sessions[] (${v1.sessionCount} listed)`
      })
    }
  }

  verifyTasks(ctx, rec, v1, expected)

  // ---- checkpoint summary ----------------------------------------------------------------------
  verifySummary(ctx, rec, v1, main, summaryDoc, slotMetas, profile, foreign)
  verifyCliVersion(ctx, rec, main, writer)
  rec.v.verdict = rec.v.checksFailed > 0 ? 'failed' : 'ok'
}

function verifySlot(
  ctx: RunContext,
  rec: CheckpointRecord,
  v1: V1Checkpoint,
  s: V1Session,
  k: number,
  slotDir: SlotDir | undefined,
  summary: Record<string, unknown> | undefined,
  writer: string,
  profile: WriterProfile,
  foreign: boolean
): Record<string, unknown> | undefined {
  const { state } = ctx
  const id = v1.id
  const dir = `${id.slice(0, 2)}/${id.slice(2)}`
  const slotPath = `${dir}/${k}`
  const mainRef = state.mainRef
  const at = { slot: k, v1Session: s.index }
  ctx.counters.sessions++
  const v1Meta = obj(s.meta) ?? {}
  const agent = str(v1Meta.agent)

  // ---- raw transcript ----------------------------------------------------------------------
  const v1Oids = s.transcript.chunks.map((c) => c.entry.oid)
  const key = blobKey(v1Oids)
  const hkey = historyKeyOf(str(v1Meta.session_id), agent)
  /** The reassembled v1 transcript as pieces (never joined for the converter or the hash). */
  const v1Bytes = (): Pieces | undefined => {
    const parts = v1Oids.map((o) => ctx.blobs.get(o))
    if (parts.some((p) => p === undefined)) {
      const unread = v1Oids.filter((o) => ctx.notRead.has(o))
      if (unread.length > 0) throw new BlobsNeeded(unread)
      return undefined
    }
    return transcriptPieces(parts as Buffer[])
  }
  let t: Pieces | undefined
  const holders = state.fullSlots.get(`${id}/${k}`) ?? []
  rec.v.fullRefs[k] = holders.length === 1 ? holders[0].ref.ref : null
  // Legacy /full names of v0.5.2–v0.5.5 are not read by v0.5.6+ (v2-format.md §0): say so.
  const legacy = state.fullRefs.filter((fr) => {
    const f = fr.index.checkpoints.get(id)?.slots.get(String(k))?.files
    return !!f && (f.has('full.jsonl') || f.has('content_hash.txt'))
  })
  const located = rec.check(holders.length === 1, {
    check: 'raw.location',
    ...at,
    file: `${slotPath}/raw_transcript`,
    message:
      holders.length === 0
        ? `checkpoint ${id} slot ${k}: no /full ref holds its raw transcript` +
          (legacy.length
            ? ` (${legacy.map((l) => l.ref).join(', ')} hold${legacy.length === 1 ? 's' : ''} it under the legacy names full.jsonl/content_hash.txt of v0.5.2–v0.5.5, which v0.5.6+ readers ignore)`
            : '')
        : `checkpoint ${id} slot ${k}: raw transcript held by ${holders.length} /full refs`,
    expected: 'exactly one /full ref',
    actual: holders.length === 0 ? 'none' : holders.map((h) => h.ref.ref).join(', ')
  })
  if (located) {
    const { ref, slot } = holders[0]
    const raw = v2RawTranscriptFiles(slot)
    const v2Oids = raw.chunks.map((c) => c.entry.oid)
    if (v2Oids.length === v1Oids.length && v2Oids.every((o, i) => o === v1Oids[i])) {
      rec.pass('raw.bytes')
      ctx.counters.rawProvenById++
    } else {
      t = v1Bytes()
      const parts = v2Oids.map((o) => ctx.blobs.get(o))
      const v2Bytes = parts.some((p) => p === undefined) ? undefined : joinChunks(parts as Buffer[])
      const chunkedDoc = DOCUMENT_AGENTS.has(agent) && (v1Oids.length > 1 || v2Oids.length > 1)
      if (chunkedDoc) {
        rec.note({
          kind: 'unverifiable',
          ...at,
          message: `slot ${k}: chunked ${agent} transcript with different blobs; Go reassembles such documents lossily, bytes not comparable`
        })
      } else if (!t || !v2Bytes) {
        rec.fail({
          check: 'raw.bytes',
          ...at,
          ref: ref.ref,
          file: `${slotPath}/raw_transcript`,
          message: `checkpoint ${id} slot ${k}: transcript blob unreadable`,
          expected: v1Oids.join(','),
          actual: v2Oids.join(',')
        })
      } else {
        const d = firstDifference(concatPieces(t), v2Bytes)
        if (!d) {
          rec.pass('raw.bytes')
          ctx.counters.rawProvenByBytes++
        } else {
          rec.fail({
            check: 'raw.bytes',
            ...at,
            ref: ref.ref,
            file: `${slotPath}/${raw.chunks[0]?.name ?? 'raw_transcript'}`,
            message: `checkpoint ${id} slot ${k}: raw transcript differs from v1 session ${s.index} at byte ${d.offset} (line ${d.line})`,
            expected: d.left,
            actual: d.right
          })
        }
      }
    }
    // Hash file: sha256 of the reassembled v1 transcript.
    const hashEntry = slot.files.get('raw_transcript_hash.txt')
    let want = ctx.shaCache.get(key)
    if (!want) {
      let one = v1Oids.length === 1 ? ctx.blobSha.get(v1Oids[0]) : undefined
      if (one === undefined && v1Oids.length === 1 && !ctx.blobs.has(v1Oids[0])) {
        one = ctx.known?.get(v1Oids[0])
        if (one !== undefined) ctx.counters.rawHashFromRead++
      }
      if (one === undefined) t ??= v1Bytes()
      if (one !== undefined || t) {
        want = 'sha256:' + (one ?? sha256Pieces(t!))
        ctx.shaCache.set(key, want)
      }
    }
    const got = hashEntry ? state.small.get(hashEntry.oid)?.toString('latin1') : undefined
    if (DOCUMENT_AGENTS.has(agent) && v1Oids.length > 1) {
      rec.note({
        kind: 'unverifiable',
        ...at,
        message: `slot ${k}: chunked ${agent} transcript; Go's lossy reassembly decides the hash, not re-derived`
      })
    } else {
      rec.check(got !== undefined && got === want, {
        check: 'raw.hash',
        ...at,
        ref: ref.ref,
        file: `${slotPath}/raw_transcript_hash.txt`,
        message: `checkpoint ${id} slot ${k}: raw_transcript_hash.txt is not the sha256 of the v1 transcript`,
        expected: want ?? '(transcript unreadable)',
        actual: got ?? '(missing)'
      })
    }
  }

  // ---- session metadata ----------------------------------------------------------------------
  const metaDoc = docFor(state, slotDir, 'metadata.json')
  const m = obj(metaDoc)
  if (!m) {
    rec.fail({
      check: 'metadata.copied',
      ...at,
      ref: mainRef,
      file: `${slotPath}/metadata.json`,
      message: `checkpoint ${id} slot ${k}: metadata.json ${metaDoc ? 'does not decode' : 'is missing'}`,
      expected: 'session metadata',
      actual: metaDoc?.error ?? '(missing)'
    })
  } else {
    verifyCopiedFields(
      rec,
      id,
      k,
      s,
      v1Meta,
      m,
      metaDoc,
      `${slotPath}/metadata.json`,
      mainRef,
      profile
    )
    rec.check(str(m.checkpoint_id) === id, {
      check: 'metadata.derived',
      ...at,
      ref: mainRef,
      file: `${slotPath}/metadata.json`,
      field: 'checkpoint_id',
      message: `checkpoint ${id} slot ${k}: checkpoint_id is not the checkpoint's id`,
      expected: id,
      actual: str(m.checkpoint_id)
    })
    checkEncoding(
      rec,
      metaDoc as Doc,
      SESSION_METADATA_ENC,
      `${slotPath}/metadata.json`,
      mainRef,
      foreign,
      writer,
      k
    )
  }
  // Dropped v1 session keys that had a value.
  for (const [key2, value] of Object.entries(v1Meta)) {
    if (isEmptyValue(value)) continue
    if (!DECODED_SESSION_KEYS.has(key2))
      rec.drop({
        scope: 'session',
        v1Session: s.index,
        name: key2,
        value: clip(JSON.stringify(value), 80)
      })
    else if (NEVER_WRITTEN_SESSION_KEYS.includes(key2))
      rec.drop({
        scope: 'session',
        v1Session: s.index,
        name: key2,
        value: clip(JSON.stringify(value), 80)
      })
  }
  for (const f of s.dir?.files.keys() ?? []) {
    const top = f.split('/')[0]
    if (
      ['metadata.json', 'prompt.txt', 'content_hash.txt', 'tasks'].includes(top) ||
      top === 'full.jsonl' ||
      top === 'full.log' ||
      top.startsWith('full.jsonl.')
    )
      continue
    rec.drop({ scope: 'file', v1Session: s.index, name: f })
  }

  // ---- prompt ------------------------------------------------------------------------------------
  // prompt.txt = redact(join(split(v1))) (migration.md §6.1, §6.5).
  const joined = s.prompt ? normalisePrompt(s.prompt) : Buffer.alloc(0)
  // Sessions repeat their prompts across checkpoints: redact each distinct v1 prompt.txt once.
  const promptOid = s.dir?.files.get('prompt.txt')?.oid
  let wantPrompt = promptOid ? ctx.redactedPrompts.get(promptOid) : undefined
  if (!wantPrompt) {
    wantPrompt = joined.length ? Buffer.from(redactPromptBytes(joined)) : joined
    if (promptOid) ctx.redactedPrompts.set(promptOid, wantPrompt)
  }
  const promptEntry = slotDir?.files.get('prompt.txt')
  const gotPrompt = promptEntry ? state.small.get(promptEntry.oid) : undefined
  if (wantPrompt.length === 0) {
    rec.check(!promptEntry, {
      check: 'prompt',
      ...at,
      ref: mainRef,
      file: `${slotPath}/prompt.txt`,
      message: `checkpoint ${id} slot ${k}: prompt.txt present although v1 session ${s.index} has no prompt`,
      expected: '(absent)',
      actual: clip(gotPrompt?.toString('utf8') ?? '')
    })
  } else {
    const redacted = !wantPrompt.equals(joined)
    if (redacted && gotPrompt?.equals(joined)) {
      rec.pass('prompt')
      rec.note({
        kind: 'info',
        slot: k,
        file: `${slotPath}/prompt.txt`,
        message: `slot ${k}: prompt.txt equals the v1 prompts but was not redacted (the reference redacts it)`
      })
    } else {
      const d = gotPrompt
        ? firstDifference(wantPrompt, gotPrompt)
        : { line: 1, offset: 0, left: clip(wantPrompt.toString('utf8')), right: '(missing)' }
      const ok = rec.check(!d, {
        check: 'prompt',
        ...at,
        ref: mainRef,
        file: `${slotPath}/prompt.txt`,
        message: `checkpoint ${id} slot ${k}: prompt.txt differs from the ${redacted ? 'redacted ' : ''}v1 prompts of session ${s.index}${d ? ` (line ${d.line})` : ''}`,
        expected: d?.left,
        actual: d?.right
      })
      if (ok && redacted) {
        rec.note({
          kind: 'info',
          slot: k,
          file: `${slotPath}/prompt.txt`,
          message: `slot ${k}: prompt.txt is the v1 prompts with secrets redacted (migration.md §6.5)`
        })
      }
    }
  }
  const entry = (
    Array.isArray(summary?.sessions) ? (summary?.sessions as unknown[])[k] : undefined
  ) as Record<string, unknown> | undefined
  const compactEntry = slotDir?.files.get('transcript.jsonl')
  const hashEntry = slotDir?.files.get('transcript_hash.txt')
  const wantEntry = {
    metadata: `/${slotPath}/metadata.json`,
    transcript: compactEntry ? `/${slotPath}/transcript.jsonl` : '',
    content_hash: compactEntry ? `/${slotPath}/transcript_hash.txt` : '',
    prompt: promptEntry ? `/${slotPath}/prompt.txt` : ''
  }
  const gotEntry = {
    metadata: str(entry?.metadata),
    transcript: str(entry?.transcript),
    content_hash: str(entry?.content_hash),
    prompt: str(entry?.prompt)
  }
  rec.check(canonical(wantEntry) === canonical(gotEntry), {
    check: 'metadata.paths',
    ...at,
    ref: mainRef,
    file: `${dir}/metadata.json`,
    field: `sessions[${k}]`,
    message: `checkpoint ${id}: sessions[${k}] paths do not match the slot's files`,
    expected: canonical(wantEntry),
    actual: canonical(gotEntry)
  })

  // ---- compact transcript ----------------------------------------------------------------------
  const stored = compactEntry ? ctx.blobs.get(compactEntry.oid) : undefined
  // The stored compact's sha256 (hex), once per slot: compact.hash and compact.rederive use it.
  const storedSha = stored ? (ctx.blobSha.get(compactEntry!.oid) ?? sha256(stored)) : undefined
  if (compactEntry) {
    const h = hashEntry ? state.small.get(hashEntry.oid)?.toString('latin1') : undefined
    const want = storedSha ? 'sha256:' + storedSha : undefined
    rec.check(h !== undefined && h === want, {
      check: 'compact.hash',
      ...at,
      ref: mainRef,
      file: `${slotPath}/transcript_hash.txt`,
      message: `checkpoint ${id} slot ${k}: transcript_hash.txt is not the sha256 of transcript.jsonl`,
      expected: want ?? '(transcript.jsonl unreadable)',
      actual: h ?? '(missing)'
    })
  } else if (hashEntry) {
    rec.fail({
      check: 'compact.hash',
      ...at,
      ref: mainRef,
      file: `${slotPath}/transcript_hash.txt`,
      message: `checkpoint ${id} slot ${k}: transcript_hash.txt without transcript.jsonl`,
      expected: '(absent)',
      actual: 'present'
    })
  }
  const s0 = rawStart(v1Meta)
  const storedOffset = int(m?.checkpoint_transcript_start)
  // Compact lines carry the checkpoint writer's version (older data keeps its own).
  const compactVersion = writer
  if (!ctx.rederive || !ctx.compact) {
    // Without re-derivation a missing compact transcript is still checked against the compactor
    // (an agent value it yields nothing for, e.g. `Agent` on an unknown format, is legitimate).
    let expectPresent = agent !== ''
    if (expectPresent && !compactEntry && ctx.compact) {
      t ??= v1Bytes()
      if (t)
        expectPresent = ctx.compact.run(
          key,
          t,
          { agent, cliVersion: compactVersion, startLine: 0 },
          false,
          0,
          hkey
        ).present
    }
    rec.check(expectPresent === !!compactEntry, {
      check: 'compact.present',
      ...at,
      ref: mainRef,
      file: `${slotPath}/transcript.jsonl`,
      message:
        agent === ''
          ? `checkpoint ${id} slot ${k}: transcript.jsonl present although v1 session ${s.index} has no agent`
          : expectPresent
            ? `checkpoint ${id} slot ${k}: no transcript.jsonl although the agent (${agent}) is known`
            : `checkpoint ${id} slot ${k}: transcript.jsonl present although the compactor gives none`,
      expected: expectPresent ? 'present' : '(absent)',
      actual: compactEntry ? 'present' : '(absent)'
    })
    if (!compactEntry && s0 > 0)
      rec.drop({
        scope: 'session',
        v1Session: s.index,
        name: 'checkpoint_transcript_start',
        value: `${s0} (raw start; no compact transcript)`
      })
    return m
  }
  t ??= v1Bytes()
  if (!t) {
    rec.fail({
      check: 'compact.rederive',
      ...at,
      ref: mainRef,
      file: `${slotPath}/transcript.jsonl`,
      message: `checkpoint ${id} slot ${k}: v1 transcript unreadable, cannot re-derive`,
      expected: '',
      actual: ''
    })
    return m
  }
  // The full compact, and from the same parse the recomputed offset for the raw start (§7.2).
  const full: CompactResult =
    agent === ''
      ? { present: false, newlines: 0 }
      : ctx.compact.run(key, t, { agent, cliVersion: compactVersion, startLine: 0 }, true, s0, hkey)
  const derived = full.present
  rec.check(derived === !!compactEntry, {
    check: 'compact.present',
    ...at,
    ref: mainRef,
    file: `${slotPath}/transcript.jsonl`,
    message: derived
      ? `checkpoint ${id} slot ${k}: no transcript.jsonl although the compactor gives ${full.newlines} line(s) for agent ${agent}`
      : `checkpoint ${id} slot ${k}: transcript.jsonl present although the compactor gives none (${agent === '' ? 'no agent' : ('error' in full && full.error) || 'empty output'})`,
    expected: derived ? 'present' : '(absent)',
    actual: compactEntry ? 'present' : '(absent)'
  })
  if (derived && stored) {
    // Bytes in hand (this batch): compare them; equal bytes have the stored compact's hash.
    const same = full.bytes ? full.bytes.equals(stored) : ctx.compact.shaOf(full) === storedSha
    if (same) full.sha ??= storedSha
    // Native v2 writes stamp the agent's registry name (`claude-code`) on compact lines where the
    // migration passes the v1 type (`Claude Code`) (v2-format.md §5): re-derive with that name.
    const lineAgent = /^\{"v":1,"agent":("(?:[^"\\]|\\.)*")/.exec(
      stored.subarray(0, 4096).toString('utf8')
    )
    const storedAgent = lineAgent ? (JSON.parse(lineAgent[1]) as string) : agent
    const native =
      !same &&
      storedAgent !== agent &&
      ctx.compact.shaOf(
        ctx.compact.run(
          key,
          t,
          { agent: storedAgent, cliVersion: compactVersion, startLine: 0 },
          false,
          0,
          historyKeyOf(str(v1Meta.session_id), storedAgent)
        )
      ) === storedSha
    if (same || native) {
      rec.pass('compact.rederive')
      ctx.counters.compactRederived++
      if (native) {
        rec.note({
          kind: 'known-writer',
          slot: k,
          file: `${slotPath}/transcript.jsonl`,
          message: `slot ${k}: compact lines carry agent ${JSON.stringify(storedAgent)} instead of the v1 type ${JSON.stringify(agent)} (a native v2 write, not a migration)`
        })
      }
    } else {
      const d = full.bytes ? firstDifference(full.bytes, stored) : undefined
      rec.fail({
        check: 'compact.rederive',
        ...at,
        ref: mainRef,
        file: `${slotPath}/transcript.jsonl`,
        message: `checkpoint ${id} slot ${k}: stored transcript.jsonl differs from the compact re-derived from the raw transcript${d ? ` (line ${d.line})` : ''}`,
        expected: d?.left ?? `sha256:${ctx.compact.shaOf(full)}`,
        actual: d?.right ?? `sha256:${storedSha}`
      })
    }
  }
  if (!derived && s0 > 0)
    rec.drop({
      scope: 'session',
      v1Session: s.index,
      name: 'checkpoint_transcript_start',
      value: `${s0} (raw start; no compact transcript)`
    })

  // ---- offset ------------------------------------------------------------------------------------
  if (derived) {
    verifyOffset(ctx, rec, {
      id,
      k,
      s,
      slotPath,
      mainRef,
      agent,
      t,
      key,
      s0,
      storedOffset,
      compactVersion,
      full: full.newlines,
      oneParseOffset: full.offsets?.get(s0),
      profile,
      sid: str(v1Meta.session_id)
    })
  } else {
    rec.check(storedOffset === 0, {
      check: 'compact.offset',
      ...at,
      ref: mainRef,
      file: `${slotPath}/metadata.json`,
      field: 'checkpoint_transcript_start',
      message: `checkpoint ${id} slot ${k}: offset set without a compact transcript`,
      expected: '0',
      actual: String(storedOffset)
    })
  }
  return m
}

function verifyOffset(
  ctx: RunContext,
  rec: CheckpointRecord,
  a: {
    id: string
    k: number
    s: V1Session
    slotPath: string
    mainRef: string
    agent: string
    t: Pieces
    key: string
    s0: number
    storedOffset: number
    compactVersion: string
    full: number
    /** The converter's recomputed offset for s0 from the full compact's parse, when it gave one. */
    oneParseOffset?: number
    profile: WriterProfile
    sid: string
  }
): void {
  const at = { slot: a.k, v1Session: a.s.index }
  const cacheKey = (pos: number) => `${a.sid}\0${a.agent}\0${pos}`
  const compact = ctx.compact as CompactCache
  let expected: string
  let ok = false
  if (a.s0 === 0) {
    ok = a.storedOffset === 0
    expected = '0 (no raw start)'
  } else {
    const cached =
      a.profile.offsetCache && a.sid !== '' ? ctx.offsetCache.get(cacheKey(a.s0)) : undefined
    if (cached !== undefined && cached === a.storedOffset) {
      ok = true
      ctx.counters.offsetsFromCache++
      expected = `${cached} (cache)`
    } else {
      // Recomputation (§7.2 step 3). The one-parse value of the converter when it agrees;
      // otherwise the definition itself decides: a separate, scoped compaction.
      const scopedCount = () => {
        const scoped = compact.run(
          a.key,
          a.t,
          { agent: a.agent, cliVersion: a.compactVersion, startLine: a.s0 },
          false
        )
        return scoped.present ? Math.max(0, a.full - scoped.newlines) : 0
      }
      const recomputed =
        a.oneParseOffset !== undefined && a.oneParseOffset === a.storedOffset
          ? a.oneParseOffset
          : scopedCount()
      expected =
        cached !== undefined
          ? `${cached} (cache) or ${recomputed} (recompute)`
          : `${recomputed} (recompute)`
      if (recomputed === a.storedOffset) {
        ok = true
        ctx.counters.offsetsRecomputed++
        if (cached !== undefined) {
          rec.note({
            kind: 'offset-source',
            slot: a.k,
            file: `${a.slotPath}/metadata.json`,
            message: `slot ${a.k}: offset ${a.storedOffset} equals recomputation; a single run's offset cache would give ${cached} (written by another run or writer)`
          })
        }
      }
    }
  }
  rec.check(ok, {
    check: 'compact.offset',
    ...at,
    ref: a.mainRef,
    file: `${a.slotPath}/metadata.json`,
    field: 'checkpoint_transcript_start',
    message: `checkpoint ${a.id} slot ${a.k}: checkpoint_transcript_start differs from the re-derived compact offset (raw start ${a.s0})`,
    expected,
    actual: String(a.storedOffset)
  })
  // Record like the reference: after every successful compaction (migration.md §7.3).
  if (a.sid !== '' && ctx.position) {
    const pos = ctx.position(a.t, a.agent)
    if (pos !== undefined && pos > 0) ctx.offsetCache.set(cacheKey(pos), a.full)
  }
}

function verifyCopiedFields(
  rec: CheckpointRecord,
  id: string,
  k: number,
  s: V1Session,
  v1m: Record<string, unknown>,
  m: Record<string, unknown>,
  mDoc: Doc | undefined,
  file: string,
  ref: string,
  profile: WriterProfile
): void {
  const at = { slot: k, v1Session: s.index, ref, file }
  for (const [field, schema] of COPIED_SESSION_FIELDS) {
    let source = v1m[field]
    if (
      field === 'summary' &&
      source !== null &&
      typeof source === 'object' &&
      !Array.isArray(source)
    ) {
      // The summary's text fields pass through the redactor (migration.md §6.5).
      const redacted = redactSummary(source as SummaryText)
      const plainMatch =
        canonical(project(source, schema).value) === canonical(project(m[field], schema).value)
      if (
        canonical(project(redacted, schema).value) !== canonical(project(source, schema).value) &&
        plainMatch
      ) {
        rec.note({
          kind: 'info',
          slot: k,
          file,
          message: `slot ${k}: summary equals v1 but was not redacted (the reference redacts its text fields)`
        })
      } else source = redacted
    }
    const want = project(source, schema, field)
    const got = project(m[field], schema, field)
    for (const u of want.unknown) rec.drop({ scope: 'session', v1Session: s.index, name: u })
    if (field === 'created_at') {
      const v1t = typeof v1m.created_at === 'string' ? parseInstant(v1m.created_at) : undefined
      if (v1t === undefined || v1t === GO_ZERO_TIME) {
        const gotT = typeof m.created_at === 'string' ? parseInstant(m.created_at) : undefined
        rec.note({
          kind: 'clock-created-at',
          slot: k,
          file,
          message: `slot ${k}: v1 created_at is zero or missing; v2 holds the write time ${String(m.created_at)}`
        })
        rec.check(gotT !== undefined && gotT !== GO_ZERO_TIME, {
          check: 'metadata.copied',
          ...at,
          field,
          message: `checkpoint ${id} slot ${k}: created_at should be the write time when v1 has none`,
          expected: 'a non-zero time',
          actual: String(m.created_at)
        })
        continue
      }
      if (canonical(want.value) !== canonical(got.value) && profile.createdAtIsMigrationTime) {
        rec.note({
          kind: 'known-writer',
          slot: k,
          file,
          message: `slot ${k}: created_at ${String(m.created_at)} is the migration time (${profile.name} known behaviour), v1 has ${String(v1m.created_at)}`
        })
        continue
      }
    }
    rec.check(canonical(want.value) === canonical(got.value), {
      check: 'metadata.copied',
      ...at,
      field,
      message: `checkpoint ${id} slot ${k}: ${field} differs from v1 session ${s.index}`,
      expected: clip(canonical(want.value)),
      actual: clip(canonical(got.value))
    })
  }
  // prompt_attributions: raw JSON, compared after whitespace removal.
  const hasV1 = Object.prototype.hasOwnProperty.call(v1m, 'prompt_attributions')
  const hasV2 = Object.prototype.hasOwnProperty.call(m, 'prompt_attributions')
  // Raw bytes (number spelling, escapes and key order are kept by Go), whitespace removed.
  const raw = (doc: Doc | undefined) => {
    const b = doc ? rawMember(doc, 'prompt_attributions') : undefined
    return b ? compactRaw(b.toString('utf8')) : undefined
  }
  const v1raw = hasV1 ? raw(s.meta) : undefined
  const v2raw = hasV2 ? raw(mDoc) : undefined
  if (hasV1 && !hasV2 && profile.dropsAttributions) {
    rec.note({
      kind: 'known-writer',
      slot: k,
      file,
      message: `slot ${k}: prompt_attributions not carried (${profile.name} known behaviour)`
    })
  } else {
    rec.check(v1raw === v2raw, {
      check: 'metadata.copied',
      ...at,
      field: 'prompt_attributions',
      message: `checkpoint ${id} slot ${k}: prompt_attributions differ from v1 session ${s.index}`,
      expected: clip(v1raw ?? '(absent)'),
      actual: clip(v2raw ?? '(absent)')
    })
  }
}

function verifySummary(
  ctx: RunContext,
  rec: CheckpointRecord,
  v1: V1Checkpoint | undefined,
  main: CheckpointDir,
  summaryDoc: Doc | undefined,
  slotMetas: Array<Record<string, unknown> | undefined>,
  profile: WriterProfile,
  foreign: boolean
): void {
  const id = main.id
  const file = `${main.dir}/metadata.json`
  const ref = ctx.state.mainRef
  const summary = obj(summaryDoc)
  if (!summary) {
    rec.fail({
      check: 'metadata.derived',
      ref,
      file,
      message: `checkpoint ${id}: summary metadata.json ${summaryDoc ? 'does not decode' : 'is missing'}`,
      expected: 'checkpoint summary',
      actual: summaryDoc?.error ?? '(missing)'
    })
    return
  }
  const metas = slotMetas.filter((m): m is Record<string, unknown> => !!m)
  const last = slotMetas[slotMetas.length - 1]
  const derived = (field: string, want: unknown, got: unknown) =>
    rec.check(canonical(want) === canonical(got), {
      check: 'metadata.derived',
      ref,
      file,
      field,
      message: `checkpoint ${id}: summary ${field} is not the aggregate of its slots`,
      expected: clip(canonical(want)),
      actual: clip(canonical(got))
    })
  derived('checkpoint_id', id, str(summary.checkpoint_id))
  if (last) {
    derived('strategy', str(last.strategy), str(summary.strategy))
    derived('branch', str(last.branch), str(summary.branch))
  }
  derived(
    'checkpoints_count',
    metas.reduce((n, m) => n + int(m.checkpoints_count), 0),
    int(summary.checkpoints_count)
  )
  const files = new Set<string>()
  for (const m of metas)
    if (Array.isArray(m.files_touched))
      for (const f of m.files_touched) if (typeof f === 'string') files.add(f)
  const union = [...files].sort(compareBytes)
  derived('files_touched', union.length ? union : null, summary.files_touched ?? null)
  const withTokens = metas.filter((m) => m.token_usage !== undefined && m.token_usage !== null)
  let sum: Record<string, number> | null = null
  for (const m of withTokens) {
    const p = project(m.token_usage, TOKEN_USAGE_SUM).value as Record<string, number>
    sum ??= {
      input_tokens: 0,
      cache_creation_tokens: 0,
      cache_read_tokens: 0,
      output_tokens: 0,
      api_call_count: 0
    }
    for (const kk of Object.keys(sum)) sum[kk] += p[kk]
  }
  derived(
    'token_usage',
    sum,
    summary.token_usage === undefined || summary.token_usage === null
      ? null
      : project(summary.token_usage, TOKEN_USAGE_SUM).value
  )
  derived('has_review', false, summary.has_review === true)
  if (v1) {
    const s1 = obj(v1.summary) ?? {}
    const want = project(s1.combined_attribution, ATTRIBUTION)
    const got = project(summary.combined_attribution, ATTRIBUTION)
    if (want.value !== null && got.value === null && profile.dropsAttributions) {
      rec.note({
        kind: 'known-writer',
        file,
        message: `combined_attribution not carried (${profile.name} known behaviour)`
      })
    } else {
      rec.check(canonical(want.value) === canonical(got.value), {
        check: 'metadata.copied',
        ref,
        file,
        field: 'combined_attribution',
        message: `checkpoint ${id}: combined_attribution differs from v1`,
        expected: clip(canonical(want.value)),
        actual: clip(canonical(got.value))
      })
    }
    for (const u of want.unknown) rec.drop({ scope: 'summary', name: u })
    for (const [key, value] of Object.entries(s1)) {
      if (isEmptyValue(value)) continue
      if (!DECODED_SUMMARY_KEYS.has(key))
        rec.drop({ scope: 'summary', name: key, value: clip(JSON.stringify(value), 80) })
      else if (key === 'has_review') rec.drop({ scope: 'summary', name: key, value: 'true' })
    }
    for (const f of v1.dir.files.keys())
      if (f !== 'metadata.json') rec.drop({ scope: 'file', name: f })
    const hasTask = v1.sessions.some((s) => s.migrating && obj(s.meta)?.is_task === true)
    if (!hasTask && [...v1.dir.slots.keys()].includes('tasks'))
      rec.drop({ scope: 'file', name: 'tasks/', value: 'no migrating session is a task' })
  }
  // Stray entries on /main.
  const allowed = new Set([
    'metadata.json',
    'prompt.txt',
    'transcript.jsonl',
    'transcript_hash.txt'
  ])
  const stray: string[] = []
  for (const f of main.files.keys()) if (f !== 'metadata.json') stray.push(f)
  for (const [name, slot] of main.slots) {
    if (!/^(0|[1-9]\d*)$/.test(name)) {
      stray.push(`${name}/`)
      continue
    }
    for (const f of slot.files.keys()) if (!allowed.has(f)) stray.push(`${name}/${f}`)
  }
  rec.check(stray.length === 0, {
    check: 'metadata.paths',
    ref,
    file: main.dir,
    message: `checkpoint ${id}: unexpected entries on /main`,
    expected: '(none)',
    actual: stray.join(', ')
  })
  checkEncoding(rec, summaryDoc as Doc, SUMMARY_ENC, file, ref, foreign, str(summary.cli_version))
}

function checkEncoding(
  rec: CheckpointRecord,
  doc: Doc,
  enc: Enc,
  file: string,
  ref: string,
  foreign: boolean,
  writer: string,
  slot?: number
): void {
  let again: Buffer
  try {
    again = reencode(doc, enc)
  } catch (e) {
    rec.fail({
      check: 'encoding',
      slot,
      ref,
      file,
      message: `${file}: cannot be decoded into the v2 schema: ${e instanceof Error ? e.message : String(e)}`
    })
    return
  }
  const d = firstDifference(again, doc.bytes)
  if (!d) {
    rec.pass('encoding')
    return
  }
  if (foreign) {
    rec.note({
      kind: 'encoding-foreign',
      slot,
      file,
      message: `${file}: written by ${writer || 'an unversioned writer'}; our encoder writes line ${d.line} as ${d.left} (stored: ${d.right})`
    })
    return
  }
  rec.fail({
    check: 'encoding',
    slot,
    ref,
    file,
    message: `${file}: stored bytes differ from our encoder's at line ${d.line}`,
    expected: d.left,
    actual: d.right
  })
}

function verifyCliVersion(
  ctx: RunContext,
  rec: CheckpointRecord,
  main: CheckpointDir,
  writer: string
): void {
  const bad: string[] = []
  // Uniform within the checkpoint; data written by another version (an earlier run, an older Go
  // release) keeps its own, which is reported as a note.
  const want = writer
  if (ctx.cliVersion !== undefined && writer !== ctx.cliVersion) {
    rec.note({
      kind: 'known-writer',
      file: `${main.dir}/metadata.json`,
      message: `checkpoint ${main.id} carries cli_version ${JSON.stringify(writer)}, not ${JSON.stringify(ctx.cliVersion)}: written by another version`
    })
  }
  for (const [name, slot] of main.slots) {
    const m = obj(docFor(ctx.state, slot, 'metadata.json'))
    if (m && str(m.cli_version) !== want)
      bad.push(`${main.dir}/${name}/metadata.json: ${JSON.stringify(str(m.cli_version))}`)
    const t = slot.files.get('transcript.jsonl')
    const bytes = t ? ctx.blobs.get(t.oid) : undefined
    if (bytes) {
      const versions = compactLineVersions(bytes)
      for (const v of versions)
        if (v !== want) bad.push(`${main.dir}/${name}/transcript.jsonl: ${JSON.stringify(v)}`)
    }
  }
  rec.check(bad.length === 0, {
    check: 'metadata.cli-version',
    ref: ctx.state.mainRef,
    file: `${main.dir}/metadata.json`,
    field: 'cli_version',
    message: `checkpoint ${main.id}: cli_version is not uniform`,
    expected: JSON.stringify(want),
    actual: clip(bad.join('; '))
  })
}

/** Checks that need no v1 source: slots, raw location and hash, compact hash, aggregates, paths, encoding. */
export function verifyV2Internal(
  ctx: RunContext,
  rec: CheckpointRecord,
  main: CheckpointDir
): void {
  const { state } = ctx
  const summaryDoc = docFor(state, main, 'metadata.json')
  const summary = obj(summaryDoc)
  const writer = str(summary?.cli_version)
  rec.v.writer = writer
  const sessions = Array.isArray(summary?.sessions) ? (summary?.sessions as unknown[]) : []
  rec.v.v2Slots = sessions.length
  const foreign =
    ctx.cliVersion !== undefined
      ? writer !== ctx.cliVersion
      : writerProfile(writer) !== REFERENCE_PROFILE
  const metas: Array<Record<string, unknown> | undefined> = []
  for (let k = 0; k < sessions.length; k++) {
    const slotDir = main.slots.get(String(k))
    const slotPath = `${main.dir}/${k}`
    const check = (
      c: CheckName,
      ok: boolean,
      message: string,
      file: string,
      expected?: string,
      actual?: string
    ) =>
      rec.check(ok, {
        check: c,
        slot: k,
        ref: state.mainRef,
        file,
        message: `checkpoint ${main.id} slot ${k}: ${message}`,
        expected,
        actual
      })
    check('slots', !!slotDir, 'slot directory missing on /main', slotPath, 'present', '(absent)')
    const metaDoc = docFor(state, slotDir, 'metadata.json')
    metas.push(obj(metaDoc))
    if (metaDoc?.node)
      checkEncoding(
        rec,
        metaDoc,
        SESSION_METADATA_ENC,
        `${slotPath}/metadata.json`,
        state.mainRef,
        foreign,
        writer,
        k
      )
    const holders = state.fullSlots.get(`${main.id}/${k}`) ?? []
    rec.v.fullRefs[k] = holders.length === 1 ? holders[0].ref.ref : null
    if (holders.length > 1)
      check(
        'raw.location',
        false,
        'raw transcript held by several /full refs',
        `${slotPath}/raw_transcript`,
        'one',
        holders.map((h) => h.ref.ref).join(', ')
      )
    if (holders.length === 1) {
      const raw = v2RawTranscriptFiles(holders[0].slot)
      const parts = raw.chunks.map((c) => ctx.blobs.get(c.entry.oid))
      const hashEntry = holders[0].slot.files.get('raw_transcript_hash.txt')
      const got = hashEntry ? state.small.get(hashEntry.oid)?.toString('latin1') : undefined
      if (!parts.some((p) => !p) && parts.length > 0) {
        const want = 'sha256:' + sha256Pieces(transcriptPieces(parts as Buffer[]))
        rec.check(got === want, {
          check: 'raw.hash',
          slot: k,
          ref: holders[0].ref.ref,
          file: `${slotPath}/raw_transcript_hash.txt`,
          message: `checkpoint ${main.id} slot ${k}: raw_transcript_hash.txt is not the sha256 of the raw transcript`,
          expected: want,
          actual: got ?? '(missing)'
        })
      }
    }
    const compactEntry = slotDir?.files.get('transcript.jsonl')
    const stored = compactEntry ? ctx.blobs.get(compactEntry.oid) : undefined
    if (stored) {
      const h = slotDir?.files.get('transcript_hash.txt')
      const got = h ? state.small.get(h.oid)?.toString('latin1') : undefined
      const want = 'sha256:' + sha256(stored)
      check(
        'compact.hash',
        got === want,
        'transcript_hash.txt is not the sha256 of transcript.jsonl',
        `${slotPath}/transcript_hash.txt`,
        want,
        got ?? '(missing)'
      )
    }
  }
  verifySummary(ctx, rec, undefined, main, summaryDoc, metas, writerProfile(writer), foreign)
  if (rec.v.checksFailed > 0) rec.v.verdict = 'failed'
}

/**
 * Task files (migration.md §5.4 step 5, §6.4): when a migrating session is a task, the v1
 * checkpoint-level `tasks/` goes to the highest slot and each session's `tasks/` to its slot, on
 * the slot's `/full` ref, same blob ids and modes, the first attached file winning a path clash.
 * Without a task session they are dropped (listed).
 */
function verifyTasks(
  ctx: RunContext,
  rec: CheckpointRecord,
  v1: V1Checkpoint,
  slots: number[]
): void {
  const rootTasks = v1.dir.slots.get('tasks')
  const sessionTasks = (j: number) =>
    [...(v1.sessions[j]?.dir?.files ?? new Map()).entries()].filter(([f]) => f.startsWith('tasks/'))
  const hasTask = slots.some((j) => obj(v1.sessions[j].meta)?.is_task === true)
  const anyTasks = !!rootTasks || slots.some((j) => sessionTasks(j).length > 0)
  if (!anyTasks) return
  if (!hasTask) {
    rec.drop({ scope: 'file', name: 'tasks/', value: 'no migrating session is a task' })
    return
  }
  const expected = new Map<number, Map<string, string>>()
  const attach = (k: number, path: string, mode: string, oid: string) => {
    const m = expected.get(k) ?? new Map<string, string>()
    if (!m.has(path)) m.set(path, `${mode} ${oid}`)
    expected.set(k, m)
  }
  if (rootTasks)
    for (const [f, e] of rootTasks.files) attach(slots.length - 1, `tasks/${f}`, e.mode, e.oid)
  slots.forEach((j, k) => {
    for (const [f, e] of sessionTasks(j)) attach(k, f, e.mode, e.oid)
  })
  for (let k = 0; k < slots.length; k++) {
    const holders = ctx.state.fullSlots.get(`${v1.id}/${k}`) ?? []
    if (holders.length !== 1) continue // raw.location already failed
    const actual = new Map<string, string>()
    for (const [f, e] of holders[0].slot.files)
      if (f.startsWith('tasks/')) actual.set(f, `${e.mode} ${e.oid}`)
    const want = expected.get(k) ?? new Map<string, string>()
    const diffs: string[] = []
    for (const [f, v] of want)
      if (actual.get(f) !== v)
        diffs.push(`${f}: expected ${v}, actual ${actual.get(f) ?? '(missing)'}`)
    for (const f of actual.keys()) if (!want.has(f)) diffs.push(`${f}: unexpected`)
    if (want.size === 0 && actual.size === 0) continue
    rec.check(diffs.length === 0, {
      check: 'tasks',
      slot: k,
      v1Session: slots[k],
      ref: holders[0].ref.ref,
      file: `${v1.dir.dir}/${k}/tasks/`,
      message: `checkpoint ${v1.id} slot ${k}: task files differ from v1`,
      expected: `${want.size} file(s)`,
      actual: clip(diffs.join('; '))
    })
  }
}

const LINE_HEAD = Buffer.from('{"v":1,"agent":')
const VERSION_KEY = Buffer.from(',"cli_version":')

/**
 * The cli_version values of compact lines, read from the bytes: every match of
 * /^\{"v":1,"agent":"…","cli_version":("…")/gm on the UTF-8 text (JSON strings with escapes),
 * without decoding the whole transcript into one string.
 */
export function compactLineVersions(b: Buffer): Set<string> {
  const out = new Set<string>()
  let from = 0
  let last: Buffer | undefined
  for (;;) {
    const p = b.indexOf(LINE_HEAD, from)
    if (p < 0) return out
    from = p + 1
    if (!atLineStart(b, p)) continue
    const agentEnd = jsonStringEnd(b, p + LINE_HEAD.length)
    if (agentEnd < 0) continue
    if (!b.subarray(agentEnd, agentEnd + VERSION_KEY.length).equals(VERSION_KEY)) continue
    const vStart = agentEnd + VERSION_KEY.length
    const vEnd = jsonStringEnd(b, vStart)
    if (vEnd < 0) continue
    from = vEnd
    // Lines repeat the same value: decode each distinct spelling once.
    if (last !== undefined && b.compare(last, 0, last.length, vStart, vEnd) === 0) continue
    last = b.subarray(vStart, vEnd)
    const text = last.toString('utf8')
    try {
      out.add(JSON.parse(text) as string)
    } catch {
      out.add(text)
    }
  }
}

/** Whether a line terminator of a JS multiline regexp (\n, \r, U+2028, U+2029) or the start precedes p. */
function atLineStart(b: Buffer, p: number): boolean {
  if (p === 0) return true
  const c = b[p - 1]
  if (c === 10 || c === 13) return true
  return p >= 3 && b[p - 3] === 0xe2 && b[p - 2] === 0x80 && (c === 0xa8 || c === 0xa9)
}

/** End (exclusive, after the closing quote) of the JSON-ish string at p, or -1: "(?:[^"\\]|\\.)*". */
function jsonStringEnd(b: Buffer, p: number): number {
  if (b[p] !== 0x22) return -1
  for (let i = p + 1; i < b.length;) {
    const c = b[i]
    if (c === 0x22) return i + 1
    if (c !== 0x5c) {
      i++
      continue
    }
    // A backslash escapes any one character but a line terminator.
    const n = b[i + 1]
    if (n === undefined || n === 10 || n === 13) return -1
    if (n === 0xe2 && b[i + 2] === 0x80 && (b[i + 3] === 0xa8 || b[i + 3] === 0xa9)) return -1
    i += 2
  }
  return -1
}
