// The fast paths of the redactor must find exactly what a plain left-to-right scan finds.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import {
  REFERENCE_ANCHORS,
  REFERENCE_REGEXES,
  RULE_PACK
} from '../src/formats/redact/rules.generated.js'
import { fullScan, KeywordMatcher, runBeforeWindows, Scanner } from '../src/formats/redact/scan.js'
import { newText } from '../src/formats/redact/detector.js'

const examples = JSON.parse(
  readFileSync(new URL('./fixtures/redact/upstream-examples.json', import.meta.url), 'utf8')
) as { examples: Record<string, { tps: string[]; fps: string[] }> }
const golden = JSON.parse(
  readFileSync(new URL('./fixtures/redact/reference-string-cases.json', import.meta.url), 'utf8')
) as { cases: { input: string }[] }

// Deterministic pseudo-random filler with case variants, folds (U+017F, U+212A), astral
// characters and separators, so windows start and end in awkward places.
function filler(seed: number, n: number): string {
  const parts = [
    ' ',
    '\n',
    '=',
    ';',
    ':',
    '"',
    "'",
    '-',
    '_',
    'a',
    'Z',
    '9',
    'ſ',
    'K',
    '😀',
    'é',
    '\\'
  ]
  let x = seed
  let out = ''
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    out += parts[x % parts.length]
  }
  return out
}

// A third of the upstream examples (rotating which third per rule) keeps the slow reference scans
// of the test affordable while every rule still sees positives of its own and of others.
const samples: string[] = []
Object.values(examples.examples).forEach((ex, r) => {
  samples.push(...[...ex.tps, ...ex.fps].filter((_, i) => (i + r) % 3 === 0))
})
for (const c of golden.cases) samples.push(c.input)
// Upper-cased and fold-spelled copies exercise the case-insensitive anchor search.
const variants = samples.flatMap((s, i) =>
  i % 7 === 0 ? [s.toUpperCase(), s.replace(/s/g, 'ſ').replace(/k/g, 'K')] : []
)
let corpus = ''
;[...samples, ...variants].forEach((s, i) => {
  corpus += s + filler(i, (i * 37) % 23)
})
const text = newText(corpus)

function positions(ms: RegExpExecArray[]): [number, number][] {
  return ms.map((m) => [m.index, m.index + m[0].length])
}

describe('anchored scans equal full scans', () => {
  test('the sample text is long enough to use windows', () => {
    expect(corpus.length).toBeGreaterThan(20_000)
  })
  const anchored = RULE_PACK.rules.filter((r) => r.regex !== null && r.anchor !== null)
  test.each(anchored.map((r) => [r.id, r] as const))('%s', (_id, r) => {
    const fast = new Scanner(r.regex!, r.anchor).findAll(text)
    const slow = fullScan(new RegExp(r.regex!, 'gu'), corpus)
    expect(positions(fast)).toEqual(positions(slow))
  })
  test.each(
    (Object.keys(REFERENCE_ANCHORS) as (keyof typeof REFERENCE_ANCHORS)[])
      .filter((k) => REFERENCE_ANCHORS[k] !== null)
      .map((k) => [k])
  )('reference pattern %s', (k) => {
    const fast = new Scanner(REFERENCE_REGEXES[k], REFERENCE_ANCHORS[k]).findAll(text)
    const slow = fullScan(new RegExp(REFERENCE_REGEXES[k], 'gu'), corpus)
    expect(positions(fast)).toEqual(positions(slow))
  })
})

describe('run-before-= windows equal full scans', () => {
  const key = (c: number): boolean =>
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x17f ||
    c === 0x212a
  test.each([
    ['keywordDSN', REFERENCE_REGEXES.keywordDSN, key],
    [
      'semicolonConn',
      REFERENCE_REGEXES.semicolonConn,
      (c: number): boolean => key(c) || c === 0x20 || c === 0x2d
    ]
  ] as const)('%s', (_n, src, inRun) => {
    const s = new Scanner(src, null)
    const fast = s.findInWindows(corpus, runBeforeWindows(corpus, '=', inRun))
    const slow = fullScan(new RegExp(src, 'gu'), corpus)
    expect(slow.length).toBeGreaterThan(0)
    expect(positions(fast)).toEqual(positions(slow))
  })
})

describe('keyword prefilter', () => {
  test('the shared literal scan reports the same keywords as the strict matcher', () => {
    const kws = [...new Set(RULE_PACK.rules.flatMap((r) => r.keywords))]
    const lower = (s: string): string => s.replace(/[A-Z]+/g, (x) => x.toLowerCase())
    for (const s of [corpus.slice(0, 30_000), 'KEY Tok\u212aen ſecret', 'plain api key here']) {
      const t = newText(s)
      // Keyword ids of the shared index follow its own keyword order; compare by keyword text.
      const present = new Set<string>()
      for (const k of kws) if (lower(s).includes(k)) present.add(k)
      const idx = (t as unknown as { index: { keywords: string[] } }).index
      const got = new Set([...t.keywordsPresent()].map((i) => idx.keywords[i]))
      expect([...got].sort()).toEqual([...present].sort())
    }
  })

  test('Aho-Corasick agrees with substring search on ASCII-lowercased text', () => {
    const kws = [...new Set(RULE_PACK.rules.flatMap((r) => r.keywords))]
    const m = new KeywordMatcher(kws)
    const lower = (s: string): string => s.replace(/[A-Z]+/g, (x) => x.toLowerCase())
    for (const s of [...samples.slice(0, 400), corpus.slice(0, 20_000), 'KEY Tok\u212aen ſecret']) {
      const got = [...m.present(s)].map((i) => kws[i]).sort()
      const want = kws.filter((k) => lower(s).includes(k)).sort()
      expect(got).toEqual(want)
    }
  })
})
