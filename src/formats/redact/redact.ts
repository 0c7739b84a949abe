// Port of the reference's redact.String (entireio/cli@afef3455:redact/redact.go) with the
// built-in layers only (no custom rules, no PII: the migrate command configures neither).
// Positions are JS string indices; region order and merging match the reference's byte offsets
// because both index the same sequence of characters monotonically.

import { detectSecrets, newText } from './detector.js'
import { parseQuery, parseUrl } from './go-url.js'
import { REFERENCE_ANCHORS as A, REFERENCE_REGEXES as R } from './rules.generated.js'
import { runBeforeWindows, Scanner, type Text } from './scan.js'

export const REDACTED_PLACEHOLDER = 'REDACTED'

const ENTROPY_THRESHOLD = 4.5

const credentialedURIPattern = new Scanner(R.credentialedURI, A.credentialedURI)
const jdbcPattern = new Scanner(R.jdbc, A.jdbc)
const databaseURLPattern = new Scanner(R.databaseURL, A.databaseURL)
const keywordDSNPattern = new Scanner(R.keywordDSN, null)
const semicolonConnPattern = new Scanner(R.semicolonConn, null)
const credentialValuePattern = new Scanner(R.credentialValue, A.credentialValue, true)
const keywordHostPattern = new RegExp(R.keywordHost, 'u')
const keywordUserPattern = new RegExp(R.keywordUser, 'u')
const semicolonServerPattern = new RegExp(R.semicolonServer, 'u')
const semicolonUserPattern = new RegExp(R.semicolonUser, 'u')
const passwordAssignmentRegex = new RegExp(R.passwordAssignment, 'gdu')
const bracketedPlaceholderInterior = new RegExp(R.bracketedPlaceholderInterior, 'u')

const PLACEHOLDER_VALUES = new Set([
  'redacted',
  '[redacted]',
  '<redacted>',
  'changeme',
  'example',
  'placeholder',
  'your_password',
  'your_db_password',
  'your_secret',
  'secret_here'
])

type Region = [start: number, end: number]

/** Shannon entropy over bytes; the entropy layer only sees ASCII. */
function shannonEntropy(s: string): number {
  const freq = new Int32Array(128)
  for (let i = 0; i < s.length; i++) freq[s.charCodeAt(i) & 0x7f]++
  let h = 0
  for (let c = 0; c < 128; c++) {
    const n = freq[c]
    if (n > 0) {
      const p = n / s.length
      h -= p * Math.log2(p)
    }
  }
  return h
}

/** Go's FindAllStringSubmatchIndex for patterns that never match empty. */
function* matches(re: RegExp, s: string): Generator<RegExpExecArray> {
  re.lastIndex = 0
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[0].length === 0) {
      re.lastIndex++
      continue
    }
    yield m
  }
}

const ESCAPE_LETTERS = new Set(['n', 't', 'r', 'b', 'f', 'u', '"', '\\', '/'])

/** `[A-Za-z0-9+_=-]` as a lookup table. */
const TOKEN_CHAR = new Uint8Array(128)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_=-') {
  TOKEN_CHAR[c.charCodeAt(0)] = 1
}
function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN_CHAR[c] === 1
}

function entropyRegions(s: string, out: Region[]): void {
  // FindAll of [A-Za-z0-9+_=-]{10,} is exactly the maximal runs of 10+ token characters.
  const n = s.length
  let i = 0
  while (i < n) {
    if (!isTokenChar(s.charCodeAt(i))) {
      i++
      continue
    }
    let end = i + 1
    while (end < n && isTokenChar(s.charCodeAt(end))) end++
    if (end - i >= 10) entropyCandidate(s, i, end, out)
    i = end
  }
}

function entropyCandidate(s: string, start: number, end: number, out: Region[]): void {
  // Do not consume the letter of a JSON escape sequence (\n, \t, ...): replacing it would leave
  // an invalid escape such as \R behind.
  if (start > 0 && s[start - 1] === '\\' && ESCAPE_LETTERS.has(s[start])) {
    start++
    if (end - start < 10) return
  }
  // Entropy is at most log2(length): below 23 characters it cannot exceed 4.5.
  if (end - start < 23) return
  if (shannonEntropy(s.slice(start, end)) > ENTROPY_THRESHOLD) out.push([start, end])
}

function betterleaksRegions(t: Text, out: Region[]): void {
  const s = t.s
  for (const secret of detectSecrets(s, t)) {
    if (secret === '') continue
    for (let i = s.indexOf(secret); i >= 0; i = s.indexOf(secret, i + secret.length)) {
      out.push([i, i + secret.length])
    }
  }
}

function trimConnectionStringEnd(s: string, start: number, end: number): number {
  while (end > start && '.,;:!?)]'.includes(s[end - 1])) end--
  return end
}

function unquoteRange(s: string, start: number, end: number): [number, number] {
  if (end - start < 2) return [start, end]
  const first = s[start]
  const last = s[end - 1]
  if ((first === '"' && last === '"') || (first === "'" && last === "'"))
    return [start + 1, end - 1]
  return [start, end]
}

function isRepeatedCharPlaceholder(s: string): boolean {
  if (s.length < 3 || !'*x.-'.includes(s[0])) return false
  for (let i = 1; i < s.length; i++) if (s[i] !== s[0]) return false
  return true
}

function isBracketedPlaceholder(s: string): boolean {
  if (s.length < 5 || s[0] !== '<' || s[s.length - 1] !== '>') return false
  return bracketedPlaceholderInterior.test(s.slice(1, -1))
}

