// A hand-written v1 → v2 migration for verifier tests, independent of the engine: it lays out
// `/main` and `/full/*` per migration.md §6 with plain JSON.stringify in Go key order, so a test
// can corrupt exactly one file with git plumbing and check what the verifier reports.
import { createHash } from 'node:crypto'
import { compact } from '../src/formats/compact/index.js'
import type { GitRunner } from '../src/git/runner.js'
import {
  buildV1Repo,
  claudeTranscript,
  sessionMeta,
  writeTreeCommit,
  type FileSpec,
  type V1CheckpointSpec,
  v1Files,
  V1_REF
} from './helpers/v1repo.js'

export const MAIN = 'refs/entire/checkpoints/v2/main'
export const CURRENT = 'refs/entire/checkpoints/v2/full/current'
export const archiveRef = (n: number): string =>
  `refs/entire/checkpoints/v2/full/${String(n).padStart(13, '0')}`
export const CLI = '9.9.9-test'

const sha = (b: string | Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex')
const json = (o: unknown): string => JSON.stringify(o, null, 2) + '\n'

export interface Migrated {
  git: GitRunner
  /** Files per ref, as written; tests edit a copy and rewrite the ref. */
  refs: Record<string, Record<string, FileSpec>>
}

export interface HandOptions {
  cliVersion?: string
  /** Checkpoint ids per archive (in order), the rest goes to /full/current. */
  archives?: string[][]
  /** Offsets to store per `<id>/<slot>` (default: computed by recomputation). */
  offsets?: Record<string, number>
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of keys)
    if (o[k] !== undefined && o[k] !== '' && o[k] !== 0 && o[k] !== false) out[k] = o[k]
  return out
}

function promptList(p: string): string {
  const pieces = p === '' ? [] : p.split('\n\n---\n\n')
  while (pieces.length && pieces[pieces.length - 1] === '') pieces.pop()
  return pieces.join('\n\n---\n\n')
}

/** Migrate the given v1 checkpoints (already in processing order) by hand. */
export function migrateFiles(
  checkpoints: V1CheckpointSpec[],
  opts: HandOptions = {}
): Record<string, Record<string, FileSpec>> {
  const cli = opts.cliVersion ?? CLI
  const main: Record<string, FileSpec> = {}
  const full: Record<string, Record<string, FileSpec>> = {}
  const refOf = (id: string): string => {
    const i = (opts.archives ?? []).findIndex((a) => a.includes(id))
    return i < 0 ? CURRENT : archiveRef(i + 1)
  }
  const archiveTimes: Record<string, string[]> = {}
  for (const cp of checkpoints) {
    const dir = `${cp.id.slice(0, 2)}/${cp.id.slice(2)}`
    const slots: Array<Record<string, unknown>> = []
    const entries: Array<Record<string, string>> = []
    cp.sessions.forEach((s) => {
      if (!s || s.transcript === undefined) return
      const t = Array.isArray(s.transcript)
        ? Buffer.concat(s.transcript.flatMap((c, i) => (i ? [Buffer.from('\n'), c] : [c])))
        : Buffer.from(s.transcript)
      if (t.length === 0) return
      const k = slots.length
      const m = (s.metadata === undefined ? sessionMeta(cp.id) : s.metadata) as Record<
        string,
        unknown
      >
      const agent = String(m.agent ?? '')
      const c = agent
        ? compact(t, { agent, cliVersion: cli, startLine: 0 })
        : { kind: 'empty' as const }
      const s0 =
        Number(m.checkpoint_transcript_start ?? 0) || Number(m.transcript_lines_at_start ?? 0)
      let offset = 0
      if (c.kind === 'output' && s0 > 0) {
        const scoped = compact(t, { agent, cliVersion: cli, startLine: s0 })
        offset = scoped.kind === 'output' ? Math.max(0, c.lines - scoped.lines) : 0
      }
      offset = opts.offsets?.[`${cp.id}/${k}`] ?? offset
      const v2: Record<string, unknown> = {
        cli_version: cli,
        checkpoint_id: cp.id,
        session_id: m.session_id,
        strategy: m.strategy,
        created_at: m.created_at,
        ...pick(m, ['branch']),
        checkpoints_count: m.checkpoints_count ?? 0,
        files_touched: m.files_touched ?? null,
        ...pick(m, ['agent']),
        model: m.model ?? '',
        ...pick(m, ['turn_id', 'is_task', 'tool_use_id', 'transcript_identifier_at_start']),
        ...(offset ? { checkpoint_transcript_start: offset } : {}),
        ...pick(m, ['token_usage', 'session_metrics', 'summary', 'initial_attribution']),
        ...(m.prompt_attributions !== undefined
          ? { prompt_attributions: m.prompt_attributions }
          : {})
      }
      slots.push(v2)
      const base = `${dir}/${k}`
      main[`${base}/metadata.json`] = json(v2)
      const prompt = promptList(s.prompt ?? '')
      if (prompt) main[`${base}/prompt.txt`] = prompt
      if (c.kind === 'output') {
        main[`${base}/transcript.jsonl`] = c.bytes
        main[`${base}/transcript_hash.txt`] = sha(c.bytes)
      }
      entries.push({
        metadata: `/${base}/metadata.json`,
        ...(c.kind === 'output'
          ? {
              transcript: `/${base}/transcript.jsonl`,
              content_hash: `/${base}/transcript_hash.txt`
            }
          : {}),
        prompt: prompt ? `/${base}/prompt.txt` : ''
      })
      const ref = refOf(cp.id)
      full[ref] ??= {}
      const chunks = Array.isArray(s.transcript) ? s.transcript : [s.transcript]
      chunks.forEach((chunk, i) => {
        full[ref][`${base}/raw_transcript${i ? '.' + String(i).padStart(3, '0') : ''}`] = chunk
      })
      full[ref][`${base}/raw_transcript_hash.txt`] = sha(t)
      ;(archiveTimes[ref] ??= []).push(String(m.created_at))
    })
    if (slots.length === 0) continue
    const last = slots[slots.length - 1]
    const files = [
      ...new Set(slots.flatMap((s) => (s.files_touched as string[] | null) ?? []))
    ].sort()
    const tokens = slots.filter((s) => s.token_usage)
    const sum = tokens.length
      ? [
          'input_tokens',
          'cache_creation_tokens',
          'cache_read_tokens',
          'output_tokens',
          'api_call_count'
        ].reduce(
          (o, k) => ({
            ...o,
            [k]: tokens.reduce(
              (n, s) => n + Number((s.token_usage as Record<string, number>)[k] ?? 0),
              0
            )
          }),
          {} as Record<string, number>
        )
      : undefined
    const combined = cp.summaryExtra?.combined_attribution
    main[`${dir}/metadata.json`] = json({
      cli_version: cli,
      checkpoint_id: cp.id,
      strategy: last.strategy,
      ...pick(last, ['branch']),
      checkpoints_count: slots.reduce((n, s) => n + Number(s.checkpoints_count), 0),
      files_touched: files.length ? files : null,
      sessions: entries,
      ...(sum ? { token_usage: sum } : {}),
      ...(combined ? { combined_attribution: combined } : {})
    })
  }
  const refs: Record<string, Record<string, FileSpec>> = { [MAIN]: main, ...full }
  for (const [ref, times] of Object.entries(archiveTimes)) {
    if (ref === CURRENT) continue
    const sorted = [...times].sort()
    refs[ref]['generation.json'] = json({
      oldest_checkpoint_at: sorted[0],
      newest_checkpoint_at: sorted[sorted.length - 1]
    })
  }
  return refs
}

