// Phase timings: wall time per phase (overlapping calls of one phase count once), plus
// object/byte counters where meaningful. One object the CLI and the action render.
import type { PhaseName, PhaseTimerLike, PhaseTimings, EngineLogger } from './types.js'

interface Acc {
  ms: number
  objects?: number
  bytes?: number
  active: number
  since: number
}

export class PhaseTimer implements PhaseTimerLike {
  private readonly acc = new Map<PhaseName, Acc>()
  private readonly started = performance.now()

  constructor(private readonly logger?: EngineLogger) {}

  private get(phase: PhaseName): Acc {
    let a = this.acc.get(phase)
    if (!a) {
      a = { ms: 0, active: 0, since: 0 }
      this.acc.set(phase, a)
    }
    return a
  }

  start(phase: PhaseName): () => void {
    const a = this.get(phase)
    if (a.active++ === 0) {
      a.since = performance.now()
      this.logger?.progress?.({ kind: 'phase', phase, state: 'start' })
    }
    let done = false
    return () => {
      if (done) return
      done = true
      if (--a.active === 0) {
        a.ms += performance.now() - a.since
        this.logger?.progress?.({ kind: 'phase', phase, state: 'end' })
      }
    }
  }

  async time<T>(phase: PhaseName, fn: () => Promise<T>): Promise<T> {
    const stop = this.start(phase)
    try {
      return await fn()
    } finally {
      stop()
    }
  }

  timeSync<T>(phase: PhaseName, fn: () => T): T {
    const stop = this.start(phase)
    try {
      return fn()
    } finally {
      stop()
    }
  }

  add(phase: PhaseName, counters: { objects?: number; bytes?: number; ms?: number }): void {
    const a = this.get(phase)
    if (counters.objects !== undefined) a.objects = (a.objects ?? 0) + counters.objects
    if (counters.bytes !== undefined) a.bytes = (a.bytes ?? 0) + counters.bytes
    if (counters.ms !== undefined) a.ms += counters.ms
  }

  snapshot(): PhaseTimings {
    const out: PhaseTimings = {}
    const now = performance.now()
    for (const [phase, a] of this.acc) {
      const ms = a.ms + (a.active > 0 ? now - a.since : 0)
      out[phase] = { ms: Math.round(ms * 10) / 10 }
      if (a.objects !== undefined) out[phase]!.objects = a.objects
      if (a.bytes !== undefined) out[phase]!.bytes = a.bytes
    }
    return out
  }

  elapsedMs(): number {
    return Math.round((performance.now() - this.started) * 10) / 10
  }
}
