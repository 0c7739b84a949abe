// betterleaks' failsTokenEfficiency(secret) filter: a candidate that a BPE tokenizer (cl100k_base,
// via tiktoken-go) encodes in few tokens, or that contains a dictionary word of 5+ letters, reads
// like natural language and is dropped. Only the generic-api-key rule uses it. Data (ranks, words)
// is decoded lazily on first use.

import { gunzipSync } from 'node:zlib'
import { CL100K_GZ_B64, WORDS_GZ_B64 } from './assets.generated.js'
import { bytesOf, byteLength } from './utf8.js'

let words: Set<string> | undefined
let maxWordLength = 0

function dictionary(): Set<string> {
  if (!words) {
    const text = gunzipSync(Buffer.from(WORDS_GZ_B64, 'base64')).toString('utf8')
    words = new Set(text.split('\n').filter((w) => w !== ''))
    for (const w of words) maxWordLength = Math.max(maxWordLength, w.length)
  }
  return words
}

/** words.HasMatchInList(word, minLen) != nil: some dictionary word of >= minLen letters occurs. */
export function hasDictionaryWord(word: string, minLen: number): boolean {
  const dict = dictionary()
  // The list is ASCII lowercase, so substrings are compared on the lowercased string; a
  // non-ASCII character can never be part of a match.
  const w = word.toLowerCase()
  if (byteLength(w) < minLen) return false
  for (let start = 0; start + minLen <= w.length; start++) {
    const maxLen = Math.min(maxWordLength, w.length - start)
    for (let len = minLen; len <= maxLen; len++) {
      if (dict.has(w.slice(start, start + len))) return true
    }
  }
  return false
}

// cl100k_base pre-tokenizer (tiktoken-go, run by regexp2 where \s is .NET whitespace).
const WS = '\\t\\n\\v\\f\\r\\x85\\p{Z}'
const PRETOKENIZE = new RegExp(
  `'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*|[${WS}]*[\\r\\n]+|[${WS}]+(?![^${WS}])|[${WS}]+`,
  'gu'
)

let ranks: Map<string, number> | undefined

function bpeRanks(): Map<string, number> {
  if (!ranks) {
    const text = gunzipSync(Buffer.from(CL100K_GZ_B64, 'base64')).toString('latin1')
    ranks = new Map()
    for (const line of text.split('\n')) {
      const sp = line.indexOf(' ')
      if (sp < 0) continue
      ranks.set(
        Buffer.from(line.slice(0, sp), 'base64').toString('latin1'),
        Number(line.slice(sp + 1))
      )
    }
  }
  return ranks
}

/** Number of BPE tokens for one pre-token (bytes as a latin1 string). */
function bpeCount(piece: string, r: Map<string, number>): number {
  if (r.has(piece)) return 1
  // Standard tiktoken byte-pair merge: repeatedly merge the adjacent pair of lowest rank.
  const bounds: number[] = []
  for (let i = 0; i <= piece.length; i++) bounds.push(i)
  for (;;) {
    let best = Infinity
    let at = -1
    for (let i = 0; i + 2 < bounds.length; i++) {
      const rank = r.get(piece.slice(bounds[i], bounds[i + 2]))
      if (rank !== undefined && rank < best) {
        best = rank
        at = i
      }
    }
    if (at < 0) break
    bounds.splice(at + 1, 1)
  }
  return bounds.length - 1
}

/** Number of cl100k_base tokens of s (no special tokens). */
export function countTokens(s: string): number {
  const r = bpeRanks()
  let n = 0
  for (const m of s.matchAll(PRETOKENIZE)) {
    n += bpeCount(Buffer.from(bytesOf(m[0])).toString('latin1'), r)
  }
  return n
}

/** betterleaks celFailsTokenEfficiency. */
export function failsTokenEfficiency(secret: string): boolean {
  let analyzed = secret
  if (byteLength(analyzed) < 20 && /[\n\r]/.test(analyzed))
    analyzed = analyzed.replace(/[\n\r]/g, '')
  const tokens = countTokens(analyzed)
  if (tokens === 0) return false
  if (hasDictionaryWord(analyzed, 5)) return true
  const len = byteLength(analyzed)
  let threshold = 2.5
  if (len < 12) {
    threshold = 2.1
    if (!hasDictionaryWord(analyzed, 4)) threshold = 2.5
  }
  return len / tokens >= threshold
}
