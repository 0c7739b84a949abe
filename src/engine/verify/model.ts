// The repository state the verifier checks, re-read from git: the v1 tip tree, `/main` and every
// `/full` ref listed once (kept as listings), and windows of checkpoints decoded from them with
// their small JSON/text blobs (metadata, prompts, hash files) read with their batch.
import type { GitRunner } from '../../git/runner.js'
import { listRefs, listTreeText, resolveCommit, type TreeEntry } from './git-read.js'
import { mapConcurrently } from '../concurrency.js'
import {
  joinedSize,
  TreeListing,
  v1TranscriptFiles,
  type CheckpointDir,
  type SlotDir,
  type TranscriptFiles,
  type TreeIndex
} from './layout.js'
import { forgetParsedDocs, obj, parseDoc, str, type Doc } from './docs.js'
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
  /** The window's checkpoints in this ref, with the whole ref's root files and strays. */
  index: TreeIndex
}

export interface FullSlot {
  ref: FullRef
  slot: SlotDir
}

/** A `/full` ref's whole listing. */
export interface FullTree {
  ref: string
  oid: string
  archive?: string
  tree: TreeListing
}

/** What the verifier keeps of a v1 checkpoint for the whole run (its summary's verdict, its time). */
export interface V1Info {
  sessionCount: number
  summaryProblem?: string
  listedAt: bigint
}

/**
 * The repository as listed once for the run: refs, the trees as listings (decoded a window at a
 * time), and the few facts every checkpoint needs before its own batch is read (the processing
 * order and the dominant writer).
 */
export interface Repo {
  v1Ref: string | null
  v1Commit: string | null
  v1Tree: TreeListing
  v1Info: Map<string, V1Info>
  /** v1 checkpoints in the migration's processing order (migration.md §3.2). */
  v1Order: string[]
  mainRef: string
  mainOid: string | null
  mainTree: TreeListing
  /** `current` first, then archives from the highest number down (the presence-index order). */
  fullTrees: FullTree[]
  /** Refs under `<prefix>/full/` that Go ignores (neither `current` nor 13 digits). */
  badFullRefs: string[]
  /** cli_version of each `/main` checkpoint's metadata.json ('' when none), counted in tree order. */
  mainWriters: Map<string, number>
  refs: Array<{ ref: string; oid: string }>
}

/**
 * A window of checkpoints decoded for checking: their v1 and v2 directories and the small blobs
 * (metadata, prompts, hash files) of their batch. Maps hold the window's checkpoints only.
 */
export interface RepoState {
  mainRef: string
  v1: Map<string, V1Checkpoint>
  main: TreeIndex
  /** Same order as Repo.fullTrees. */
  fullRefs: FullRef[]
  /** `<id>/<slot>` → every `/full` ref holding raw-transcript files for that slot. */
  fullSlots: Map<string, FullSlot[]>
  /** Small blobs by id; filled by the batch's read (accessors read it when asked). */
  small: Map<string, Buffer>
}

/** Reads blobs by id (absent ids are absent from the map). */
export type BlobRead = (oids: string[]) => Promise<Map<string, Buffer>>

export async function loadRepo(
  git: GitRunner,
  opts: { v1Ref?: string; v2Prefix: string },
  read: BlobRead
): Promise<Repo> {
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
  const listing = (oid: string | null) =>
    oid ? listTreeText(git, oid).then(TreeListing.parse) : Promise.resolve(TreeListing.EMPTY)
  const fullTrees: FullTree[] = []
  const badFullRefs: string[] = []
  const v1Tree = listing(v1Commit)
  const mainTree = listing(mainOid)
  for (const r of refs) {
    if (!r.name.startsWith(`${prefix}/full/`)) continue
    const name = r.name.slice(prefix.length + 6)
    if (name !== 'current' && !ARCHIVE_NAME.test(name)) {
      badFullRefs.push(r.name)
      continue
    }
    const ft: FullTree = {
      ref: r.name,
      oid: r.oid,
      archive: name === 'current' ? undefined : name,
      tree: TreeListing.EMPTY
    }
    fullTrees.push(ft)
  }
  fullTrees.sort((a, b) =>
    a.archive === undefined ? -1 : b.archive === undefined ? 1 : a.archive < b.archive ? 1 : -1
  )
  // A few `/full` listings at a time, each a git process (10,000 checkpoints: 101 refs).
  const fullListed = mapConcurrently(fullTrees, FULL_LISTINGS_AT_ONCE, async (ft) => {
    ft.tree = await listing(ft.oid)
  })
  const [v1, main] = await Promise.all([v1Tree, mainTree, fullListed])
  const v1Info = await readV1Info(v1, read)
  const v1Order = [...v1Info.keys()].sort((a, b) => processingOrder(a, b, v1Info))
  return {
    v1Ref: v1Commit ? v1Ref : null,
    v1Commit,
    v1Tree: v1,
    v1Info,
    v1Order,
    mainRef,
    mainOid,
    mainTree: main,
    fullTrees,
    badFullRefs,
    mainWriters: await readWriters(main, read),
    refs: refs.map((r) => ({ ref: r.name, oid: r.oid }))
  }
}

