// The action's logging seam: core in the action, a recorder in tests. Modules under src/action
// log through this instead of importing @actions/core, so they run (and are tested) without it.

export interface ActionLog {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
}

export const nullLog: ActionLog = {
  info: () => undefined,
  warning: () => undefined,
  debug: () => undefined
}

/** A log that records lines (tests). */
export function recordingLog(): ActionLog & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (m) => void lines.push(m),
    warning: (m) => void lines.push(`warning: ${m}`),
    debug: (m) => void lines.push(`debug: ${m}`)
  }
}
