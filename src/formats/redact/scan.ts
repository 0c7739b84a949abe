// Go regexp FindAll semantics over JS regexes, with two exact speed-ups for long text:
// - anchored scan: when every match contains an anchor literal at most `maxOffset` code units
//   after its start (proved by the generator from the pattern), match starts are tried only in
//   [occurrence - maxOffset, occurrence]; the leftmost match found this way is the leftmost match.
// - window scan: the caller supplies candidate start windows (used for `…[class]*=` prefixes).

export interface Anchor {
  /** Lowercase ASCII literals, one of which every match contains. */
  lits: string[]
  maxOffset: number
}

/** Below this length a plain scan is cheaper than building windows. */
export const SMALL = 4096

/**
 * One Aho-Corasick pass over a text finds both the betterleaks keywords present (ASCII case-
 * insensitive, as Go lowercases ASCII bytes) and the start positions of every anchor literal.
 * Anchor search also reads U+017F as s and U+212A as k, which case-folded patterns accept; when
 * the text holds either, keyword presence is recomputed strictly (Go does not fold them).
 */
export class LiteralIndex {
  private readonly next: Int32Array
  private readonly out: Int32Array[]
  private readonly litIds = new Map<string, number>()
  readonly strictKeywords: KeywordMatcher

  constructor(
    readonly keywords: string[],
    lits: string[]
  ) {
    const patterns = [...keywords]
    for (const l of lits) {
      if (!this.litIds.has(l)) {
        this.litIds.set(l, patterns.length)
        patterns.push(l)
      }
    }
    const built = buildAutomaton(patterns)
    this.next = built.next
    this.out = built.out.map((o) => Int32Array.from(o))
    this.strictKeywords = new KeywordMatcher(keywords)
  }

  /** Keywords present (indices into `keywords`) and, when wanted, anchor positions by literal. */
  scan(s: string, positions: boolean): { keywords: Set<number>; lits: Map<string, number[]> } {
    const nk = this.keywords.length
    const found = new Set<number>()
    const pos: number[][] = []
    const next = this.next
    const out = this.out
    let folded = false
    let st = 0
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i)
      if (c >= 128) {
        if (c === 0x17f) c = 0x73
        else if (c === 0x212a) c = 0x6b
        else {
          st = 0
          continue
        }
        folded = true
      }
      st = next[st * 128 + c]
      const o = out[st]
      for (let k = 0; k < o.length; k++) {
        const id = o[k]
        if (id < nk) found.add(id)
        else if (positions) (pos[id] ??= []).push(i)
      }
    }
    const lits = new Map<string, number[]>()
    if (positions) {
      for (const [lit, id] of this.litIds) {
        // Positions were recorded at the literal's last character.
        lits.set(
          lit,
          (pos[id] ?? []).map((e) => e - lit.length + 1)
        )
      }
    }
    return { keywords: folded ? this.strictKeywords.present(s) : found, lits }
  }
}

/** A string being redacted, with its literal scan done once and shared by all scanners. */
export class Text {
  private scanned: { keywords: Set<number>; lits: Map<string, number[]> } | undefined
  constructor(
    readonly s: string,
    private readonly index: LiteralIndex
  ) {}

  private result(): { keywords: Set<number>; lits: Map<string, number[]> } {
    this.scanned ??= this.index.scan(this.s, this.s.length >= SMALL)
    return this.scanned
  }

  keywordsPresent(): Set<number> {
    return this.result().keywords
  }

  /** Start positions of an anchor literal (texts of at least SMALL code units). */
  positions(lit: string): number[] {
    const p = this.result().lits.get(lit)
    if (!p) throw new Error(`literal ${lit} is not indexed`)
    return p
  }
}

export class Scanner {
  private readonly global: RegExp
  private readonly sticky: RegExp
  private readonly anchor: Anchor | null

  constructor(source: string, anchor: Anchor | null, indices = false) {
    const d = indices ? 'd' : ''
    this.global = new RegExp(source, 'gu' + d)
    this.sticky = new RegExp(source, 'yu' + d)
    this.anchor = anchor
  }

  findAll(t: Text): RegExpExecArray[] {
    const s = t.s
    if (this.anchor === null || s.length < SMALL) return fullScan(this.global, s)
    return this.findInWindows(s, anchorWindows(this.anchor, t))
  }

  /** FindAll restricted to match starts inside the given sorted, disjoint, inclusive windows. */
  findInWindows(s: string, windows: [number, number][]): RegExpExecArray[] {
    const out: RegExpExecArray[] = []
    let pos = 0
    let prevEnd = -1
    for (const [a, b] of windows) {
      for (let p = Math.max(a, pos); p <= b && p <= s.length; p++) {
        if (p > 0 && isLowSurrogate(s.charCodeAt(p)) && isHighSurrogate(s.charCodeAt(p - 1)))
          continue
        this.sticky.lastIndex = p
        const m = this.sticky.exec(s)
        if (!m) continue
        const end = p + m[0].length
        if (end === p) {
          if (p !== prevEnd) out.push(m)
          pos = p + 1
        } else {
          out.push(m)
          pos = end
          p = end - 1
        }
        prevEnd = end
      }
    }
    return out
  }
}

