// Deterministic synthetic v1 corpus: N checkpoints of realistic shape written straight into a
// repository's `entire/checkpoints/v1` branch through ONE streamed `git fast-import` (one commit
// per `chunkSize` checkpoints), so memory holds the live sessions, not the corpus.
//
// Shapes follow the real corpus (../shared/corpus): 1-5 sessions per checkpoint; transcript
// sizes p10 ≈ 130 KB, median ≈ 0.9 MB, p90 ≈ 3 MB, capped at 20 MB; sessions that continue
// across checkpoints (cumulative transcripts, as v1 writers store them); several agents.
// Content follows it too: most bytes of a real transcript are what compaction drops (Claude
// Code: `toolUseResult` copies of tool output and whole edited files, progress records of
// hooks, shells and subagents, thinking blocks with signatures, usage and envelope fields;
// Codex: session instructions, turn contexts, encrypted reasoning, event copies of messages;
// Gemini: thoughts, result displays, token details), so a synthetic transcript compacts to
// about the real corpus' ratio (~17%) instead of to nearly its raw size.
import { createHash } from 'node:crypto'
import { GitRunner } from '../git/runner.js'
import { FastImportBatch } from '../git/writer.js'

export interface SyntheticOptions {
  checkpoints: number
  seed?: number
  /** Number of sessions whose transcript is grown past 50 MiB and stored chunked. */
  chunked?: number
  /** Checkpoints per commit of the v1 branch. */
  chunkSize?: number
  branch?: string
  onProgress?: (done: number, total: number, bytes: number) => void
}

export interface SyntheticResult {
  checkpoints: number
  sessions: number
  transcriptBytes: number
  commit: string
}

const CHUNK_LIMIT = 50 * 1024 * 1024
const MAX_TRANSCRIPT = 20_000_000

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())
}

/** Transcript size: a split log-normal through p10 130 KB, median 900 KB, p90 3 MB. */
export function drawTranscriptSize(rand: () => number): number {
  const z = gaussian(rand)
  const median = 900_000
  const sigma = z < 0 ? Math.log(900 / 130) / 1.2816 : Math.log(3000 / 900) / 1.2816
  return Math.max(2_000, Math.min(MAX_TRANSCRIPT, Math.round(median * Math.exp(sigma * z))))
}

const WORDS = (
  'the a of to and in is for that on with as this function return const let value error file ' +
  'test build run check update change read write path line commit branch session checkpoint ' +
  'migrate transcript compact tree blob ref push fetch merge diff index object stream batch ' +
  'go json parse encode decode string number array map slice struct interface package import ' +
  'café naïve 日本語 émigré — “quoted” <tag> & done.'
).split(' ')

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Slices of prebuilt text: JSON-safe prose (escapes applied) and base64-like noise. */
class TextPool {
  private readonly prose: string
  private readonly noise: string
  constructor(rand: () => number) {
    const parts: string[] = []
    let len = 0
    while (len < 1 << 20) {
      const w = WORDS[Math.floor(rand() * WORDS.length)]
      const sep = rand() < 0.04 ? '\\n' : ' '
      parts.push(w + sep)
      len += w.length + sep.length
    }
    this.prose = parts.join('')
    const n: string[] = []
    for (let i = 0; i < 1 << 18; i++) n.push(B64[Math.floor(rand() * 64)])
    this.noise = n.join('')
  }
  /** A JSON-safe text of about n characters (escapes already applied). */
  take(rand: () => number, n: number): string {
    const max = this.prose.length - n - 2
    let start = Math.floor(rand() * Math.max(1, max))
    // never start or end inside an escape sequence
    while (start > 0 && this.prose[start - 1] === '\\') start++
    let end = Math.min(this.prose.length, start + n)
    while (end > start && this.prose[end - 1] === '\\') end--
    return this.prose.slice(start, end)
  }
  /** n characters of base64 alphabet (signatures, encrypted reasoning). */
  b64(rand: () => number, n: number): string {
    const m = Math.min(n, this.noise.length)
    const start = Math.floor(rand() * (this.noise.length - m))
    return this.noise.slice(start, start + m)
  }
}

