// Shapes of the generated rule pack (rules.generated.ts). The filter AST is the subset of CEL the
// betterleaks default config uses; `true` from a filter means "drop this finding".

/** What a filter function looks at: a finding field, or a fragment attribute with a default. */
export type FilterTarget = { finding: string } | { attr: string; default: string }

export type FilterNode =
  | { or: FilterNode[] }
  | { and: FilterNode[] }
  | { entropyLe: { target: FilterTarget; max: number } }
  /** `re` is the RE2 alternation `(?:p1)|(?:p2)…` translated to JS; null if untranslatable. */
  | { matchesAny: { target: FilterTarget; re: string | null; re2: string[] } }
  | { containsAny: { target: FilterTarget; terms: string[] } }
  | { failsTokenEfficiency: { target: FilterTarget } }

export interface RequiredRule {
  id: string
  withinLines: number | null
  withinColumns: number | null
}

export interface PackRule {
  id: string
  /** Upstream RE2 source. */
  re2: string | null
  /** JavaScript source for `new RegExp(regex, 'u')`; null when absent or untranslatable. */
  regex: string | null
  /** A literal every match contains near its start, for the anchored scan (scan.ts). */
  anchor: { lits: string[]; maxOffset: number } | null
  secretGroup: number
  /** Lowercased keywords; a rule runs only when one occurs in the ASCII-lowercased text. */
  keywords: string[]
  /** Path regex (RE2). A rule with a path never fires on a bare string. */
  path: string | null
  skipReport: boolean
  required: RequiredRule[]
  filter: FilterNode | null
}

export interface RulePack {
  upstream: { repo: string; version: string; commit: string; licence: string }
  globalFilter: FilterNode | null
  rules: PackRule[]
  untranslatable: { where: string; regex: string; reason: string }[]
}
