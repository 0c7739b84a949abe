// The per-checkpoint refs target ("git-refs", CLI `--target refs`): plan, write, verify and push
// v1 checkpoints as `refs/entire/checkpoints/<last two>/<id>` (git-refs-format.md, rule R3).
import type { GitRunner } from '../../../git/runner.js'
import {
  buildCommits,
  writesCommit,
  planConversion,
  type FixedDate,
  type Identity,
  type PlannedCommit,
  type RefsDecision,
  type RefsPlanResult,
  type RefState
} from '../../../formats/git-refs/index.js'
import type {
  EngineContext,
  MigrationCounts,
  MigrationPlan,
  PlanAction,
  PlannedCheckpoint,
  PushRef,
  RefChange,
  Target,
  TargetWriteResult,
  V1Snapshot,
  VerifySummary
} from '../../types.js'
import {
  findSourceRef,
  listSourceAndCheckpointRefs,
  readBranch,
  readDeletedList,
  readIdentity,
  readRefStates,
  repoPaths,
  sourceCandidates,
  type ListedRef
} from './read.js'
import { writeCommits, type RefConflictReport } from './write.js'
import { OutcomeLog } from '../../outcome-log.js'
import { verifyConversion, type RefsVerifyReport } from './verify.js'
import { pushCheckpointRefs, type PushAuth, type RefsPushReport } from './push.js'
import { makePrimaryGitRefs, readPrimary, type FlipResult, type PrimaryState } from './primary.js'

export { findSourceRef, pushCheckpointRefs, verifyConversion, makePrimaryGitRefs, readPrimary }
export type {
  ListedRef,
  RefsPushReport,
  RefsVerifyReport,
  FlipResult,
  PrimaryState,
  PushAuth,
  RefConflictReport
}

/** Which conversion rule this implements (§10 item 1: say so in the output). */
export const CONVERSION_RULE = 'git-refs conversion rule R3 (entire doctor migrate-checkpoints)'

export interface RefsTargetOptions {
  /** author-name / author-email inputs; default: git config (repository over global), else Unknown/unknown@local. */
  authorName?: string
  authorEmail?: string
  /** date input; null/undefined = the clock at each commit, local zone (upstream behaviour). */
  date?: FixedDate | null
  /** Convert although git-refs is already primary (§10 item 6); native-newer refs are then skipped. */
  forceWhenPrimary?: boolean
  /** Refs per push, fixed (default: 200 growing while pushes succeed, §5.2). */
  pushBatchSize?: number
  /** Per-command authentication for fetch/push (environment / config pairs). */
  auth?: PushAuth
  /** Environment that holds ENTIRE_CHECKPOINTS_PRIMARY (default process.env). */
  env?: NodeJS.ProcessEnv
  /** Clock for undated commits (tests). */
  clock?: () => number
}

export interface RefsPlan extends MigrationPlan {
  target: 'git-refs'
  conversion: RefsPlanResult
  identity: Identity
  date: FixedDate | null
  /** Checkpoint refs (reader rules) read at plan time: compare-and-swap bases and the "no extra refs" check. */
  refsBefore: Map<string, string>
  primary: PrimaryState
  /** Set when nothing is converted because git-refs is already primary (upstream refuses too). */
  refusal: string | null
  deletedList: { path: string; ids: Set<string> } | null
  warnings: string[]
}

export interface RefsWriteResult extends TargetWriteResult {
  conflicts: RefConflictReport[]
  commits: PlannedCommit[]
}

function actionOf(d: RefsDecision): PlanAction {
  if (d.action === 'create' || d.action === 'update') return 'migrate'
  if (d.action === 'repair') return 'repair'
  return 'skip'
}

function emptyCounts(): MigrationCounts {
  return {
    total: 0,
    migrated: 0,
    skipped: 0,
    failed: 0,
    repaired: 0,
    skippedByReason: {},
    failedByReason: {},
    missingSessions: 0,
    compactionSkipped: 0,
    fieldsDropped: {},
    sessionsWritten: 0
  }
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1
}

