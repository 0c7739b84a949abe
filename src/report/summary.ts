// Pure renderer: ActionRunReport → the job summary (GitHub-flavoured Markdown with HTML blocks).
// Order: heading, verdict, counts, plan (dry run), phase timings (table + mermaid gantt),
// data equivalence, then <details> with failures, refs and settings. Everything from data is
// escaped, and the result stays under a byte budget: long lists are capped with a note, and the
// caps shrink until the whole text fits (GitHub drops an oversized summary whole).
import { PHASES, type PhaseName, type PhaseTiming, type MigrationReport } from '../engine/types.js'
import type {
  ActionRunReport,
  PhaseSpan,
  PushRefResult,
  EquivalenceReport
} from './action-report.js'
import {
  escapeHtml,
  table,
  details,
  code,
  seconds,
  megabytes,
  percent,
  shortId,
  plural,
  type Cell
} from './html.js'

/** GitHub's cap is 1 MiB per step; stay well below it (spec: at most 900 KiB). */
export const SUMMARY_BUDGET_BYTES = 900 * 1024
const ROW_CAPS = [500, 200, 50, 10, 0]

export interface SummaryOptions {
  budgetBytes?: number
  /** Start cap for long lists (rows per list); it shrinks until the summary fits. */
  maxRows?: number
}

export function renderSummary(report: ActionRunReport, opts: SummaryOptions = {}): string {
  const budget = opts.budgetBytes ?? SUMMARY_BUDGET_BYTES
  const caps = ROW_CAPS.filter((c) => c <= (opts.maxRows ?? 200))
  if (caps[0] !== (opts.maxRows ?? 200)) caps.unshift(opts.maxRows ?? 200)
  let out = ''
  for (const cap of caps) {
    out = render(report, cap)
    if (Buffer.byteLength(out, 'utf8') <= budget) return out
  }
  // Even with every list empty it is too big (huge error text?): cut at a line, keep valid HTML
  // blocks out of the tail, and say so.
  const note = '\n\n_Summary truncated to fit the job summary limit; see the JSON report._\n'
  let cut = Buffer.from(out, 'utf8')
    .subarray(0, Math.max(0, budget - Buffer.byteLength(note) - 4))
    .toString('utf8')
  cut = cut.replace(/\uFFFD$/, '')
  cut = cut.slice(0, cut.lastIndexOf('\n') + 1)
  return cut + note
}

function render(r: ActionRunReport, cap: number): string {
  const parts: string[] = []
  parts.push(heading(r))
  parts.push(verdict(r))
  if (r.migration) parts.push(countsSection(r.migration, r))
  if (r.migration && r.dryRun) parts.push(planSection(r.migration, cap))
  parts.push(timingsSection(r))
  if (r.equivalence) parts.push(equivalenceSection(r.equivalence, cap))
  if (r.migration) {
    const failed = failedSection(r.migration, cap)
    if (failed) parts.push(failed)
  }
  parts.push(refsSection(r, cap))
  const notes = notesSection(r, cap)
  if (notes) parts.push(notes)
  parts.push(details('Settings used', settingsTable(r)))
  if (r.reportPath) {
    parts.push(`Full JSON report: ${code(r.reportPath)} (output \`report\`).`)
  }
  return parts.filter((p) => p !== '').join('\n\n') + '\n'
}

/** The layout written: `v2`, or `per-checkpoint refs` for the git-refs target. */
function layoutName(r: ActionRunReport): string {
  return r.migration?.target === 'git-refs' ? 'per-checkpoint refs' : 'v2'
}

function heading(r: ActionRunReport): string {
  const pr = r.pullRequest
  const suffix = pr ? ` · PR #${pr.number}: ${escapeHtml(pr.title)}${pr.fork ? ' (fork)' : ''}` : ''
  const mode = r.dryRun ? ' (dry run)' : ''
  return `<h2>Entire checkpoints ${layoutName(r)} migration${mode}${suffix}</h2>\n\n<p>${code(r.repository)} · event ${code(r.eventName)} · ${escapeHtml(r.startedAt)}</p>`
}

