// Secret redaction as the reference migration applies it (migration.md §6.5).
//
// WHERE THE ENGINE MUST USE IT (entireio/cli@afef3455; everything else is copied unchanged):
// - `prompt.txt` of each migrated session (MAIN `<aa>/<rest>/<k>/prompt.txt`): the reference
//   splits the v1 prompt.txt (SplitPromptContent), and the v2 writer stores
//   redact.String(JoinPrompts(prompts)) (v2_committed.go writeMainSessionToSubdirectory). So:
//   `redactPromptBytes(join(split(v1Bytes)))`. No file is written when there are no prompts.
// - The session `metadata.json` `summary` (v2_committed.go → committed.go redactSummary): the
//   text fields `intent`, `outcome`, each `friction`, `open_items`, `learnings.repo`,
//   `learnings.workflow` entry, and each `learnings.code[].finding`; `path`, `line`, `end_line`
//   are kept. Use `redactSummary`.
// - NOT: raw transcripts, compact transcripts (treated as already redacted), task files,
//   checkpoint-level metadata other than the above, generation.json.
// Only the built-in rules apply: the migrate command loads no custom rules, packs or PII settings.
// `redactSummary` keeps keys it does not know; dropping them (§6.7) is the encoder's job.
//
// REPORTING: `redactPromptBytes` returns its argument itself when nothing changed, so
// `out !== input` marks a changed prompt; `summaryChanges` does the same for a summary. Report
// counts only, never the text.
//
// COST: on the corpus bundle (671 prompt.txt, 11.2 MB) all prompts redact in about 0.6-0.9 s of
// CPU, including the one-time decoding of the rule data and BPE ranks (see
// __tests__/redact-corpus.test.ts). The data loads lazily on the first call.
//
// Invalid UTF-8 (prompt.txt is raw bytes): Go's regexes see each invalid byte as U+FFFD and the
// replacement keeps the bytes outside matched regions, so the bytes form keeps them verbatim.
// Summary strings come from JSON, where Go's decoder has already turned invalid bytes into
// U+FFFD; pass such strings as decoded Go-style.

import { redactString } from './redact.js'
import { decodeBytes, encodeString } from './utf8.js'

export { redactString, REDACTED_PLACEHOLDER } from './redact.js'
export { RULE_PACK } from './rules.generated.js'

/** redact.String over raw bytes; returns the input object itself when nothing changes. */
export function redactPromptBytes(bytes: Uint8Array): Uint8Array {
  const s = decodeBytes(bytes)
  const r = redactString(s)
  return r === s ? bytes : encodeString(r)
}

/** The v1/v2 summary shape as far as redaction is concerned (other keys pass through). */
export interface SummaryText {
  intent?: string
  outcome?: string
  friction?: string[] | null
  open_items?: string[] | null
  learnings?: {
    repo?: string[] | null
    workflow?: string[] | null
    code?: ({ finding?: string } & Record<string, unknown>)[] | null
  } & Record<string, unknown>
  [key: string]: unknown
}

function list(xs: string[] | null | undefined): string[] | null | undefined {
  return xs == null ? xs : xs.map((x) => redactString(x))
}

/** A copy of the summary with the reference's text fields redacted (committed.go redactSummary). */
export function redactSummary<T extends SummaryText>(summary: T): T {
  const out: SummaryText = { ...summary }
  if (typeof summary.intent === 'string') out.intent = redactString(summary.intent)
  if (typeof summary.outcome === 'string') out.outcome = redactString(summary.outcome)
  if ('friction' in summary) out.friction = list(summary.friction)
  if ('open_items' in summary) out.open_items = list(summary.open_items)
  if (summary.learnings) {
    const l = summary.learnings
    out.learnings = { ...l }
    if ('repo' in l) out.learnings.repo = list(l.repo)
    if ('workflow' in l) out.learnings.workflow = list(l.workflow)
    if (l.code != null) {
      out.learnings.code = l.code.map((c) =>
        typeof c.finding === 'string' ? { ...c, finding: redactString(c.finding) } : c
      )
    }
  }
  return out as T
}

/** True when redaction would change the summary (for the report's count). */
export function summaryChanges(summary: SummaryText): boolean {
  return JSON.stringify(redactSummary(summary)) !== JSON.stringify(summary)
}
