// The phase-timing table both CLIs print (`migrate` for v2 and for per-checkpoint refs): one
// row per phase that ran, then the total; a bytes column when some phase counted bytes.
import { PHASES, type PhaseTimings } from './types.js'

export function formatMs(ms: number): string {
  return ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`
}

export function formatBytes(b: number): string {
  if (b >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(1)} MiB`
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`
  return `${b} B`
}

/** Plain text, columns aligned (names left, figures right), one trailing newline. */
export function renderTimings(t: PhaseTimings, totalMs: number): string {
  const ran = PHASES.filter((p) => t[p] !== undefined)
  const withBytes = ran.some((p) => t[p]?.bytes !== undefined)
  const rows: string[][] = [['phase', 'wall', 'objects', ...(withBytes ? ['bytes'] : [])]]
  for (const p of ran) {
    const v = t[p]!
    rows.push([
      p,
      formatMs(v.ms),
      v.objects !== undefined ? String(v.objects) : '',
      ...(withBytes ? [v.bytes !== undefined ? formatBytes(v.bytes) : ''] : [])
    ])
  }
  rows.push(['total', formatMs(totalMs), '', ...(withBytes ? [''] : [])])
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i])))
          .join('  ')
          .trimEnd()
      )
      .join('\n') + '\n'
  )
}
