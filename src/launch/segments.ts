// A long migration in segments, each in a fresh process with the tuning of tuning.ts: a
// process's resident size grows with the length of its run (heap and allocator fragmentation
// that no collection gives back), so a 10,000-checkpoint run peaked ~25-30 MB above a 2,500 one
// in one process. Each segment is the rerun of the one before, stopped at a batch boundary
// (engine settings.segment), and works under this process's repository lock; all of them share
// one clock reading and the pinned v1 commit, and hand on the offset cache (§7.3) and the digests
// of the v1 blobs read (for the verification in the last one), so the refs equal one run's.
// Orders go to the child in a file named by SEGMENT_ORDER_ENV; its report comes back in another,
// and the first one's plan list (the run's) in a third.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAgain, type ChildEnd } from './respawn.js'
import { mergeSegmentReports } from '../engine/segments.js'
import type {
  MigrationReport,
  PlannedCheckpoint,
  SegmentSettings,
  V1Snapshot
} from '../engine/types.js'

/** Set in a segment's environment: the file holding its order (SegmentOrder as JSON). */
export const SEGMENT_ORDER_ENV = 'ENTIRE_MIGRATE_SEGMENT_ORDER'

/** Most checkpoints (that read v1 blobs) per segment; 0 or `off`: the whole run in one. */
export const SEGMENT_SIZE_ENV = 'ENTIRE_MIGRATE_SEGMENT_CHECKPOINTS'

/**
 * Checkpoints per segment unless SEGMENT_SIZE_ENV says otherwise. A segment costs a process
 * start and planning the whole v1 tree again (~2-3 s at 10,000 checkpoints); runs of up to this
 * many take one, and longer ones as few as the limit allows, split evenly.
 */
export const DEFAULT_SEGMENT_CHECKPOINTS = 2_500

type Env = Readonly<Record<string, string | undefined>>

/** The limit SEGMENT_SIZE_ENV sets (undefined: no limit); an Error for a value that is not one. */
export function segmentLimit(env: Env): number | undefined | Error {
  const v = (env[SEGMENT_SIZE_ENV] ?? '').trim()
  if (v === '') return DEFAULT_SEGMENT_CHECKPOINTS
  if (v === '0' || v === 'off') return undefined
  if (/^\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v)
  return new Error(
    `${SEGMENT_SIZE_ENV}: expected a number of checkpoints, or 0/off, got ${JSON.stringify(v)}`
  )
}

/** What a segment is told: its part of the run and what the run has fixed for all of them. */
export interface SegmentOrder {
  /** The process holding the repository lock (the segment checks it, never takes one). */
  parentPid: number
  /** The run's clock reading (ISO 8601, milliseconds). */
  now: string
  /** The pinned v1 commit. */
  v1Commit: string
  knownRemoteArchives: number[]
  segment: Omit<SegmentSettings, 'v1Sha256'>
  /** Binary digest records (BlobDigests): read at the start if present, written at the end. */
  digestsFile: string
  /** Where the segment writes its report (JSON). */
  reportFile: string
  /**
   * The first segment's only: where it writes its plan's per-checkpoint list (JSON), which is
   * the run's plan. Later segments plan only what is left, and their lists are not kept.
   */
  planFile?: string
}

/** The order of this process when it runs as a segment; null otherwise. */
export function segmentOrder(env: Env): SegmentOrder | null {
  const file = env[SEGMENT_ORDER_ENV]
  if (!file) return null
  return JSON.parse(readFileSync(file, 'utf8')) as SegmentOrder
}

/**
 * The segment's engine settings, with the digest records of the earlier segments (none for the
 * first). Moved out of the order, not copied: the engine drops the large parts once it took
 * them, and the order, which its caller holds for the whole segment, must not keep them either.
 */
export function takeSegmentSettings(order: SegmentOrder): SegmentSettings {
  const digests = existsSync(order.digestsFile) ? readFileSync(order.digestsFile) : undefined
  const settings: SegmentSettings = { ...order.segment, ...(digests ? { v1Sha256: digests } : {}) }
  order.segment = {}
  return settings
}

/**
 * The segment's sink for its plan's per-checkpoint list (engine RunOptions.planSink): written to
 * the order's plan file, or dropped, so the segment does not hold it through its write.
 */
export function planSinkFor(order: SegmentOrder): (checkpoints: PlannedCheckpoint[]) => void {
  return (checkpoints) => {
    if (order.planFile) writeFileSync(order.planFile, JSON.stringify(checkpoints))
  }
}

/** Hand the segment's report back (its digests to their own file, the rest as JSON). */
export function writeSegmentReport(order: SegmentOrder, report: MigrationReport): void {
  if (report.resume?.v1Sha256) {
    writeFileSync(order.digestsFile, report.resume.v1Sha256)
    delete report.resume.v1Sha256
  }
  writeFileSync(order.reportFile, JSON.stringify(report))
}

export interface SegmentedRun {
  script: string
  env: Record<string, string | undefined>
  now: Date
  v1: V1Snapshot
  knownRemoteArchives: number[]
  limit: number | undefined
  /** Called as each segment ends (for progress in the log). */
  onSegment?: (index: number, report: MigrationReport) => void
}

/**
 * Run the segments one after another until one reaches the end; the merged report, or how the
 * first segment that did not end normally ended (what earlier ones wrote stays: a rerun goes on).
 */
export async function runSegments(
  run: SegmentedRun
): Promise<{ report: MigrationReport } | { failed: ChildEnd; index: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'entire-migrate-segments-'))
  try {
    const reports: MigrationReport[] = []
    const planFile = join(dir, 'plan.json')
    let segment: SegmentOrder['segment'] = { ...limitOf(run.limit) }
    for (;;) {
      const index = reports.length + 1
      const order: SegmentOrder = {
        parentPid: process.pid,
        now: run.now.toISOString(),
        v1Commit: run.v1.commit,
        knownRemoteArchives: run.knownRemoteArchives,
        segment,
        digestsFile: join(dir, 'v1-digests'),
        reportFile: join(dir, `report-${index}.json`),
        ...(index === 1 ? { planFile } : {})
      }
      const orderFile = join(dir, `order-${index}.json`)
      writeFileSync(orderFile, JSON.stringify(order))
      const end = await runAgain(run.script, { ...run.env, [SEGMENT_ORDER_ENV]: orderFile })
      if (end.code !== 0 || end.signal !== null || !existsSync(order.reportFile))
        return { failed: end, index }
      const report = JSON.parse(readFileSync(order.reportFile, 'utf8')) as MigrationReport
      reports.push(report)
      run.onSegment?.(index, report)
      if (!report.resume) break
      const { ids, before, offsets } = report.resume
      segment = { ids, before, offsets, ...limitOf(run.limit) }
      delete report.resume
    }
    const merged = mergeSegmentReports(reports)
    merged.v1 = run.v1
    if (existsSync(planFile))
      merged.plan.checkpoints = JSON.parse(readFileSync(planFile, 'utf8')) as PlannedCheckpoint[]
    return { report: merged }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function limitOf(limit: number | undefined): { limit?: number } {
  return limit === undefined ? {} : { limit }
}