/** The one-line result; also used by the PR comment and the log. */
export function headline(r: ActionRunReport): string {
  const m = r.migration
  const c = m?.counts
  if (r.status === 'failed') {
    return `❌ Failed: ${r.error ?? 'unknown error'}`
  }
  if (r.dryRun && m) {
    const would = m.plan.counts.migrate + m.plan.counts.force
    const repair = m.plan.counts.repair
    const total = m.plan.checkpoints.length
    if (total === 0) return '🔍 Dry run: no v1 checkpoints found; nothing to migrate.'
    const rep = repair ? `, ${repair} would be repaired` : ''
    return `🔍 Dry run: ${would} of ${plural(total, 'v1 checkpoint')} would migrate${rep}; nothing was written or pushed.`
  }
  if (!c) return r.dryRun ? '🔍 Dry run finished.' : '✅ Done.'
  if (c.total === 0) return '✅ No v1 checkpoints found; nothing to migrate.'
  const pushed =
    r.push?.attempted && r.push.ok
      ? `; pushed ${plural(r.push.refs.filter((x) => x.status !== 'not-pushed').length, 'ref')} to ${r.push.remote}`
      : r.push?.attempted
        ? ''
        : '; not pushed'
  const verified = r.equivalence ? (r.equivalence.ok ? '; verification passed' : '') : ''
  if (c.migrated === 0 && c.repaired === 0 && c.failed === 0) {
    return `✅ All ${plural(c.total, 'v1 checkpoint')} already in ${layoutName(r)}; nothing to migrate${verified}.`
  }
  return `✅ Migrated ${c.migrated} of ${plural(c.total, 'v1 checkpoint')} to ${layoutName(r)}${c.repaired ? `, repaired ${c.repaired}` : ''}${pushed}${verified}.`
}

function verdict(r: ActionRunReport): string {
  const lines = [`<p><strong>${escapeHtml(headline(r))}</strong></p>`]
  if (r.push?.rejected) {
    lines.push(
      '<p>The remote v2 refs changed while this run was migrating (someone pushed meanwhile). Nothing was pushed and the remote is as it was; <strong>rerun the workflow</strong> to migrate on top of the new state.</p>'
    )
  }
  return lines.join('\n')
}

function countsSection(m: MigrationReport, r: ActionRunReport): string {
  const c = m.counts
  const rows: Cell[][] = []
  if (r.dryRun) {
    rows.push(['v1 checkpoints', m.plan.checkpoints.length])
    rows.push(['would migrate', m.plan.counts.migrate])
    if (m.plan.counts.force) rows.push(['would re-migrate (force)', m.plan.counts.force])
    rows.push(['would repair', m.plan.counts.repair])
    rows.push(['already in v2 (skip)', m.plan.counts.skip])
  } else {
    rows.push(['v1 checkpoints', c.total])
    rows.push(['migrated', c.migrated])
    rows.push(['skipped', c.skipped])
    for (const [reason, n] of sortedEntries(c.skippedByReason)) {
      rows.push([{ html: `&nbsp;&nbsp;skipped: ${escapeHtml(reason)}` }, n])
    }
    rows.push(['repaired', c.repaired])
    rows.push(['failed', c.failed])
    for (const [reason, n] of sortedEntries(c.failedByReason)) {
      rows.push([{ html: `&nbsp;&nbsp;failed: ${escapeHtml(reason)}` }, n])
    }
    rows.push(['missing sessions (no transcript)', c.missingSessions])
    rows.push(['checkpoints without compact transcript', c.compactionSkipped])
    rows.push(['session slots written to /main', c.sessionsWritten])
    rows.push(['batches', m.batches])
    rows.push(['archives created', m.archivesCreated.length])
  }
  const v1 = m.v1
    ? `<p>v1 input: ${code(m.v1.ref)} at ${code(m.v1.commit)}</p>\n\n`
    : '<p>No v1 branch found.</p>\n\n'
  return `<h3>Counts</h3>\n\n${v1}${table(['', 'checkpoints'], rows)}`
}

