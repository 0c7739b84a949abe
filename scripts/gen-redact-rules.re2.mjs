// Translates an RE2 (Go regexp/syntax) pattern into a JavaScript RegExp source for the `u` flag.
//
// Why a translator rather than copying the source: Go and JS disagree on enough details to change
// matches. The output never relies on JS flags other than `u`, so every RE2 flag is expanded in
// place:
// - (?i) anywhere (also scoped, and (?-i:...)): letters and classes are case-folded explicitly,
//   with Go's fold orbits (k/K/U+212A, s/S/U+017F).
// - (?s)/(?m): `.` becomes [^\n] or [^]; ^/$ become lookarounds on \n only.
// - \d \w \s are ASCII in RE2 (\s has no \v); \b is ASCII in both.
// - \A, \z, (?P<name>), [[:alpha:]], \Q...\E, \x{...}, \pL, literal `{` and `]` as first class item.
// Throws Error with a reason when a construct has no faithful translation.

const MAX_CP = 0x10ffff

function cpEsc(cp) {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCodePoint(cp)
  }
  if (cp === 0x5f) return '_'
  if (cp <= 0xff) return '\\x' + cp.toString(16).padStart(2, '0')
  return '\\u{' + cp.toString(16) + '}'
}

// Ranges: array of [lo, hi] inclusive, normalised (sorted, merged).
function normRanges(rs) {
  const s = rs.filter((r) => r[0] <= r[1]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const out = []
  for (const r of s) {
    const last = out[out.length - 1]
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1])
    else out.push([r[0], r[1]])
  }
  return out
}

function negateRanges(rs) {
  const n = normRanges(rs)
  const out = []
  let next = 0
  for (const [lo, hi] of n) {
    if (lo > next) out.push([next, lo - 1])
    next = hi + 1
  }
  if (next <= MAX_CP) out.push([next, MAX_CP])
  return out
}

// Go's simple case folding orbits for the characters that matter in ASCII patterns, plus a generic
// upper/lower for other letters.
const SPECIAL_FOLDS = new Map([
  [0x6b, [0x4b, 0x212a]],
  [0x4b, [0x6b, 0x212a]],
  [0x212a, [0x4b, 0x6b]],
  [0x73, [0x53, 0x17f]],
  [0x53, [0x73, 0x17f]],
  [0x17f, [0x53, 0x73]]
])

function foldsOf(cp) {
  if (SPECIAL_FOLDS.has(cp)) return SPECIAL_FOLDS.get(cp)
  if (cp >= 0x41 && cp <= 0x5a) return [cp + 32]
  if (cp >= 0x61 && cp <= 0x7a) return [cp - 32]
  if (cp < 0x80) return []
  const ch = String.fromCodePoint(cp)
  const out = new Set()
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    if ([...v].length === 1 && v.codePointAt(0) !== cp) out.add(v.codePointAt(0))
  }
  return [...out]
}

function foldRanges(rs) {
  const out = rs.map((r) => [r[0], r[1]])
  for (const [lo, hi] of rs) {
    // ASCII letters in bulk.
    const aLo = Math.max(lo, 0x41)
    const aHi = Math.min(hi, 0x5a)
    if (aLo <= aHi) out.push([aLo + 32, aHi + 32])
    const bLo = Math.max(lo, 0x61)
    const bHi = Math.min(hi, 0x7a)
    if (bLo <= bHi) out.push([bLo - 32, bHi - 32])
    for (const sp of [0x6b, 0x4b, 0x212a, 0x73, 0x53, 0x17f]) {
      if (sp >= lo && sp <= hi) for (const f of SPECIAL_FOLDS.get(sp)) out.push([f, f])
    }
    // Non-ASCII letters one by one, only for small ranges (large ranges are negations or
    // property-like spans where folding adds nothing visible to ASCII secrets).
    if (hi >= 0x80 && hi - lo < 512) {
      for (let c = Math.max(lo, 0x80); c <= hi; c++) for (const f of foldsOf(c)) out.push([f, f])
    }
  }
  return normRanges(out)
}