function hex(rand: () => number, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16)
  return s
}

function uuid(rand: () => number): string {
  const h = hex(rand, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`
}

export type AgentKind = 'Claude Code' | 'Codex' | 'Gemini CLI' | 'Cursor'

function drawAgent(rand: () => number): AgentKind {
  const r = rand()
  if (r < 0.7) return 'Claude Code'
  if (r < 0.82) return 'Codex'
  if (r < 0.92) return 'Gemini CLI'
  return 'Cursor'
}

interface Session {
  id: string
  agent: AgentKind
  /** Transcript bytes so far, as appended pieces (JSONL records, or Gemini messages). */
  pieces: Buffer[]
  bytes: number
  /** JSONL lines (or Gemini messages) so far. */
  items: number
  turn: number
  prompts: string[]
  lastUuid: string
}

function ts(base: number, i: number): string {
  return new Date(base + i * 1000).toISOString()
}

const int = (rand: () => number, lo: number, hi: number): number =>
  lo + Math.floor(rand() * (hi - lo))

/** Claude Code (and Cursor, same JSONL shape) records of one turn. */
function claudeTurn(s: Session, rand: () => number, text: TextPool, base: number): string[] {
  const t = s.turn
  const time = ts(base, t)
  const env = `"isSidechain":false,"userType":"external","cwd":"/Users/dev/work/project","sessionId":"${s.id}","version":"2.1.37","gitBranch":"feature/synthetic-${t % 7}","slug":"synthetic-quiet-river"`
  const model = s.agent === 'Cursor' ? 'gpt-5' : 'claude-opus-4-5-20251101'
  const usage = (): string =>
    `"usage":{"input_tokens":${int(rand, 1, 20)},"cache_creation_input_tokens":${int(rand, 0, 40000)},"cache_read_input_tokens":${int(rand, 0, 200000)},"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":${int(rand, 0, 9000)}},"output_tokens":${int(rand, 1, 900)},"service_tier":"standard","inference_geo":"not_available"}`
  const recs: string[] = []
  let parent = s.lastUuid ? `"${s.lastUuid}"` : 'null'
  const line = (body: string): void => {
    const u = uuid(rand)
    recs.push(`{"parentUuid":${parent},${env},${body},"uuid":"${u}","timestamp":"${time}"}`)
    parent = `"${u}"`
    s.lastUuid = u
  }
  const prompt = text.take(rand, int(rand, 40, 400))
  s.prompts.push(prompt.replace(/\\n/g, '\n'))
  if (rand() < 0.3) {
    recs.push(
      `{"type":"file-history-snapshot","messageId":"${uuid(rand)}","snapshot":{"messageId":"${uuid(rand)}","trackedFileBackups":{"src/mod${t % 40}.go":{"backupFileName":"${hex(rand, 16)}@v${t}","version":${t},"backupTime":"${time}"}},"timestamp":"${time}"},"isSnapshotUpdate":false}`
    )
  }
  line(
    `"type":"user","message":{"role":"user","content":"${prompt}"},"thinkingMetadata":{"level":"high","disabled":false,"triggers":[]},"todos":[]`
  )
  for (let h = int(rand, 0, 3); h > 0; h--) {
    line(
      `"type":"progress","data":{"type":"hook_progress","hookEvent":"PostToolUse","hookName":"PostToolUse:Edit","command":"entire hooks claude-code post-tool-use"},"parentToolUseID":"toolu_${hex(rand, 24)}","toolUseID":"toolu_${hex(rand, 24)}"`
    )
  }
  const msgId = `msg_${hex(rand, 24)}`
  const req = `"requestId":"req_${hex(rand, 24)}"`
  const assistant = (content: string): void =>
    line(
      `"message":{"model":"${model}","id":"${msgId}","type":"message","role":"assistant","content":[${content}],"stop_reason":null,"stop_sequence":null,${usage()}},${req},"type":"assistant"`
    )
  if (rand() < 0.75) {
    assistant(
      `{"type":"thinking","thinking":"${text.take(rand, int(rand, 200, 2500))}","signature":"${text.b64(rand, int(rand, 400, 3000))}"}`
    )
  }
  assistant(`{"type":"text","text":"${text.take(rand, int(rand, 60, 900))}"}`)
  // One to three tool calls, each with its result and what the tools record beside it.
  for (let k = int(rand, 1, 4); k > 0; k--) {
    const id = `toolu_${hex(rand, 24)}`
    const out = text.take(rand, int(rand, 300, 5000))
    const file = `/Users/dev/work/project/src/mod${int(rand, 0, 50)}.go`
    const r = rand()
    let input: string
    let result: string
    let toolUseResult: string
    if (r < 0.3) {
      input = `{"file_path":"${file}","limit":${int(rand, 50, 400)}}`
      result = out
      toolUseResult = `{"type":"text","file":{"filePath":"${file}","content":"${out}","numLines":${int(rand, 20, 400)},"startLine":1,"totalLines":${int(rand, 400, 900)}}}`
    } else if (r < 0.6) {
      input = `{"command":"go test ./... 2>&1 | tail -${int(rand, 5, 80)}","description":"${text.take(rand, 40)}"}`
      result = out
      toolUseResult = `{"stdout":"${out}","stderr":"","interrupted":false,"isImage":false}`
    } else if (r < 0.85) {
      const oldS = text.take(rand, int(rand, 50, 600))
      const newS = text.take(rand, int(rand, 50, 800))
      input = `{"file_path":"${file}","old_string":"${oldS}","new_string":"${newS}"}`
      result = `The file ${file} has been updated. Here's the result of running \`cat -n\` on a snippet of the edited file:\\n${text.take(rand, int(rand, 200, 900))}`
      toolUseResult = `{"filePath":"${file}","oldString":"${oldS}","newString":"${newS}","originalFile":"${text.take(rand, int(rand, 4000, 40000))}","structuredPatch":[{"oldStart":${int(rand, 1, 300)},"oldLines":${int(rand, 1, 30)},"newStart":${int(rand, 1, 300)},"newLines":${int(rand, 1, 30)},"lines":["${text.take(rand, int(rand, 200, 1500))}"]}],"userModified":false,"replaceAll":false}`
    } else {
      input = `{"subagent_type":"Explore","prompt":"${text.take(rand, int(rand, 200, 800))}","description":"${text.take(rand, 40)}"}`
      result = out
      toolUseResult = `{"status":"completed","prompt":"${text.take(rand, 300)}","agentId":"${hex(rand, 8)}","content":[{"type":"text","text":"${out}"}],"totalDurationMs":${int(rand, 1000, 90000)},"totalTokens":${int(rand, 1000, 90000)},"totalToolUseCount":${int(rand, 1, 30)}}`
      // A subagent reports its own tool traffic as progress records of the parent session.
      for (let p = int(rand, 2, 8); p > 0; p--) {
        line(
          `"type":"progress","data":{"message":{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_${hex(rand, 24)}","type":"tool_result","content":"${text.take(rand, int(rand, 500, 5000))}"}]},"uuid":"${uuid(rand)}","timestamp":"${time}"},"normalizedMessages":[],"type":"agent_progress","prompt":"${text.take(rand, 200)}","agentId":"${hex(rand, 8)}"},"toolUseID":"agent_msg_${hex(rand, 24)}","parentToolUseID":"${id}"`
        )
      }
    }
    const name = r < 0.3 ? 'Read' : r < 0.6 ? 'Bash' : r < 0.85 ? 'Edit' : 'Task'
    assistant(`{"type":"tool_use","id":"${id}","name":"${name}","input":${input}}`)
    if (name === 'Bash' && rand() < 0.5) {
      line(
        `"type":"progress","data":{"type":"bash_progress","output":"${text.take(rand, int(rand, 200, 2500))}","fullOutput":"${text.take(rand, int(rand, 500, 4000))}","elapsedTimeSeconds":${int(rand, 2, 60)},"totalLines":${int(rand, 5, 200)}},"toolUseID":"bash-progress-${t}","parentToolUseID":"${id}"`
      )
    }
    line(
      `"type":"user","message":{"role":"user","content":[{"tool_use_id":"${id}","type":"tool_result","content":"${result}"}]},"toolUseResult":${toolUseResult},"sourceToolAssistantUUID":"${s.lastUuid}"`
    )
  }
  if (rand() < 0.15) {
    line(
      `"type":"system","subtype":"stop_hook_summary","hookCount":1,"hookInfos":[{"command":"entire hooks claude-code stop"}],"hookErrors":[],"preventedContinuation":false,"stopReason":"","hasOutput":false,"level":"suggestion","toolUseID":"${uuid(rand)}"`
    )
  }
  return recs
}

