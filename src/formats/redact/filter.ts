// Evaluates the generated filter AST (betterleaks' CEL filters). `true` means drop the finding.

import type { FilterNode, FilterTarget } from './rule-types.js'
import { failsTokenEfficiency } from './token-efficiency.js'
import { byteEntropy } from './utf8.js'

/** The CEL `finding` map: secret, match, line. Attributes are empty for a bare string. */
export interface FindingFields {
  secret: string
  match: string
  line: string
}

const compiled = new WeakMap<object, RegExp | null>()

function regexOf(node: { re: string | null }): RegExp | null {
  let re = compiled.get(node)
  if (re === undefined) {
    re = node.re === null ? null : new RegExp(node.re, 'u')
    compiled.set(node, re)
  }
  return re
}

function valueOf(t: FilterTarget, f: FindingFields): string {
  if ('finding' in t) {
    const k = t.finding as keyof FindingFields
    return f[k] ?? ''
  }
  // DetectString passes no attributes: attributes[?"x"].orValue(d) is d.
  return t.default
}

export function evalFilter(node: FilterNode, f: FindingFields): boolean {
  if ('or' in node) return node.or.some((n) => evalFilter(n, f))
  if ('and' in node) return node.and.every((n) => evalFilter(n, f))
  if ('entropyLe' in node)
    return byteEntropy(valueOf(node.entropyLe.target, f)) <= node.entropyLe.max
  if ('matchesAny' in node) {
    // An uncompilable joined pattern makes the upstream binding return false.
    const re = regexOf(node.matchesAny)
    return re !== null && re.test(valueOf(node.matchesAny.target, f))
  }
  if ('containsAny' in node) {
    const s = valueOf(node.containsAny.target, f).toLowerCase()
    return node.containsAny.terms.some((t) => s.includes(t))
  }
  return failsTokenEfficiency(valueOf(node.failsTokenEfficiency.target, f))
}
