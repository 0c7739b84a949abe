// The checkpoint JSON types of the reference (entireio/cli v0.6.2, checkpoint/checkpoint.go and
// agent/types.go), shared by the v1 reader and the v2 writer: one TS shape per Go struct, its
// decoding schema, and its Go-compatible encoder (struct key order, omitempty, nil slices).
// Go nil slices and pointers are `null`; empty-but-set slices are `[]`.

import { gv, type GoValue } from './encode.js'
import {
  decodeGoStruct,
  type DecodeOptions,
  type DecodeResult,
  type StructSchema
} from './decode.js'
import { GO_ZERO_TIME, type GoTime } from './time.js'

export interface TokenUsage {
  input_tokens: number
  cache_creation_tokens: number
  cache_read_tokens: number
  output_tokens: number
  api_call_count: number
  subagent_tokens: TokenUsage | null
}

export interface SessionMetrics {
  duration_ms: number
  turn_count: number
  context_tokens: number
  context_window_size: number
}

export interface CodeLearning {
  path: string
  line: number
  end_line: number
  finding: string
}

export interface LearningsSummary {
  repo: string[] | null
  code: CodeLearning[] | null
  workflow: string[] | null
}

export interface Summary {
  intent: string
  outcome: string
  learnings: LearningsSummary
  friction: string[] | null
  open_items: string[] | null
}

export interface Attribution {
  calculated_at: GoTime
  agent_lines: number
  agent_removed: number
  human_added: number
  human_modified: number
  human_removed: number
  total_committed: number
  total_lines_changed: number
  agent_percentage: number
  metric_version: number
}

/** Session `metadata.json` (Go `CommittedMetadata`). */
export interface SessionMetadata {
  cli_version: string
  checkpoint_id: string
  session_id: string
  strategy: string
  created_at: GoTime
  branch: string
  checkpoints_count: number
  files_touched: string[] | null
  agent: string
  model: string
  turn_id: string
  is_task: boolean
  tool_use_id: string
  transcript_identifier_at_start: string
  checkpoint_transcript_start: number
  transcript_lines_at_start: number
  token_usage: TokenUsage | null
  session_metrics: SessionMetrics | null
  summary: Summary | null
  initial_attribution: Attribution | null
  /** Raw JSON bytes as stored (Go json.RawMessage); null when absent. */
  prompt_attributions: Buffer | null
  kind: string
  review_skills: string[] | null
  review_prompt: string
}

/** One `sessions[]` entry (Go `SessionFilePaths`). */
export interface SessionFilePaths {
  metadata: string
  transcript: string
  content_hash: string
  prompt: string
}

/** Checkpoint `metadata.json` (Go `CheckpointSummary`). */
export interface CheckpointSummary {
  cli_version: string
  checkpoint_id: string
  strategy: string
  branch: string
  checkpoints_count: number
  files_touched: string[] | null
  sessions: SessionFilePaths[] | null
  token_usage: TokenUsage | null
  combined_attribution: Attribution | null
  has_review: boolean
}

/** `generation.json` of an archived `/full/<n>` (Go `GenerationMetadata`). */
export interface GenerationMetadata {
  oldest_checkpoint_at: GoTime
  newest_checkpoint_at: GoTime
}

// ---------------------------------------------------------------------------------------------
// Zero values

