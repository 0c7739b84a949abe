// The pinned v1 input: resolve the v1 ref once (migration.md §16 item 6), list its tip with ONE
// `ls-tree -r -t`, read every metadata.json below the checkpoints with ONE `cat-file --batch`,
// decode them with Go's semantics, and order the checkpoints as the reference does (§3.2).
import type { GitRunner } from '../git/runner.js'
import { lsTreeLong } from '../git/tree.js'
import { readObjects } from '../git/objects.js'
import { refMap } from '../git/refs.js'
import { chooseV1SourceRef } from '../formats/v1/refs.js'
import {
  inCheckpoints,
  listV1Checkpoints,
  type IgnoredEntry,
  type V1CheckpointListing
} from '../formats/v1/listing.js'
import {
  decodeCheckpointSummary,
  decodeSessionMetadata,
  type CheckpointSummary,
  type SessionMetadata
} from '../formats/json/structs.js'
import type { DecodeResult } from '../formats/json/decode.js'
import { compareGoTime, isZeroTime, GO_ZERO_TIME, type GoTime } from '../formats/json/time.js'
import type { V1Snapshot } from './types.js'

/** A metadata.json as read: absent, unreadable (object missing), or decoded (maybe with an error). */
export type MetaRead<T> =
  | { state: 'absent' }
  | { state: 'unreadable'; oid: string }
  | { state: 'decoded'; result: DecodeResult<T>; bytes: number }

export interface V1Checkpoint {
  id: string
  listing: V1CheckpointListing
  summary: MetaRead<CheckpointSummary>
  /** Session metadata by slot directory name. */
  sessions: Map<string, MetaRead<SessionMetadata>>
  /** Listing CreatedAt (§3.1): zero unless the summary and the last session's metadata decode. */
  createdAt: GoTime
}

export interface V1Source {
  snapshot: V1Snapshot | null
  /** In processing order (§3.2). */
  checkpoints: V1Checkpoint[]
  /** Blob sizes from the listing (`ls-tree -l`), to bound read windows by bytes. */
  sizes: Map<string, number>
  /** Tip-tree entries that are not checkpoints (stray files, invalid ids): skipped, reported. */
  ignored?: IgnoredEntry[]
  entryCount: number
  metadataBytes: number
  metadataObjects: number
}

/** Resolve which ref holds v1 and pin its commit and tree. */
export async function pinV1(
  git: GitRunner,
  opts: { v1Ref?: string; remote?: string }
): Promise<V1Snapshot | null> {
  let ref = opts.v1Ref
  if (!ref) {
    const refs = await refMap(git, ['refs/heads/entire/', 'refs/remotes/'])
    const choice = chooseV1SourceRef(refs.keys(), opts.remote ?? 'origin')
    if (choice.kind === 'none') return null
    ref = choice.ref
  }
  const r = await git.run(['rev-parse', '--end-of-options', `${ref}^{commit}`, `${ref}^{tree}`], {
    okCodes: [1, 128]
  })
  if (r.exitCode !== 0) return null
  const [commit, tree] = r.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => /^[0-9a-f]{40,64}$/.test(l))
  return { ref, commit, tree }
}

function decodedOk<T>(m: MetaRead<T> | undefined): T | undefined {
  return m && m.state === 'decoded' && !m.result.error ? m.result.value : undefined
}

/** §3.1: CreatedAt of the listing. */
function listingCreatedAt(cp: V1Checkpoint): GoTime {
  const summary = decodedOk(cp.summary)
  if (!summary) return GO_ZERO_TIME
  const n = summary.sessions?.length ?? 0
  if (n === 0) return GO_ZERO_TIME
  const last = decodedOk(cp.sessions.get(String(n - 1)))
  return last ? last.created_at : GO_ZERO_TIME
}

/** §3.2: non-zero before zero, earlier instant first, then id ascending. */
export function compareCheckpoints(a: V1Checkpoint, b: V1Checkpoint): number {
  const za = isZeroTime(a.createdAt)
  const zb = isZeroTime(b.createdAt)
  if (za !== zb) return za ? 1 : -1
  if (!za) {
    const c = compareGoTime(a.createdAt, b.createdAt)
    if (c !== 0) return c
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** List, read metadata and order the v1 checkpoints of the pinned tree. */
export async function loadV1(
  git: GitRunner,
  snapshot: V1Snapshot | null,
  onPhase?: (phase: 'list' | 'meta') => void,
  /** Only these checkpoints (a later segment's); the tree's other entries are skipped unread. */
  only?: ReadonlySet<string>
): Promise<V1Source> {
  if (!snapshot)
    return {
      snapshot,
      checkpoints: [],
      sizes: new Map(),
      entryCount: 0,
      metadataBytes: 0,
      metadataObjects: 0
    }
  onPhase?.('list')
  const entries = await lsTreeLong(git, snapshot.tree, {
    recursive: true,
    trees: true,
    ...(only ? { keep: inCheckpoints(only) } : {})
  })
  const sizes = new Map<string, number>()
  for (const e of entries) if (e.size !== null) sizes.set(e.oid, e.size)
  const listing = listV1Checkpoints(entries)
  onPhase?.('meta')
  const checkpoints: V1Checkpoint[] = []
  const wanted: string[] = []
  const slotsOf = new Map<string, Array<[V1Checkpoint, string | null]>>()
  const want = (oid: string, cp: V1Checkpoint, slot: string | null): void => {
    let l = slotsOf.get(oid)
    if (!l) {
      l = []
      slotsOf.set(oid, l)
      wanted.push(oid)
    }
    l.push([cp, slot])
  }
  for (const l of listing.checkpoints) {
    const cp: V1Checkpoint = {
      id: l.id,
      listing: l,
      summary: { state: 'absent' },
      sessions: new Map(),
      createdAt: GO_ZERO_TIME
    }
    checkpoints.push(cp)
    const meta = l.entries.find((e) => e.name === 'metadata.json' && e.type === 'blob')
    if (meta?.oid) want(meta.oid, cp, null)
    for (const slot of l.slots.values()) {
      const sm = slot.entries.find((e) => e.name === 'metadata.json' && e.type === 'blob')
      if (sm?.oid) want(sm.oid, cp, slot.name)
      else cp.sessions.set(slot.name, { state: 'absent' })
    }
  }
  let metadataBytes = 0
  let metadataObjects = 0
  await readObjects(git, wanted, (o) => {
    for (const [cp, slot] of slotsOf.get(o.oid) ?? []) {
      if (o.missing) {
        if (slot === null) cp.summary = { state: 'unreadable', oid: o.oid }
        else cp.sessions.set(slot, { state: 'unreadable', oid: o.oid })
        continue
      }
      if (slot === null) {
        cp.summary = { state: 'decoded', result: decodeCheckpointSummary(o.content), bytes: o.size }
      } else {
        cp.sessions.set(slot, {
          state: 'decoded',
          result: decodeSessionMetadata(o.content),
          bytes: o.size
        })
      }
    }
    if (!o.missing) {
      metadataBytes += o.size
      metadataObjects++
    }
  })
  for (const cp of checkpoints) cp.createdAt = listingCreatedAt(cp)
  checkpoints.sort(compareCheckpoints)
  return {
    snapshot,
    checkpoints,
    sizes,
    ignored: listing.ignored,
    entryCount: entries.length,
    metadataBytes,
    metadataObjects
  }
}

export { decodedOk }
export type { SessionMetadata, CheckpointSummary }