function sortedEntries(o: Record<string, number>): Array<[string, number]> {
  return Object.entries(o)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
}

function more(total: number, shown: number): string {
  return total > shown ? `\n\n<p>… and ${total - shown} more, see the JSON report.</p>` : ''
}

function planSection(m: MigrationReport, cap: number): string {
  const pending = m.plan.checkpoints.filter((p) => p.action !== 'skip')
  if (pending.length === 0) {
    return `<h3>Plan</h3>\n\n<p>All ${plural(m.plan.checkpoints.length, 'v1 checkpoint')} are already in v2. Nothing to migrate.</p>`
  }
  const shown = pending.slice(0, cap)
  const rows: Cell[][] = shown.map((p) => [
    { html: code(p.id) },
    p.createdAt || '(unknown time)',
    p.action,
    p.reason ?? ''
  ])
  const body =
    table(['checkpoint', 'created', 'action', 'reason'], rows) + more(pending.length, shown.length)
  return `<h3>Plan</h3>\n\n<p>${pending.length} of ${plural(m.plan.checkpoints.length, 'v1 checkpoint')} not yet (completely) in v2; the first archive would be ${code(String(m.plan.nextArchive).padStart(13, '0'))}.</p>\n\n${details(`Checkpoints that would migrate (${pending.length})`, body)}`
}

interface TimingRow {
  phase: string
  ms: number
  objects?: number
  bytes?: number
}

/** Engine timings plus the action's own phases, in PHASES order. */
export function timingRows(r: ActionRunReport): TimingRow[] {
  const engine = r.migration?.timings ?? {}
  const spanMs = new Map<string, number>()
  for (const s of r.spans) spanMs.set(s.phase, (spanMs.get(s.phase) ?? 0) + (s.endMs - s.startMs))
  const rows: TimingRow[] = []
  const prepareMs = spanMs.get('prepare')
  if (prepareMs !== undefined && !engine.fetch) rows.push({ phase: 'fetch', ms: prepareMs })
  for (const phase of PHASES) {
    const t: PhaseTiming | undefined = engine[phase as PhaseName]
    if (t) rows.push({ phase, ms: t.ms, objects: t.objects, bytes: t.bytes })
    else if (phase === 'push' && spanMs.has('push')) rows.push({ phase, ms: spanMs.get('push')! })
  }
  return rows
}

function throughput(row: TimingRow): string {
  if (row.ms <= 0) return '–'
  if (row.bytes) return `${(row.bytes / 1e6 / (row.ms / 1000)).toFixed(1)} MB/s`
  if (row.objects) return `${Math.round(row.objects / (row.ms / 1000))} /s`
  return '–'
}

function amount(row: TimingRow): string {
  const parts: string[] = []
  if (row.objects !== undefined) parts.push(`${row.objects} obj`)
  if (row.bytes !== undefined) parts.push(megabytes(row.bytes))
  return parts.join(' · ') || '–'
}

function timingsSection(r: ActionRunReport): string {
  const rows = timingRows(r)
  if (rows.length === 0) return ''
  const total = r.totalMs
  const cells: Cell[][] = rows.map((row) => [
    row.phase,
    { text: seconds(row.ms), right: true },
    { text: percent(row.ms, total), right: true },
    { text: amount(row), right: true },
    { text: throughput(row), right: true }
  ])
  cells.push([
    { html: '<strong>total (wall)</strong>' },
    { html: `<strong>${seconds(total)}</strong>`, right: true },
    { text: '100 %', right: true },
    '',
    ''
  ])
  const note =
    '<p>Phases can overlap (reading is pipelined with compaction and writing), so shares may add up to more than 100 %.</p>'
  return `<h3>Phase timings</h3>\n\n${table(['phase', 'wall time', 'share', 'objects / bytes', 'throughput'], cells)}\n\n${note}\n\n${ganttChart(r, rows)}`
}

/**
 * A mermaid gantt of the phases on the run's time axis (ms since start). Uses the measured
 * spans when the engine reported phase start/end events, else lays the phases end to end.
 */
