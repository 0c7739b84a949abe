// The v2 layout as an engine target: /main, /full/current and numbered /full archives. Planning
// reads the pinned v1 tree and every v2 ref once; writing runs the batched migration (migrate.ts);
// verification is a hook the surfaces pass in (the engine does not depend on the verifier);
// pushing is every ref this run moved, each leased on the remote value known before the run.
import { ListingSpool } from '../../listing-spool.js'
import { formatGoTime, isZeroTime } from '../../../formats/json/time.js'
import type { GitRunner } from '../../../git/runner.js'
import { loadV1 } from '../../v1source.js'
import { loadV2State, CURRENT_REF, MAIN_REF, archiveRef, type V2State } from '../../v2state.js'
import {
  packForWrite,
  planCheckpoints,
  plannedCheckpoint,
  type CheckpointWork
} from '../../plan.js'
import { writeV2, FatalMigrationError } from '../../migrate.js'
import { createCompactor, type Compactor } from '../../compactor.js'
import type { PhaseTimer } from '../../timer.js'
import type {
  EngineContext,
  MigrateSettings,
  MigrationPlan,
  PlanAction,
  PushRef,
  RefChange,
  Target,
  TargetWriteResult,
  V1Snapshot,
  VerifySummary
} from '../../types.js'
import type { DigestLookup } from '../../blob-digests.js'

export const V2_REF_PREFIX = 'refs/entire/checkpoints/v2/'

/**
 * Verification hook: the surfaces pass the verify engine; the engine does not depend on it.
 * `read`: what the write step learnt from git on the way (digests of the v1 blobs it read).
 */
export type Verifier = (
  git: GitRunner,
  settings: MigrateSettings,
  read?: { v1Sha256?: DigestLookup }
) => Promise<VerifySummary>

export interface V2TargetOptions {
  verifier?: Verifier
  /** Script for compaction worker threads (a bundle whose entry serves compaction jobs). */
  compactWorkerScript?: string
  /** Where the plan's listings are spooled (default: the system's temporary directory). */
  spoolDir?: string
}

/** The plan as reported, plus what the writer needs (kept out of the report's JSON). */
export interface V2Plan extends MigrationPlan {
  readonly internal: {
    /** Per-checkpoint work, in order; taken (emptied) by `write`. */
    work: CheckpointWork[]
    /** The v2 state planned against; taken by `write` (which keeps only what it still needs). */
    v2?: V2State
    /** Where the listings are kept until written (closed once the plan is written). */
    spool?: ListingSpool
    /** Warnings of the listing: v1 tree entries skipped as not being checkpoints. */
    listingWarnings: string[]
  }
}

export class V2Target implements Target<V2Plan> {
  readonly name = 'v2'
  readonly refPrefix = V2_REF_PREFIX

  constructor(readonly options: V2TargetOptions = {}) {}

  async plan(ctx: EngineContext, snapshot: V1Snapshot | null): Promise<V2Plan> {
    const { git, timer, settings } = ctx
    // v1 and v2 are read at once (a rerun's planning is mostly these reads).
    // A later segment of a long run lists and plans only the checkpoints left to it.
    const ids = settings.segment?.ids
    const only = ids ? new Set(ids) : undefined
    const v2Loading = timer.time('index', () => loadV2State(git, only))
    v2Loading.catch(() => undefined) // awaited below; must not go unhandled meanwhile
    const v1 = await timer.time('list', () => loadV1(git, snapshot, undefined, only))
    if (ids) checkSegmentOrder(ids, v1.checkpoints)
    timer.add('list', { objects: v1.entryCount + v1.metadataObjects, bytes: v1.metadataBytes })
    const v2 = await v2Loading
    timer.add('index', { objects: v2.entryCount })
    // A plan that will be written keeps its listings in a file until then (listing-spool.ts);
    // in memory where no temporary file can be made.
    const spool = settings.dryRun ? undefined : openSpool(ctx.logger, this.options.spoolDir)
    const planned = await timer.time('plan', async () => {
      // --force: the first segment prunes all the run re-migrates; later ones find it gone.
      const force = settings.force && ids === undefined
      const p = await planCheckpoints(git, v1.checkpoints, v2, force, v1.sizes)
      packForWrite(p.work, v1.sizes, spool)
      return p
    })
    timer.add('plan', { objects: planned.objects, bytes: planned.bytes })
    const counts: Record<PlanAction, number> = { migrate: 0, skip: 0, repair: 0, force: 0 }
    let failing = 0
    const checkpoints = planned.work.map((w) => {
      const p = plannedCheckpoint(w, isZeroTime(w.cp.createdAt) ? '' : formatGoTime(w.cp.createdAt))
      counts[p.action]++
      if (w.action === 'fail') failing++
      return p
    })
    const localArchives = [...v2.archives.keys()].sort((a, b) => a - b)
    const remote = settings.referenceCompatible ? [] : settings.knownRemoteArchives
    const known = [...localArchives, ...remote]
    const plan: V2Plan = {
      target: 'v2',
      v1: snapshot,
      refs: [
        { ref: MAIN_REF, oid: v2.main.oid },
        { ref: CURRENT_REF, oid: v2.current.oid },
        ...localArchives.map((n) => ({ ref: archiveRef(n), oid: v2.archives.get(n)! }))
      ],
      localArchives,
      remoteArchives: [...settings.knownRemoteArchives].sort((a, b) => a - b),
      nextArchive: (known.length > 0 ? Math.max(...known) : 0) + 1,
      checkpoints,
      counts,
      ...(failing > 0 ? { failing } : {}),
      internal: {
        work: planned.work,
        v2,
        ...(spool ? { spool } : {}),
        listingWarnings: (v1.ignored ?? []).map(
          (e) => `v1 tree entry ${e.path} is not a checkpoint (${e.reason}); skipped`
        )
      }
    }
    // The internals stay out of the JSON report (plans are serialised whole).
    Object.defineProperty(plan, 'internal', { enumerable: false })
    return plan
  }