function rangesToClass(rs, extra = '') {
  const n = normRanges(rs)
  if (n.length === 1 && n[0][0] === 0 && n[0][1] === MAX_CP && !extra) return '[^]'
  if (n.length === 0 && !extra) return '[]'
  let s = '['
  for (const [lo, hi] of n) {
    s += cpEsc(lo)
    if (hi > lo) s += (hi > lo + 1 ? '-' : '') + cpEsc(hi)
  }
  return s + extra + ']'
}

const PERL = {
  d: [[0x30, 0x39]],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20]
  ],
  w: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a]
  ]
}

const POSIX = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a]
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a]
  ],
  ascii: [[0, 0x7f]],
  blank: [
    [9, 9],
    [32, 32]
  ],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f]
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e]
  ],
  space: [
    [9, 13],
    [32, 32]
  ],
  upper: [[0x41, 0x5a]],
  word: PERL.w,
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66]
  ]
}

const GENERAL_CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' '
  )
)

function propertyEscape(name, negated) {
  let n = name
  let neg = negated
  if (n.startsWith('^')) {
    neg = !neg
    n = n.slice(1)
  }
  const body = n === 'Any' ? null : GENERAL_CATEGORIES.has(n) ? n : `Script=${n}`
  if (body === null) return neg ? '[]' : '[^]'
  return `\\${neg ? 'P' : 'p'}{${body}}`
}