/** Codex rollout records of one turn (the first turn opens with the session's metadata). */
function codexTurn(s: Session, rand: () => number, text: TextPool, base: number): string[] {
  const t = s.turn
  const time = ts(base, t)
  const recs: string[] = []
  if (s.items === 0) {
    recs.push(
      `{"timestamp":"${time}","type":"session_meta","payload":{"id":"${s.id}","timestamp":"${time}","cwd":"/home/dev/project","originator":"codex_cli_rs","cli_version":"0.46.0","instructions":null,"base_instructions":{"text":"${text.take(rand, 16000)}"},"git":{"commit_hash":"${hex(rand, 40)}","branch":"main"}}}`
    )
  }
  const prompt = text.take(rand, int(rand, 40, 400))
  s.prompts.push(prompt.replace(/\\n/g, '\n'))
  recs.push(
    `{"timestamp":"${time}","type":"turn_context","payload":{"cwd":"/home/dev/project","approval_policy":"on-request","sandbox_policy":{"type":"workspace-write","network_access":false,"exclude_tmpdir_env_var":false,"exclude_slash_tmp":false},"model":"gpt-5-codex","effort":"high","summary":"auto","user_instructions":"${text.take(rand, 1200)}"}}`,
    `{"timestamp":"${time}","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"${prompt}"}]}}`,
    `{"timestamp":"${time}","type":"event_msg","payload":{"type":"user_message","message":"${prompt}","images":[]}}`
  )
  for (let k = int(rand, 1, 4); k > 0; k--) {
    const summary = text.take(rand, int(rand, 80, 400))
    const call = `call_${hex(rand, 24)}`
    const out = text.take(rand, int(rand, 300, 5000))
    recs.push(
      `{"timestamp":"${time}","type":"response_item","payload":{"type":"reasoning","summary":[{"type":"summary_text","text":"${summary}"}],"content":null,"encrypted_content":"${text.b64(rand, int(rand, 2000, 12000))}"}}`,
      `{"timestamp":"${time}","type":"event_msg","payload":{"type":"agent_reasoning","text":"${summary}"}}`,
      `{"timestamp":"${time}","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\\"command\\":[\\"bash\\",\\"-lc\\",\\"rg -n ${hex(rand, 6)} src\\"],\\"workdir\\":\\"/home/dev/project\\"}","call_id":"${call}"}}`,
      `{"timestamp":"${time}","type":"response_item","payload":{"type":"function_call_output","call_id":"${call}","output":"${out}"}}`,
      `{"timestamp":"${time}","type":"event_msg","payload":{"type":"exec_command_end","call_id":"${call}","stdout":"${out}","stderr":"","aggregated_output":"${out}","exit_code":0,"duration":{"secs":0,"nanos":${int(rand, 1000, 999999999)}},"formatted_output":"${text.take(rand, int(rand, 300, 3000))}"}}`,
      `{"timestamp":"${time}","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":${int(rand, 1000, 90000)},"cached_input_tokens":${int(rand, 0, 80000)},"output_tokens":${int(rand, 10, 9000)},"reasoning_output_tokens":${int(rand, 0, 4000)},"total_tokens":${int(rand, 1000, 99000)}},"last_token_usage":{"input_tokens":${int(rand, 100, 9000)},"cached_input_tokens":0,"output_tokens":${int(rand, 10, 900)},"reasoning_output_tokens":0,"total_tokens":${int(rand, 100, 9900)}},"model_context_window":272000},"rate_limits":{"primary":{"used_percent":${int(rand, 0, 100)},"window_minutes":300}}}}`
    )
  }
  const reply = text.take(rand, int(rand, 100, 1500))
  recs.push(
    `{"timestamp":"${time}","type":"event_msg","payload":{"type":"agent_message","message":"${reply}"}}`,
    `{"timestamp":"${time}","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"${reply}"}],"phase":"final"}}`
  )
  return recs
}

