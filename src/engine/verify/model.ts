// The repository state the verifier checks, re-read from git: the v1 tip tree, `/main`, every
// `/full` ref, and the small JSON/text blobs (metadata, prompts, hash files) read in one batch.
import type { GitRunner } from '../../git/runner.js'
import {
  listRefs,
  listTreeRecursive,
  readBlobs,
  resolveCommit,
  type TreeEntry
} from './git-read.js'
import {
  indexTree,
  joinedSize,
  v1TranscriptFiles,
  type CheckpointDir,
  type SlotDir,
  type TranscriptFiles,
  type TreeIndex
} from './layout.js'
import { obj, parseDoc, type Doc } from './docs.js'
import { GO_ZERO_TIME, parseInstant } from './values.js'

export const DEFAULT_V1_REF = 'refs/heads/entire/checkpoints/v1'
export const ORIGIN_V1_REF = 'refs/remotes/origin/entire/checkpoints/v1'
export const DEFAULT_V2_PREFIX = 'refs/entire/checkpoints/v2'
export const ARCHIVE_NAME = /^\d{13}$/

export interface V1Session {
  index: number
  dir?: SlotDir
  meta?: Doc
  transcript: TranscriptFiles
  /** Reassembled size from tree sizes. */
  size: number
  /** Has a non-empty transcript: the migration gives it a slot (migration.md §5.4 step 2). */
  migrating: boolean
  prompt?: Buffer
}

export interface V1Checkpoint {
  id: string
  dir: CheckpointDir
  summary?: Doc
  /** Why the summary cannot be used (missing, undecodable, no sessions array). */
  summaryProblem?: string
  /** len(sessions) */
  sessionCount: number
  sessions: V1Session[]
  /** created_at of the listing (directory len(sessions)-1), ns; zero time when unknown. */
  listedAt: bigint
}

export interface FullRef {
  ref: string
  oid: string
  /** 13-digit archive number, or undefined for `current`. */
  archive?: string
  index: TreeIndex
}

export interface FullSlot {
  ref: FullRef
  slot: SlotDir
}

export interface RepoState {
  v1Ref: string | null
  v1Commit: string | null
  v1: Map<string, V1Checkpoint>
  /** v1 checkpoints in the migration's processing order (migration.md §3.2). */
  v1Order: string[]
  mainRef: string
  mainOid: string | null
  main: TreeIndex
  /** `current` first, then archives from the highest number down (the presence-index order). */
  fullRefs: FullRef[]
  /** Refs under `<prefix>/full/` that Go ignores (neither `current` nor 13 digits). */
  badFullRefs: string[]
  /** `<id>/<slot>` → every `/full` ref holding raw-transcript files for that slot. */
  fullSlots: Map<string, FullSlot[]>
  /** Small blobs by id (metadata, prompts, hash files, generation.json). */
  small: Map<string, Buffer>
  refs: Array<{ ref: string; oid: string }>
}