export function parseRe2(pattern) {
  let i = 0
  const p = pattern
  // AST: a group is {t:'group', capture, alts: node[][]}; the root is a non-capturing group.
  const root = { t: 'group', capture: false, root: true, alts: [[]] }
  let cur = root
  const seq = () => cur.alts[cur.alts.length - 1]
  const push = (n) => seq().push(n)
  // Flag stack: each group saves the flags in force when it opened.
  let flags = { i: false, m: false, s: false }
  const stack = []
  const open = (capture) => {
    stack.push({ flags, group: cur })
    const g = { t: 'group', capture, alts: [[]] }
    push(g)
    cur = g
  }

  const cpAt = (k) => p.codePointAt(k)
  const cpLen = (cp) => (cp > 0xffff ? 2 : 1)

  function parseFlags(str) {
    const f = { ...flags }
    let neg = false
    for (const c of str) {
      if (c === '-') {
        neg = true
        continue
      }
      if (c === 'i' || c === 'm' || c === 's') f[c] = !neg
      else if (c === 'U') throw new Error('ungreedy flag (?U) is not supported')
      else throw new Error(`unknown flag ${c}`)
    }
    return f
  }

  function readHex(k) {
    // at p[k] === 'x'
    if (p[k + 1] === '{') {
      const end = p.indexOf('}', k + 2)
      if (end < 0) throw new Error('bad \\x{')
      return { cp: parseInt(p.slice(k + 2, end), 16), next: end + 1 }
    }
    return { cp: parseInt(p.slice(k + 1, k + 3), 16), next: k + 3 }
  }

  // Parses an escape at p[k] === '\\'. Returns {kind:'cp', cp} | {kind:'ranges', ranges} |
  // {kind:'prop', src} | {kind:'assert', src} | {kind:'quote', text}.
  function parseEscape(k, inClass) {
    const c = p[k + 1]
    if (c === undefined) throw new Error('trailing backslash')
    const simple = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 }
    if (c in simple) return { kind: 'cp', cp: simple[c], next: k + 2 }
    if (c === 'x') {
      const h = readHex(k + 1)
      return { kind: 'cp', cp: h.cp, next: h.next }
    }
    if (c >= '0' && c <= '7') {
      let j = k + 1
      let v = ''
      while (j < p.length && v.length < 3 && p[j] >= '0' && p[j] <= '7') v += p[j++]
      return { kind: 'cp', cp: parseInt(v, 8), next: j }
    }
    const lower = c.toLowerCase()
    if (lower in PERL && (c === lower || c === c.toUpperCase())) {
      const base = PERL[lower]
      return { kind: 'ranges', ranges: c === lower ? base : negateRanges(base), next: k + 2 }
    }
    if (c === 'p' || c === 'P') {
      let name
      let next
      if (p[k + 2] === '{') {
        const end = p.indexOf('}', k + 3)
        name = p.slice(k + 3, end)
        next = end + 1
      } else {
        name = p[k + 2]
        next = k + 3
      }
      return { kind: 'prop', src: propertyEscape(name, c === 'P'), next }
    }
    if (!inClass) {
      if (c === 'b') return { kind: 'assert', src: '\\b', next: k + 2 }
      if (c === 'B') return { kind: 'assert', src: '\\B', next: k + 2 }
      if (c === 'A') return { kind: 'assert', src: '^', next: k + 2 }
      if (c === 'z') return { kind: 'assert', src: '$', next: k + 2 }
      if (c === 'Q') {
        const end = p.indexOf('\\E', k + 2)
        const text = end < 0 ? p.slice(k + 2) : p.slice(k + 2, end)
        return { kind: 'quote', text, next: end < 0 ? p.length : end + 2 }
      }
    }
    if (/[A-Za-z0-9]/.test(c)) throw new Error(`unsupported escape \\${c}`)
    const cp = cpAt(k + 1)
    return { kind: 'cp', cp, next: k + 1 + cpLen(cp) }
  }

  function literal(cp) {
    if (flags.i) {
      const f = foldsOf(cp)
      if (f.length) {
        return { t: 'lit', cp, src: rangesToClass([[cp, cp], ...f.map((x) => [x, x])]), units: 1 }
      }
    }
    return { t: 'lit', cp, src: cpEsc(cp), units: cp > 0xffff ? 2 : 1 }
  }
  const classNode = (src, ranges) => ({
    t: 'class',
    src,
    units: ranges === null || ranges.some((r) => r[1] > 0xffff) ? 2 : 1,
    // A class that is exactly one letter in its case variants ([Aa], [Kk\u212a]) acts as that
    // letter for anchor search, which is case-insensitive anyway.
    letter: ranges === null ? null : caseLetter(ranges)
  })

  function parseClass(k) {
    // p[k] === '['
    let j = k + 1
    let negated = false
    if (p[j] === '^') {
      negated = true
      j++
    }
    const ranges = []
    const props = []
    let first = true
    while (j < p.length && (p[j] !== ']' || first)) {
      first = false
      if (p.startsWith('[:', j)) {
        const end = p.indexOf(':]', j + 2)
        if (end > 0) {
          let name = p.slice(j + 2, end)
          let neg = false
          if (name.startsWith('^')) {
            neg = true
            name = name.slice(1)
          }
          if (!(name in POSIX)) throw new Error(`unknown POSIX class ${name}`)
          ranges.push(...(neg ? negateRanges(POSIX[name]) : POSIX[name]))
          j = end + 2
          continue
        }
      }
      let lo
      if (p[j] === '\\') {
        const e = parseEscape(j, true)
        j = e.next
        if (e.kind === 'ranges') {
          ranges.push(...e.ranges)
          continue
        }
        if (e.kind === 'prop') {
          props.push(e.src)
          continue
        }
        lo = e.cp
      } else {
        lo = cpAt(j)
        j += cpLen(lo)
      }
      if (p[j] === '-' && p[j + 1] !== ']' && j + 1 < p.length) {
        j++
        let hi
        if (p[j] === '\\') {
          const e = parseEscape(j, true)
          if (e.kind !== 'cp') throw new Error('bad class range')
          hi = e.cp
          j = e.next
        } else {
          hi = cpAt(j)
          j += cpLen(hi)
        }
        if (hi < lo) throw new Error('bad class range order')
        ranges.push([lo, hi])
      } else {
        ranges.push([lo, lo])
      }
    }
    if (p[j] !== ']') throw new Error('unterminated class')
    let rs = normRanges(ranges)
    if (flags.i) rs = foldRanges(rs)
    if (props.length) {
      if (flags.i) throw new Error('case-folded class with a Unicode property')
      const body = rangesToClass(rs, props.join('')).slice(1, -1)
      return { src: negated ? `[^${body}]` : `[${body}]`, ranges: null, next: j + 1 }
    }
    const fin = negated ? negateRanges(rs) : rs
    return { src: rangesToClass(fin), ranges: fin, next: j + 1 }
  }

  while (i < p.length) {
    const c = p[i]
    if (c === '(') {
      if (p[i + 1] === '?') {
        if (p[i + 2] === 'P' && p[i + 3] === '<') {
          open(true)
          i = p.indexOf('>', i + 4) + 1
          continue
        }
        if (p[i + 2] === '<') {
          open(true)
          i = p.indexOf('>', i + 3) + 1
          continue
        }
        let j = i + 2
        while (j < p.length && /[a-zA-Z-]/.test(p[j])) j++
        const fl = p.slice(i + 2, j)
        if (p[j] === ')') {
          flags = parseFlags(fl)
          i = j + 1
          continue
        }
        if (p[j] === ':') {
          open(false)
          flags = parseFlags(fl)
          i = j + 1
          continue
        }
        throw new Error(`unsupported group syntax at ${i}`)
      }
      open(true)
      i++
      continue
    }
    if (c === ')') {
      if (!stack.length) throw new Error('unbalanced )')
      const top = stack.pop()
      flags = top.flags
      cur = top.group
      i++
      continue
    }
    if (c === '|') {
      cur.alts.push([])
      i++
      continue
    }
    if (c === '*' || c === '+' || c === '?') {
      i++
      const lazy = p[i] === '?'
      if (lazy) i++
      const min = c === '+' ? 1 : 0
      const max = c === '?' ? 1 : Infinity
      quantify(min, max, c + (lazy ? '?' : ''), lazy)
      continue
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i))
      if (m) {
        if (+m[1] > 1000 || (m[3] && +m[3] > 1000)) throw new Error('repeat count > 1000')
        i += m[0].length
        const lazy = p[i] === '?'
        if (lazy) i++
        const min = +m[1]
        const max = m[2] === undefined ? min : m[3] === '' ? Infinity : +m[3]
        quantify(min, max, m[0] + (lazy ? '?' : ''), lazy)
        continue
      }
      push(literal(0x7b))
      i++
      continue
    }
    if (c === '[') {
      const r = parseClass(i)
      push(classNode(r.src, r.ranges))
      i = r.next
      continue
    }
    if (c === '.') {
      push(classNode(flags.s ? '[^]' : '[^\\n]', null))
      i++
      continue
    }
    if (c === '^') {
      push({ t: 'assert', src: flags.m ? '(?<![^\\n])' : '^' })
      i++
      continue
    }
    if (c === '$') {
      push({ t: 'assert', src: flags.m ? '(?![^\\n])' : '$' })
      i++
      continue
    }
    if (c === '\\') {
      const e = parseEscape(i, false)
      i = e.next
      if (e.kind === 'cp') push(literal(e.cp))
      else if (e.kind === 'ranges') {
        const rs = flags.i ? foldRanges(e.ranges) : e.ranges
        push(classNode(rangesToClass(rs), rs))
      } else if (e.kind === 'prop') {
        if (flags.i && !/^\\[pP]\{(L|N|Nd|Z|Zs|P|S|C|M|Script=\w+)\}$/.test(e.src))
          throw new Error('case-folded Unicode property')
        push(classNode(e.src, null))
      } else if (e.kind === 'assert') push({ t: 'assert', src: e.src })
      else if (e.kind === 'quote') for (const ch of e.text) push(literal(ch.codePointAt(0)))
      continue
    }
    const cp = cpAt(i)
    push(literal(cp))
    i += cpLen(cp)
  }
  if (stack.length) throw new Error('unbalanced (')
  return root

  function quantify(min, max, suffix, lazy) {
    const s = seq()
    const last = s.pop()
    if (!last || last.t === 'assert' || last.t === 'repeat')
      throw new Error('bad repetition operand')
    s.push({ t: 'repeat', node: last, min, max, lazy, suffix })
  }
}