/** Gemini CLI session messages of one turn. */
function geminiTurn(s: Session, rand: () => number, text: TextPool, base: number): string[] {
  const t = s.turn
  const time = ts(base, t)
  const prompt = text.take(rand, int(rand, 40, 400))
  s.prompts.push(prompt.replace(/\\n/g, '\n'))
  const calls: string[] = []
  for (let k = int(rand, 1, 4); k > 0; k--) {
    const id = `read_file-${t}-${k}-${hex(rand, 8)}`
    const out = text.take(rand, int(rand, 300, 5000))
    calls.push(
      `{"id":"${id}","name":"read_file","args":{"absolute_path":"/home/dev/project/src/mod${int(rand, 0, 50)}.go"},"result":[{"functionResponse":{"id":"${id}","name":"read_file","response":{"output":"${out}"}}}],"status":"success","timestamp":"${time}","resultDisplay":"${out}\\n${text.take(rand, int(rand, 1000, 8000))}","displayName":"ReadFile","description":"${text.take(rand, int(rand, 100, 600))}","renderOutputAsMarkdown":true}`
    )
  }
  const thoughts: string[] = []
  for (let k = int(rand, 3, 8); k > 0; k--) {
    thoughts.push(
      `{"subject":"${text.take(rand, 40)}","description":"${text.take(rand, int(rand, 500, 3000))}","timestamp":"${time}"}`
    )
  }
  return [
    `{"id":"${uuid(rand)}","timestamp":"${time}","type":"user","content":"${prompt}"}`,
    `{"id":"${uuid(rand)}","timestamp":"${time}","type":"gemini","content":"${text.take(rand, int(rand, 100, 1500))}","thoughts":[${thoughts.join(',')}],"tokens":{"input":${int(rand, 1000, 90000)},"output":${int(rand, 10, 3000)},"cached":${int(rand, 0, 80000)},"thoughts":${int(rand, 0, 3000)},"tool":0,"total":${int(rand, 1000, 99000)}},"model":"gemini-2.5-pro","toolCalls":[${calls.join(',')}]}`
  ]
}

