// Planning decisions of the branch→refs conversion, as a pure function of what was read from git
// (git-refs-format.md §3.2 steps 3–12, §3.4, §10 item 6). The engine target reads, this decides,
// the engine target writes exactly what was decided.
import { importMessage, signatureFor, type FixedDate, type Identity } from './commit.js'
import { isCheckpointId, refNameFor, v1DirFor } from './ids.js'
import { normaliseRootMetadata, MetadataDecodeError, type NormaliseResult } from './metadata.js'
import { commitBytes, isTreeMode, objectId, treeBytes, type TreeEntry } from './objects.js'

/** One checkpoint directory of the v1 tip tree. */
export interface BranchCheckpoint {
  id: string
  /** Checkpoint subtree id S. */
  tree: string
  /** Direct children of S (name, mode, id). */
  entries: TreeEntry[]
}

/** One commit on a ref's first-parent chain, tip first. */
export interface ChainCommit {
  commit: string
  tree: string
  /** Message starts with `Import checkpoint <id> (migrated from git-branch)`. */
  isImport: boolean
}

/** A checkpoint ref as read at plan time. */
export interface RefState {
  ref: string
  /** Ref value read at plan time (the compare-and-swap base). */
  tip: string
  /** The tip's commit object is missing (repair with an orphan, §3.2 step 8). */
  tipMissing: boolean
  /** First-parent chain from the tip down (complete unless a commit on it is missing). */
  chain: ChainCommit[]
}

export type RefsAction =
  /** No ref: orphan import commit, create-only update. */
  | 'create'
  /** Ref exists, target tree not on its first-parent chain: one commit on top. */
  | 'update'
  /** Ref exists but its commit is missing: orphan commit, CAS against the broken value. */
  | 'repair'
  /** Target tree already on the first-parent chain (§3.2 step 9). */
  | 'skip'
  /** Forced run while git-refs is primary and the ref has native writes after the import (§10 item 6). */
  | 'native-newer'
  /** Root metadata.json cannot be decoded, or metadata.json is not a file: nothing written for it. */
  | 'failed'

export interface NewBlob {
  oid: string
  bytes: Buffer
}

export interface RefsDecision {
  id: string
  ref: string
  /** `aa/rest` on the branch. */
  dir: string
  action: RefsAction
  sourceTree: string
  /** Target tree T (null when failed). */
  targetTree: string | null
  /** Entries of T (null when failed). */
  targetEntries: TreeEntry[] | null
  /** The normalised metadata.json blob, when it differs from the branch blob. */
  newBlob: NewBlob | null
  /** Ref value at plan time (null = absent): the compare-and-swap base. */
  old: string | null
  /** Parent of the new commit (null = orphan). */
  parent: string | null
  /** Why skipped / failed, in words (names the checkpoint and file for failures). */
  reason?: string
  /** For failures: the offending file as a path in the branch tree. */
  file?: string
}

export interface PlanInput {
  checkpoints: BranchCheckpoint[]
  /** Root metadata.json bytes by checkpoint id (absent when S has no metadata.json). */
  metadata: Map<string, Buffer>
  /**
   * normaliseRootMetadata of those bytes, when the reader already ran it (it can while the blobs
   * stream in); a MetadataDecodeError stands for a blob that cannot be decoded.
   */
  normalised?: Map<string, NormaliseResult | MetadataDecodeError>
  /** Existing checkpoint refs by ref name. */
  refs: Map<string, RefState>
  /** Ids on the deleted list (§3.2 step 4): not converted, not counted. */
  deleted?: Set<string>
  /** The run was forced although git-refs is primary (§10 item 6). */
  primaryIsGitRefs?: boolean
}

export interface RefsPlanResult {
  decisions: RefsDecision[]
  /** Ids skipped because they are on the deleted list. */
  deletedSkipped: string[]
  counts: {
    total: number
    create: number
    update: number
    repair: number
    skip: number
    nativeNewer: number
    failed: number
  }
}

/** Checkpoint directories of a tip tree listing, in walk order (§3.2 step 3). Pure filter. */
export function selectCheckpointDirs(
  buckets: Array<{ name: string; mode: string }>,
  children: (bucket: string) => Array<{ name: string; mode: string }>
): string[] {
  const ids: string[] = []
  for (const b of buckets) {
    if (!isTreeMode(b.mode) || b.name.length !== 2) continue
    for (const c of children(b.name)) {
      if (!isTreeMode(c.mode)) continue
      const id = b.name + c.name
      if (isCheckpointId(id)) ids.push(id)
    }
  }
  return ids
}

