// The short PR comment: verdict and one small table, with a hidden marker so that a rerun finds
// and updates its own comment instead of adding another. Pure.
import type { ActionRunReport } from './action-report.js'
import { headline } from './summary.js'
import { escapeHtml, table, type Cell } from './html.js'

export const COMMENT_MARKER = '<!-- entire-migrate:summary -->'
/** GitHub caps comment bodies at 65,536 characters; stay well below. */
export const COMMENT_BUDGET_CHARS = 60_000

export function renderComment(r: ActionRunReport, runUrl?: string): string {
  const m = r.migration
  const rows: Cell[][] = []
  if (m) {
    const p = m.plan
    rows.push(['v1 checkpoints', p.checkpoints.length])
    if (r.dryRun) {
      rows.push(['would migrate', p.counts.migrate + p.counts.force])
      rows.push(['would repair', p.counts.repair])
      rows.push(['already in v2', p.counts.skip])
    } else {
      rows.push(['migrated', m.counts.migrated])
      rows.push(['skipped', m.counts.skipped])
      rows.push(['repaired', m.counts.repaired])
      rows.push(['failed', m.counts.failed])
    }
  }
  if (r.equivalence) {
    const failed = r.equivalence.checks.reduce((n, c) => n + c.failed, 0)
    rows.push(['verification', r.equivalence.ok ? 'passed' : `${failed} difference(s)`])
  }
  const parts = [
    COMMENT_MARKER,
    `### Entire checkpoints v2 migration${r.dryRun ? ' (dry run)' : ''}`,
    escapeHtml(headline(r))
  ]
  if (rows.length) parts.push(table(['', ''], rows))
  if (runUrl) parts.push(`[Full summary of this run](${runUrl})`)
  let body = parts.join('\n\n') + '\n'
  if (body.length > COMMENT_BUDGET_CHARS) body = body.slice(0, COMMENT_BUDGET_CHARS) + '\n…\n'
  return body
}