export const zeroTokenUsage = (): TokenUsage => ({
  input_tokens: 0,
  cache_creation_tokens: 0,
  cache_read_tokens: 0,
  output_tokens: 0,
  api_call_count: 0,
  subagent_tokens: null
})
const zeroSessionMetrics = (): SessionMetrics => ({
  duration_ms: 0,
  turn_count: 0,
  context_tokens: 0,
  context_window_size: 0
})
const zeroCodeLearning = (): CodeLearning => ({ path: '', line: 0, end_line: 0, finding: '' })
const zeroLearnings = (): LearningsSummary => ({ repo: null, code: null, workflow: null })
const zeroSummary = (): Summary => ({
  intent: '',
  outcome: '',
  learnings: zeroLearnings(),
  friction: null,
  open_items: null
})
const zeroAttribution = (): Attribution => ({
  calculated_at: GO_ZERO_TIME,
  agent_lines: 0,
  agent_removed: 0,
  human_added: 0,
  human_modified: 0,
  human_removed: 0,
  total_committed: 0,
  total_lines_changed: 0,
  agent_percentage: 0,
  metric_version: 0
})
export const zeroSessionMetadata = (): SessionMetadata => ({
  cli_version: '',
  checkpoint_id: '',
  session_id: '',
  strategy: '',
  created_at: GO_ZERO_TIME,
  branch: '',
  checkpoints_count: 0,
  files_touched: null,
  agent: '',
  model: '',
  turn_id: '',
  is_task: false,
  tool_use_id: '',
  transcript_identifier_at_start: '',
  checkpoint_transcript_start: 0,
  transcript_lines_at_start: 0,
  token_usage: null,
  session_metrics: null,
  summary: null,
  initial_attribution: null,
  prompt_attributions: null,
  kind: '',
  review_skills: null,
  review_prompt: ''
})
const zeroSessionFilePaths = (): SessionFilePaths => ({
  metadata: '',
  transcript: '',
  content_hash: '',
  prompt: ''
})
export const zeroCheckpointSummary = (): CheckpointSummary => ({
  cli_version: '',
  checkpoint_id: '',
  strategy: '',
  branch: '',
  checkpoints_count: 0,
  files_touched: null,
  sessions: null,
  token_usage: null,
  combined_attribution: null,
  has_review: false
})
const zeroGeneration = (): GenerationMetadata => ({
  oldest_checkpoint_at: GO_ZERO_TIME,
  newest_checkpoint_at: GO_ZERO_TIME
})

// ---------------------------------------------------------------------------------------------
// Decoding schemas (field order = Go struct order; it matters only for error paths)

type Z = () => Record<string, unknown>
const f = (json: string, kind: StructSchema['fields'][number]['kind']) => ({
  json,
  prop: json,
  kind
})