export async function writeRefs(
  git: GitRunner,
  refs: Record<string, Record<string, FileSpec>>
): Promise<void> {
  for (const [ref, files] of Object.entries(refs))
    await writeTreeCommit(git, ref, files, { message: 'hand migration\n' })
}

/** Rewrite the v1 branch of an existing repository with these checkpoints. */
export async function writeV1(git: GitRunner, checkpoints: V1CheckpointSpec[]): Promise<void> {
  await writeTreeCommit(git, V1_REF, v1Files(checkpoints), { message: 'v1\n' })
}

/** Build a v1 repo and its hand-made v2 migration. */
export async function migratedRepo(
  checkpoints: V1CheckpointSpec[],
  opts: HandOptions = {}
): Promise<Migrated> {
  const { git } = await buildV1Repo(undefined, checkpoints)
  const refs = migrateFiles(checkpoints, opts)
  await writeRefs(git, refs)
  return { git, refs }
}

/** Rewrite one ref after editing its files (the corruption under test). */
export async function corrupt(
  m: Migrated,
  ref: string,
  edit: (files: Record<string, FileSpec>) => void
): Promise<void> {
  const files = { ...(m.refs[ref] ?? {}) }
  edit(files)
  m.refs[ref] = files
  await writeTreeCommit(m.git, ref, files, { message: 'corrupted\n' })
}

/** Three checkpoints, four sessions: a two-session checkpoint, prompts, tokens, attributions. */
export function standardV1(): V1CheckpointSpec[] {
  return [
    {
      id: 'aa11111111a1',
      sessions: [
        {
          metadata: sessionMeta('aa11111111a1', {
            session_id: 's-1',
            created_at: '2026-01-01T10:00:00Z',
            token_usage: {
              input_tokens: 1,
              cache_creation_tokens: 2,
              cache_read_tokens: 3,
              output_tokens: 4,
              api_call_count: 5
            },
            prompt_attributions: [
              {
                checkpoint_number: 1,
                user_lines_added: 0,
                user_lines_removed: 0,
                agent_lines_added: 2,
                agent_lines_removed: 0
              }
            ]
          }),
          transcript: claudeTranscript(2, 'a'),
          prompt: 'first prompt\n\n---\n\nsecond prompt'
        }
      ],
      summaryExtra: {
        combined_attribution: {
          calculated_at: '2026-01-01T10:05:00.123456Z',
          agent_lines: 3,
          agent_removed: 0,
          human_added: 1,
          human_modified: 0,
          human_removed: 0,
          total_committed: 4,
          total_lines_changed: 4,
          agent_percentage: 75,
          metric_version: 2
        }
      }
    },
    {
      id: 'bb22222222b2',
      sessions: [
        {
          metadata: sessionMeta('bb22222222b2', {
            session_id: 's-2',
            created_at: '2026-01-02T10:00:00Z',
            files_touched: ['z.ts', 'b.ts']
          }),
          transcript: claudeTranscript(1, 'b'),
          prompt: 'hello'
        },
        {
          metadata: sessionMeta('bb22222222b2', {
            session_id: 's-3',
            created_at: '2026-01-02T11:00:00Z',
            agent: 'Codex',
            model: 'gpt'
          }),
          transcript: claudeTranscript(1, 'c')
        }
      ]
    },
    {
      id: 'cc33333333c3',
      sessions: [
        {
          metadata: sessionMeta('cc33333333c3', {
            session_id: 's-4',
            created_at: '2026-01-03T10:00:00Z'
          }),
          transcript: claudeTranscript(3, 'd'),
          prompt: 'p'
        }
      ]
    }
  ]
}
