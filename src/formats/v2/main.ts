// The `/main` subtree of one migrated checkpoint (migration.md §6.1–§6.3): per slot
// `metadata.json`, `prompt.txt`, `transcript.jsonl` + `transcript_hash.txt`, and the checkpoint
// `metadata.json`. Slots are contiguous from 0 in input order.

import { hashFileContent } from '../hash.js'
import type { Attribution, CheckpointSummary, SessionMetadata } from '../json/structs.js'
import type { GoTime } from '../json/time.js'
import { joinPrompts, splitPrompts } from '../v1/prompts.js'
import {
  checkpointDir,
  COMPACT_TRANSCRIPT_FILE,
  COMPACT_TRANSCRIPT_HASH_FILE,
  METADATA_FILE,
  MODE_FILE,
  PROMPT_FILE,
  type V2TreeEntry
} from './layout.js'
import {
  buildCheckpointSummary,
  DEFAULT_CLI_VERSION,
  encodeCheckpointSummary,
  encodeSessionMetadata,
  migrateSessionMetadata,
  redactBytes,
  type Redact
} from './metadata.js'

export interface MainSessionInput {
  /** Decoded v1 session metadata (possibly partial, as the reference reader leaves it). */
  v1Metadata: SessionMetadata
  /** Raw v1 `prompt.txt` bytes (empty when absent). */
  prompt: Buffer
  /** Compact transcript bytes, or null/empty when none was produced. */
  compactTranscript: Buffer | null
  /** Compact offset for `checkpoint_transcript_start`. */
  compactStart: number
}

export interface MainCheckpointInput {
  checkpointId: string
  /** Migrating sessions in v1 index order; slot k = position k. */
  sessions: readonly MainSessionInput[]
  /** The v1 summary's `combined_attribution`. */
  combinedAttribution: Attribution | null
  cliVersion?: string
  /** One clock reading per run (for zero `created_at`). */
  now: GoTime
  /** Secret redactor for prompt.txt and the summary text fields (identity when absent). */
  redact?: Redact
}

export interface MainCheckpointOutput {
  /** Entries with full paths from the `/main` root (`<aa>/<rest>/...`), all new content. */
  entries: V2TreeEntry[]
  summary: CheckpointSummary
  /** The v2 session metadata per slot. */
  sessions: SessionMetadata[]
}

/** prompt.txt content for a v1 prompt file: split, trailing empties dropped, re-joined, redacted; null → no file. */
export function migratedPromptContent(v1Prompt: Buffer, redact?: Redact): Buffer | null {
  const prompts = splitPrompts(v1Prompt)
  if (prompts.length === 0) return null
  return redactBytes(joinPrompts(prompts), redact)
}

export function buildMainCheckpoint(input: MainCheckpointInput): MainCheckpointOutput {
  const cliVersion = input.cliVersion ?? DEFAULT_CLI_VERSION
  const dir = checkpointDir(input.checkpointId)
  const entries: V2TreeEntry[] = []
  const sessions: SessionMetadata[] = []
  const summaryInputs = input.sessions.map((s, k) => {
    const base = `${dir}/${k}/`
    const prompt = migratedPromptContent(s.prompt, input.redact)
    if (prompt) entries.push({ path: base + PROMPT_FILE, mode: MODE_FILE, content: prompt })
    const compact =
      s.compactTranscript && s.compactTranscript.length > 0 ? s.compactTranscript : null
    if (compact) {
      entries.push({ path: base + COMPACT_TRANSCRIPT_FILE, mode: MODE_FILE, content: compact })
      entries.push({
        path: base + COMPACT_TRANSCRIPT_HASH_FILE,
        mode: MODE_FILE,
        content: hashFileContent(compact)
      })
    }
    const metadata = migrateSessionMetadata(s.v1Metadata, {
      checkpointId: input.checkpointId,
      cliVersion,
      compactStart: s.compactStart,
      now: input.now,
      redact: input.redact
    })
    sessions.push(metadata)
    entries.push({
      path: base + METADATA_FILE,
      mode: MODE_FILE,
      content: encodeSessionMetadata(metadata)
    })
    return { metadata, hasPrompt: prompt !== null, hasCompact: compact !== null }
  })
  const summary = buildCheckpointSummary(
    input.checkpointId,
    summaryInputs,
    input.combinedAttribution,
    cliVersion
  )
  entries.push({
    path: `${dir}/${METADATA_FILE}`,
    mode: MODE_FILE,
    content: encodeCheckpointSummary(summary)
  })
  return { entries, summary, sessions }
}
