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

/** The text plus a lazily built lowercased copy of the same length for anchor search. */
export class Text {
  private lowered: string | undefined
  constructor(readonly s: string) {}

  /** Lowercase where U+017F and U+212A become s and k: every spelling a case-folded literal
   * accepts becomes the plain lowercase literal. Same length as s. */
  get lower(): string {
    if (this.lowered === undefined) {
      let l = this.s.toLowerCase()
      if (l.length !== this.s.length) l = this.s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
      if (l.includes('\u017f')) l = l.replaceAll('\u017f', 's')
      if (l.includes('\u212a')) l = l.replaceAll('\u212a', 'k')
      this.lowered = l
    }
    return this.lowered
  }
}

/** Below this length a plain scan is cheaper than building windows. */
const SMALL = 4096

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
    return this.findInWindows(s, anchorWindows(this.anchor, t.lower))
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

function anchorWindows(anchor: Anchor, lower: string): [number, number][] {
  const found: number[] = []
  for (const lit of anchor.lits) {
    for (let q = lower.indexOf(lit); q >= 0; q = lower.indexOf(lit, q + 1)) found.push(q)
  }
  const hits = Int32Array.from(found)
  if (anchor.lits.length > 1) hits.sort()
  const windows: [number, number][] = []
  for (const q of hits) {
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

/** Aho-Corasick over ASCII, case-insensitive for A-Z like betterleaks' lowercased prefilter. */
export class KeywordMatcher {
  private readonly next: Int32Array
  private readonly out: number[][]

  constructor(keywords: string[]) {
    const goto: Map<number, number>[] = [new Map()]
    const out: number[][] = [[]]
    keywords.forEach((k, idx) => {
      let st = 0
      for (let i = 0; i < k.length; i++) {
        const c = k.charCodeAt(i)
        if (c >= 128) throw new Error(`non-ASCII keyword ${k}`)
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
    while (queue.length) {
      const st = queue.shift()!
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
    this.next = next
    this.out = out
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
