// Deterministic synthetic v1 corpus: N checkpoints of realistic shape written straight into a
// repository's `entire/checkpoints/v1` branch through `git fast-import`, one process per
// 100 checkpoints so memory stays bounded by one chunk of the stream.
//
// Shapes follow the real corpus (../shared/corpus): 1-5 sessions per checkpoint; transcript
// sizes p10 ≈ 130 KB, median ≈ 0.9 MB, p90 ≈ 3 MB, capped at 20 MB; sessions that continue
// across checkpoints (cumulative transcripts, as v1 writers store them); several agents.
import { createHash } from 'node:crypto'
import { GitRunner } from '../git/runner.js'

export interface SyntheticOptions {
  checkpoints: number
  seed?: number
  /** Number of sessions whose transcript is grown past 50 MiB and stored chunked. */
  chunked?: number
  /** Checkpoints per fast-import process (bounds memory). */
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
function prng(seed: number): () => number {
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

class TextPool {
  private readonly pool: string
  constructor(rand: () => number) {
    const parts: string[] = []
    let len = 0
    while (len < 1 << 20) {
      const w = WORDS[Math.floor(rand() * WORDS.length)]
      const sep = rand() < 0.04 ? '\\n' : ' '
      parts.push(w + sep)
      len += w.length + sep.length
    }
    this.pool = parts.join('')
  }
  /** A JSON-safe text of about n characters (escapes already applied). */
  take(rand: () => number, n: number): string {
    const max = this.pool.length - n - 2
    let start = Math.floor(rand() * Math.max(1, max))
    // never start or end inside an escape sequence
    while (start > 0 && this.pool[start - 1] === '\\') start++
    let end = Math.min(this.pool.length, start + n)
    while (end > start && this.pool[end - 1] === '\\') end--
    return this.pool.slice(start, end)
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

type AgentKind = 'Claude Code' | 'Codex' | 'Gemini CLI' | 'Cursor'

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
  /** Transcript lines (JSONL agents) or messages (Gemini), cumulative. */
  items: string[]
  bytes: number
  turn: number
  prompts: string[]
}

function ts(base: number, i: number): string {
  return new Date(base + i * 1000).toISOString()
}

/** Append roughly `target` bytes of agent-shaped records to a session. */
function grow(s: Session, target: number, rand: () => number, text: TextPool, base: number): void {
  const goal = s.bytes + target
  while (s.bytes < goal) {
    s.turn++
    const t = s.turn
    const prompt = text.take(rand, 40 + Math.floor(rand() * 200))
    s.prompts.push(prompt.replace(/\\n/g, '\n'))
    const toolId = `toolu_${hex(rand, 24)}`
    const out = text.take(rand, 500 + Math.floor(rand() * 6000))
    const reply = text.take(rand, 100 + Math.floor(rand() * 1500))
    let recs: string[]
    if (s.agent === 'Codex') {
      recs = [
        `{"timestamp":"${ts(base, t)}","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"${prompt}"}]}}`,
        `{"timestamp":"${ts(base, t)}","type":"event_msg","payload":{"type":"user_message","message":"${prompt}"}}`,
        `{"timestamp":"${ts(base, t)}","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\\"cmd\\":\\"ls -la\\"}","call_id":"call_${hex(rand, 12)}"}}`,
        `{"timestamp":"${ts(base, t)}","type":"response_item","payload":{"type":"function_call_output","call_id":"call_x","output":"${out}"}}`,
        `{"timestamp":"${ts(base, t)}","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"${reply}"}],"phase":"final"}}`
      ]
    } else if (s.agent === 'Gemini CLI') {
      recs = [
        `{"id":"${uuid(rand)}","timestamp":"${ts(base, t)}","type":"user","content":"${prompt}"}`,
        `{"id":"${uuid(rand)}","timestamp":"${ts(base, t)}","type":"gemini","content":"${reply}","toolCalls":[{"id":"read_file-${t}","name":"read_file","args":{"file_path":"src/x.go"},"result":[{"functionResponse":{"id":"read_file-${t}","name":"read_file","response":{"output":"${out}"}}}],"status":"success"}],"model":"gemini-2.5-pro"}`
      ]
    } else {
      const u1 = uuid(rand)
      const u2 = uuid(rand)
      const u3 = uuid(rand)
      const model = s.agent === 'Cursor' ? 'gpt-5' : 'claude-sonnet-4-5'
      recs = [
        `{"parentUuid":null,"isSidechain":false,"type":"user","message":{"role":"user","content":"${prompt}"},"uuid":"${u1}","timestamp":"${ts(base, t)}","sessionId":"${s.id}","cwd":"/repo","version":"2.1.78"}`,
        `{"parentUuid":"${u1}","isSidechain":false,"type":"assistant","message":{"id":"msg_${hex(rand, 20)}","type":"message","role":"assistant","model":"${model}","content":[{"type":"text","text":"${reply}"},{"type":"tool_use","id":"${toolId}","name":"Read","input":{"file_path":"/repo/src/main.go","limit":${1 + Math.floor(rand() * 400)}}}],"usage":{"input_tokens":${Math.floor(rand() * 9000)},"output_tokens":${Math.floor(rand() * 900)}}},"uuid":"${u2}","timestamp":"${ts(base, t)}","sessionId":"${s.id}"}`,
        `{"parentUuid":"${u2}","isSidechain":false,"type":"user","message":{"role":"user","content":[{"tool_use_id":"${toolId}","type":"tool_result","content":"${out}"}]},"uuid":"${u3}","timestamp":"${ts(base, t)}","sessionId":"${s.id}","toolUseResult":{"type":"text"}}`
      ]
    }
    for (const r of recs) {
      s.items.push(r)
      s.bytes += r.length + 1
    }
  }
}

function transcriptBytes(s: Session): Buffer {
  if (s.agent === 'Gemini CLI') {
    return Buffer.from(
      `{"sessionId":"${s.id}","projectHash":"${'ab'.repeat(32)}","startTime":"2026-01-01T00:00:00.000Z","messages":[${s.items.join(',')}]}`
    )
  }
  return Buffer.from(s.items.join('\n') + '\n')
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

class StreamBuilder {
  private readonly parts: Buffer[] = []
  size = 0
  push(b: Buffer | string): void {
    const buf = typeof b === 'string' ? Buffer.from(b) : b
    this.parts.push(buf)
    this.size += buf.length
  }
  file(path: string, data: Buffer): void {
    this.push(`M 100644 inline ${path}\ndata ${data.length}\n`)
    this.push(data)
    this.push('\n')
  }
  build(): Buffer {
    return Buffer.concat(this.parts)
  }
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
  let parent = ''
  let sessionsTotal = 0
  let bytesTotal = 0
  let done = 0

  while (done < opts.checkpoints) {
    const sb = new StreamBuilder()
    const n = Math.min(chunkSize, opts.checkpoints - done)
    const when = Math.floor(base / 1000) + done * 600
    sb.push(
      `commit ${branch}\ncommitter Synthetic <synthetic@example.invalid> ${when} +0000\n` +
        `data <<EOT\nsynthetic checkpoints ${done + 1}-${done + n}\nEOT\n`
    )
    if (parent) sb.push(`from ${parent}\n`)
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
          startAt = s.items.length
          // the cumulative size still follows the drawn distribution
          grow(s, Math.max(20_000, drawTranscriptSize(rand) - s.bytes), rand, text, base)
        } else {
          s = { id: uuid(rand), agent: drawAgent(rand), items: [], bytes: 0, turn: 0, prompts: [] }
          grow(s, drawTranscriptSize(rand), rand, text, base)
          live.push(s)
          if (live.length > 8) live.shift()
        }
        let data = transcriptBytes(s)
        if (chunkedLeft > 0 && s.agent !== 'Gemini CLI' && rand() < 0.5) {
          while (s.bytes < CHUNK_LIMIT + 4_000_000) grow(s, 8_000_000, rand, text, base)
          data = transcriptBytes(s)
          chunkedLeft--
        }
        const sessDir = `${dir}/${k}`
        const chunks = s.agent === 'Gemini CLI' ? [data] : chunkJsonl(data)
        chunks.forEach((chunk, i) => {
          const name = i === 0 ? 'full.jsonl' : `full.jsonl.${String(i).padStart(3, '0')}`
          sb.file(`${sessDir}/${name}`, chunk)
        })
        bytesTotal += data.length
        const hash = 'sha256:' + createHash('sha256').update(data).digest('hex')
        sb.file(`${sessDir}/content_hash.txt`, Buffer.from(hash))
        const prompts = s.prompts.slice(-Math.min(s.prompts.length, 3))
        sb.file(`${sessDir}/prompt.txt`, Buffer.from(prompts.join('\n\n---\n\n')))
        const files = [
          `src/mod${Math.floor(rand() * 50)}.go`,
          `src/mod${Math.floor(rand() * 50)}_test.go`
        ]
        files.forEach((f) => filesAll.add(f))
        const tokens = {
          input_tokens: Math.floor(rand() * 5000),
          cache_creation_tokens: Math.floor(rand() * 200000),
          cache_read_tokens: Math.floor(rand() * 2000000),
          output_tokens: Math.floor(rand() * 5000),
          api_call_count: 1 + Math.floor(rand() * 60)
        }
        const meta: Record<string, unknown> = {
          cli_version: '0.5.6',
          checkpoint_id: id,
          session_id: s.id,
          strategy: 'manual-commit',
          created_at: created,
          branch: 'main',
          checkpoints_count: 1 + Math.floor(rand() * 5),
          files_touched: files,
          agent: s.agent,
          model: s.agent === 'Gemini CLI' ? 'gemini-2.5-pro' : 'claude-sonnet-4-5',
          turn_id: hex(rand, 12)
        }
        if (startAt > 0) {
          meta.checkpoint_transcript_start = startAt
          meta.transcript_lines_at_start = startAt
        }
        meta.token_usage = tokens
        sb.file(`${sessDir}/metadata.json`, json(meta))
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
      sb.file(`${dir}/metadata.json`, json(summary))
    }
    sb.push('\n')
    // No delta search: it costs fast-import about 3x its time and saves only disk here.
    await git.run(['fast-import', '--quiet', '--done', '--depth=0'], {
      input: Buffer.concat([sb.build(), Buffer.from('done\n')])
    })
    parent = await git.text(['rev-parse', '--verify', `${branch}^{commit}`])
    done += n
    opts.onProgress?.(done, opts.checkpoints, bytesTotal)
  }
  return { checkpoints: done, sessions: sessionsTotal, transcriptBytes: bytesTotal, commit: parent }
}