/** Reads that do not depend on the pinned v1 tip, started before it is pinned. */
export interface EarlyReads {
  /** The v1 candidates (type and tree) and every checkpoint ref, from one for-each-ref. */
  listing: Promise<{ sources: Map<string, ListedRef>; checkpoints: Map<string, string> }>
  primary: Promise<PrimaryState>
  identity: Promise<Identity>
  deleted: Promise<{ path: string; ids: Set<string> } | null>
}

export class RefsTarget implements Target<RefsPlan> {
  readonly name = 'git-refs'
  readonly refPrefix = 'refs/entire/checkpoints/'
  private early: EarlyReads | null = null

  constructor(readonly options: RefsTargetOptions = {}) {}

  /**
   * Start every read that does not need the v1 tip (two processes: one for-each-ref for the v1
   * candidates and the checkpoint refs, one rev-parse for the paths), so pinning the tip and the
   * tip's listing do not wait for them. The next `plan` uses them.
   */
  startReads(ctx: EngineContext): EarlyReads {
    if (this.early) return this.early
    const git = ctx.git
    const env = this.options.env ?? process.env
    const candidates = sourceCandidates(ctx.settings.v1Ref, ctx.settings.remote ?? 'origin')
    const paths = repoPaths(git)
    const early: EarlyReads = {
      listing: listSourceAndCheckpointRefs(git, candidates),
      primary: paths.then((p) => readPrimary(git, env, p.worktree)),
      identity: readIdentity(git, {
        name: this.options.authorName ?? ctx.settings.gitUser?.name,
        email: this.options.authorEmail ?? ctx.settings.gitUser?.email
      }),
      deleted: paths.then((p) => readDeletedList(git, p.commonDir))
    }
    // Awaited by plan; a failure before that (pinning failed) must not be an unhandled rejection.
    for (const p of Object.values(early)) (p as Promise<unknown>).catch(() => undefined)
    this.early = early
    return early
  }

  async plan(ctx: EngineContext, v1: V1Snapshot | null): Promise<RefsPlan> {
    const { git, timer } = ctx
    const warnings: string[] = []
    const early = this.startReads(ctx)
    this.early = null
    // Every independent read at once: settings, identity, refs, deleted list, the v1 listing.
    const [primary, identity, current, deletedList, branch] = await Promise.all([
      early.primary,
      early.identity,
      // Chains of every existing checkpoint ref, read while the v1 listing is read.
      timer.time('list', async () => {
        const refs = (await early.listing).checkpoints
        return { refs, states: v1 ? await readRefStates(git, refs) : new Map<string, RefState>() }
      }),
      early.deleted,
      v1 ? timer.time('readV1', () => readBranch(git, v1.tree)) : Promise.resolve(null)
    ])
    if (branch) timer.add('readV1', { objects: branch.objects, bytes: branch.bytes })
    const refsBefore = current.refs
    warnings.push(...primary.problems)
    let refusal: string | null = null
    const forced = this.options.forceWhenPrimary ?? ctx.settings.force
    if (primary.primary === 'git-refs' && !forced) {
      refusal = `The git-refs store is already the primary checkpoint store (${primary.source}) — nothing to migrate. Use force to convert anyway (refs with native writes after the import are then left alone).`
    }
    const base: Omit<RefsPlan, 'conversion' | 'checkpoints' | 'counts'> = {
      target: 'git-refs',
      v1,
      refs: [],
      localArchives: [],
      remoteArchives: [],
      nextArchive: 0,
      identity,
      date: this.options.date ?? null,
      refsBefore,
      primary,
      refusal,
      deletedList,
      warnings
    }
    const noCounts = { migrate: 0, skip: 0, repair: 0, force: 0 }
    if (!v1 || !branch || refusal) {
      const conversion = planConversion({ checkpoints: [], metadata: new Map(), refs: new Map() })
      return { ...base, conversion, checkpoints: [], counts: noCounts }
    }
    const conversion = await timer.time('plan', async () =>
      planConversion({
        checkpoints: branch.checkpoints,
        metadata: branch.metadata,
        normalised: branch.normalised,
        refs: current.states,
        deleted: deletedList?.ids,
        primaryIsGitRefs: primary.primary === 'git-refs'
      })
    )
    const checkpoints: PlannedCheckpoint[] = conversion.decisions.map((d) => ({
      id: d.id,
      createdAt: '',
      action: actionOf(d),
      reason: d.reason
    }))
    const counts = { ...noCounts }
    for (const c of checkpoints) counts[c.action]++
    const refs = conversion.decisions.filter(writesCommit).map((d) => ({ ref: d.ref, oid: d.old }))
    return { ...base, refs, conversion, checkpoints, counts }
  }

