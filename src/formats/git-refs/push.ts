// Pure parts of pushing converted refs (git-refs-format.md §5.2, §9 item 11): plain `<ref>:<ref>`
// refspecs (never `+`, never a lease), adaptive batches, and the per-ref porcelain result.

/** ≤ 200 refs per push is the size the spec calls safe (later upstream versions chunk at 200). */
export const PUSH_BATCH_SIZE = 200

/**
 * Largest push the adaptive batching grows to. Every push re-reads all refs on both sides (the
 * remote advertises every ref it has, its connectivity check walks from all of them), so the cost
 * of a push grows with the refs already pushed: 10,000 refs in pushes of 200 take 50 pushes, each
 * up to a second against a local bare remote. Growing from the safe size while pushes succeed
 * takes 9 pushes; a push that fails as a whole is retried at the safe size.
 */
export const PUSH_BATCH_MAX = 2000

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

/** One shard's pattern (with its exclusions), or one explicit ref. */
interface PushUnit {
  shard: string | null
  refspecs: string[]
  refs: string[]
}

/**
 * Hands out the refs to push as pushes of at most `size` refs, the size chosen per push. Refs
 * travel as one non-forced pattern per shard (`refs/entire/checkpoints/3b/*:refs/entire/checkpoints/3b/*`),
 * with a negative refspec for every other local ref under that shard, so exactly the wanted refs
 * are pushed: git matches explicit refspecs against every local and remote ref with formatted rule
 * strings (quadratic in the number of refs), while a pattern is one prefix test per ref. A shard
 * holding more refs than the push may take is sent as explicit refspecs in chunks.
 */
export class PushBatcher {
  private readonly queue: PushUnit[] = []
  private readonly units = new WeakMap<PushBatch, PushUnit[]>()

  constructor(todo: readonly string[], localRefs: readonly string[]) {
    const wanted = new Set(todo)
    const byShard = new Map<string, string[]>()
    const explicit: PushUnit[] = []
    for (const ref of todo) {
      const shard = shardOfRef(ref)
      if (shard === null) explicit.push({ shard: null, refspecs: [pushRefspec(ref)], refs: [ref] })
      else {
        const list = byShard.get(shard)
        if (list) list.push(ref)
        else byShard.set(shard, [ref])
      }
    }
    const others = new Map<string, string[]>()
    for (const ref of localRefs) {
      if (wanted.has(ref)) continue
      const m = /^refs\/entire\/checkpoints\/([^/]+)\//.exec(ref)
      if (m && byShard.has(m[1])) others.set(m[1], [...(others.get(m[1]) ?? []), ref])
    }
    for (const [shard, refs] of [...byShard].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const prefix = `refs/entire/checkpoints/${shard}/`
      this.queue.push({
        shard,
        refspecs: [`${prefix}*:${prefix}*`, ...(others.get(shard) ?? []).map((r) => `^${r}`)],
        refs
      })
    }
    this.queue.push(...explicit)
  }

  /** Refs not handed out yet. */
  get remaining(): number {
    return this.queue.reduce((n, u) => n + u.refs.length, 0)
  }

  /** The next push of at most `size` refs (null when every ref was handed out). */
  next(size: number): PushBatch | null {
    if (size < 1) throw new Error(`batch size must be at least 1, got ${size}`)
    const taken: PushUnit[] = []
    let n = 0
    while (this.queue.length > 0) {
      const head = this.queue[0]
      if (head.shard !== null && head.refs.length > size) {
        // Too big for any push of this size: its refs go one refspec each.
        this.queue.splice(
          0,
          1,
          ...head.refs.map((ref) => ({ shard: null, refspecs: [pushRefspec(ref)], refs: [ref] }))
        )
        continue
      }
      if (n + head.refs.length > size) break
      taken.push(this.queue.shift() as PushUnit)
      n += head.refs.length
    }
    if (taken.length === 0) return null
    const batch = { refspecs: taken.flatMap((u) => u.refspecs), refs: taken.flatMap((u) => u.refs) }
    this.units.set(batch, taken)
    return batch
  }

  /** Give a batch's refs back, to be handed out first again (a push that failed as a whole). */
  putBack(batch: PushBatch): void {
    const units = this.units.get(batch)
    if (!units) throw new Error('internal: not a batch of this batcher')
    this.queue.unshift(...units)
  }
}

/** Every push at one fixed size (the adaptive push grows from the first size instead). */
export function planPushBatches(
  todo: readonly string[],
  localRefs: readonly string[],
  size: number = PUSH_BATCH_SIZE
): PushBatch[] {
  if (size < 1) throw new Error(`batch size must be at least 1, got ${size}`)
  const b = new PushBatcher(todo, localRefs)
  const out: PushBatch[] = []
  for (let x = b.next(size); x; x = b.next(size)) out.push(x)
  return out
}

/**
 * Size of the next push (spec §5.2: MAY batch; ≤ 200 is the safe size; later upstream versions
 * adapt the size and keep a time budget). A push in which the remote answered for every ref
 * (landed or rejected one by one) within `fastMs` doubles the size up to `max`; a slow one halves
 * it, never below the safe size; a push that failed as a whole is retried at the safe size.
 */
export function nextPushSize(
  current: number,
  outcome: { answered: boolean; ms: number },
  limits: { start: number; max: number; fastMs?: number; slowMs?: number }
): number {
  const fastMs = limits.fastMs ?? 10_000
  const slowMs = limits.slowMs ?? 30_000
  const floor = Math.min(limits.start, limits.max)
  if (!outcome.answered) return floor
  if (outcome.ms > slowMs) return Math.max(floor, Math.floor(current / 2))
  if (outcome.ms < fastMs) return Math.min(limits.max, current * 2)
  return current
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
