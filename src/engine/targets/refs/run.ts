// One complete conversion run for the per-checkpoint refs target: pin v1, plan, write, verify,
// push, optionally flip the primary setting, and report (MigrationReport plus target details).
// The CLI, the action and the demo call this; the engine's shared types carry the result.
import { PhaseTimer } from '../../timer.js'
import type { GitRunner } from '../../../git/runner.js'
import type { EngineLogger, MigrateSettings, MigrationReport, V1Snapshot } from '../../types.js'
import { silentLogger } from '../../types.js'
import {
  RefsTarget,
  CONVERSION_RULE,
  findSourceRef,
  visibilityLine,
  type ListedRef,
  type FlipResult,
  type RefsPlan,
  type RefsPushReport,
  type RefsTargetOptions,
  type RefsVerifyReport,
  type RefsWriteResult
} from './index.js'

export interface RefsRunOptions extends RefsTargetOptions {
  /** Push to `settings.remote` (default origin) after writing. */
  push?: boolean
  /** Flip checkpoints.primary to git-refs after a clean conversion (and push, when pushing). */
  makePrimary?: boolean
}

export interface RefsRunResult {
  report: MigrationReport
  plan: RefsPlan
  write: RefsWriteResult
  verify: RefsVerifyReport | null
  push: RefsPushReport | null
  flip: FlipResult | null
  /** The summary for this target, one line per fact (rendered by the CLI and the action). */
  summary: string[]
  /** Non-zero exit wanted: failed checkpoints, conflicts, verify problems or refs that did not land. */
  ok: boolean
}

export async function pinV1(
  git: GitRunner,
  settings: MigrateSettings,
  listed?: Map<string, ListedRef>
): Promise<V1Snapshot | null> {
  const src = await findSourceRef(git, settings.v1Ref, settings.remote ?? 'origin', listed)
  return src ? { ref: src.ref, commit: src.commit, tree: src.tree } : null
}

export async function runRefsMigration(
  git: GitRunner,
  settings: MigrateSettings,
  options: RefsRunOptions = {},
  logger: EngineLogger = silentLogger
): Promise<RefsRunResult> {
  const timer = new PhaseTimer(logger)
  const ctx = { git, settings, logger, timer }
  const target = new RefsTarget(options)
  // The reads that do not need the tip start first; the tip is pinned from their ref listing.
  const early = target.startReads(ctx)
  const v1 = await timer.time('list', async () =>
    pinV1(git, settings, (await early.listing).sources)
  )
  const plan = await target.plan(ctx, v1)
  const write = await target.write(ctx, plan)
  const verify = settings.verify
    ? ((await target.verify(ctx, plan, write)).details as RefsVerifyReport)
    : null
  const converted = write.counts.failed === 0 && (verify?.ok ?? true)
  let push: RefsPushReport | null = null
  if (options.push && !settings.dryRun && !plan.refusal) {
    push = await target.push(ctx, plan, write, settings.remote ?? 'origin')
  }
  let flip: FlipResult | null = null
  const warnings = [...write.warnings]
  if (push?.bitmapProblem) {
    warnings.push(
      `no reachability bitmap (${push.bitmapProblem.split('\n')[0]}): the push may re-send blobs the remote already has on the v1 branch`
    )
  }
  if (options.makePrimary && !settings.dryRun) {
    if (!converted || (push && push.failed.length > 0)) {
      warnings.push(
        'make-primary: not flipped, the conversion or the push did not complete cleanly'
      )
    } else {
      flip = await target.makePrimary(ctx, plan)
      warnings.push(...flip.warnings)
    }
  }
  const totalMs = timer.elapsedMs()
  const report: MigrationReport = {
    target: 'git-refs',
    repo: settings.repo,
    v1,
    settings: {
      batchSize: settings.batchSize,
      cliVersion: settings.cliVersion,
      referenceCompatible: settings.referenceCompatible,
      force: settings.force,
      dryRun: settings.dryRun,
      verify: settings.verify,
      now: settings.now.toISOString()
    },
    plan,
    refs: write.refs,
    archivesCreated: [],
    batches: write.batches,
    counts: write.counts,
    outcomes: write.outcomes.toArray(),
    timings: timer.snapshot(),
    totalMs,
    verify: verify ? { ok: verify.ok, summary: verifyLine(verify), details: verify } : undefined,
    push: push
      ? {
          remote: push.remote,
          refs: write.refs,
          ok: push.failed.length === 0,
          message: pushLine(push)
        }
      : undefined,
    warnings,
    notes: [CONVERSION_RULE, visibilityLine(plan.primary, flip?.changed ?? false)]
  }
  const ok = converted && (!push || push.failed.length === 0) && write.conflicts.length === 0
  return {
    report,
    plan,
    write,
    verify,
    push,
    flip,
    summary: summaryLines(report, plan, write, verify, push, flip),
    ok
  }
}

