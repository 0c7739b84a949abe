// v2 `/main` metadata as the reference migration writes it (migration.md §6.2, §6.3;
// v2-format.md §4): session metadata derived from decoded v1 metadata, the checkpoint summary
// aggregated over the migrating sessions, and their Go-compatible bytes.

import { encodeGoJson } from '../json/encode.js'
import {
  checkpointSummaryValue,
  decodeCheckpointSummary,
  decodeGenerationMetadata,
  decodeSessionMetadata,
  generationMetadataValue,
  pendingPublicationStateValue,
  sessionMetadataValue,
  type Attribution,
  type CheckpointSummary,
  type GenerationMetadata,
  type PendingPublicationState,
  type SessionFilePaths,
  type SessionMetadata,
  type Summary,
  type TokenUsage
} from '../json/structs.js'
import { isZeroTime, toUtc, type GoTime } from '../json/time.js'
import {
  checkpointDir,
  COMPACT_TRANSCRIPT_FILE,
  COMPACT_TRANSCRIPT_HASH_FILE,
  METADATA_FILE,
  PROMPT_FILE
} from './layout.js'

/** Secret redaction hook (migration.md §6.5); identity when absent. */
export type Redact = (text: string) => string

/** The reference's CLI version string stamped into v2 files (a parameter, v2-format.md §12.2). */
export const DEFAULT_CLI_VERSION = '0.6.2'

export const encodeSessionMetadata = (m: SessionMetadata): Buffer =>
  encodeGoJson(sessionMetadataValue(m))
export const encodeCheckpointSummary = (s: CheckpointSummary): Buffer =>
  encodeGoJson(checkpointSummaryValue(s))
export const encodeGenerationMetadata = (g: GenerationMetadata): Buffer =>
  encodeGoJson(generationMetadataValue(g))
export const encodePendingPublicationState = (s: PendingPublicationState): Buffer =>
  encodeGoJson(pendingPublicationStateValue(s))

// v2 readers: the same Go decoding rules as v1 (v2-format.md §8.2); callers decide what an error means.
export { decodeCheckpointSummary, decodeSessionMetadata, decodeGenerationMetadata }

function redactSummary(s: Summary | null, redact: Redact | undefined): Summary | null {
  if (!s || !redact) return s
  const list = (l: string[] | null) => (l === null ? null : l.map(redact))
  return {
    intent: redact(s.intent),
    outcome: redact(s.outcome),
    learnings: {
      repo: list(s.learnings.repo),
      code:
        s.learnings.code === null
          ? null
          : s.learnings.code.map((c) => ({
              path: c.path,
              line: c.line,
              end_line: c.end_line,
              finding: redact(c.finding)
            })),
      workflow: list(s.learnings.workflow)
    },
    friction: list(s.friction),
    open_items: list(s.open_items)
  }
}

/** Text redaction applied to raw bytes: unchanged text keeps its exact bytes (even invalid UTF-8). */
export function redactBytes(bytes: Buffer, redact: Redact | undefined): Buffer {
  if (!redact) return bytes
  const text = bytes.toString('utf8')
  const out = redact(text)
  if (out === text) return bytes
  // Lossy only when the input held invalid UTF-8 and the redactor changed something.
  return Buffer.from(out, 'utf8')
}

export interface SessionMetadataOptions {
  /** The listing id (from the v1 path, not `m.checkpoint_id`). */
  checkpointId: string
  cliVersion?: string
  /** `checkpoint_transcript_start`: the compact offset (0 → omitted). */
  compactStart: number
  /** One clock reading per run, used when the v1 `created_at` is zero. */
  now: GoTime
  redact?: Redact
}

/**
 * The v2 session metadata the migration writes for a v1 session (migration.md §6.2): copied
 * fields as decoded, `created_at` in UTC (zero → now), the compact offset, and nothing of
 * `transcript_lines_at_start`, `kind`, `review_skills`, `review_prompt`.
 */
export function migrateSessionMetadata(
  m: SessionMetadata,
  o: SessionMetadataOptions
): SessionMetadata {
  return {
    cli_version: o.cliVersion ?? DEFAULT_CLI_VERSION,
    checkpoint_id: o.checkpointId,
    session_id: m.session_id,
    strategy: m.strategy,
    created_at: isZeroTime(m.created_at) ? toUtc(o.now) : toUtc(m.created_at),
    branch: m.branch,
    checkpoints_count: m.checkpoints_count,
    files_touched: m.files_touched,
    agent: m.agent,
    model: m.model,
    turn_id: m.turn_id,
    is_task: m.is_task,
    tool_use_id: m.tool_use_id,
    transcript_identifier_at_start: m.transcript_identifier_at_start,
    checkpoint_transcript_start: o.compactStart,
    transcript_lines_at_start: 0,
    token_usage: m.token_usage,
    session_metrics: m.session_metrics,
    summary: redactSummary(m.summary, o.redact),
    initial_attribution: m.initial_attribution,
    prompt_attributions: m.prompt_attributions,
    kind: '',
    review_skills: null,
    review_prompt: ''
  }
}

/**
 * Fields of the v0.6.2 session struct that the migration does not carry from v1 to v2
 * (v1 keys the struct does not know are dropped too; they are listed per file by the reader).
 */