export function emit(node) {
  switch (node.t) {
    case 'lit':
    case 'class':
    case 'assert':
      return node.src
    case 'repeat':
      // Literals, classes and groups all emit as one atom.
      return emit(node.node) + node.suffix
    case 'group': {
      const body = node.alts.map((a) => a.map(emit).join('')).join('|')
      if (node.root) return body
      return (node.capture ? '(' : '(?:') + body + ')'
    }
  }
  throw new Error('unknown node')
}

export function translateRe2(pattern) {
  const out = emit(parseRe2(pattern))
  new RegExp(out, 'u')
  return out
}

// ---------------------------------------------------------------------------------------------
// Anchors: a literal that every match contains, starting at most `maxOffset` UTF-16 units after
// the match start. The runtime then tries match starts only in [occurrence - maxOffset,
// occurrence], which finds exactly the matches a full scan finds, far faster on long text.

function caseLetter(ranges) {
  const cps = []
  for (const [lo, hi] of ranges) {
    if (hi - lo > 3) return null
    for (let c = lo; c <= hi; c++) cps.push(c)
  }
  const lower = cps.find((c) => c >= 0x61 && c <= 0x7a)
  if (lower === undefined) return null
  const orbit = new Set([lower, ...foldsOf(lower)])
  return cps.every((c) => orbit.has(c)) ? lower : null
}