  async write(ctx: EngineContext, plan: RefsPlan): Promise<RefsWriteResult> {
    const { git, timer } = ctx
    const counts = emptyCounts()
    const outcomes = new OutcomeLog()
    const commits = buildCommits(
      plan.conversion.decisions,
      plan.identity,
      plan.date,
      this.options.clock
    )
    const dry = ctx.settings.dryRun || plan.refusal !== null
    const w = dry
      ? {
          written: [] as PlannedCommit[],
          conflicts: [] as RefConflictReport[],
          objectsWritten: 0,
          streamBytes: 0
        }
      : await writeCommits(git, commits, {
          objects: (f) => timer.time('writeMain', f),
          refs: (f) => timer.time('updateRefs', f)
        })
    timer.add('writeMain', { objects: w.objectsWritten, bytes: w.streamBytes })
    timer.add('updateRefs', { objects: w.written.length })
    const writtenIds = new Map(w.written.map((c) => [c.decision.id, c]))
    const conflictIds = new Map(w.conflicts.map((c) => [c.id, c]))
    for (const d of plan.conversion.decisions) {
      counts.total++
      const conflict = conflictIds.get(d.id)
      if (d.action === 'failed') {
        counts.failed++
        bump(counts.failedByReason, 'bad-summary')
        outcomes.add({
          id: d.id,
          status: 'failed',
          reason: 'bad-summary',
          message: d.reason,
          file: d.file
        })
      } else if (conflict) {
        counts.failed++
        bump(counts.failedByReason, 'write-error')
        outcomes.add({
          id: d.id,
          status: 'failed',
          reason: 'write-error',
          message: `checkpoint ${d.id}: ${d.ref} moved while converting (expected ${conflict.expected ?? 'absent'}, found ${conflict.actual ?? 'absent'}); not overwritten, a rerun converts it on top`
        })
      } else if (d.action === 'skip' || d.action === 'native-newer') {
        counts.skipped++
        const reason = d.action === 'skip' ? 'already-imported' : 'native-newer'
        bump(counts.skippedByReason, reason)
        outcomes.add({
          id: d.id,
          status: 'skipped',
          reason: 'already-imported',
          message: d.reason
        })
      } else if (dry || writtenIds.has(d.id)) {
        if (d.action === 'repair') counts.repaired++
        else counts.migrated++
        outcomes.add({
          id: d.id,
          status: d.action === 'repair' ? 'repaired' : 'migrated',
          message: d.reason
        })
      }
    }
    const refs: RefChange[] = w.written.map((c) => ({
      ref: c.decision.ref,
      old: c.decision.old,
      new: c.commit
    }))
    const warnings = [...plan.warnings]
    if (plan.refusal) warnings.push(plan.refusal)
    for (const id of plan.conversion.deletedSkipped)
      warnings.push(`checkpoint ${id} is on the deleted list: not converted`)
    return {
      refs,
      archivesCreated: [],
      batches: dry ? 0 : 1,
      outcomes,
      counts,
      warnings,
      conflicts: w.conflicts,
      commits
    }
  }

  async verifyDetailed(
    ctx: EngineContext,
    plan: RefsPlan,
    result: RefsWriteResult
  ): Promise<RefsVerifyReport> {
    if (!plan.v1) {
      return {
        ok: true,
        checked: 0,
        matchedAtTip: 0,
        matchedOnChain: 0,
        fieldsCompared: 0,
        problems: [],
        unexpectedRefs: []
      }
    }
    const expectedMissing = new Set(
      result.outcomes
        .toArray()
        .filter((o) => o.status === 'failed')
        .map((o) => o.id)
    )
    if (ctx.settings.dryRun || plan.refusal) {
      // Nothing written: only checkpoints already converted can be checked.
      for (const d of plan.conversion.decisions) if (writesCommit(d)) expectedMissing.add(d.id)
    }
    return verifyConversion(ctx.git, {
      rootTree: plan.v1.tree,
      deleted: plan.deletedList?.ids ?? new Set(),
      refsBefore: plan.refsBefore,
      written: new Map(result.refs.map((r) => [r.ref, r.new as string])),
      expectedMissing
    })
  }