function targetOf(
  cp: BranchCheckpoint,
  original: Buffer | undefined,
  done: NormaliseResult | MetadataDecodeError | undefined
): Pick<RefsDecision, 'targetTree' | 'targetEntries' | 'newBlob'> {
  const meta = cp.entries.find((e) => e.name === 'metadata.json')
  if (!meta) return { targetTree: cp.tree, targetEntries: cp.entries, newBlob: null }
  if (original === undefined) throw new Error(`internal: metadata.json of ${cp.id} was not read`)
  if (done instanceof MetadataDecodeError) throw done
  const n = done ?? normaliseRootMetadata(cp.id, original)
  if (!n.changed) return { targetTree: cp.tree, targetEntries: cp.entries, newBlob: null }
  const oid = objectId('blob', n.bytes)
  const entries = cp.entries.map((e) =>
    e.name === 'metadata.json' ? { mode: '100644', name: e.name, oid } : e
  )
  return {
    targetTree: objectId('tree', treeBytes(entries)),
    targetEntries: entries,
    newBlob: { oid, bytes: n.bytes }
  }
}

export function planConversion(input: PlanInput): RefsPlanResult {
  const decisions: RefsDecision[] = []
  const deletedSkipped: string[] = []
  const counts = { total: 0, create: 0, update: 0, repair: 0, skip: 0, nativeNewer: 0, failed: 0 }
  for (const cp of input.checkpoints) {
    if (input.deleted?.has(cp.id)) {
      deletedSkipped.push(cp.id)
      continue
    }
    counts.total++
    const ref = refNameFor(cp.id)
    const dir = v1DirFor(cp.id)
    const state = input.refs.get(ref)
    const base = {
      id: cp.id,
      ref,
      dir,
      sourceTree: cp.tree,
      old: state?.tip ?? null
    }
    const metaEntry = cp.entries.find((e) => e.name === 'metadata.json')
    if (metaEntry && metaEntry.mode !== '100644' && metaEntry.mode !== '100755') {
      counts.failed++
      decisions.push({
        ...base,
        action: 'failed',
        targetTree: null,
        targetEntries: null,
        newBlob: null,
        parent: null,
        file: `${dir}/metadata.json`,
        reason: `checkpoint ${cp.id}: ${dir}/metadata.json is not a regular file (mode ${metaEntry.mode})`
      })
      continue
    }
    let target: ReturnType<typeof targetOf>
    try {
      target = targetOf(cp, input.metadata.get(cp.id), input.normalised?.get(cp.id))
    } catch (e) {
      if (!(e instanceof MetadataDecodeError)) throw e
      counts.failed++
      decisions.push({
        ...base,
        action: 'failed',
        targetTree: null,
        targetEntries: null,
        newBlob: null,
        parent: null,
        file: e.file,
        reason: e.message
      })
      continue
    }
    if (!state) {
      counts.create++
      decisions.push({ ...base, ...target, action: 'create', parent: null })
      continue
    }
    if (state.tipMissing) {
      counts.repair++
      decisions.push({
        ...base,
        ...target,
        action: 'repair',
        parent: null,
        reason: `ref ${ref} points at a missing commit ${state.tip}: replaced by an orphan import commit`
      })
      continue
    }
    if (state.chain.some((c) => c.tree === target.targetTree)) {
      counts.skip++
      decisions.push({
        ...base,
        ...target,
        action: 'skip',
        parent: state.tip,
        reason: 'already imported (target tree on the first-parent chain)'
      })
      continue
    }
    if (input.primaryIsGitRefs && state.chain.length > 0 && !state.chain[0].isImport) {
      counts.nativeNewer++
      decisions.push({
        ...base,
        ...target,
        action: 'native-newer',
        parent: state.tip,
        reason: `ref ${ref} was written natively after the branch copy (git-refs is primary): branch copy not stacked on top`
      })
      continue
    }
    counts.update++
    decisions.push({
      ...base,
      ...target,
      action: 'update',
      parent: state.tip,
      reason: 'branch copy differs from every tree on the ref: one commit on top'
    })
  }
  return { decisions, deletedSkipped, counts }
}

export function writesCommit(d: RefsDecision): boolean {
  return d.action === 'create' || d.action === 'update' || d.action === 'repair'
}

export interface PlannedCommit {
  decision: RefsDecision
  commit: string
  bytes: Buffer
}

/**
 * The commit object of every decision that writes one, with its id. `date` null = the clock at
 * each commit (what upstream does); with identity and date fixed the ids are reproducible.
 */
export function buildCommits(
  decisions: RefsDecision[],
  identity: Identity,
  date: FixedDate | null,
  clock: () => number = Date.now
): PlannedCommit[] {
  const out: PlannedCommit[] = []
  for (const d of decisions) {
    if (!writesCommit(d) || !d.targetTree) continue
    const bytes = commitBytes({
      tree: d.targetTree,
      parent: d.parent,
      signature: signatureFor(identity, date, clock),
      message: importMessage(d.id)
    })
    out.push({ decision: d, commit: objectId('commit', bytes), bytes })
  }
  return out
}

/** True when a commit message is a conversion commit of `id` (R1–R3 all use this message). */
export function isImportMessage(message: string, id?: string): boolean {
  const m = /^Import checkpoint (\S+) \(migrated from git-branch\)/.exec(message)
  return m !== null && (id === undefined || m[1] === id)
}