  async write(ctx: EngineContext, plan: V2Plan): Promise<TargetWriteResult> {
    const { compactor, written } = this.startWrite(ctx, plan)
    try {
      return await written
    } finally {
      await compactor.close()
      plan.internal.spool?.close()
    }
  }

  /**
   * Take the plan's work and v2 state (a plan is written once) and start the writer, which lets
   * each item go once processed and keeps only what it still needs of the state. Not async on
   * purpose: an async function's frame keeps its locals alive while it awaits, and the full v2
   * state of a later segment (thousands of /main listings and archive entries) then stayed in
   * memory for the whole write.
   */
  private startWrite(
    ctx: EngineContext,
    plan: V2Plan
  ): { compactor: Compactor; written: Promise<TargetWriteResult> } {
    const { work, v2 } = plan.internal
    if (!v2) throw new FatalMigrationError('internal: this plan was written already')
    plan.internal.work = []
    delete plan.internal.v2
    // Worker threads only when something will be compacted (a no-op rerun starts none).
    const needsCompaction = work.some(
      (w) => (w.action === 'migrate' || w.action === 'force') && !w.noTranscripts
    )
    const compactor = createCompactor({
      workers: needsCompaction ? (ctx.settings.compactWorkers ?? 0) : 0,
      workerScript: this.options.compactWorkerScript
    })
    if (compactor.workers > 0)
      ctx.logger.info(`Compacting transcripts on ${compactor.workers} worker threads`)
    // writeV2 reports a failure to start as a rejected promise: the caller closes the compactor.
    const written = writeV2(
      {
        ...ctx,
        timer: ctx.timer as PhaseTimer,
        compactor,
        readerScript: this.options.compactWorkerScript,
        ...(plan.internal.spool ? { spool: plan.internal.spool } : {})
      },
      work,
      v2
    )
    return { compactor, written }
  }

  /**
   * Re-reads from git (the verifier never sees the writer's memory; it may take the digests of
   * v1 blobs the reader computed from git's bytes, which stand for reading them again).
   */
  async verify(
    ctx: EngineContext,
    _plan?: unknown,
    result?: TargetWriteResult
  ): Promise<VerifySummary> {
    if (!this.options.verifier)
      throw new FatalMigrationError('verification asked for, but no verifier was given')
    return this.options.verifier(ctx.git, ctx.settings, { v1Sha256: result?.v1Sha256 })
  }

  pushRefs(_plan: V2Plan, result: TargetWriteResult, remoteValues: Map<string, string>): PushRef[] {
    return leasedPushRefs(result.refs, remoteValues, V2_REF_PREFIX)
  }
}

/**
 * The refs a run moved that the remote does not already hold, each leased on the remote value
 * known before the run (null: must not exist there). Deletions are never pushed.
 */
export function leasedPushRefs(
  changes: readonly RefChange[],
  remoteValues: ReadonlyMap<string, string>,
  prefix: string
): PushRef[] {
  return changes
    .filter((c) => c.ref.startsWith(prefix) && c.new !== null && c.new !== remoteValues.get(c.ref))
    .map((c) => ({ ref: c.ref, local: c.new, expectedRemote: remoteValues.get(c.ref) ?? null }))
}

/**
 * A later segment must find the checkpoints it was given, in the order given: the same pinned
 * v1 commit planned the same way (anything else would write something one run would not).
 */
function checkSegmentOrder(ids: readonly string[], listed: ReadonlyArray<{ id: string }>): void {
  const at = ids.findIndex((id, i) => listed[i]?.id !== id)
  if (at === -1 && listed.length === ids.length) return
  const i = at === -1 ? ids.length : at
  throw new FatalMigrationError(
    `segment plan differs from the run's: checkpoint ${i} of the ${ids.length} left is ${listed[i]?.id ?? 'missing'}, the run had ${ids[i] ?? 'none'}`
  )
}

/** A listing spool in the system's temporary directory; undefined (logged) when none can be made. */
function openSpool(logger: EngineContext['logger'], dir?: string): ListingSpool | undefined {
  try {
    return new ListingSpool(dir)
  } catch (e) {
    logger.debug(`listings kept in memory: no temporary file (${(e as Error).message})`)
    return undefined
  }
}