const tokenUsageSchema: StructSchema = {
  goName: 'TokenUsage',
  zero: zeroTokenUsage as unknown as Z,
  fields: []
}
tokenUsageSchema.fields.push(
  f('input_tokens', 'int'),
  f('cache_creation_tokens', 'int'),
  f('cache_read_tokens', 'int'),
  f('output_tokens', 'int'),
  f('api_call_count', 'int'),
  f('subagent_tokens', { struct: tokenUsageSchema, pointer: true })
)
const sessionMetricsSchema: StructSchema = {
  goName: 'SessionMetrics',
  zero: zeroSessionMetrics as unknown as Z,
  fields: [
    f('duration_ms', 'int'),
    f('turn_count', 'int'),
    f('context_tokens', 'int'),
    f('context_window_size', 'int')
  ]
}
const codeLearningSchema: StructSchema = {
  goName: 'CodeLearning',
  zero: zeroCodeLearning as unknown as Z,
  fields: [f('path', 'string'), f('line', 'int'), f('end_line', 'int'), f('finding', 'string')]
}
const learningsSchema: StructSchema = {
  goName: 'LearningsSummary',
  zero: zeroLearnings as unknown as Z,
  fields: [
    f('repo', 'stringSlice'),
    f('code', { structSlice: codeLearningSchema }),
    f('workflow', 'stringSlice')
  ]
}
const summarySchema: StructSchema = {
  goName: 'Summary',
  zero: zeroSummary as unknown as Z,
  fields: [
    f('intent', 'string'),
    f('outcome', 'string'),
    f('learnings', { struct: learningsSchema, pointer: false }),
    f('friction', 'stringSlice'),
    f('open_items', 'stringSlice')
  ]
}
const attributionSchema: StructSchema = {
  goName: 'InitialAttribution',
  zero: zeroAttribution as unknown as Z,
  fields: [
    f('calculated_at', 'time'),
    f('agent_lines', 'int'),
    f('agent_removed', 'int'),
    f('human_added', 'int'),
    f('human_modified', 'int'),
    f('human_removed', 'int'),
    f('total_committed', 'int'),
    f('total_lines_changed', 'int'),
    f('agent_percentage', 'float'),
    f('metric_version', 'int')
  ]
}
export const sessionMetadataSchema: StructSchema = {
  goName: 'CommittedMetadata',
  zero: zeroSessionMetadata as unknown as Z,
  fields: [
    f('cli_version', 'string'),
    f('checkpoint_id', 'checkpointId'),
    f('session_id', 'string'),
    f('strategy', 'string'),
    f('created_at', 'time'),
    f('branch', 'string'),
    f('checkpoints_count', 'int'),
    f('files_touched', 'stringSlice'),
    f('agent', 'string'),
    f('model', 'string'),
    f('turn_id', 'string'),
    f('is_task', 'bool'),
    f('tool_use_id', 'string'),
    f('transcript_identifier_at_start', 'string'),
    f('checkpoint_transcript_start', 'int'),
    f('transcript_lines_at_start', 'int'),
    f('token_usage', { struct: tokenUsageSchema, pointer: true }),
    f('session_metrics', { struct: sessionMetricsSchema, pointer: true }),
    f('summary', { struct: summarySchema, pointer: true }),
    f('initial_attribution', { struct: attributionSchema, pointer: true }),
    f('prompt_attributions', 'raw'),
    f('kind', 'string'),
    f('review_skills', 'stringSlice'),
    f('review_prompt', 'string')
  ]
}
const sessionFilePathsSchema: StructSchema = {
  goName: 'SessionFilePaths',
  zero: zeroSessionFilePaths as unknown as Z,
  fields: [
    f('metadata', 'string'),
    f('transcript', 'string'),
    f('content_hash', 'string'),
    f('prompt', 'string')
  ]
}
export const checkpointSummarySchema: StructSchema = {
  goName: 'CheckpointSummary',
  zero: zeroCheckpointSummary as unknown as Z,
  fields: [
    f('cli_version', 'string'),
    f('checkpoint_id', 'checkpointId'),
    f('strategy', 'string'),
    f('branch', 'string'),
    f('checkpoints_count', 'int'),
    f('files_touched', 'stringSlice'),
    f('sessions', { structSlice: sessionFilePathsSchema }),
    f('token_usage', { struct: tokenUsageSchema, pointer: true }),
    f('combined_attribution', { struct: attributionSchema, pointer: true }),
    f('has_review', 'bool')
  ]
}
export const generationSchema: StructSchema = {
  goName: 'GenerationMetadata',
  zero: zeroGeneration as unknown as Z,
  fields: [f('oldest_checkpoint_at', 'time'), f('newest_checkpoint_at', 'time')]
}

/** Decodes a session `metadata.json` like json.Unmarshal into CommittedMetadata. */
export function decodeSessionMetadata(
  bytes: Uint8Array,
  options?: DecodeOptions
): DecodeResult<SessionMetadata> {
  return decodeGoStruct<SessionMetadata>(bytes, sessionMetadataSchema, options)
}

/** Decodes a checkpoint `metadata.json` like json.Unmarshal into CheckpointSummary. */
export function decodeCheckpointSummary(
  bytes: Uint8Array,
  options?: DecodeOptions
): DecodeResult<CheckpointSummary> {
  return decodeGoStruct<CheckpointSummary>(bytes, checkpointSummarySchema, options)
}

/** Decodes `generation.json` like json.Unmarshal into GenerationMetadata. */
export function decodeGenerationMetadata(
  bytes: Uint8Array,
  options?: DecodeOptions
): DecodeResult<GenerationMetadata> {
  return decodeGoStruct<GenerationMetadata>(bytes, generationSchema, options)
}

// ---------------------------------------------------------------------------------------------
// Encoding (Go struct order; "omit" = omitempty)

type Fields = [string, GoValue][]
function omitStr(out: Fields, key: string, v: string): void {
  if (v !== '') out.push([key, gv.str(v)])
}
function omitInt(out: Fields, key: string, v: number): void {
  if (v !== 0) out.push([key, gv.int(v)])
}