/** Append roughly `target` bytes of agent-shaped records to a session. */
function grow(s: Session, target: number, rand: () => number, text: TextPool, base: number): void {
  const goal = s.bytes + target
  const recs: string[] = []
  let bytes = 0
  while (s.bytes + bytes < goal) {
    s.turn++
    const turn =
      s.agent === 'Codex'
        ? codexTurn(s, rand, text, base)
        : s.agent === 'Gemini CLI'
          ? geminiTurn(s, rand, text, base)
          : claudeTurn(s, rand, text, base)
    for (const r of turn) {
      recs.push(r)
      bytes += r.length + 1
      s.items++
    }
  }
  // One piece per growth: JSONL lines end with \n; Gemini messages are joined by commas.
  const sep = s.agent === 'Gemini CLI' ? ',' : '\n'
  const lead = s.agent === 'Gemini CLI' && s.pieces.length > 0 ? ',' : ''
  const piece = Buffer.from(lead + recs.join(sep) + (sep === '\n' ? '\n' : ''), 'utf8')
  s.pieces.push(piece)
  s.bytes += piece.length
}

/** The transcript as pieces (never joined): JSONL lines, or the Gemini session document. */
function transcriptPieces(s: Session): Buffer[] {
  if (s.agent === 'Gemini CLI') {
    return [
      Buffer.from(
        `{"sessionId":"${s.id}","projectHash":"${'ab'.repeat(32)}","startTime":"2026-01-01T00:00:00.000Z","lastUpdated":"2026-01-02T00:00:00.000Z","messages":[`
      ),
      ...s.pieces,
      Buffer.from(']}')
    ]
  }
  return s.pieces
}