/** Go's strings.TrimSpace: Unicode White_Space, which differs from JS \s (U+0085 in, U+FEFF out). */
const GO_SPACE =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const GO_TRIM_SPACE = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g')
function goTrimSpace(s: string): string {
  return s.replace(GO_TRIM_SPACE, '')
}

function trimQuotes(s: string): string {
  return s.replace(/^["']+|["']+$/g, '')
}

function isPlaceholderSecretValue(value: string): boolean {
  const trimmed = trimQuotes(goTrimSpace(value))
  if (trimmed === '') return true
  if (isBracketedPlaceholder(trimmed)) return true
  const normalized = trimmed.toLowerCase()
  if (normalized.startsWith('${') && normalized.endsWith('}')) return true
  if (PLACEHOLDER_VALUES.has(normalized)) return true
  return isRepeatedCharPlaceholder(normalized)
}

export function hasNonPlaceholderPasswordValue(value: string): boolean {
  return value !== '' && !isPlaceholderSecretValue(value)
}

function hasNonPlaceholderPasswordAssignment(candidate: string): boolean {
  for (const m of matches(passwordAssignmentRegex, candidate)) {
    const g = m.indices?.[1]
    if (!g) continue
    const [a, b] = unquoteRange(candidate, g[0], g[1])
    if (hasNonPlaceholderPasswordValue(candidate.slice(a, b))) return true
  }
  return false
}

function hasJDBCPassword(c: string): boolean {
  return c.slice(0, 5).toLowerCase() === 'jdbc:' && hasNonPlaceholderPasswordAssignment(c)
}

function hasDatabaseURLSecret(c: string): boolean {
  const u = parseUrl(c)
  if (!u || u.scheme === '' || u.host === '') return false
  for (const [k, v] of parseQuery(u.rawQuery)) {
    // strings.EqualFold: simple case folding, where U+017F folds to s.
    const key = k.toLowerCase().replace(/\u017f/g, 's')
    if ((key === 'password' || key === 'pwd') && hasNonPlaceholderPasswordValue(v)) return true
  }
  return false
}

function hasKeywordDSNPassword(c: string): boolean {
  return (
    keywordHostPattern.test(c) &&
    keywordUserPattern.test(c) &&
    hasNonPlaceholderPasswordAssignment(c)
  )
}

function hasSemicolonConnectionPassword(c: string): boolean {
  return (
    semicolonServerPattern.test(c) &&
    semicolonUserPattern.test(c) &&
    hasNonPlaceholderPasswordAssignment(c)
  )
}

// Characters of `(?i)[a-z0-9_]` and `(?i)[a-z0-9 _-]` (with Go's folds U+017F and U+212A).
function isDSNKeyChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x17f ||
    c === 0x212a
  )
}
function isConnKeyChar(c: number): boolean {
  return isDSNKeyChar(c) || c === 0x20 || c === 0x2d
}

type Windows = (s: string) => [number, number][]
// keywordDSN and semicolonConn start with `\b[a-z…][run]*=`: a match starts inside the run of key
// characters that ends at an '=' (the run class excludes '=', so no other end is possible).
const connectionStringRules: [Scanner, (c: string) => boolean, Windows | null][] = [
  [jdbcPattern, hasJDBCPassword, null],
  [databaseURLPattern, hasDatabaseURLSecret, null],
  [keywordDSNPattern, hasKeywordDSNPassword, (s) => runBeforeWindows(s, '=', isDSNKeyChar)],
  [
    semicolonConnPattern,
    hasSemicolonConnectionPassword,
    (s) => runBeforeWindows(s, '=', isConnKeyChar)
  ]
]

function connectionStringRegions(t: Text, out: Region[]): void {
  const s = t.s
  if (!s.includes('=')) return
  for (const [scanner, hasSecret, windows] of connectionStringRules) {
    const found =
      windows && s.length >= 4096 ? scanner.findInWindows(s, windows(s)) : scanner.findAll(t)
    for (const m of found) {
      const start = m.index
      const end = trimConnectionStringEnd(s, start, start + m[0].length)
      if (start >= end) continue
      if (hasSecret(s.slice(start, end))) out.push([start, end])
    }
  }
}

function credentialValueRegions(t: Text, out: Region[]): void {
  const s = t.s
  for (const m of credentialValuePattern.findAll(t)) {
    const g = m.indices?.[2]
    if (!g) continue
    const [a, b] = unquoteRange(s, g[0], g[1])
    if (hasNonPlaceholderPasswordValue(s.slice(a, b))) out.push([a, b])
  }
}

/** redact.String with the built-in layers: entropy, betterleaks, credentialed URIs, connection
 * strings, credential key/values. Each match becomes REDACTED; overlapping matches merge. */
export function redactString(s: string): string {
  const regions: Region[] = []
  entropyRegions(s, regions)
  const t = newText(s)
  betterleaksRegions(t, regions)
  for (const m of credentialedURIPattern.findAll(t)) regions.push([m.index, m.index + m[0].length])
  connectionStringRegions(t, regions)
  credentialValueRegions(t, regions)
  if (regions.length === 0) return s

  regions.sort((a, b) => a[0] - b[0] || b[1] - a[1])
  const merged: Region[] = [[regions[0][0], regions[0][1]]]
  for (const r of regions.slice(1)) {
    const last = merged[merged.length - 1]
    if (r[0] <= last[1]) {
      if (r[1] > last[1]) last[1] = r[1]
    } else merged.push([r[0], r[1]])
  }
  let out = ''
  let prev = 0
  for (const [a, b] of merged) {
    out += s.slice(prev, a) + REDACTED_PLACEHOLDER
    prev = b
  }
  return out + s.slice(prev)
}