export function tokenUsageValue(t: TokenUsage): GoValue {
  const out: Fields = [
    ['input_tokens', gv.int(t.input_tokens)],
    ['cache_creation_tokens', gv.int(t.cache_creation_tokens)],
    ['cache_read_tokens', gv.int(t.cache_read_tokens)],
    ['output_tokens', gv.int(t.output_tokens)],
    ['api_call_count', gv.int(t.api_call_count)]
  ]
  if (t.subagent_tokens) out.push(['subagent_tokens', tokenUsageValue(t.subagent_tokens)])
  return gv.obj(out)
}

export function sessionMetricsValue(m: SessionMetrics): GoValue {
  const out: Fields = []
  omitInt(out, 'duration_ms', m.duration_ms)
  omitInt(out, 'turn_count', m.turn_count)
  omitInt(out, 'context_tokens', m.context_tokens)
  omitInt(out, 'context_window_size', m.context_window_size)
  return gv.obj(out)
}

function codeLearningValue(c: CodeLearning): GoValue {
  const out: Fields = [['path', gv.str(c.path)]]
  omitInt(out, 'line', c.line)
  omitInt(out, 'end_line', c.end_line)
  out.push(['finding', gv.str(c.finding)])
  return gv.obj(out)
}

export function summaryValue(s: Summary): GoValue {
  return gv.obj([
    ['intent', gv.str(s.intent)],
    ['outcome', gv.str(s.outcome)],
    [
      'learnings',
      gv.obj([
        ['repo', gv.strings(s.learnings.repo)],
        [
          'code',
          s.learnings.code === null ? gv.null : gv.arr(s.learnings.code.map(codeLearningValue))
        ],
        ['workflow', gv.strings(s.learnings.workflow)]
      ])
    ],
    ['friction', gv.strings(s.friction)],
    ['open_items', gv.strings(s.open_items)]
  ])
}

export function attributionValue(a: Attribution): GoValue {
  const out: Fields = [
    ['calculated_at', gv.time(a.calculated_at)],
    ['agent_lines', gv.int(a.agent_lines)],
    ['agent_removed', gv.int(a.agent_removed)],
    ['human_added', gv.int(a.human_added)],
    ['human_modified', gv.int(a.human_modified)],
    ['human_removed', gv.int(a.human_removed)],
    ['total_committed', gv.int(a.total_committed)],
    ['total_lines_changed', gv.int(a.total_lines_changed)],
    ['agent_percentage', gv.float(a.agent_percentage)]
  ]
  omitInt(out, 'metric_version', a.metric_version)
  return gv.obj(out)
}

export function sessionMetadataValue(m: SessionMetadata): GoValue {
  const out: Fields = []
  omitStr(out, 'cli_version', m.cli_version)
  out.push(['checkpoint_id', gv.str(m.checkpoint_id)])
  out.push(['session_id', gv.str(m.session_id)])
  out.push(['strategy', gv.str(m.strategy)])
  out.push(['created_at', gv.time(m.created_at)])
  omitStr(out, 'branch', m.branch)
  out.push(['checkpoints_count', gv.int(m.checkpoints_count)])
  out.push(['files_touched', gv.strings(m.files_touched)])
  omitStr(out, 'agent', m.agent)
  out.push(['model', gv.str(m.model)])
  omitStr(out, 'turn_id', m.turn_id)
  if (m.is_task) out.push(['is_task', gv.bool(true)])
  omitStr(out, 'tool_use_id', m.tool_use_id)
  omitStr(out, 'transcript_identifier_at_start', m.transcript_identifier_at_start)
  omitInt(out, 'checkpoint_transcript_start', m.checkpoint_transcript_start)
  omitInt(out, 'transcript_lines_at_start', m.transcript_lines_at_start)
  if (m.token_usage) out.push(['token_usage', tokenUsageValue(m.token_usage)])
  if (m.session_metrics) out.push(['session_metrics', sessionMetricsValue(m.session_metrics)])
  if (m.summary) out.push(['summary', summaryValue(m.summary)])
  if (m.initial_attribution)
    out.push(['initial_attribution', attributionValue(m.initial_attribution)])
  if (m.prompt_attributions && m.prompt_attributions.length > 0) {
    out.push(['prompt_attributions', gv.raw(m.prompt_attributions)])
  }
  omitStr(out, 'kind', m.kind)
  if (m.review_skills && m.review_skills.length > 0)
    out.push(['review_skills', gv.strings(m.review_skills)])
  omitStr(out, 'review_prompt', m.review_prompt)
  return gv.obj(out)
}