function verifyLine(v: RefsVerifyReport): string {
  return v.ok
    ? `ok: ${v.checked} checkpoint refs match v1 (${v.fieldsCompared} metadata fields compared), no extra refs`
    : `${v.problems.length} problem(s)`
}

function pushLine(p: RefsPushReport): string {
  return `${p.landed} pushed and confirmed by ls-remote, ${p.alreadyThere} already on ${p.remote}, ${p.failed.length} did not land (${p.batches} batch(es), ${(p.ms / 1000).toFixed(2)} s)`
}

const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(3)} s`

export function summaryLines(
  report: MigrationReport,
  plan: RefsPlan,
  write: RefsWriteResult,
  verify: RefsVerifyReport | null,
  push: RefsPushReport | null,
  flip: FlipResult | null
): string[] {
  const c = write.counts
  const out: string[] = []
  out.push(
    `Target: per-checkpoint refs (refs/entire/checkpoints/<last two>/<id>), ${CONVERSION_RULE}`
  )
  if (!plan.v1)
    out.push(
      'No v1 branch (refs/heads/entire/checkpoints/v1 or origin’s copy): nothing to convert.'
    )
  else out.push(`Source: ${plan.v1.ref} at ${plan.v1.commit.slice(0, 12)}`)
  if (plan.refusal) out.push(plan.refusal)
  const verb = report.settings.dryRun ? 'Would migrate' : 'Migrated'
  out.push(
    `${verb} ${c.migrated + c.repaired} checkpoint(s) to refs (${c.skipped} already up to date, ${c.total} total)${c.failed ? `; ${c.failed} failed` : ''}${c.repaired ? `; ${c.repaired} repaired refs pointing at missing commits` : ''}`
  )
  const dateText = plan.date
    ? `${plan.date.seconds} ${plan.date.offset}`
    : 'the clock at each commit'
  out.push(
    `Commits: author = committer ${plan.identity.name} <${plan.identity.email}>, date ${dateText}`
  )
  const t = report.timings
  out.push(
    `Timings: read v1 ${s(t.readV1?.ms)}, plan ${s(t.plan?.ms)}, write objects ${s(t.writeMain?.ms)}, update refs ${s(t.updateRefs?.ms)}, verify ${s(t.verify?.ms)}, push ${s(t.push?.ms)}; total ${s(report.totalMs)}`
  )
  for (const o of report.outcomes.filter((o) => o.status === 'failed'))
    out.push(`FAILED ${o.id}: ${o.message}`)
  if (verify) out.push(`Verify: ${verify.ok ? 'ok' : 'FAILED'}: ${verifyLineLong(verify)}`)
  for (const p of verify?.problems.slice(0, 20) ?? []) out.push(`  verify ${p.ref}: ${p.problem}`)
  if (push) {
    out.push(`Push: ${pushLine(push)}`)
    for (const f of push.failed) out.push(`  not landed ${f.ref}: ${f.status}: ${f.detail}`)
  }
  if (!push && !report.settings.dryRun && c.migrated + c.repaired > 0) {
    out.push(
      'Not pushed: the refs are not added to the Entire CLI push queue (its flock is not taken, git-refs-format.md §10 item 7); push them with --push (action: push: true).'
    )
  }
  if (flip?.changed) out.push(`Settings: checkpoints.primary set to git-refs in ${flip.path}`)
  for (const n of report.notes.slice(1)) out.push(n)
  for (const w of report.warnings) out.push(`Warning: ${w}`)
  return out
}

function verifyLineLong(v: RefsVerifyReport): string {
  return `${v.checked} checked, ${v.matchedAtTip} at the tip, ${v.matchedOnChain} below a newer tip, ${v.fieldsCompared} metadata fields compared, ${v.unexpectedRefs.length} unexpected ref change(s), ${v.problems.length} problem(s)`
}