function isHighSurrogate(u: number): boolean {
  return u >= 0xd800 && u <= 0xdbff
}
function isLowSurrogate(u: number): boolean {
  return u >= 0xdc00 && u <= 0xdfff
}

/** Go's FindAllStringIndex over a global JS regex. */
export function fullScan(re: RegExp, s: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = []
  let pos = 0
  let prevEnd = -1
  while (pos <= s.length) {
    re.lastIndex = pos
    const m = re.exec(s)
    if (!m) break
    const start = m.index
    const end = start + m[0].length
    if (end === start) {
      // An empty match right after the previous match is not reported.
      if (start !== prevEnd) out.push(m)
      const cp = s.codePointAt(start)
      pos = start + (cp !== undefined && cp > 0xffff ? 2 : 1)
    } else {
      out.push(m)
      pos = end
    }
    prevEnd = end
  }
  return out
}

function anchorWindows(anchor: Anchor, t: Text): [number, number][] {
  let hits: ArrayLike<number>
  if (anchor.lits.length === 1) hits = t.positions(anchor.lits[0])
  else {
    const all = Int32Array.from(anchor.lits.flatMap((l) => t.positions(l)))
    all.sort()
    hits = all
  }
  const windows: [number, number][] = []
  for (let k = 0; k < hits.length; k++) {
    const q = hits[k]
    const a = Math.max(0, q - anchor.maxOffset)
    const last = windows[windows.length - 1]
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], q)
    else windows.push([a, q])
  }
  return windows
}

/** Windows of starts for patterns shaped `\b[first][run]*<literal>…` where `literal` is not in
 * `run`: a match must start inside the run of `run` characters that ends right at a literal. */
export function runBeforeWindows(
  s: string,
  literal: string,
  inRun: (c: number) => boolean
): [number, number][] {
  const windows: [number, number][] = []
  for (let q = s.indexOf(literal); q >= 0; q = s.indexOf(literal, q + 1)) {
    let a = q
    while (a > 0 && inRun(s.charCodeAt(a - 1))) a--
    if (a === q) continue
    const last = windows[windows.length - 1]
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], q - 1)
    else windows.push([a, q - 1])
  }
  return windows
}

function buildAutomaton(patterns: string[]): { next: Int32Array; out: number[][] } {
  const goto: Map<number, number>[] = [new Map()]
  const out: number[][] = [[]]
  patterns.forEach((k, idx) => {
    let st = 0
    for (let i = 0; i < k.length; i++) {
      const c = k.charCodeAt(i)
      if (c >= 128) throw new Error(`non-ASCII literal ${k}`)
      let nx = goto[st].get(c)
      if (nx === undefined) {
        nx = goto.length
        goto.push(new Map())
        out.push([])
        goto[st].set(c, nx)
      }
      st = nx
    }
    out[st].push(idx)
  })
  const n = goto.length
  const next = new Int32Array(n * 128)
  const fail = new Int32Array(n)
  const queue: number[] = []
  for (let c = 0; c < 128; c++) {
    const t = goto[0].get(c)
    next[c] = t ?? 0
    if (t !== undefined) queue.push(t)
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const st = queue[qi]
    out[st] = out[st].concat(out[fail[st]])
    for (let c = 0; c < 128; c++) {
      const t = goto[st].get(c)
      if (t !== undefined) {
        fail[t] = next[fail[st] * 128 + c]
        next[st * 128 + c] = t
        queue.push(t)
      } else next[st * 128 + c] = next[fail[st] * 128 + c]
    }
  }
  // Upper-case letters behave as their lower-case forms.
  for (let st = 0; st < n; st++) {
    for (let c = 65; c <= 90; c++) next[st * 128 + c] = next[st * 128 + c + 32]
  }
  return { next, out }
}

/** Aho-Corasick over ASCII, case-insensitive for A-Z like betterleaks' lowercased prefilter. */
export class KeywordMatcher {
  private readonly next: Int32Array
  private readonly out: number[][]

  constructor(keywords: string[]) {
    const built = buildAutomaton(keywords)
    this.next = built.next
    this.out = built.out
  }

  /** Indices of the keywords occurring in s. */
  present(s: string): Set<number> {
    const found = new Set<number>()
    const next = this.next
    const out = this.out
    let st = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      st = c < 128 ? next[st * 128 + c] : 0
      const o = out[st]
      if (o.length) for (const k of o) found.add(k)
    }
    return found
  }
}
