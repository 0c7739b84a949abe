// Accumulates check outcomes for one checkpoint (or for the run) and keeps the per-check counts.
import type {
  CheckCount,
  CheckFailure,
  CheckName,
  CheckpointVerification,
  DroppedField,
  VerifyNote
} from './types.js'

export class Tally {
  readonly byCheck: Record<string, CheckCount> = {}

  count(check: CheckName, ok: boolean): void {
    const c = (this.byCheck[check] ??= { passed: 0, failed: 0 })
    if (ok) c.passed++
    else c.failed++
  }

  /** Add another tally's counts (a checkpoint checked on a scratch tally). */
  merge(other: Tally): void {
    for (const [check, c] of Object.entries(other.byCheck)) {
      const into = (this.byCheck[check] ??= { passed: 0, failed: 0 })
      into.passed += c.passed
      into.failed += c.failed
    }
  }
}

export class CheckpointRecord {
  readonly v: CheckpointVerification

  constructor(
    private readonly tally: Tally,
    id: string
  ) {
    this.v = {
      id,
      verdict: 'ok',
      v1Sessions: 0,
      v2Slots: 0,
      slots: [],
      fullRefs: [],
      checksPassed: 0,
      checksFailed: 0,
      failures: [],
      notes: [],
      dropped: []
    }
  }

  pass(check: CheckName): void {
    this.v.checksPassed++
    this.tally.count(check, true)
  }

  fail(f: Omit<CheckFailure, 'checkpointId'>): void {
    this.v.checksFailed++
    this.tally.count(f.check, false)
    this.v.failures.push({ checkpointId: this.v.id, ...f })
  }

  /** Record one check: pass when ok, else the failure. */
  check(ok: boolean, f: Omit<CheckFailure, 'checkpointId'>): boolean {
    if (ok) this.pass(f.check)
    else this.fail(f)
    return ok
  }

  note(n: Omit<VerifyNote, 'checkpointId'>): void {
    this.v.notes.push({ checkpointId: this.v.id, ...n })
  }

  drop(d: DroppedField): void {
    this.v.dropped.push(d)
  }
}

/** 1-based line and the two lines where `a` and `b` first differ (undefined when equal). */
export function firstDifference(
  a: Buffer,
  b: Buffer
): { line: number; offset: number; left: string; right: string } | undefined {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a[i] === b[i]) i++
  if (i === n && a.length === b.length) return undefined
  let line = 1
  let lineStart = 0
  for (let k = 0; k < i; k++) {
    if (a[k] === 10) {
      line++
      lineStart = k + 1
    }
  }
  const lineOf = (buf: Buffer): string => {
    const end = buf.indexOf(10, lineStart)
    return clip(buf.subarray(lineStart, end < 0 ? buf.length : end).toString('utf8'))
  }
  return { line, offset: i, left: lineOf(a), right: lineOf(b) }
}

/** Shorten long values for the report. */
export function clip(s: string, max = 300): string {
  return s.length > max ? s.slice(0, max) + `… (${s.length} chars)` : s
}
