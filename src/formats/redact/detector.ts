// Port of the part of betterleaks v1.2.0 detect.Detector that DetectString exercises with the
// default config: keyword prefilter, per-rule regex, secret-group extraction, allow comments,
// global and rule filters, required (multi-part) rules, and the generic-rule dedupe. Only what
// decides Finding.Secret is kept; locations are computed in string indices, which give the same
// line numbers as Go's byte offsets.

import { REFERENCE_ANCHORS, RULE_PACK } from './rules.generated.js'
import type { PackRule } from './rule-types.js'
import { evalFilter } from './filter.js'
import { LiteralIndex, Scanner, Text } from './scan.js'

interface Finding {
  ruleId: string
  startLine: number
  startColumn: number
  secret: string
  /** Required findings attached by processRequiredRules (line + secret). */
  components?: { startLine: number; secret: string }[]
}

interface CompiledRule {
  rule: PackRule
  /** For FindAll over the text. */
  all: Scanner
  /** For FindStringSubmatch over the match text alone. */
  one: RegExp
}

const ALLOW_SIGNATURES = ['betterleaks:allow', 'gitleaks:allow']

let compiledRules: Map<string, CompiledRule> | undefined
let keywordRules: string[][] = []
let index: LiteralIndex | undefined
let noKeywordRules: string[] = []

function init(): Map<string, CompiledRule> {
  if (compiledRules) return compiledRules
  compiledRules = new Map()
  const byKeyword = new Map<string, string[]>()
  noKeywordRules = []
  for (const rule of RULE_PACK.rules) {
    const src = rule.regex ?? '(?!)'
    compiledRules.set(rule.id, {
      rule,
      all: new Scanner(src, rule.regex === null ? null : rule.anchor),
      one: new RegExp(src, 'u')
    })
    if (rule.keywords.length === 0) noKeywordRules.push(rule.id)
    for (const k of rule.keywords) {
      const ids = byKeyword.get(k) ?? []
      ids.push(rule.id)
      byKeyword.set(k, ids)
    }
  }
  const entries = [...byKeyword.entries()]
  keywordRules = entries.map((e) => e[1])
  const lits = [
    ...RULE_PACK.rules.flatMap((r) => r.anchor?.lits ?? []),
    ...Object.values(REFERENCE_ANCHORS).flatMap((a) => a?.lits ?? [])
  ]
  index = new LiteralIndex(
    entries.map((e) => e[0]),
    lits
  )
  return compiledRules
}

function newlineIndices(s: string): number[] {
  const out: number[] = []
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) out.push(i)
  return out
}

interface Location {
  startLine: number
  startColumn: number
  startLineIndex: number
  endLineIndex: number
}

/** detect.location, including its quirks (a line starts at the preceding '\n'). */
function locate(nl: number[], raw: string, start: number, end: number): Location {
  const lines = nl.length === 0 ? [raw.length] : nl
  const loc: Location = { startLine: 0, startColumn: 0, startLineIndex: 0, endLineIndex: 0 }
  let prev = 0
  let lineSet = false
  let lastLine = 0
  for (let lineNum = 0; lineNum < lines.length; lineNum++) {
    lastLine = lineNum
    const nlAt = lines[lineNum]
    if (prev <= start && start < nlAt) {
      lineSet = true
      loc.startLine = lineNum
      loc.startColumn = start - prev + 1
      loc.startLineIndex = prev
      loc.endLineIndex = nlAt
    }
    if (prev < end && end <= nlAt) loc.endLineIndex = nlAt
    prev = nlAt
  }
  if (!lineSet) {
    loc.startColumn = start - prev + 1
    loc.startLine = lastLine + 1
    let i = 0
    while (end + i < raw.length && raw[end + i] !== '\n' && raw[end + i] !== '\r') i++
    loc.endLineIndex = end + i
  }
  return loc
}

function trimNewlines(s: string): string {
  let a = 0
  let b = s.length
  while (a < b && s.charCodeAt(a) === 10) a++
  while (b > a && s.charCodeAt(b - 1) === 10) b--
  return s.slice(a, b)
}