  async verify(
    ctx: EngineContext,
    plan: RefsPlan,
    result: RefsWriteResult
  ): Promise<VerifySummary> {
    const r = await ctx.timer.time('verify', () => this.verifyDetailed(ctx, plan, result))
    return { ok: r.ok, summary: verifySummaryLine(r), details: r }
  }

  /**
   * The generic lease-protected push must not be used for checkpoint refs (§9 item 11): a surface
   * calls `push` below instead. This returns the refs that push would consider, without leases.
   */
  pushRefs(plan: RefsPlan, result: TargetWriteResult): PushRef[] {
    return [...this.localRefsToPush(plan, result as RefsWriteResult)].map(([ref, local]) => ({
      ref,
      local,
      expectedRemote: null
    }))
  }

  /** Local checkpoint refs of the branch's ids after the write (converted or already converted). */
  localRefsToPush(plan: RefsPlan, result: RefsWriteResult): Map<string, string> {
    const now = new Map(plan.refsBefore)
    for (const r of result.refs) if (r.new) now.set(r.ref, r.new)
    const failed = new Set(
      result.outcomes
        .toArray()
        .filter((o) => o.status === 'failed')
        .map((o) => o.id)
    )
    const out = new Map<string, string>()
    for (const d of plan.conversion.decisions) {
      if (failed.has(d.id)) continue
      const oid = now.get(d.ref)
      if (oid) out.set(d.ref, oid)
    }
    return out
  }

  /** Fast-forward-only batched push with per-ref results, confirmed with ls-remote. */
  async push(
    ctx: EngineContext,
    plan: RefsPlan,
    result: RefsWriteResult,
    remote: string
  ): Promise<RefsPushReport> {
    const refs = this.localRefsToPush(plan, result)
    return ctx.timer.time('push', () =>
      pushCheckpointRefs(ctx.git, remote, refs, {
        batchSize: this.options.pushBatchSize,
        auth: this.options.auth
      })
    )
  }

  /** Flip `checkpoints.primary` to git-refs (only when asked, only after a clean conversion and push). */
  async makePrimary(ctx: EngineContext, plan: RefsPlan): Promise<FlipResult> {
    if (plan.primary.primary === 'git-refs' && plan.primary.source === 'settings.json') {
      return { changed: false, path: null, warnings: [] }
    }
    return makePrimaryGitRefs(ctx.git, this.options.env ?? process.env)
  }
}

export function verifySummaryLine(r: RefsVerifyReport): string {
  if (r.ok) {
    return `${r.checked} v1 checkpoint(s) have their ref; trees equal the v1 directories except the normalised metadata.json (${r.fieldsCompared} fields compared)${r.matchedOnChain ? `; ${r.matchedOnChain} matched below a newer tip` : ''}; no extra refs`
  }
  const first = r.problems.slice(0, 3).map((p) => `${p.id || p.ref}: ${p.problem}`)
  return `${r.problems.length} problem(s): ${first.join('; ')}${r.problems.length > 3 ? '; …' : ''}`
}

/** Whether converted checkpoints are visible to Entire yet (§6: hex ids route branch-only while git-branch is primary). */
export function visibilityLine(primary: PrimaryState, flipped: boolean): string {
  if (flipped)
    return 'checkpoints.primary is now git-refs in .entire/settings.json: Entire v0.8+ reads the converted refs once this change is committed/used.'
  if (primary.primary === 'git-refs')
    return `Entire v0.8+ reads the converted refs: git-refs is primary (${primary.source}).`
  return `Not visible to Entire yet: the primary store is git-branch (${primary.source}), so Entire reads 12-hex checkpoints from the v1 branch only. Set make-primary (or checkpoints.primary.type = "git-refs") to switch.`
}

export type { GitRunner }
