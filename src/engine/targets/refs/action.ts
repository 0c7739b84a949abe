// The action side of the per-checkpoint refs target: its inputs (`target`, `make-primary`,
// `author-name`, `author-email`, `date`), the run after the repository is prepared (non-forced
// fetch of the remote's checkpoint refs, conversion, verify, push, optional flip), and its job
// summary in Markdown. main.ts calls these when `target: refs`.
import type { GitRunner } from '../../../git/runner.js'
import type { MigrateSettings } from '../../types.js'
import {
  checkIdentity,
  parseDateInput,
  DateInputError,
  type FixedDate
} from '../../../formats/git-refs/index.js'
import { runRefsMigration, type RefsRunResult } from './run.js'
import { fetchCheckpointRefs, type FetchReport } from './fetch.js'
import type { PushAuth } from './push.js'
import type { EquivalenceReport, PushInfo, PushRefResult } from '../../../report/action-report.js'

export type TargetName = 'v2' | 'refs'

export interface RefsInputs {
  target: TargetName
  makePrimary: boolean
  authorName?: string
  authorEmail?: string
  date: FixedDate | null
}

/** An input is invalid: the message names it. */
export class RefsInputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Invalid input '${input}': ${message}`)
    this.name = 'RefsInputError'
  }
}

/** Parse the target's inputs ('' = unset = default). */
export function parseRefsInputs(read: (name: string) => string): RefsInputs {
  const target = read('target').trim() || 'v2'
  if (target !== 'v2' && target !== 'refs') {
    throw new RefsInputError('target', `expected v2 or refs, got ${JSON.stringify(target)}`)
  }
  const mp = read('make-primary').trim() || 'false'
  if (!['true', 'True', 'TRUE', 'false', 'False', 'FALSE'].includes(mp)) {
    throw new RefsInputError('make-primary', `expected true or false, got ${JSON.stringify(mp)}`)
  }
  const authorName = read('author-name').trim() || undefined
  const authorEmail = read('author-email').trim() || undefined
  try {
    checkIdentity({ name: authorName ?? '', email: authorEmail ?? '' })
  } catch (e) {
    const which = /author-email/.test((e as Error).message) ? 'author-email' : 'author-name'
    throw new RefsInputError(which, (e as Error).message)
  }
  let date: FixedDate | null = null
  const d = read('date').trim()
  if (d) {
    try {
      date = parseDateInput(d)
    } catch (e) {
      if (e instanceof DateInputError) throw new RefsInputError('date', e.message)
      throw e
    }
  }
  return { target, makePrimary: mp.toLowerCase() === 'true', authorName, authorEmail, date }
}

export interface RefsActionResult extends RefsRunResult {
  fetch: FetchReport | null
}

/** Fetch the remote's checkpoint refs (non-forced), convert, verify, push, flip when asked. */
export async function runRefsAction(
  git: GitRunner,
  settings: MigrateSettings,
  inputs: RefsInputs,
  opts: { push: boolean; auth?: PushAuth; fetch?: boolean }
): Promise<RefsActionResult> {
  const remote = settings.remote ?? 'origin'
  const fetch = opts.fetch === false ? null : await fetchCheckpointRefs(git, remote, opts.auth)
  const r = await runRefsMigration(git, settings, {
    authorName: inputs.authorName,
    authorEmail: inputs.authorEmail,
    date: inputs.date,
    push: opts.push,
    makePrimary: inputs.makePrimary,
    auth: opts.auth
  })
  return { ...r, fetch }
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|')
}

/** Job summary for this target (Markdown; every ref that did not land is listed with why). */
export function refsSummaryMarkdown(r: RefsActionResult): string {
  const c = r.write.counts
  const t = r.report.timings
  const out: string[] = []
  const status = r.ok ? '✅' : '❌'
  out.push(`## ${status} Entire checkpoints → per-checkpoint refs`)
  out.push('')
  out.push(
    `${r.report.settings.dryRun ? 'Would migrate' : 'Migrated'} **${c.migrated + c.repaired}** checkpoint(s) to refs (**${c.skipped}** already up to date, **${c.total}** total, **${c.failed}** failed).`
  )
  out.push('')
  out.push('| phase | wall |')
  out.push('| --- | ---: |')
  for (const [p, v] of Object.entries(t))
    out.push(`| ${p} | ${((v?.ms ?? 0) / 1000).toFixed(3)} s |`)
  out.push(`| total | ${(r.report.totalMs / 1000).toFixed(3)} s |`)
  out.push('')
  for (const line of r.summary) out.push(`- ${esc(line)}`)
  if (r.fetch) out.push(`- Fetch: ${esc(r.fetch.summary)}`)
  if (r.push && r.push.failed.length > 0) {
    out.push('')
    out.push('### Refs that did not land')
    out.push('')
    out.push('| ref | why | detail |')
    out.push('| --- | --- | --- |')
    for (const f of r.push.failed.slice(0, 500))
      out.push(`| \`${f.ref}\` | ${f.status} | ${esc(f.detail)} |`)
    if (r.push.failed.length > 500)
      out.push(`| … | | ${r.push.failed.length - 500} more in the JSON report |`)
  }
  return out.join('\n') + '\n'
}

