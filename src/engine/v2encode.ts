// What the reference derives and writes for a migrated checkpoint (migration.md §6): v2 session
// metadata from Go-decoded v1 metadata, the checkpoint summary of a checkpoint new in /main,
// prompt.txt, hash files and generation.json. Structs and encoders are the formats layer's.
import { createHash } from 'node:crypto'
import { encodeGoJson } from '../formats/json/encode.js'
import { isZeroTime, toUtc, type GoTime } from '../formats/json/time.js'
import {
  checkpointSummaryValue,
  generationMetadataValue,
  sessionMetadataValue,
  type Attribution,
  type CheckpointSummary,
  type SessionMetadata,
  type Summary,
  type TokenUsage
} from '../formats/json/structs.js'
import { joinPrompts, splitPrompts } from '../formats/v1/prompts.js'

export type Redactor = (s: string) => string

export function sha256Hex(data: Buffer | readonly Buffer[]): string {
  const h = createHash('sha256')
  for (const b of Buffer.isBuffer(data) ? [data] : data) h.update(b)
  return h.digest('hex')
}

/** `sha256:<hex>` without newline (v2-format.md §3.1). */
export function hashFileContent(data: Buffer | readonly Buffer[]): string {
  return 'sha256:' + sha256Hex(data)
}

function redactStrings(v: string[] | null, redact: Redactor): string[] | null {
  return v === null ? null : v.map(redact)
}

/** Go's redactSummary: text fields redacted, path/line/end_line kept. */
export function redactSummary(s: Summary | null, redact: Redactor): Summary | null {
  if (!s) return null
  return {
    intent: redact(s.intent),
    outcome: redact(s.outcome),
    friction: redactStrings(s.friction, redact),
    open_items: redactStrings(s.open_items, redact),
    learnings: {
      repo: redactStrings(s.learnings.repo, redact),
      workflow: redactStrings(s.learnings.workflow, redact),
      code:
        s.learnings.code === null
          ? null
          : s.learnings.code.map((c) => ({ ...c, finding: redact(c.finding) }))
    }
  }
}

/** The v2 created_at of a session: v1 value in UTC, or the run's clock reading when zero. */
export function v2CreatedAt(m: SessionMetadata, now: GoTime): { t: GoTime; fromClock: boolean } {
  return isZeroTime(m.created_at)
    ? { t: toUtc(now), fromClock: true }
    : { t: toUtc(m.created_at), fromClock: false }
}

/** v1 raw start offset (Go GetTranscriptStart). */
export function transcriptStart(m: SessionMetadata): number {
  return m.checkpoint_transcript_start > 0
    ? m.checkpoint_transcript_start
    : m.transcript_lines_at_start
}

export interface SessionMetadataInput {
  meta: SessionMetadata
  checkpointId: string
  cliVersion: string
  now: GoTime
  /** Compact offset (§7.2); 0 = omitted. */
  offset: number
  redact: Redactor
}

/** The v2 session metadata struct (migration.md §6.2). */
export function v2SessionMetadata(inp: SessionMetadataInput): SessionMetadata {
  const m = inp.meta
  return {
    cli_version: inp.cliVersion,
    checkpoint_id: inp.checkpointId,
    session_id: m.session_id,
    strategy: m.strategy,
    created_at: v2CreatedAt(m, inp.now).t,
    branch: m.branch,
    checkpoints_count: m.checkpoints_count,
    files_touched: m.files_touched,
    agent: m.agent,
    model: m.model,
    turn_id: m.turn_id,
    is_task: m.is_task,
    tool_use_id: m.tool_use_id,
    transcript_identifier_at_start: m.transcript_identifier_at_start,
    checkpoint_transcript_start: inp.offset,
    transcript_lines_at_start: 0,
    token_usage: m.token_usage,
    session_metrics: m.session_metrics,
    summary: redactSummary(m.summary, inp.redact),
    initial_attribution: m.initial_attribution,
    prompt_attributions: m.prompt_attributions,
    kind: '',
    review_skills: null,
    review_prompt: ''
  }
}

export function encodeSessionMetadata(inp: SessionMetadataInput): Buffer {
  return encodeGoJson(sessionMetadataValue(v2SessionMetadata(inp)))
}

