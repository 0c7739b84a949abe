// Pure parts of pushing converted refs (git-refs-format.md §5.2, §9 item 11): plain `<ref>:<ref>`
// refspecs (never `+`, never a lease), batches, and the per-ref porcelain result.

/** ≤ 200 refs per push is the size the spec calls safe (later upstream versions chunk at 200). */
export const PUSH_BATCH_SIZE = 200

/** Fast-forward-only refspec. Refuses anything that is not a checkpoint-style ref name. */
export function pushRefspec(ref: string): string {
  if (!ref.startsWith('refs/') || /[\s:+^~?*[\\]/.test(ref))
    throw new Error(`refusing to push ref ${JSON.stringify(ref)}`)
  return `${ref}:${ref}`
}

export function batches<T>(items: T[], size: number): T[][] {
  if (size < 1) throw new Error(`batch size must be at least 1, got ${size}`)
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export type PushRefStatus =
  /** New on the remote, fast-forwarded, or already there. */
  | 'ok'
  /** Remote has something else: non-fast-forward or stale (someone moved it). */
  | 'rejected'
  /** Remote refused it: a hook or a server policy other than a ruleset. */
  | 'remote-rejected'
  /** A repository rule / ruleset refused it (GitHub GH013 and similar). */
  | 'ruleset'
  /** The push did not complete (connection, authentication, remote unreachable). */
  | 'network'
  /** Push said ok but ls-remote does not show the local id. */
  | 'unconfirmed'

export interface PorcelainLine {
  flag: string
  from: string
  to: string
  summary: string
  reason: string
}

/**
 * Parse `git push --porcelain` output: per-ref lines `<flag>\t<from>:<to>\t<summary>[ (<reason>)]`
 * between `To <url>` and `Done`.
 */
export function parsePorcelain(stdout: string): PorcelainLine[] {
  const out: PorcelainLine[] = []
  for (const line of stdout.split('\n')) {
    const m = /^([ +\-*!=])\t([^\t]*)\t(.*)$/.exec(line)
    if (!m) continue
    const colon = m[2].indexOf(':')
    const rest = m[3]
    const r = /^(.*?)(?: \((.*)\))?$/.exec(rest) as RegExpExecArray
    out.push({
      flag: m[1],
      from: colon < 0 ? m[2] : m[2].slice(0, colon),
      to: colon < 0 ? m[2] : m[2].slice(colon + 1),
      summary: r[1],
      reason: r[2] ?? ''
    })
  }
  return out
}

const RULESET = /rule|GH013|protected|policy/i

/** Classify one porcelain line. */
export function classifyPorcelain(line: PorcelainLine): { status: PushRefStatus; detail: string } {
  const detail = line.reason ? `${line.summary} (${line.reason})` : line.summary
  if (line.flag === ' ' || line.flag === '*' || line.flag === '=') return { status: 'ok', detail }
  if (line.flag === '!') {
    if (/remote rejected/.test(line.summary))
      return { status: RULESET.test(line.reason) ? 'ruleset' : 'remote-rejected', detail }
    if (
      /rejected/.test(line.summary) &&
      /fetch first|non-fast-forward|stale info|already exists/.test(line.reason)
    ) {
      return { status: 'rejected', detail }
    }
    if (/remote failure/.test(line.summary)) return { status: 'network', detail }
    return { status: 'rejected', detail }
  }
  // '+' (forced) and '-' (deleted) never come from our refspecs.
  return {
    status: 'rejected',
    detail: `unexpected push result ${JSON.stringify(line.flag)}: ${detail}`
  }
}

/** A ruleset message on stderr (GitHub reports repository rule violations there too). */
export function stderrMentionsRuleset(stderr: string): boolean {
  return /repository rule violations|GH013|ruleset/i.test(stderr)
}

/** Parse `git ls-remote` output into ref → id (peeled `^{}` lines ignored). */
export function parseLsRemote(stdout: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const m = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line)
    if (m && !m[2].endsWith('^{}')) out.set(m[2], m[1])
  }
  return out
}