/** `/full` tree listings run at once while the repository is loaded. */
const FULL_LISTINGS_AT_ONCE = 4

/** Checkpoints whose small blobs are read at once while the repository is loaded. */
const INFO_CHUNK = 2000

/** Each v1 checkpoint's summary verdict and listing time, read a chunk of checkpoints at a time. */
async function readV1Info(tree: TreeListing, read: BlobRead): Promise<Map<string, V1Info>> {
  const out = new Map<string, V1Info>()
  const ids = [...tree.ids()]
  for (let i = 0; i < ids.length; i += INFO_CHUNK) {
    const dirs = ids.slice(i, i + INFO_CHUNK).map((id) => tree.checkpoint(id) as CheckpointDir)
    const summaries = await read(oidsOf(dirs.map((d) => d.files.get('metadata.json'))))
    const counts = dirs.map((d) => summaryVerdict(blobDoc(summaries, d.files.get('metadata.json'))))
    const lastMeta = (d: CheckpointDir, n: number) =>
      n > 0 ? d.slots.get(String(n - 1))?.files.get('metadata.json') : undefined
    const metas = await read(oidsOf(dirs.map((d, j) => lastMeta(d, counts[j].sessionCount))))
    dirs.forEach((d, j) => {
      const { sessionCount, summaryProblem } = counts[j]
      let listedAt = GO_ZERO_TIME
      const t = obj(blobDoc(metas, lastMeta(d, sessionCount)))?.created_at
      if (typeof t === 'string') listedAt = parseInstant(t) ?? GO_ZERO_TIME
      out.set(d.id, { sessionCount, summaryProblem, listedAt })
    })
    forgetParsedDocs()
  }
  return out
}

/** cli_version of every `/main` checkpoint, counted in tree order (dominantProfile's tie rule). */
async function readWriters(tree: TreeListing, read: BlobRead): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const ids = [...tree.ids()]
  for (let i = 0; i < ids.length; i += INFO_CHUNK) {
    const entries = ids
      .slice(i, i + INFO_CHUNK)
      .map((id) => tree.checkpoint(id)?.files.get('metadata.json'))
    const blobs = await read(oidsOf(entries))
    for (const e of entries) {
      const v = str(obj(blobDoc(blobs, e))?.cli_version)
      out.set(v, (out.get(v) ?? 0) + 1)
    }
    forgetParsedDocs()
  }
  return out
}

function oidsOf(entries: Array<TreeEntry | undefined>): string[] {
  return [...new Set(entries.flatMap((e) => (e && e.type === 'blob' ? [e.oid] : [])))]
}

function summaryVerdict(summary: Doc | undefined): {
  sessionCount: number
  summaryProblem?: string
} {
  if (!summary) return { sessionCount: 0, summaryProblem: 'no metadata.json' }
  if (summary.error)
    return { sessionCount: 0, summaryProblem: `metadata.json does not decode: ${summary.error}` }
  const s = obj(summary)?.sessions
  if (s !== undefined && s !== null && !Array.isArray(s))
    return { sessionCount: 0, summaryProblem: 'sessions is not an array' }
  return { sessionCount: Array.isArray(s) ? s.length : 0 }
}