/** v1 fields with a value that the v2 write drops (§6.7, §16 items 4 and 10). */
export function droppedFields(
  m: SessionMetadata,
  unknownKeys: readonly string[],
  hasCompact: boolean
): string[] {
  const out: string[] = []
  if (m.transcript_lines_at_start !== 0) out.push('transcript_lines_at_start')
  if (m.checkpoint_transcript_start !== 0 && !hasCompact) out.push('checkpoint_transcript_start')
  if (m.kind !== '') out.push('kind')
  if (m.review_skills && m.review_skills.length > 0) out.push('review_skills')
  if (m.review_prompt !== '') out.push('review_prompt')
  for (const k of unknownKeys) out.push(k)
  return out
}

export interface SummarySession {
  meta: SessionMetadata
  slot: number
  hasCompact: boolean
  hasPrompt: boolean
}

/** Byte-order comparison as Go's sort.Strings (UTF-8 bytes). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

function addTokens(a: TokenUsage | null, b: TokenUsage | null): TokenUsage | null {
  if (!a && !b) return null
  const r: TokenUsage = {
    input_tokens: 0,
    cache_creation_tokens: 0,
    cache_read_tokens: 0,
    output_tokens: 0,
    api_call_count: 0,
    subagent_tokens: null
  }
  for (const t of [a, b]) {
    if (!t) continue
    r.input_tokens += t.input_tokens
    r.cache_creation_tokens += t.cache_creation_tokens
    r.cache_read_tokens += t.cache_read_tokens
    r.output_tokens += t.output_tokens
    r.api_call_count += t.api_call_count
  }
  return r
}

/** Summary of a checkpoint new in /main, from its migrating sessions in slot order (§6.3). */
export function v2CheckpointSummary(inp: {
  checkpointId: string
  cliVersion: string
  sessions: SummarySession[]
  combinedAttribution: Attribution | null
}): CheckpointSummary {
  const base = `/${inp.checkpointId.slice(0, 2)}/${inp.checkpointId.slice(2)}`
  const last = inp.sessions[inp.sessions.length - 1].meta
  let count = 0
  let tokens: TokenUsage | null = null
  const seen = new Set<string>()
  const files: string[] = []
  for (const s of inp.sessions) {
    count += s.meta.checkpoints_count
    for (const p of s.meta.files_touched ?? []) {
      if (!seen.has(p)) {
        seen.add(p)
        files.push(p)
      }
    }
    tokens = addTokens(tokens, s.meta.token_usage)
  }
  files.sort(compareBytes)
  return {
    cli_version: inp.cliVersion,
    checkpoint_id: inp.checkpointId,
    strategy: last.strategy,
    branch: last.branch,
    checkpoints_count: count,
    files_touched: files.length > 0 ? files : null,
    sessions: inp.sessions.map((s) => {
      const p = `${base}/${s.slot}/`
      return {
        metadata: p + 'metadata.json',
        transcript: s.hasCompact ? p + 'transcript.jsonl' : '',
        content_hash: s.hasCompact ? p + 'transcript_hash.txt' : '',
        prompt: s.hasPrompt ? p + 'prompt.txt' : ''
      }
    }),
    token_usage: tokens,
    combined_attribution: inp.combinedAttribution,
    has_review: false
  }
}

export function encodeCheckpointSummary(s: CheckpointSummary): Buffer {
  return encodeGoJson(checkpointSummaryValue(s))
}

/**
 * prompt.txt content (§6.1): split, trailing empty pieces dropped, joined, redacted; null = no
 * file. Bytes are kept verbatim when redaction changes nothing (Go strings carry any bytes).
 */
export function promptContent(p: Buffer | undefined, redact: Redactor): Buffer | null {
  if (!p || p.length === 0) return null
  const pieces = splitPrompts(p)
  if (pieces.length === 0) return null
  const joined = joinPrompts(pieces)
  const text = joined.toString('utf8')
  const red = redact(text)
  return red === text ? joined : Buffer.from(red, 'utf8')
}

/** generation.json (v2-format.md §6.4), times in UTC. */
export function encodeGeneration(oldest: GoTime, newest: GoTime): Buffer {
  return encodeGoJson(
    generationMetadataValue({
      oldest_checkpoint_at: toUtc(oldest),
      newest_checkpoint_at: toUtc(newest)
    })
  )
}
