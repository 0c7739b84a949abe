// The engine's logger mapped onto the runner log: one flat group per phase (nested groups break
// folding, so an overlapping phase closes the open group first), progress lines at most every few
// seconds, warnings capped as annotations and the rest as plain lines. Phase spans are recorded
// for the timing chart.
import type { EngineLogger, ProgressEvent } from '../engine/types.js'
import type { PhaseSpan } from '../report/action-report.js'

export interface RunnerLog {
  debug(message: string): void
  info(message: string): void
  warning(message: string): void
  startGroup(name: string): void
  endGroup(): void
}

/**
 * Engine phases → the log group they belong to: the runner log gets one flat group per coarse
 * phase (fetch, plan, migrate, verify, push), even though the engine's fine phases repeat per
 * batch and overlap when pipelined.
 */
export const PHASE_GROUPS: Record<string, string> = {
  fetch: 'Fetch checkpoint refs',
  list: 'Plan',
  index: 'Plan',
  plan: 'Plan',
  readV1: 'Migrate',
  compact: 'Migrate',
  writeMain: 'Migrate',
  packFull: 'Migrate',
  updateRefs: 'Migrate',
  verify: 'Verify (re-read from git)',
  push: 'Push v2 refs'
}

/** Warnings shown as annotations before the rest go to the log only (GitHub shows 10 per step). */
export const WARNING_ANNOTATIONS = 8

export class EngineLogAdapter implements EngineLogger {
  private open: string | null = null
  private lastProgress = -Infinity
  private warnings = 0
  private readonly starts = new Map<string, number>()

  constructor(
    private readonly out: RunnerLog,
    /** ms since the start of the run (for spans). */
    private readonly clock: () => number,
    readonly spans: PhaseSpan[],
    private readonly progressEveryMs = 3000
  ) {}

  debug(m: string): void {
    this.out.debug(m)
  }
  info(m: string): void {
    this.out.info(m)
  }
  warn(m: string): void {
    if (++this.warnings <= WARNING_ANNOTATIONS) this.out.warning(m)
    else this.out.info(`warning: ${m}`)
  }
  error(m: string): void {
    // Per-checkpoint failures become capped annotations at the end (annotations.ts); here, log.
    this.out.info(`error: ${m}`)
  }

  progress(e: ProgressEvent): void {
    const now = this.clock()
    if (e.kind === 'phase') {
      if (e.state === 'start') {
        this.starts.set(e.phase, now)
        const title = PHASE_GROUPS[e.phase] ?? e.phase
        if (this.open !== title) this.group(title)
      } else {
        const start = this.starts.get(e.phase)
        if (start !== undefined) {
          this.spans.push({ phase: e.phase, startMs: start, endMs: now })
          this.starts.delete(e.phase)
        }
      }
      return
    }
    if (e.kind === 'checkpoints') {
      if (now - this.lastProgress < this.progressEveryMs && e.done < e.total) return
      this.lastProgress = now
      const pct = e.total > 0 ? ` (${((100 * e.done) / e.total).toFixed(0)} %)` : ''
      const rate = now > 0 ? `, ${(e.bytesRead / 1e6 / (now / 1000)).toFixed(1)} MB/s overall` : ''
      this.out.info(
        `checkpoints ${e.done}/${e.total}${pct}, ${(e.bytesRead / 1e6).toFixed(1)} MB read${rate}`
      )
      return
    }
    // 'batch' events: the engine logs each batch itself (info), nothing to add.
  }

  /** Open a flat group (closing any open one). */
  group(title: string): void {
    this.close()
    this.out.startGroup(title)
    this.open = title
  }

  close(): void {
    if (this.open !== null) {
      this.out.endGroup()
      this.open = null
    }
  }
}