function detectWithRule(
  text: Text,
  cr: CompiledRule,
  inherited: boolean,
  nlCache: { nl?: number[] }
): Finding[] {
  const raw = text.s
  const r = cr.rule
  const findings: Finding[] = []
  if (r.skipReport && !inherited) return findings
  // A path rule needs a path attribute; a bare string has none.
  if (r.path !== null || r.regex === null) return findings
  for (const m of cr.all.findAll(text)) {
    const start = m.index
    const match = trimNewlines(m[0])
    const end = start + match.length
    nlCache.nl ??= newlineIndices(raw)
    const loc = locate(nlCache.nl, raw, start, end)
    const endLineIndex = Math.max(loc.endLineIndex, end)
    const line = raw.slice(loc.startLineIndex, endLineIndex)
    if (ALLOW_SIGNATURES.some((sig) => line.includes(sig))) continue
    let secret = match
    const groups = cr.one.exec(match)
    if (groups && groups.length >= 2) {
      if (r.secretGroup > 0) {
        if (groups.length <= r.secretGroup) continue
        secret = groups[r.secretGroup] ?? ''
      } else {
        for (const g of groups.slice(1)) {
          if (g !== undefined && g.length > 0) {
            secret = g
            break
          }
        }
      }
    }
    const fields = { secret, match, line }
    if (RULE_PACK.globalFilter && evalFilter(RULE_PACK.globalFilter, fields)) continue
    if (r.filter && evalFilter(r.filter, fields)) continue
    findings.push({ ruleId: r.id, startLine: loc.startLine, startColumn: loc.startColumn, secret })
  }
  if (inherited || r.required.length === 0) return findings
  return applyRequired(text, r, findings, nlCache)
}

function applyRequired(
  text: Text,
  r: PackRule,
  primary: Finding[],
  nlCache: { nl?: number[] }
): Finding[] {
  if (primary.length === 0) return primary
  const rules = init()
  const found = new Map<string, Finding[]>()
  for (const req of r.required) {
    const cr = rules.get(req.id)
    if (cr) found.set(req.id, detectWithRule(text, cr, true, nlCache))
  }
  const out: Finding[] = []
  for (const p of primary) {
    const comps: Finding[] = []
    for (const req of r.required) {
      for (const f of found.get(req.id) ?? []) {
        if (req.withinLines !== null && Math.abs(p.startLine - f.startLine) > req.withinLines)
          continue
        if (
          req.withinColumns !== null &&
          Math.abs(p.startColumn - f.startColumn) > req.withinColumns
        )
          continue
        comps.push(f)
      }
    }
    if (comps.length > 0 && r.required.every((req) => comps.some((c) => c.ruleId === req.id))) {
      out.push({
        ...p,
        components: comps.map((c) => ({ startLine: c.startLine, secret: c.secret }))
      })
    }
  }
  return out
}

/** detect's filter(): drop required components reported standalone, and generic findings that a
 * specific rule's secret on the same line contains. */
function dedupe(findings: Finding[]): Finding[] {
  const required = new Set<string>()
  for (const f of findings)
    for (const c of f.components ?? []) required.add(`${c.startLine}:${c.secret}`)
  return findings.filter((f) => {
    if (required.has(`${f.startLine}:${f.secret}`)) return false
    if (f.ruleId.toLowerCase().includes('generic')) {
      return !findings.some(
        (g) =>
          f.startLine === g.startLine &&
          f.ruleId !== g.ruleId &&
          g.secret.includes(f.secret) &&
          !g.ruleId.toLowerCase().includes('generic')
      )
    }
    return true
  })
}

/** Secrets betterleaks' Detector.DetectString reports for s with the default config. */
/** A Text sharing one literal scan between the detector and the redactor's anchored layers. */
export function newText(s: string): Text {
  init()
  return new Text(s, index!)
}

export function detectSecrets(s: string, text: Text = newText(s)): string[] {
  if (s.length === 0) return []
  const rules = init()
  const toCheck = new Set<string>(noKeywordRules)
  for (const k of text.keywordsPresent()) for (const id of keywordRules[k]) toCheck.add(id)
  if (toCheck.size === 0) return []
  const nlCache: { nl?: number[] } = {}
  const findings: Finding[] = []
  for (const id of toCheck) findings.push(...detectWithRule(text, rules.get(id)!, false, nlCache))
  return dedupe(findings).map((f) => f.secret)
}

/** Findings of one rule alone, as upstream's createSingleRuleDetector validates its examples:
 * skipReport and required rules stripped, global filter kept, keyword prefilter applied. */
export function detectWithSingleRule(s: string, ruleId: string): string[] {
  const rules = init()
  const cr = rules.get(ruleId)
  if (!cr) throw new Error(`unknown rule ${ruleId}`)
  const lower = s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
  if (cr.rule.keywords.length > 0 && !cr.rule.keywords.some((k) => lower.includes(k))) return []
  const stripped: CompiledRule = { ...cr, rule: { ...cr.rule, skipReport: false, required: [] } }
  return dedupe(detectWithRule(newText(s), stripped, false, {})).map((f) => f.secret)
}