/** JSONL chunking as the v1 writer does it (v1-format §7.3): split on \n, pack, drop one trailing \n. */
export function chunkJsonl(data: Buffer, limit = CHUNK_LIMIT): Buffer[] {
  if (data.length <= limit) return [data]
  const chunks: Buffer[] = []
  let chunkStart = 0
  let pos = 0
  let current = 0 // bytes in the current chunk, counting each piece's newline
  for (;;) {
    const nl = data.indexOf(10, pos)
    const len = (nl < 0 ? data.length : nl) - pos + 1
    if (current > 0 && current + len > limit) {
      chunks.push(data.subarray(chunkStart, pos - 1))
      chunkStart = pos
      current = 0
    }
    current += len
    if (nl < 0) break
    pos = nl + 1
  }
  chunks.push(data.subarray(chunkStart))
  return chunks
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2) + '\n')
}

/**
 * One synthetic session transcript of `bytes` (about) for `agent`, as pieces: for measuring
 * what compaction makes of the generator's records (tests, tuning).
 */

/** A session with nothing written yet. */
function emptySession(id: string, agent: Session['agent']): Session {
  return { id, agent, pieces: [], bytes: 0, items: 0, turn: 0, prompts: [], lastUuid: '' }
}
export function syntheticTranscript(agent: AgentKind, bytes: number, seed = 1): Buffer[] {
  const rand = prng(seed)
  const text = new TextPool(rand)
  const s = emptySession(uuid(rand), agent)
  grow(s, bytes, rand, text, Date.UTC(2026, 0, 1))
  return transcriptPieces(s)
}

const SIGNATURE = {
  name: 'Synthetic',
  email: 'synthetic@example.invalid',
  tz: '+0000'
}