export function ganttChart(r: ActionRunReport, rows: TimingRow[] = timingRows(r)): string {
  const measured = mergeSpans(r.spans.filter((s) => s.endMs >= s.startMs))
  const byRow = new Map<string, PhaseSpan[]>()
  for (const s of measured) {
    const name = s.phase === 'prepare' ? 'fetch' : s.phase
    byRow.set(name, [...(byRow.get(name) ?? []), s])
  }
  // Phases timed without start/end events (e.g. pipelined compaction) get one bar of their wall
  // time after the phase before them; the table says that phases can overlap.
  const spans: PhaseSpan[] = []
  let cursor = 0
  for (const row of rows) {
    const own = byRow.get(row.phase)
    if (own && own.length > 0) {
      spans.push(...own)
      cursor = Math.max(...own.map((s) => s.endMs))
    } else {
      spans.push({
        phase: row.phase as PhaseName,
        startMs: cursor,
        endMs: cursor + Math.max(row.ms, 1)
      })
      cursor += Math.max(row.ms, 1)
    }
  }
  spans.sort((a, b) => a.startMs - b.startMs)
  if (spans.length === 0) return ''
  const lines = [
    '```mermaid',
    'gantt',
    '  title Phase wall time (mm:ss from start)',
    '  dateFormat x',
    '  axisFormat %M:%S',
    '  section run'
  ]
  for (const s of spans) {
    const name = s.phase === 'prepare' ? 'fetch' : s.phase
    const end = Math.max(s.endMs, s.startMs + 1)
    lines.push(
      `  ${name} ${seconds(s.endMs - s.startMs).replace(' ', '')} :${Math.round(s.startMs)}, ${Math.round(end)}`
    )
  }
  lines.push('```')
  return lines.join('\n')
}

/** Phases that repeat per batch: keep each bar when there are few, else one bar from first start to last end. */
const MAX_BARS_PER_PHASE = 6