const litCp = (n) => (n.t === 'lit' ? n.cp : n.t === 'class' && n.letter != null ? n.letter : null)

function maxUnits(node) {
  switch (node.t) {
    case 'lit':
    case 'class':
      return node.units
    case 'assert':
      return 0
    case 'repeat':
      return node.max === Infinity ? Infinity : node.max * maxUnits(node.node)
    case 'group':
      return Math.max(...node.alts.map((a) => a.reduce((n, x) => n + maxUnits(x), 0)))
  }
  throw new Error('unknown node')
}

// {offset, lits, score} or null. lits are matched case-insensitively with Go's folds at runtime,
// a superset of what the pattern accepts at that place.
function anchorOfSeq(seqNodes) {
  let prefix = 0
  const candidates = []
  for (let k = 0; k < seqNodes.length && prefix !== Infinity;) {
    const n = seqNodes[k]
    if (litCp(n) !== null) {
      let run = ''
      const start = prefix
      while (k < seqNodes.length && litCp(seqNodes[k]) !== null) {
        run += String.fromCodePoint(litCp(seqNodes[k]))
        prefix += seqNodes[k].units
        k++
      }
      candidates.push({ offset: start, lits: [run], score: run.length >= 3 ? 1 : 0 })
      continue
    }
    const a = anchorOf(n)
    if (a) candidates.push({ offset: prefix + a.offset, lits: a.lits, score: a.score })
    prefix += maxUnits(n)
    k++
  }
  if (!candidates.length) return null
  // Usable first, then the nearest to the start (smallest window), then the longest literal.
  const len = (c) => Math.min(...c.lits.map((l) => l.length))
  candidates.sort((x, y) => y.score - x.score || x.offset - y.offset || len(y) - len(x))
  return candidates[0]
}

function anchorOf(node) {
  if (node.t === 'repeat') return node.min >= 1 ? anchorOf(node.node) : null
  if (node.t === 'group') {
    const as = node.alts.map((a) => anchorOfSeq(a))
    if (as.some((a) => a === null)) return null
    const lits = [...new Set(as.flatMap((a) => a.lits))]
    // Alternatives of short literals still narrow the scan well; a lone short one does not.
    const score = Math.min(...as.map((a) => a.score)) || (lits.every((l) => l.length >= 2) ? 1 : 0)
    return { offset: Math.max(...as.map((a) => a.offset)), lits, score }
  }
  if (litCp(node) !== null)
    return { offset: 0, lits: [String.fromCodePoint(litCp(node))], score: 0 }
  return null
}

/** {lits, maxOffset} for the anchor of a pattern, or null. The runtime looks for the literals
 * in a lowercased copy of the text where U+017F and U+212A also become s and k, which finds
 * every place the pattern could match them (a superset). */
export function anchorFor(pattern) {
  const a = anchorOf(parseRe2(pattern))
  if (!a || a.score === 0 || a.offset === Infinity) return null
  const lits = a.lits.map((l) =>
    l
      .toLowerCase()
      .replace(/\u017f/g, 's')
      .replace(/\u212a/g, 'k')
  )
  if (lits.some((l) => [...l].some((ch) => ch.charCodeAt(0) > 0x7f))) return null
  return { lits: [...new Set(lits)], maxOffset: a.offset }
}