export const DROPPED_SESSION_FIELDS = [
  'cli_version (replaced by the running version)',
  'checkpoint_id (replaced by the listing id)',
  'checkpoint_transcript_start (replaced by the compact offset)',
  'transcript_lines_at_start',
  'kind',
  'review_skills',
  'review_prompt'
] as const

/** Go's sort.Strings: byte order of the UTF-8 encoding (not UTF-16 code units). */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** Go's mergeFilesTouched over several lists: union, de-duplicated, byte-sorted; nil when empty. */
export function mergeFilesTouched(lists: ReadonlyArray<readonly string[] | null>): string[] | null {
  const seen = new Set<string>()
  for (const l of lists) for (const f of l ?? []) seen.add(f) // filepath.ToSlash: no-op on Unix builds
  if (seen.size === 0) return null
  return [...seen].sort(compareGoStrings)
}

/** Go's aggregateTokenUsage folded over the sessions: nil when none has one; no subagent_tokens. */
export function aggregateTokenUsage(list: ReadonlyArray<TokenUsage | null>): TokenUsage | null {
  let acc: TokenUsage | null = null
  for (const t of list) {
    if (!t && !acc) continue
    const next: TokenUsage = {
      input_tokens: acc?.input_tokens ?? 0,
      cache_creation_tokens: acc?.cache_creation_tokens ?? 0,
      cache_read_tokens: acc?.cache_read_tokens ?? 0,
      output_tokens: acc?.output_tokens ?? 0,
      api_call_count: acc?.api_call_count ?? 0,
      subagent_tokens: null
    }
    if (t) {
      next.input_tokens += t.input_tokens
      next.cache_creation_tokens += t.cache_creation_tokens
      next.cache_read_tokens += t.cache_read_tokens
      next.output_tokens += t.output_tokens
      next.api_call_count += t.api_call_count
    }
    acc = next
  }
  return acc
}

/** `sessions[k]` paths of slot k (v2-format.md §4.2). */
export function sessionFilePaths(
  checkpointId: string,
  slot: number,
  hasPrompt: boolean,
  hasCompact: boolean
): SessionFilePaths {
  const base = `/${checkpointDir(checkpointId)}/${slot}/`
  return {
    metadata: base + METADATA_FILE,
    transcript: hasCompact ? base + COMPACT_TRANSCRIPT_FILE : '',
    content_hash: hasCompact ? base + COMPACT_TRANSCRIPT_HASH_FILE : '',
    prompt: hasPrompt ? base + PROMPT_FILE : ''
  }
}

export interface SummarySessionInput {
  /** The v2 session metadata as written (its values feed the aggregates). */
  metadata: SessionMetadata
  hasPrompt: boolean
  hasCompact: boolean
}

/**
 * Checkpoint summary for a checkpoint new on `/main` (migration.md §6.3,
 * writeFreshMainBatchCheckpointSummary): slots in input order, aggregates over them,
 * strategy/branch from the last, `combined_attribution` from the v1 summary.
 */
export function buildCheckpointSummary(
  checkpointId: string,
  sessions: readonly SummarySessionInput[],
  combinedAttribution: Attribution | null,
  cliVersion = DEFAULT_CLI_VERSION
): CheckpointSummary {
  if (sessions.length === 0)
    throw new Error(`checkpoint ${checkpointId}: a v2 summary needs at least one session`)
  const last = sessions[sessions.length - 1].metadata
  return {
    cli_version: cliVersion,
    checkpoint_id: checkpointId,
    strategy: last.strategy,
    branch: last.branch,
    checkpoints_count: sessions.reduce((a, s) => a + s.metadata.checkpoints_count, 0),
    files_touched: mergeFilesTouched(sessions.map((s) => s.metadata.files_touched)),
    sessions: sessions.map((s, k) => sessionFilePaths(checkpointId, k, s.hasPrompt, s.hasCompact)),
    token_usage: aggregateTokenUsage(sessions.map((s) => s.metadata.token_usage)),
    combined_attribution: combinedAttribution,
    has_review: false
  }
}

// Go's unicode.IsSpace set (strings.TrimSpace); JavaScript's trim() differs (U+FEFF, U+0085).
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/
const PATH_SAFE = /^[a-zA-Z0-9_-]+$/

/**
 * The v2 writer's validation of one entry (validateWriteOpts, v0.6.2). A failure aborts the whole
 * reference run (migration.md §8.2 step 1); returns Go's message, or undefined when valid.
 */
export function validateWriteEntry(e: {
  checkpointId: string
  sessionId: string
  toolUseId: string
}): string | undefined {
  if (e.checkpointId === '') return 'invalid checkpoint options: checkpoint ID is required'
  if (GO_SPACE.test(e.sessionId)) return 'invalid checkpoint options: session ID cannot be empty'
  if (/[/\\]/.test(e.sessionId)) {
    return `invalid checkpoint options: invalid session ID ${JSON.stringify(e.sessionId)}: contains path separators`
  }
  if (e.toolUseId !== '' && !PATH_SAFE.test(e.toolUseId)) {
    return `invalid checkpoint options: invalid tool use ID ${JSON.stringify(e.toolUseId)}: must be alphanumeric with underscores/hyphens only`
  }
  return undefined
}
