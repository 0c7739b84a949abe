// The action: inputs → settings → prepare (full refs) → engine (plan, migrate, verify) → lease-
// protected push → summary, outputs, annotations, optional PR comment. Thin: every step lives in
// src/action, src/engine or src/report; this file orders them and turns failures into one
// setFailed. The summary, the JSON report and the outputs are written in `finally`, so a failed
// run still leaves whatever is known.
import * as core from '@actions/core'
import * as github from '@actions/github'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { GitRunner } from './git/runner.js'
import { authConfigPairs, basicCredential } from './git/remote.js'
import { resolveRef } from './git/refs.js'
import {
  parseSettings,
  settingsEnvFrom,
  describeSettings,
  willPush,
  type ActionSettings
} from './settings.js'
import { prepareRepository, V2_PREFIX } from './action/prepare.js'
import { checkWriteAccess, pushLeased, type LeasedUpdate } from './action/push.js'
import { annotateFailures } from './action/annotations.js'
import { upsertPrComment, type CommentsApi } from './action/pr-comment.js'
import { EngineLogAdapter } from './action/engine-log.js'
import type { ActionLog } from './action/log.js'
import type { Sleep } from './action/retry.js'
import { runEngine, verifyExisting, type EngineRun } from './action/engine.js'
import {
  parseRefsInputs,
  refsActionReport,
  refsSummaryMarkdown,
  runRefsAction
} from './engine/targets/refs/action.js'
import { renderSummary, headline } from './report/summary.js'
import { renderComment } from './report/comment.js'
import { equivalenceFromVerify } from './report/equivalence.js'
import type { ActionRunReport, PhaseSpan, PullRequestInfo } from './report/action-report.js'
import type { MigrateSettings } from './engine/types.js'
import { leasedPushRefs } from './engine/targets/v2/index.js'
import type { VerifyReport } from './engine/verify/types.js'

export interface RunDeps {
  engine: EngineRun
  sleep?: Sleep
}

const coreLog: ActionLog = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  debug: (m) => core.debug(m)
}