function mergeSpans(spans: PhaseSpan[]): PhaseSpan[] {
  const byPhase = new Map<string, PhaseSpan[]>()
  for (const s of spans) byPhase.set(s.phase, [...(byPhase.get(s.phase) ?? []), s])
  const out: PhaseSpan[] = []
  for (const list of byPhase.values()) {
    if (list.length <= MAX_BARS_PER_PHASE) out.push(...list)
    else {
      out.push({
        phase: list[0].phase,
        startMs: Math.min(...list.map((s) => s.startMs)),
        endMs: Math.max(...list.map((s) => s.endMs))
      })
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs)
}

function equivalenceSection(e: EquivalenceReport, cap: number): string {
  const rows: Cell[][] = e.checks.map((c) => [
    c.failed > 0 ? { html: `❌ ${escapeHtml(c.name)}` } : { html: `✅ ${escapeHtml(c.name)}` },
    c.passed,
    c.failed,
    c.description ?? ''
  ])
  const head = `<h3>Data equivalence</h3>\n\n<p>${e.ok ? '✅' : '❌'} ${escapeHtml(e.summary)}</p>`
  let out = `${head}\n\n${table(['check', 'passed', 'failed', 'what is compared'], rows)}`
  if (e.failures.length > 0) {
    const shown = e.failures.slice(0, cap)
    const body =
      table(
        ['check', 'checkpoint', 'session', 'file', 'difference'],
        shown.map((f) => [
          f.check,
          { html: f.checkpoint ? code(f.checkpoint) : '' },
          f.session === undefined ? '' : String(f.session),
          f.file ?? '',
          f.message
        ])
      ) + more(e.failures.length, shown.length)
    out += `\n\n${details(`Verification failures (${e.failures.length})`, body)}`
  }
  return out
}

function failedSection(m: MigrationReport, cap: number): string {
  const failed = m.outcomes.filter((o) => o.status === 'failed')
  if (failed.length === 0) return ''
  const shown = failed.slice(0, cap)
  const body =
    table(
      ['checkpoint', 'reason', 'file', 'message'],
      shown.map((o) => [{ html: code(o.id) }, o.reason ?? '', o.file ?? '', o.message ?? ''])
    ) + more(failed.length, shown.length)
  return details(`Failed checkpoints (${failed.length})`, body, true)
}

const STATUS_TEXT: Record<PushRefResult['status'], string> = {
  created: '✅ created',
  updated: '✅ updated',
  forced: '✅ updated (forced, lease held)',
  'up-to-date': '✅ up to date',
  deleted: '✅ deleted',
  lease: '❌ rejected: remote changed (stale lease)',
  collateral: '⏸ not applied (atomic push failed)',
  'remote-rejected': '❌ rejected by the remote',
  'other-rejected': '❌ rejected',
  'not-pushed': '– not pushed'
}

function refsSection(r: ActionRunReport, cap: number): string {
  const m = r.migration
  const pushRefs = new Map((r.push?.refs ?? []).map((p) => [p.ref, p]))
  const refs = new Map<string, { old: string | null; new: string | null }>()
  for (const c of m?.refs ?? []) refs.set(c.ref, { old: c.old, new: c.new })
  for (const p of r.push?.refs ?? []) {
    if (!refs.has(p.ref)) refs.set(p.ref, { old: p.expected, new: p.new })
  }
  if (refs.size === 0) {
    return `<h3>Refs</h3>\n\n<p>${r.dryRun ? 'Dry run: no ref was written.' : 'No ref was written.'}</p>`
  }
  const showRemote = (r.push?.refs ?? []).some((p) => p.remoteNow !== undefined)
  const all = [...refs.entries()]
  const shown = all.slice(0, cap)
  const header = ['ref', 'old → new', 'push']
  if (showRemote) header.push('remote now')
  const rows: Cell[][] = shown.map(([ref, v]) => {
    const p = pushRefs.get(ref)
    const row: Cell[] = [
      { html: code(ref) },
      { html: `${code(shortId(v.old))} → ${code(shortId(v.new))}` },
      p
        ? {
            html: `${escapeHtml(STATUS_TEXT[p.status])}${p.detail ? ` <br>${code(p.detail)}` : ''}`
          }
        : r.push?.attempted
          ? '–'
          : 'not pushed'
    ]
    if (showRemote) {
      row.push({
        html:
          p?.remoteNow === undefined
            ? ''
            : code(p.remoteNow === null ? '(absent)' : shortId(p.remoteNow))
      })
    }
    return row
  })
  const pushLine = r.push
    ? r.push.attempted
      ? `<p>Push to ${code(r.push.remote)}: ${r.push.ok ? 'ok' : 'failed'} (${plural(r.push.attempts, 'attempt')})${r.push.message ? ` — ${escapeHtml(r.push.message)}` : ''}</p>`
      : `<p>Not pushed${r.push.message ? `: ${escapeHtml(r.push.message)}` : ''}.</p>`
    : ''
  const remoteLines = r.push?.remoteMessages?.length
    ? `\n\n${details('Messages from the remote', `<pre lang="text"><code>${escapeHtml(r.push.remoteMessages.join('\n'))}</code></pre>`)}`
    : ''
  return `<h3>Refs written and pushed</h3>\n\n${pushLine}\n\n${details(`Refs (${all.length})`, table(header, rows) + more(all.length, shown.length), !r.push?.ok && !!r.push?.attempted)}${remoteLines}`
}

function notesSection(r: ActionRunReport, cap: number): string {
  const backups = (r.prepare?.backedUp ?? []).map(
    (b) =>
      `${b.ref} differed from the remote (left by an unpushed run): kept as ${b.backup} (${b.oid}) before the reset to the remote's state`
  )
  const items = [...backups, ...(r.migration?.warnings ?? []), ...(r.migration?.notes ?? [])]
  if (items.length === 0) return ''
  const shown = items.slice(0, cap)
  const list = `<ul>\n${shown.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>`
  return details(`Warnings and notes (${items.length})`, list + more(items.length, shown.length))
}

function settingsTable(r: ActionRunReport): string {
  return table(
    ['setting', 'value'],
    r.settings.map(([k, v]) => [k, { html: code(v) }])
  )
}
