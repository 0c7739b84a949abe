// One error annotation per failed checkpoint, capped below GitHub's 10 per type per step (the
// rest silently vanish), leaving room for setFailed's own; the remainder is counted in one line.
import type { CheckpointOutcome } from '../engine/types.js'

/** Per-item annotations before the summarising one (spec §7.3: 8 + 1 + setFailed's = 10). */
export const ANNOTATION_CAP = 8

export interface AnnotationSink {
  error(message: string, props?: { title?: string; file?: string }): void
}

export function annotateFailures(
  outcomes: readonly CheckpointOutcome[],
  sink: AnnotationSink
): number {
  const failed = outcomes.filter((o) => o.status === 'failed')
  for (const o of failed.slice(0, ANNOTATION_CAP)) {
    const where = o.file ? ` (${o.file})` : ''
    sink.error(`${o.message ?? o.reason ?? 'failed'}${where}`, {
      title: `Checkpoint ${o.id} failed to migrate${o.reason ? `: ${o.reason}` : ''}`
    })
  }
  const rest = failed.length - ANNOTATION_CAP
  if (rest > 0) {
    sink.error(`… and ${rest} more failed checkpoint(s), see the job summary and the JSON report`, {
      title: `${failed.length} checkpoints failed to migrate`
    })
  }
  return failed.length
}
