// One report from the segments of a run (settings.segment; launch/segments.ts runs each in a
// process of its own). Each segment reports only the checkpoints it processed, so outcomes and
// counts add up; the plan is the first segment's (the whole run's, before anything was written);
// a ref's change runs from its value before its first segment to its value after its last;
// verification is the last segment's. Pure.
import type { MigrationCounts, MigrationReport, RefChange } from './types.js'

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v
}

function sumCounts(all: readonly MigrationCounts[]): MigrationCounts {
  const out: MigrationCounts = {
    ...all[0],
    skippedByReason: {},
    failedByReason: {},
    fieldsDropped: {}
  }
  const added = [
    'migrated',
    'skipped',
    'failed',
    'repaired',
    'missingSessions',
    'compactionSkipped',
    'sessionsWritten'
  ] as const
  for (const k of added) out[k] = 0
  for (const c of all) {
    for (const k of added) out[k] += c[k]
    addInto(out.skippedByReason, c.skippedByReason)
    addInto(out.failedByReason, c.failedByReason)
    addInto(out.fieldsDropped, c.fieldsDropped)
  }
  // The first segment's total is every planned checkpoint; later ones count what was left.
  out.total = all[0].total
  return out
}

function mergeRefs(all: readonly RefChange[][]): RefChange[] {
  const byRef = new Map<string, RefChange>()
  for (const refs of all) {
    for (const r of refs) {
      const seen = byRef.get(r.ref)
      if (seen) seen.new = r.new
      else byRef.set(r.ref, { ...r })
    }
  }
  // A ref a later segment moved back to where it started did not change.
  return [...byRef.values()].filter((r) => r.old !== r.new)
}

/**
 * The report of the whole run from its segments' reports, in order (at least one). Timings are
 * left as the segments' sum; the caller, which timed the whole run, may replace them.
 */
export function mergeSegmentReports(reports: readonly MigrationReport[]): MigrationReport {
  if (reports.length === 0) throw new Error('internal: no segment reports to merge')
  const first = reports[0]
  const last = reports[reports.length - 1]
  const warnings: string[] = []
  const seen = new Set<string>()
  for (const r of reports) {
    // Each segment repeats the listing's warnings (it lists the same v1 tree): once each.
    const own = new Set<string>()
    for (const w of r.warnings) {
      if (seen.has(w) && !own.has(w)) continue
      own.add(w)
      warnings.push(w)
    }
    for (const w of own) seen.add(w)
  }
  const timings: MigrationReport['timings'] = {}
  for (const r of reports) {
    for (const [phase, t] of Object.entries(r.timings)) {
      const into = (timings[phase as keyof typeof timings] ??= { ms: 0 })
      into.ms = Math.round((into.ms + t.ms) * 10) / 10
      if (t.objects !== undefined) into.objects = (into.objects ?? 0) + t.objects
      if (t.bytes !== undefined) into.bytes = (into.bytes ?? 0) + t.bytes
    }
  }
  const merged: MigrationReport = {
    ...first,
    refs: mergeRefs(reports.map((r) => r.refs)),
    archivesCreated: reports.flatMap((r) => r.archivesCreated),
    batches: reports.reduce((a, r) => a + r.batches, 0),
    counts: sumCounts(reports.map((r) => r.counts)),
    outcomes: reports.flatMap((r) => r.outcomes),
    timings,
    totalMs: reports.reduce((a, r) => a + r.totalMs, 0),
    warnings
  }
  delete merged.resume
  delete merged.verify
  if (last.verify) merged.verify = last.verify
  if (last.resume) merged.resume = last.resume
  delete merged.peakRssMb
  if (reports.length > 1)
    merged.segments = reports.map((r) => ({
      checkpoints: r.outcomes.length,
      ms: r.totalMs,
      ...(r.peakRssMb !== undefined ? { peakRssMb: r.peakRssMb } : {})
    }))
  return merged
}