/** The action report's push and equivalence sections for this target (rendered by the shared summary). */
export function refsActionReport(r: RefsActionResult): {
  push?: PushInfo
  equivalence?: EquivalenceReport
} {
  const out: { push?: PushInfo; equivalence?: EquivalenceReport } = {}
  if (r.verify) {
    const v = r.verify
    const missing = v.problems.filter((p) => p.problem === 'no ref for this v1 checkpoint').length
    const unexpected = v.unexpectedRefs.length
    const content = v.problems.length - missing - unexpected
    out.equivalence = {
      ok: v.ok,
      summary: v.ok
        ? `${v.checked} v1 checkpoints have their ref; trees equal the v1 directories except the normalised metadata.json (${v.fieldsCompared} fields compared); no extra refs`
        : `${v.problems.length} problem(s) in ${v.checked} checkpoint(s)`,
      checks: [
        { name: 'every v1 checkpoint has its ref', passed: v.checked - missing, failed: missing },
        {
          name: 'ref tree = v1 directory, metadata.json normalised field by field',
          passed: v.matchedAtTip + v.matchedOnChain,
          failed: content
        },
        { name: 'no extra or moved refs', passed: unexpected === 0 ? 1 : 0, failed: unexpected }
      ],
      failures: v.problems.map((p) => ({
        check: 'git-refs',
        checkpoint: p.id,
        file: p.ref,
        message: p.problem
      }))
    }
  }
  if (r.push) {
    const p = r.push
    const failed = new Map(p.failed.map((f) => [f.ref, f]))
    const refs: PushRefResult[] = []
    for (const w of r.write.refs) {
      const f = failed.get(w.ref)
      refs.push({
        ref: w.ref,
        expected: f?.remoteBefore ?? null,
        new: w.new,
        status: f
          ? f.status === 'network' || f.status === 'unconfirmed'
            ? 'not-pushed'
            : f.status === 'rejected'
              ? 'other-rejected'
              : 'remote-rejected'
          : w.old
            ? 'updated'
            : 'created',
        detail: f ? `${f.status}: ${f.detail}` : undefined
      })
    }
    for (const f of p.failed) {
      if (!r.write.refs.some((w) => w.ref === f.ref)) {
        refs.push({
          ref: f.ref,
          expected: f.remoteBefore,
          new: f.local,
          status:
            f.status === 'rejected'
              ? 'other-rejected'
              : f.status === 'network' || f.status === 'unconfirmed'
                ? 'not-pushed'
                : 'remote-rejected',
          detail: `${f.status}: ${f.detail}`
        })
      }
    }
    out.push = {
      remote: p.remote,
      attempted: p.batches > 0,
      ok: p.failed.length === 0,
      rejected: p.failed.some((f) => f.status === 'rejected'),
      attempts: p.batches,
      refs,
      message: `${p.landed} ref(s) pushed and confirmed by ls-remote, ${p.alreadyThere} already there, ${p.failed.length} did not land (fast-forward only, ${p.batches} batch(es))`
    }
  }
  return out
}