export function sessionFilePathsValue(p: SessionFilePaths): GoValue {
  const out: Fields = [['metadata', gv.str(p.metadata)]]
  omitStr(out, 'transcript', p.transcript)
  omitStr(out, 'content_hash', p.content_hash)
  out.push(['prompt', gv.str(p.prompt)])
  return gv.obj(out)
}

export function checkpointSummaryValue(s: CheckpointSummary): GoValue {
  const out: Fields = []
  omitStr(out, 'cli_version', s.cli_version)
  out.push(['checkpoint_id', gv.str(s.checkpoint_id)])
  out.push(['strategy', gv.str(s.strategy)])
  omitStr(out, 'branch', s.branch)
  out.push(['checkpoints_count', gv.int(s.checkpoints_count)])
  out.push(['files_touched', gv.strings(s.files_touched)])
  out.push([
    'sessions',
    s.sessions === null ? gv.null : gv.arr(s.sessions.map(sessionFilePathsValue))
  ])
  if (s.token_usage) out.push(['token_usage', tokenUsageValue(s.token_usage)])
  if (s.combined_attribution)
    out.push(['combined_attribution', attributionValue(s.combined_attribution)])
  if (s.has_review) out.push(['has_review', gv.bool(true)])
  return gv.obj(out)
}

export function generationMetadataValue(g: GenerationMetadata): GoValue {
  return gv.obj([
    ['oldest_checkpoint_at', gv.time(g.oldest_checkpoint_at)],
    ['newest_checkpoint_at', gv.time(g.newest_checkpoint_at)]
  ])
}

export type { DecodeResult }

/** One record of `entire-v2-rotations/pending.json` (Go `PendingV2FullGenerationPublication`). */
export interface PendingPublication {
  archive_ref_name: string
  archive_commit_hash: string
  previous_full_current_hash: string
  reset_full_current_root_hash: string
  queued_at: GoTime
}

export interface PendingPublicationState {
  version: number
  publications: PendingPublication[] | null
}

const pendingPublicationSchema: StructSchema = {
  goName: 'PendingV2FullGenerationPublication',
  zero: (() => ({
    archive_ref_name: '',
    archive_commit_hash: '',
    previous_full_current_hash: '',
    reset_full_current_root_hash: '',
    queued_at: GO_ZERO_TIME
  })) as Z,
  fields: [
    f('archive_ref_name', 'string'),
    f('archive_commit_hash', 'string'),
    f('previous_full_current_hash', 'string'),
    f('reset_full_current_root_hash', 'string'),
    f('queued_at', 'time')
  ]
}
export const pendingStateSchema: StructSchema = {
  goName: 'pendingV2FullGenerationPublicationState',
  zero: (() => ({ version: 0, publications: null })) as Z,
  fields: [f('version', 'int'), f('publications', { structSlice: pendingPublicationSchema })]
}

export function decodePendingPublicationState(
  bytes: Uint8Array,
  options?: DecodeOptions
): DecodeResult<PendingPublicationState> {
  return decodeGoStruct<PendingPublicationState>(bytes, pendingStateSchema, options)
}

export function pendingPublicationStateValue(s: PendingPublicationState): GoValue {
  return gv.obj([
    ['version', gv.int(s.version)],
    [
      'publications',
      s.publications === null
        ? gv.null
        : gv.arr(
            s.publications.map((p) => {
              const out: Fields = [
                ['archive_ref_name', gv.str(p.archive_ref_name)],
                ['archive_commit_hash', gv.str(p.archive_commit_hash)]
              ]
              omitStr(out, 'previous_full_current_hash', p.previous_full_current_hash)
              omitStr(out, 'reset_full_current_root_hash', p.reset_full_current_root_hash)
              out.push(['queued_at', gv.time(p.queued_at)])
              return gv.obj(out)
            })
          )
    ]
  ])
}
