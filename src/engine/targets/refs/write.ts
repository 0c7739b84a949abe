// Writes of the per-checkpoint refs target: every new object in one pack, every ref in
// one compare-and-swap transaction (create-only, or from the value read at plan time).
import { updateRefs, RefConflictError, type RefOp } from '../../../git/refs.js'
import { indexPack } from '../../../git/refs-push.js'
import type { GitRunner } from '../../../git/runner.js'
import {
  buildPack,
  conversionObjects,
  type PlannedCommit
} from '../../../formats/git-refs/index.js'

export interface RefConflictReport {
  ref: string
  id: string
  /** Value read at plan time (null = absent). */
  expected: string | null
  /** Value found when the transaction ran. */
  actual: string | null
}

export interface WriteOutcome {
  /** Commits whose ref now points at them. */
  written: PlannedCommit[]
  /** Refs moved by someone else between plan and write: not overwritten. */
  conflicts: RefConflictReport[]
  objectsWritten: number
  streamBytes: number
}

/** Write all new objects (one index-pack), then set the refs (one compare-and-swap transaction). */
export async function writeCommits(
  git: GitRunner,
  commits: PlannedCommit[],
  onPhase: {
    objects: (fn: () => Promise<void>) => Promise<void>
    refs: (fn: () => Promise<void>) => Promise<void>
  } = { objects: (f) => f(), refs: (f) => f() }
): Promise<WriteOutcome> {
  if (commits.length === 0) return { written: [], conflicts: [], objectsWritten: 0, streamBytes: 0 }
  // Every id was computed in process: git stores and indexes the objects (checking each one and
  // that every object they name exists), the ref transaction then points at them.
  const objects = conversionObjects(commits)
  const pack = buildPack(objects)
  await onPhase.objects(async () => {
    await indexPack(git, pack, { fsck: true })
  })
  let pending = commits
  const conflicts: RefConflictReport[] = []
  await onPhase.refs(async () => {
    // A lost compare-and-swap refuses the whole transaction: drop the refs that moved, retry the rest.
    for (let attempt = 0; pending.length > 0; attempt++) {
      const ops: RefOp[] = pending.map((c) =>
        c.decision.old === null
          ? { op: 'create', ref: c.decision.ref, newOid: c.commit }
          : { op: 'update', ref: c.decision.ref, newOid: c.commit, expectedOld: c.decision.old }
      )
      try {
        await updateRefs(git, ops)
        return
      } catch (e) {
        if (!(e instanceof RefConflictError) || attempt > 3) throw e
        const moved = new Map(e.conflicts.map((c) => [c.ref, c]))
        for (const c of pending) {
          const m = moved.get(c.decision.ref)
          if (m)
            conflicts.push({
              ref: m.ref,
              id: c.decision.id,
              expected: m.expected,
              actual: m.actual
            })
        }
        pending = pending.filter((c) => !moved.has(c.decision.ref))
      }
    }
  })
  return {
    written: pending,
    conflicts,
    objectsWritten: objects.length,
    streamBytes: pack.length
  }
}