function pullRequestInfo(): PullRequestInfo | undefined {
  const pr = github.context.payload.pull_request
  if (!pr) return undefined
  const head = (pr.head as { repo?: { full_name?: string } } | undefined)?.repo?.full_name
  const base = (pr.base as { repo?: { full_name?: string } } | undefined)?.repo?.full_name
  return {
    number: pr.number,
    title: String(pr.title ?? ''),
    url: typeof pr.html_url === 'string' ? pr.html_url : undefined,
    fork: !!head && !!base && head !== base
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

function migrateSettings(
  s: ActionSettings,
  v1Ref: string | null,
  archives: number[]
): MigrateSettings {
  return {
    repo: s.path,
    remote: s.remote,
    batchSize: s.batchSize,
    compactWorkers: s.compactWorkers,
    cliVersion: s.cliVersion,
    referenceCompatible: s.referenceCompatible,
    force: s.force,
    dryRun: s.dryRun,
    verify: s.verify,
    now: new Date(),
    knownRemoteArchives: archives,
    v1Ref: v1Ref ?? undefined
  }
}

const ARCHIVE_REF = /^refs\/entire\/checkpoints\/v2\/full\/(\d{13})$/

export async function run(deps: RunDeps = { engine: runEngine }): Promise<void> {
  const t0 = Date.now()
  const clock = (): number => Date.now() - t0
  const spans: PhaseSpan[] = []
  const report: ActionRunReport = {
    status: 'failed',
    repository: process.env.GITHUB_REPOSITORY ?? '',
    eventName: process.env.GITHUB_EVENT_NAME ?? '',
    dryRun: false,
    spans,
    settings: [],
    startedAt: new Date(t0).toISOString(),
    totalMs: 0
  }
  let settings: ActionSettings | undefined
  let git: GitRunner | undefined
  const failures: string[] = []
  const logAdapter = new EngineLogAdapter(core, clock, spans)
  try {
    settings = parseSettings(
      (name) => core.getInput(name),
      settingsEnvFrom(process.env, process.cwd())
    )
    const s = settings
    if (s.token) {
      core.setSecret(s.token)
      core.setSecret(basicCredential(s.token))
    }
    report.repository = s.repository
    report.dryRun = s.dryRun
    report.settings = describeSettings(s)
    const refsInputs = parseRefsInputs((name) => core.getInput(name))
    report.settings.push(['target', refsInputs.target])
    report.pullRequest = pullRequestInfo()
    git = new GitRunner(s.path, { debug: (m) => core.debug(m) })
    git.addSecret(s.token)
    if (s.token) git.addSecret(basicCredential(s.token))
    const g = git
    const auth = { serverUrl: s.serverUrl, token: s.token }
    const net = {
      remote: s.remote,
      repository: s.repository,
      auth,
      log: coreLog,
      sleep: deps.sleep
    }

    // 1. Full refs: v1 branch and every v2 ref, one fetch; lease baseline; pinned v1.
    const t1 = clock()
    logAdapter.group('Fetch checkpoint refs')
    const prep = await prepareRepository(g, net)
    report.prepare = prep
    logAdapter.close()
    spans.push({ phase: 'prepare', startMs: t1, endMs: clock() })
    if (willPush(s) && s.token && prep.v1Commit) await checkWriteAccess(g, prep.v1Commit, net)

    // Target `refs` (per-checkpoint refs): its own fetch, conversion, verify and fast-forward-only
    // push (src/engine/targets/refs); the v2 engine and leased push below are not used.
    if (refsInputs.target === 'refs') {
      logAdapter.group('Convert to per-checkpoint refs')
      const r = await runRefsAction(g, migrateSettings(s, prep.v1Ref, []), refsInputs, {
        push: willPush(s),
        auth: { config: authConfigPairs(s.serverUrl, s.token) }
      })
      logAdapter.close()
      report.migration = r.report
      Object.assign(report, refsActionReport(r))
      core.summary.addRaw(refsSummaryMarkdown(r))
      if (r.write.counts.failed > 0) {
        failures.push(`${r.write.counts.failed} checkpoint(s) failed to convert`)
      }
      if (r.verify && !r.verify.ok)
        failures.push(`verification found ${r.verify.problems.length} problem(s)`)
      if (r.push && r.push.failed.length > 0) {
        failures.push(`${r.push.failed.length} ref(s) did not land on ${r.push.remote}`)
      }
      if (failures.length > 0) throw new Error(failures.join('; '))
      report.status = s.dryRun ? 'dry-run' : 'success'
      return
    }

    // 2. Plan, migrate, verify (the engine logs one group per phase through the adapter).
    const archives = prep.baseline
      .map((b) => ARCHIVE_REF.exec(b.ref)?.[1])
      .filter((n): n is string => !!n)
      .map(Number)
    const migration = await deps.engine(g, migrateSettings(s, prep.v1Ref, archives), logAdapter)
    logAdapter.close()
    report.migration = migration
    const verifyDetails = migration.verify?.details as VerifyReport | undefined
    if (verifyDetails && typeof verifyDetails === 'object' && 'byCheck' in verifyDetails) {
      report.equivalence = equivalenceFromVerify(verifyDetails)
    } else if (s.verify && s.dryRun && prep.v1Ref) {
      // Dry run: nothing was written; show the verification of what already exists.
      logAdapter.group('Verify existing v2 data')
      const t = clock()
      const pending = new Set(
        migration.plan.checkpoints.filter((p) => p.action !== 'skip').map((p) => p.id)
      )
      report.equivalence = equivalenceFromVerify(
        await verifyExisting(g, { v1Ref: prep.v1Ref, cliVersion: s.cliVersion }),
        { pending }
      )
      spans.push({ phase: 'verify', startMs: t, endMs: clock() })
      logAdapter.close()
    }
    if (migration.counts.failed > 0) {
      failures.push(`${migration.counts.failed} checkpoint(s) failed to migrate`)
    }
    const verifyFailed = report.equivalence ? !report.equivalence.ok : false
    if (verifyFailed) {
      const msg = `data-equivalence check failed: ${report.equivalence?.summary}`
      if (s.failOnVerifyError) failures.push(msg)
      else core.warning(msg)
    }

    // 3. Push what this run wrote, each ref leased on the value fetched in step 1.
    if (willPush(s) && !(verifyFailed && s.failOnVerifyError)) {
      const base = new Map(prep.baseline.map((b) => [b.ref, b.oid]))
      const updates: LeasedUpdate[] = leasedPushRefs(migration.refs, base, V2_PREFIX).map((p) => ({
        ref: p.ref,
        newOid: p.local as string,
        expected: p.expectedRemote
      }))
      const t = clock()
      logAdapter.group('Push v2 refs')
      report.push = await pushLeased(g, updates, net)
      logAdapter.close()
      spans.push({ phase: 'push', startMs: t, endMs: clock() })
      if (!report.push.ok) failures.unshift(report.push.message ?? 'push failed')
    } else {
      report.push = {
        remote: s.remote,
        attempted: false,
        ok: true,
        rejected: false,
        attempts: 0,
        refs: [],
        message: s.dryRun
          ? 'dry run'
          : !s.push
            ? 'push: false'
            : 'the data-equivalence check failed (fail-on-verify-error)'
      }
    }
    if (failures.length > 0) throw new Error(failures.join('; '))
    report.status = s.dryRun ? 'dry-run' : 'success'
  } catch (e) {
    logAdapter.close()
    report.status = 'failed'
    report.error = message(e)
    core.setFailed(report.error)
  } finally {
    logAdapter.close()
    report.totalMs = clock()
    await finish(report, settings, git)
  }
}

/** Report file, outputs, summary, annotations, PR comment: each failure is a warning only. */
async function finish(
  report: ActionRunReport,
  settings: ActionSettings | undefined,
  git: GitRunner | undefined
): Promise<void> {
  const m = report.migration
  const dir = process.env.RUNNER_TEMP || tmpdir()
  const file = join(
    dir,
    `entire-migrate-${process.env.GITHUB_RUN_ID ?? 'local'}-${Date.now()}.json`
  )
  try {
    await writeFile(file, JSON.stringify(report, null, 2) + '\n')
    report.reportPath = file
  } catch (e) {
    core.warning(`could not write the JSON report: ${message(e)}`)
  }
  let mainSha = ''
  if (git && m) {
    mainSha = (await resolveRef(git, `${V2_PREFIX}main`).catch(() => null)) ?? ''
  }
  const wouldMigrate = m ? m.plan.counts.migrate + m.plan.counts.force : 0
  core.setOutput('migrated', String(m ? (report.dryRun ? wouldMigrate : m.counts.migrated) : 0))
  core.setOutput('skipped', String(m ? (report.dryRun ? m.plan.counts.skip : m.counts.skipped) : 0))
  core.setOutput('failed', String(m?.counts.failed ?? 0))
  core.setOutput('verified', report.equivalence ? String(report.equivalence.ok) : '')
  core.setOutput('report', report.reportPath ?? '')
  core.setOutput('main-ref-sha', mainSha)
  core.setOutput('archives-created', String(m?.archivesCreated.length ?? 0))

  core.info(headline(report))
  try {
    await core.summary.addRaw(renderSummary(report)).write()
  } catch (e) {
    core.warning(`could not write the job summary: ${message(e)}`)
  }
  if (m) annotateFailures(m.outcomes, core)

  const pr = report.pullRequest
  if (settings?.comment && pr && settings.token) {
    try {
      const [owner, repo] = settings.repository.split('/')
      const api = github.getOctokit(settings.token).rest.issues as unknown as CommentsApi
      const runUrl = process.env.GITHUB_RUN_ID
        ? `${settings.serverUrl}/${settings.repository}/actions/runs/${process.env.GITHUB_RUN_ID}`
        : undefined
      await upsertPrComment(
        api,
        { owner, repo, number: pr.number, fork: pr.fork },
        renderComment(report, runUrl),
        coreLog
      )
    } catch (e) {
      core.warning(`could not post the PR comment (needs pull-requests: write): ${message(e)}`)
    }
  }
}