export async function loadState(
  git: GitRunner,
  opts: { v1Ref?: string; v2Prefix: string }
): Promise<RepoState> {
  let v1Ref: string | null = opts.v1Ref ?? null
  let v1Commit: string | null = null
  if (v1Ref) {
    v1Commit = (await resolveCommit(git, v1Ref)) ?? null
    if (!v1Commit) throw new Error(`v1 ref ${v1Ref} does not resolve to a commit`)
  } else {
    for (const r of [DEFAULT_V1_REF, ORIGIN_V1_REF]) {
      const c = await resolveCommit(git, r)
      if (c) {
        v1Ref = r
        v1Commit = c
        break
      }
    }
  }
  const prefix = opts.v2Prefix.replace(/\/+$/, '')
  const refs = await listRefs(git, prefix + '/')
  const mainRef = `${prefix}/main`
  const mainOid = refs.find((r) => r.name === mainRef)?.oid ?? null
  const fullRefs: FullRef[] = []
  const badFullRefs: string[] = []
  const pending: Array<Promise<void>> = []
  const v1Tree = v1Commit ? listTreeRecursive(git, v1Commit) : Promise.resolve(new Map())
  const mainTree = mainOid ? listTreeRecursive(git, mainOid) : Promise.resolve(new Map())
  for (const r of refs) {
    if (!r.name.startsWith(`${prefix}/full/`)) continue
    const name = r.name.slice(prefix.length + 6)
    if (name !== 'current' && !ARCHIVE_NAME.test(name)) {
      badFullRefs.push(r.name)
      continue
    }
    const fr: FullRef = {
      ref: r.name,
      oid: r.oid,
      archive: name === 'current' ? undefined : name,
      index: { checkpoints: new Map(), rootFiles: new Map(), stray: [] }
    }
    fullRefs.push(fr)
    pending.push(listTreeRecursive(git, r.oid).then((t) => void (fr.index = indexTree(t))))
  }
  fullRefs.sort((a, b) =>
    a.archive === undefined ? -1 : b.archive === undefined ? 1 : a.archive < b.archive ? 1 : -1
  )
  const [v1Entries, mainEntries] = await Promise.all([v1Tree, mainTree, ...pending])
  const v1Index = indexTree(v1Entries as Map<string, TreeEntry>)
  const main = indexTree(mainEntries as Map<string, TreeEntry>)

  // Small blobs: every JSON, prompt and hash file we compare, in one cat-file.
  const wanted: string[] = []
  for (const cp of v1Index.checkpoints.values()) {
    const m = cp.files.get('metadata.json')
    if (m) wanted.push(m.oid)
    for (const s of cp.slots.values()) {
      for (const f of ['metadata.json', 'prompt.txt']) {
        const e = s.files.get(f)
        if (e && e.type === 'blob') wanted.push(e.oid)
      }
    }
  }
  for (const cp of main.checkpoints.values()) {
    for (const e of cp.files.values()) if (e.type === 'blob') wanted.push(e.oid)
    for (const s of cp.slots.values()) {
      for (const [f, e] of s.files)
        if (f !== 'transcript.jsonl' && e.type === 'blob') wanted.push(e.oid)
    }
  }
  for (const fr of fullRefs) {
    for (const e of fr.index.rootFiles.values()) if (e.type === 'blob') wanted.push(e.oid)
    for (const cp of fr.index.checkpoints.values()) {
      for (const s of cp.slots.values()) {
        const h = s.files.get('raw_transcript_hash.txt')
        if (h) wanted.push(h.oid)
      }
    }
  }
  const small = await readBlobs(git, wanted)

  const v1 = new Map<string, V1Checkpoint>()
  for (const cp of v1Index.checkpoints.values()) v1.set(cp.id, readV1Checkpoint(cp, small))
  const v1Order = [...v1.values()].sort(processingOrder).map((c) => c.id)

  const fullSlots = new Map<string, FullSlot[]>()
  for (const fr of fullRefs) {
    for (const cp of fr.index.checkpoints.values()) {
      for (const slot of cp.slots.values()) {
        const hasRaw = [...slot.files.keys()].some(
          (f) =>
            f === 'raw_transcript' ||
            f.startsWith('raw_transcript.') ||
            f === 'raw_transcript_hash.txt'
        )
        if (!hasRaw) continue
        const key = `${cp.id}/${slot.name}`
        const list = fullSlots.get(key) ?? []
        list.push({ ref: fr, slot })
        fullSlots.set(key, list)
      }
    }
  }
  return {
    v1Ref: v1Commit ? v1Ref : null,
    v1Commit,
    v1,
    v1Order,
    mainRef,
    mainOid,
    main,
    fullRefs,
    badFullRefs,
    fullSlots,
    small,
    refs: refs.map((r) => ({ ref: r.name, oid: r.oid }))
  }
}

function blobDoc(small: Map<string, Buffer>, e: TreeEntry | undefined): Doc | undefined {
  if (!e) return undefined
  const b = small.get(e.oid)
  return b ? parseDoc(b) : { bytes: Buffer.alloc(0), error: `blob ${e.oid} unreadable` }
}

function readV1Checkpoint(cp: CheckpointDir, small: Map<string, Buffer>): V1Checkpoint {
  const summaryEntry = cp.files.get('metadata.json')
  const summary = blobDoc(small, summaryEntry)
  let summaryProblem: string | undefined
  let sessionCount = 0
  if (!summary) summaryProblem = 'no metadata.json'
  else if (summary.error) summaryProblem = `metadata.json does not decode: ${summary.error}`
  else {
    const s = obj(summary)?.sessions
    if (s !== undefined && s !== null && !Array.isArray(s))
      summaryProblem = 'sessions is not an array'
    else sessionCount = Array.isArray(s) ? s.length : 0
  }
  const sessions: V1Session[] = []
  for (let j = 0; j < sessionCount; j++) {
    const dir = cp.slots.get(String(j))
    const transcript = dir ? v1TranscriptFiles(dir) : { chunks: [] }
    const size = joinedSize(transcript)
    const promptEntry = dir?.files.get('prompt.txt')
    const metaEntry = dir?.files.get('metadata.json')
    sessions.push({
      index: j,
      dir,
      // parsed when asked for (see docs.ts: parsed documents are not kept for the whole run)
      get meta() {
        return blobDoc(small, metaEntry)
      },
      transcript,
      size,
      migrating: size > 0,
      prompt: promptEntry ? small.get(promptEntry.oid) : undefined
    })
  }
  let listedAt = GO_ZERO_TIME
  if (sessionCount > 0) {
    const last = blobDoc(small, cp.slots.get(String(sessionCount - 1))?.files.get('metadata.json'))
    const t = obj(last)?.created_at
    if (typeof t === 'string') listedAt = parseInstant(t) ?? GO_ZERO_TIME
  }
  return {
    id: cp.id,
    dir: cp,
    get summary() {
      return blobDoc(small, summaryEntry)
    },
    summaryProblem,
    sessionCount,
    sessions,
    listedAt
  }
}

/** migration.md §3.2: non-zero times first, earlier instant first, then id ascending. */
function processingOrder(a: V1Checkpoint, b: V1Checkpoint): number {
  const az = a.listedAt === GO_ZERO_TIME
  const bz = b.listedAt === GO_ZERO_TIME
  if (az !== bz) return az ? 1 : -1
  if (!az && a.listedAt !== b.listedAt) return a.listedAt < b.listedAt ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
