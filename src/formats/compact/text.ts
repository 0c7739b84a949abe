// Text helpers of the reference converter (compact-transcript.md §13): IDE/system tag stripping
// and the Codex injected-prompt filter. Both are the migration reference's versions (afef3455),
// not generation D's (§15 D1, D2).
import { goTrim } from './json.js'

const IDE_TAG = /<ide_[^>]*>[\s\S]*?<\/ide_[^>]*>/g
const SYSTEM_TAGS = [
  /<local-command-caveat[^>]*>[\s\S]*?<\/local-command-caveat>/g,
  /<system-reminder[^>]*>[\s\S]*?<\/system-reminder>/g,
  /<command-name[^>]*>[\s\S]*?<\/command-name>/g,
  /<command-message[^>]*>[\s\S]*?<\/command-message>/g,
  /<command-args[^>]*>[\s\S]*?<\/command-args>/g,
  /<local-command-stdout[^>]*>[\s\S]*?<\/local-command-stdout>/g,
  /<\/?user_query>/g
]

/** StripIDEContextTags: removes IDE and system tags, then trims as Go's strings.TrimSpace. */
export function stripIdeContextTags(text: string): string {
  // every pattern needs a '<'; skip the regex work for text without one
  if (text.indexOf('<') === -1) return goTrim(text)
  let r = text.replace(IDE_TAG, '')
  for (const re of SYSTEM_TAGS) if (r.indexOf('<') !== -1) r = r.replace(re, '')
  return goTrim(r)
}

const CODEX_SYSTEM_PREFIXES = [
  '<permissions',
  '<collaboration_mode>',
  '<skills_instructions>',
  '<environment_context>',
  '<turn_aborted>',
  '# AGENTS.md'
]

/** The Codex user-text filter: true when an input_text block is injected context (dropped). */
export function isCodexSystemContent(text: string): boolean {
  for (const p of CODEX_SYSTEM_PREFIXES) if (text.startsWith(p)) return true
  return false
}
