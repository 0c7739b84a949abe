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

/** Shard of a checkpoint ref name (`refs/entire/checkpoints/<shard>/<leaf>`), or null. */
function shardOfRef(ref: string): string | null {
  const m = /^refs\/entire\/checkpoints\/([0-9A-Za-z]{2})\/[0-9A-Za-z]+$/.exec(ref)
  return m ? m[1] : null
}

export interface PushBatch {
  /** Refspecs of one `git push`: shard patterns with negative refspecs, or explicit `<ref>:<ref>`. */
  refspecs: string[]
  /** The refs this push is meant to move (results are read for these only). */
  refs: string[]
}

/**
 * Group the refs to push into pushes of at most `size` refs. Refs travel as one non-forced pattern
 * per shard (`refs/entire/checkpoints/3b/*:refs/entire/checkpoints/3b/*`), with a negative refspec
 * for every other local ref under that shard, so exactly the wanted refs are pushed: git matches
 * explicit refspecs against every local and remote ref with formatted rule strings (quadratic in
 * the number of refs), while a pattern is one prefix test per ref. A shard holding more than
 * `size` refs to push is sent as explicit refspecs in chunks.
 */
export function planPushBatches(
  todo: readonly string[],
  localRefs: readonly string[],
  size: number = PUSH_BATCH_SIZE
): PushBatch[] {
  if (size < 1) throw new Error(`batch size must be at least 1, got ${size}`)
  const wanted = new Set(todo)
  const byShard = new Map<string, string[]>()
  const explicit: string[] = []
  for (const ref of todo) {
    const shard = shardOfRef(ref)
    if (shard === null) explicit.push(ref)
    else byShard.set(shard, [...(byShard.get(shard) ?? []), ref])
  }
  const others = new Map<string, string[]>()
  for (const ref of localRefs) {
    if (wanted.has(ref)) continue
    const m = /^refs\/entire\/checkpoints\/([^/]+)\//.exec(ref)
    if (m && byShard.has(m[1])) others.set(m[1], [...(others.get(m[1]) ?? []), ref])
  }
  const out: PushBatch[] = []
  let cur: PushBatch = { refspecs: [], refs: [] }
  const flush = () => {
    if (cur.refs.length > 0) out.push(cur)
    cur = { refspecs: [], refs: [] }
  }
  for (const [shard, refs] of [...byShard].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (refs.length > size) {
      explicit.push(...refs)
      continue
    }
    if (cur.refs.length + refs.length > size) flush()
    const prefix = `refs/entire/checkpoints/${shard}/`
    cur.refspecs.push(`${prefix}*:${prefix}*`, ...(others.get(shard) ?? []).map((r) => `^${r}`))
    cur.refs.push(...refs)
  }
  flush()
  for (const chunk of batches(explicit, size)) {
    out.push({ refspecs: chunk.map(pushRefspec), refs: chunk })
  }
  return out
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