/** Write N synthetic v1 checkpoints onto `branch` (default the v1 branch) of the repository. */
export async function generateSyntheticCorpus(
  git: GitRunner,
  opts: SyntheticOptions
): Promise<SyntheticResult> {
  const rand = prng(opts.seed ?? 42)
  const text = new TextPool(rand)
  const branch = opts.branch ?? 'refs/heads/entire/checkpoints/v1'
  const chunkSize = opts.chunkSize ?? 100
  let chunkedLeft = opts.chunked ?? 0
  const base = Date.UTC(2026, 0, 1)
  const live: Session[] = []
  const usedIds = new Set<string>()
  let sessionsTotal = 0
  let bytesTotal = 0
  let done = 0
  // Fastest zlib level: this is benchmark input, and git's default level made generation
  // wait on fast-import.
  const out = FastImportBatch.streaming(git, 'sha1', { compression: 1 })
  let parent: string | null = null

  try {
    while (done < opts.checkpoints) {
      const n = Math.min(chunkSize, opts.checkpoints - done)
      const files: Array<{ op: 'M'; mode: string; ref: string; path: string }> = []
      const file = (path: string, data: Buffer | Buffer[]): void => {
        files.push({ op: 'M', mode: '100644', ref: out.blob(data), path })
      }
      for (let c = 0; c < n; c++) {
        let id = hex(rand, 12)
        while (usedIds.has(id)) id = hex(rand, 12)
        usedIds.add(id)
        const dir = `${id.slice(0, 2)}/${id.slice(2)}`
        const r = rand()
        const nSessions = r < 0.8 ? 1 : r < 0.9 ? 2 : r < 0.95 ? 3 : r < 0.98 ? 4 : 5
        const entries: Record<string, string>[] = []
        const filesAll = new Set<string>()
        const created = new Date(base + (done + c) * 600_000).toISOString().replace('Z', '123Z')
        for (let k = 0; k < nSessions; k++) {
          // Continue a live session (cumulative transcript) or start a new one.
          let s: Session
          let startAt = 0
          const cont = live.length > 0 && rand() < 0.3
          if (cont) {
            s = live[Math.floor(rand() * live.length)]
            startAt = s.items
            // the cumulative size still follows the drawn distribution
            grow(s, Math.max(20_000, drawTranscriptSize(rand) - s.bytes), rand, text, base)
          } else {
            s = emptySession(uuid(rand), drawAgent(rand))
            grow(s, drawTranscriptSize(rand), rand, text, base)
            live.push(s)
            if (live.length > 8) live.shift()
          }
          if (chunkedLeft > 0 && s.agent !== 'Gemini CLI' && rand() < 0.5) {
            while (s.bytes < CHUNK_LIMIT + 4_000_000) grow(s, 8_000_000, rand, text, base)
            chunkedLeft--
          }
          const pieces = transcriptPieces(s)
          const size = pieces.reduce((a, p) => a + p.length, 0)
          const sessDir = `${dir}/${k}`
          if (size > CHUNK_LIMIT && s.agent !== 'Gemini CLI') {
            chunkJsonl(Buffer.concat(pieces, size)).forEach((chunk, i) => {
              const name = i === 0 ? 'full.jsonl' : `full.jsonl.${String(i).padStart(3, '0')}`
              file(`${sessDir}/${name}`, chunk)
            })
          } else file(`${sessDir}/full.jsonl`, pieces)
          bytesTotal += size
          const h = createHash('sha256')
          for (const p of pieces) h.update(p)
          file(`${sessDir}/content_hash.txt`, Buffer.from('sha256:' + h.digest('hex')))
          const prompts = s.prompts.slice(-Math.min(s.prompts.length, 3))
          file(`${sessDir}/prompt.txt`, Buffer.from(prompts.join('\n\n---\n\n')))
          const touched = [`src/mod${int(rand, 0, 50)}.go`, `src/mod${int(rand, 0, 50)}_test.go`]
          touched.forEach((f) => filesAll.add(f))
          const tokens = {
            input_tokens: int(rand, 0, 5000),
            cache_creation_tokens: int(rand, 0, 200000),
            cache_read_tokens: int(rand, 0, 2000000),
            output_tokens: int(rand, 0, 5000),
            api_call_count: int(rand, 1, 61)
          }
          const meta: Record<string, unknown> = {
            cli_version: '0.5.6',
            checkpoint_id: id,
            session_id: s.id,
            strategy: 'manual-commit',
            created_at: created,
            branch: 'main',
            checkpoints_count: int(rand, 1, 6),
            files_touched: touched,
            agent: s.agent,
            model: s.agent === 'Gemini CLI' ? 'gemini-2.5-pro' : 'claude-sonnet-4-5',
            turn_id: hex(rand, 12)
          }
          if (startAt > 0) {
            meta.checkpoint_transcript_start = startAt
            meta.transcript_lines_at_start = startAt
          }
          meta.token_usage = tokens
          file(`${sessDir}/metadata.json`, json(meta))
          entries.push({
            metadata: `/${sessDir}/metadata.json`,
            transcript: `/${sessDir}/full.jsonl`,
            content_hash: `/${sessDir}/content_hash.txt`,
            prompt: `/${sessDir}/prompt.txt`
          })
          sessionsTotal++
        }
        const summary = {
          cli_version: '0.5.6',
          checkpoint_id: id,
          strategy: 'manual-commit',
          branch: 'main',
          checkpoints_count: nSessions,
          files_touched: [...filesAll].sort(),
          sessions: entries
        }
        file(`${dir}/metadata.json`, json(summary))
        // git compresses this checkpoint while the next one is generated
        await out.flush()
      }
      const when = Math.floor(base / 1000) + done * 600
      const sig = { ...SIGNATURE, time: when }
      parent = out.commit({
        parents: parent ? [parent] : [],
        author: sig,
        committer: sig,
        message: `synthetic checkpoints ${done + 1}-${done + n}\n`,
        changes: files
      })
      done += n
      opts.onProgress?.(done, opts.checkpoints, bytesTotal)
    }
    const r = await out.run()
    const commit = r.commits[r.commits.length - 1]?.oid ?? ''
    if (commit) await git.run(['update-ref', branch, commit])
    return { checkpoints: done, sessions: sessionsTotal, transcriptBytes: bytesTotal, commit }
  } finally {
    await out.abort()
  }
}
