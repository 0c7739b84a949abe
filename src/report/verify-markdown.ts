// Markdown rendering of the verification report for a job summary: a verdict line, a counts
// table, per-check results, failures and notes in collapsible lists; capped at maxBytes.
import type { CheckFailure, VerifyReport } from '../engine/verify/types.js'

export interface VerifyMarkdownOptions {
  /** Upper bound of the UTF-8 size of the result (default 200 KiB). */
  maxBytes?: number
  /** Heading level of the title (default 2). */
  headingLevel?: number
}

/** Escape text for a markdown table cell or list item (no HTML, no pipes, one line). */
export function mdEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\`*_[\]])/g, '\\$1')
}

function code(s: string): string {
  const t = s.replace(/[\r\n]+/g, ' ').replace(/`/g, 'ˋ')
  return '`' + (t.length > 200 ? t.slice(0, 200) + '…' : t) + '`'
}

function failureLine(f: CheckFailure): string {
  const where = [
    f.checkpointId ? `checkpoint ${code(f.checkpointId)}` : '',
    f.slot !== undefined ? `slot ${f.slot}` : '',
    f.v1Session !== undefined ? `v1 session ${f.v1Session}` : '',
    f.file ? code(f.file) : ''
  ]
    .filter(Boolean)
    .join(', ')
  const ev =
    f.expected !== undefined || f.actual !== undefined
      ? ` — expected ${code(String(f.expected ?? ''))}, actual ${code(String(f.actual ?? ''))}`
      : ''
  return `- **${mdEscape(f.check)}** ${where}: ${mdEscape(f.message)}${ev}`
}

export function renderVerifyMarkdown(
  report: VerifyReport,
  opts: VerifyMarkdownOptions = {}
): string {
  const maxBytes = opts.maxBytes ?? 200 * 1024
  const h = '#'.repeat(opts.headingLevel ?? 2)
  const c = report.counts
  const head: string[] = []
  head.push(`${h} Data-equivalence verification: ${report.ok ? '✅ passed' : '❌ failed'}`)
  head.push('')
  head.push(
    `${c.checksPassed} checks passed, ${c.checksFailed} failed, in ${(report.durationMs / 1000).toFixed(1)} s. ` +
      `v1 ${report.v1Ref ? code(report.v1Ref) : '(none)'}${report.v1Commit ? ` at ${code(report.v1Commit.slice(0, 12))}` : ''}; v2 ${code(report.v2Prefix)}.`
  )
  head.push('')
  head.push('| | count |', '| --- | ---: |')
  const rows: Array<[string, number]> = [
    ['v1 checkpoints', c.v1Checkpoints],
    ['… with a transcript (migratable)', c.migratable],
    ['checkpoints on /main', c.mainCheckpoints],
    ['verified ok', c.ok],
    ['failed', c.failed],
    ['v2-only (written natively)', c.v2Only],
    ['not migratable', c.notMigratable],
    ['not migrated by a known writer', c.knownSkip],
    ['sessions compared', c.sessions],
    ['raw transcripts proven by blob id', c.rawProvenById],
    ['raw transcripts proven by bytes', c.rawProvenByBytes],
    // only a verification right after a migration takes hashes from its read: shown when it did
    ...(c.rawHashFromRead > 0
      ? [
          [
            'raw transcript hashes from the migration’s read (v1 not read again)',
            c.rawHashFromRead
          ] as [string, number]
        ]
      : []),
    ['compact transcripts re-derived', c.compactRederived],
    ['… proven by blob id (not read back)', c.compactProvenById],
    ['offsets from the offset cache', c.offsetsFromCache],
    ['offsets recomputed', c.offsetsRecomputed],
    ['dropped v1 fields listed', c.droppedFields],
    ['notes', c.notes]
  ]
  for (const [k, v] of rows) head.push(`| ${k} | ${v} |`)
  head.push('')
  const checks = Object.entries(report.byCheck)
  if (checks.length) {
    head.push('| check | passed | failed |', '| --- | ---: | ---: |')
    for (const [k, v] of checks)
      head.push(`| ${mdEscape(k)} | ${v.passed} | ${v.failed ? `**${v.failed}**` : 0} |`)
    head.push('')
  }
  if (report.compare) {
    const k = report.compare
    head.push(
      `Compared with ${code(k.right)}: ${k.identicalFiles} identical files, ${k.differingFiles} differing, ` +
        `${k.onlyLeft} only here, ${k.onlyRight} only there; ${k.checkpointsIdentical} checkpoints identical, ${k.checkpointsDiffering} differing.`
    )
    head.push('')
  }

  const failures = [...report.failures, ...report.checkpoints.flatMap((cp) => cp.failures)]
  const notes = [...report.notes, ...report.checkpoints.flatMap((cp) => cp.notes)]
  const diffs = report.compare?.diffs ?? []
  const sections: Array<{ title: string; lines: string[] }> = []
  if (failures.length)
    sections.push({ title: `Failures (${failures.length})`, lines: failures.map(failureLine) })
  if (diffs.length) {
    sections.push({
      title: `Differing files (${diffs.length})`,
      lines: diffs.map(
        (d) =>
          `- ${code(d.file)}: ${d.status}${d.line ? ` at line ${d.line}: ${code(d.left ?? '')} vs ${code(d.right ?? '')}` : ''}`
      )
    })
  }
  if (notes.length) {
    sections.push({
      title: `Notes (${notes.length})`,
      lines: notes.map(
        (n) =>
          `- ${mdEscape(n.kind)}${n.checkpointId ? ` ${code(n.checkpointId)}` : ''}: ${mdEscape(n.message)}`
      )
    })
  }
  const dropped = report.checkpoints.flatMap((cp) =>
    cp.dropped.map(
      (d) =>
        `- ${code(cp.id)} ${d.scope}${d.v1Session !== undefined ? ` ${d.v1Session}` : ''} ${code(d.name)}${d.value ? `: ${mdEscape(d.value)}` : ''}`
    )
  )
  if (dropped.length)
    sections.push({ title: `Dropped v1 values (${dropped.length})`, lines: dropped })

  let out = head.join('\n') + '\n'
  const size = (s: string) => Buffer.byteLength(s, 'utf8')
  const tail = (omitted: number) => `- … ${omitted} more (see the JSON report)\n`
  for (const s of sections) {
    const open = `<details><summary>${mdEscape(s.title)}</summary>\n\n`
    const close = '\n</details>\n\n'
    if (size(out) + size(open) + size(close) + 100 > maxBytes) break
    let body = ''
    let shown = 0
    for (const line of s.lines) {
      const piece = line + '\n'
      if (size(out) + size(open) + size(body) + size(piece) + size(close) + 100 > maxBytes) break
      body += piece
      shown++
    }
    if (shown < s.lines.length) body += tail(s.lines.length - shown)
    out += open + body + close
  }
  return out
}