/** An empty window over the repository; `add` puts checkpoints in, `small` is filled by the caller. */
export function openWindow(repo: Repo, small: Map<string, Buffer> = new Map()): RepoState {
  const index = (t: TreeListing): TreeIndex => ({
    checkpoints: new Map(),
    rootFiles: t.rootFiles,
    stray: t.stray
  })
  return {
    mainRef: repo.mainRef,
    v1: new Map(),
    main: index(repo.mainTree),
    fullRefs: repo.fullTrees.map((f) => ({
      ref: f.ref,
      oid: f.oid,
      archive: f.archive,
      index: index(f.tree)
    })),
    fullSlots: new Map(),
    small
  }
}

/** Decode one checkpoint's directories into the window. */
export function addToWindow(repo: Repo, state: RepoState, id: string): void {
  const info = repo.v1Info.get(id)
  const v1Dir = info ? repo.v1Tree.checkpoint(id) : undefined
  if (info && v1Dir) state.v1.set(id, v1Checkpoint(v1Dir, info, state.small))
  const main = repo.mainTree.checkpoint(id)
  if (main) state.main.checkpoints.set(id, main)
  repo.fullTrees.forEach((ft, i) => {
    const cp = ft.tree.checkpoint(id)
    if (!cp) return
    const fr = state.fullRefs[i]
    fr.index.checkpoints.set(id, cp)
    for (const slot of cp.slots.values()) {
      const hasRaw = [...slot.files.keys()].some(
        (f) =>
          f === 'raw_transcript' ||
          f.startsWith('raw_transcript.') ||
          f === 'raw_transcript_hash.txt'
      )
      if (!hasRaw) continue
      const key = `${id}/${slot.name}`
      const list = state.fullSlots.get(key) ?? []
      list.push({ ref: fr, slot })
      state.fullSlots.set(key, list)
    }
  })
}

/** The small blobs checking the window's checkpoints reads: JSON, prompts and hash files. */
export function smallBlobOids(state: RepoState): string[] {
  const wanted: string[] = []
  for (const cp of state.v1.values()) {
    const m = cp.dir.files.get('metadata.json')
    if (m) wanted.push(m.oid)
    for (const s of cp.dir.slots.values()) {
      for (const f of ['metadata.json', 'prompt.txt']) {
        const e = s.files.get(f)
        if (e && e.type === 'blob') wanted.push(e.oid)
      }
    }
  }
  for (const cp of state.main.checkpoints.values()) {
    for (const e of cp.files.values()) if (e.type === 'blob') wanted.push(e.oid)
    for (const s of cp.slots.values()) {
      for (const [f, e] of s.files)
        if (f !== 'transcript.jsonl' && e.type === 'blob') wanted.push(e.oid)
    }
  }
  for (const fr of state.fullRefs) {
    for (const cp of fr.index.checkpoints.values()) {
      for (const s of cp.slots.values()) {
        const h = s.files.get('raw_transcript_hash.txt')
        if (h) wanted.push(h.oid)
      }
    }
  }
  return wanted
}

function blobDoc(small: Map<string, Buffer>, e: TreeEntry | undefined): Doc | undefined {
  if (!e) return undefined
  const b = small.get(e.oid)
  return b ? parseDoc(b) : { bytes: Buffer.alloc(0), error: `blob ${e.oid} unreadable` }
}

function v1Checkpoint(cp: CheckpointDir, info: V1Info, small: Map<string, Buffer>): V1Checkpoint {
  const summaryEntry = cp.files.get('metadata.json')
  const sessions: V1Session[] = []
  for (let j = 0; j < info.sessionCount; j++) {
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
      get prompt() {
        return promptEntry ? small.get(promptEntry.oid) : undefined
      }
    })
  }
  return {
    id: cp.id,
    dir: cp,
    get summary() {
      return blobDoc(small, summaryEntry)
    },
    summaryProblem: info.summaryProblem,
    sessionCount: info.sessionCount,
    sessions,
    listedAt: info.listedAt
  }
}

/** migration.md §3.2: non-zero times first, earlier instant first, then id ascending. */
function processingOrder(a: string, b: string, info: Map<string, V1Info>): number {
  const at = (info.get(a) as V1Info).listedAt
  const bt = (info.get(b) as V1Info).listedAt
  const az = at === GO_ZERO_TIME
  const bz = bt === GO_ZERO_TIME
  if (az !== bz) return az ? 1 : -1
  if (!az && at !== bt) return at < bt ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}
