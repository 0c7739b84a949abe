// Test helpers: build v1 checkpoint branches (and arbitrary ref trees) in real temp repos with one
// `git fast-import` per commit. Shared by every engineer's tests; keep the API additive.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitRunner } from '../../src/git/runner.js'

export const V1_REF = 'refs/heads/entire/checkpoints/v1'

/** A file in a tree: content, or content with a mode ('100644' default, '100755'). */
export type FileSpec = string | Buffer | { data: string | Buffer; mode?: '100644' | '100755' }

/** One v1 session directory. */
export interface V1SessionSpec {
  /** metadata.json: an object (encoded as 2-space JSON + '\n'), raw text, or null for none. Default: sessionMeta(). */
  metadata?: Record<string, unknown> | string | null
  /** Transcript: one buffer → full.jsonl; several → full.jsonl, full.jsonl.001, … (chunks as given). */
  transcript?: string | Buffer | Buffer[]
  /** Name of the single transcript file (default full.jsonl; 'full.log' for legacy). */
  transcriptName?: string
  prompt?: string
  /** content_hash.txt (written verbatim when given). */
  contentHash?: string
  /** Further files relative to the session directory (e.g. 'tasks/toolu_1/checkpoint.json'). */
  files?: Record<string, FileSpec>
}

export interface V1CheckpointSpec {
  id: string
  /** null = no directory for that index. */
  sessions: Array<V1SessionSpec | null>
  /** Root metadata.json: object, raw text, or null for none. Default: built from sessions. */
  summary?: Record<string, unknown> | string | null
  /** Extra summary keys merged into the default summary (e.g. combined_attribution). */
  summaryExtra?: Record<string, unknown>
  /** Further files relative to the checkpoint directory (e.g. 'tasks/toolu_1/checkpoint.json'). */
  files?: Record<string, FileSpec>
}

export function tempDir(prefix = 'em-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** `git init` a fresh repository with a fixed identity; returns its runner. */
export async function initRepo(dir?: string): Promise<GitRunner> {
  const d = dir ?? tempDir()
  const git = new GitRunner(d)
  await git.run(['init', '-q', '-b', 'main'])
  await git.run(['config', 'user.name', 'Test User'])
  await git.run(['config', 'user.email', 'test@example.com'])
  return git
}

function toBuffer(d: string | Buffer): Buffer {
  return typeof d === 'string' ? Buffer.from(d, 'utf8') : d
}

export interface CommitOptions {
  message?: string
  parent?: string | null
  author?: string
  /** Unix seconds for author and committer (default fixed). */
  time?: number
}

/**
 * Write a commit whose tree holds exactly `files` (path → content) and point `ref` at it,
 * with one fast-import. Returns the commit id.
 */
export async function writeTreeCommit(
  git: GitRunner,
  ref: string,
  files: Record<string, FileSpec>,
  opts: CommitOptions = {}
): Promise<string> {
  const parts: Buffer[] = []
  const push = (s: string): void => void parts.push(Buffer.from(s, 'utf8'))
  const message = Buffer.from(opts.message ?? 'Checkpoints\n', 'utf8')
  const who = opts.author ?? 'Test User <test@example.com>'
  const time = opts.time ?? 1767225600
  push(`commit ${ref}\nmark :1\n`)
  push(`author ${who} ${time} +0000\ncommitter ${who} ${time} +0000\n`)
  push(`data ${message.length}\n`)
  parts.push(message)
  push('\n')
  if (opts.parent) push(`from ${opts.parent}\n`)
  push('deleteall\n')
  for (const [path, spec] of Object.entries(files)) {
    const mode =
      typeof spec === 'object' && !Buffer.isBuffer(spec) ? (spec.mode ?? '100644') : '100644'
    const data = toBuffer(typeof spec === 'object' && !Buffer.isBuffer(spec) ? spec.data : spec)
    push(`M ${mode} inline ${path}\ndata ${data.length}\n`)
    parts.push(data)
    push('\n')
  }
  push('\n')
  await git.run(['fast-import', '--quiet', '--force'], { input: Buffer.concat(parts) })
  return git.text(['rev-parse', ref])
}

/** A Go-shaped v1 session metadata object; override any field. */
export function sessionMeta(
  id: string,
  fields: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    cli_version: '0.5.6',
    checkpoint_id: id,
    session_id: 'sess-' + id,
    strategy: 'manual-commit',
    created_at: '2026-01-01T00:00:00Z',
    branch: 'main',
    checkpoints_count: 1,
    files_touched: ['src/a.ts'],
    agent: 'Claude Code',
    model: 'claude-test',
    ...fields
  }
}

/** A small Claude Code JSONL transcript with `turns` user/assistant pairs, optionally starting at turn `from`. */
export function claudeTranscript(turns: number, tag = 't', from = 0): string {
  const lines: string[] = []
  for (let i = from; i < from + turns; i++) {
    const ts = `2026-01-01T00:${String(i % 60).padStart(2, '0')}:00.000Z`
    lines.push(
      JSON.stringify({
        type: 'user',
        uuid: `${tag}-u${i}`,
        timestamp: ts,
        message: { role: 'user', content: `question ${i} ${tag}` }
      })
    )
    lines.push(
      JSON.stringify({
        type: 'assistant',
        uuid: `${tag}-a${i}`,
        timestamp: ts,
        message: {
          id: `msg_${tag}_${i}`,
          role: 'assistant',
          content: [{ type: 'text', text: `answer ${i} ${tag}` }],
          usage: { input_tokens: 10 + i, output_tokens: 5 + i }
        }
      })
    )
  }
  return lines.join('\n') + '\n'
}

function encodeJson(v: Record<string, unknown> | string): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2) + '\n'
}

/** The files (path → content) of the given checkpoints laid out as a v1 branch tree. */
export function v1Files(checkpoints: V1CheckpointSpec[]): Record<string, FileSpec> {
  const files: Record<string, FileSpec> = {}
  for (const cp of checkpoints) {
    const base = `${cp.id.slice(0, 2)}/${cp.id.slice(2)}`
    const sessionsEntries: Array<Record<string, string>> = []
    cp.sessions.forEach((s, i) => {
      const entry: Record<string, string> = { metadata: `/${base}/${i}/metadata.json` }
      if (s === null) {
        sessionsEntries.push({ ...entry, prompt: '' })
        return
      }
      const dir = `${base}/${i}`
      const meta = s.metadata === undefined ? sessionMeta(cp.id) : s.metadata
      if (meta !== null) files[`${dir}/metadata.json`] = encodeJson(meta)
      if (s.transcript !== undefined) {
        const chunks = Array.isArray(s.transcript) ? s.transcript : [s.transcript]
        const name = s.transcriptName ?? 'full.jsonl'
        chunks.forEach((c, k) => {
          files[k === 0 ? `${dir}/${name}` : `${dir}/full.jsonl.${String(k).padStart(3, '0')}`] = c
        })
        entry.transcript = `/${dir}/full.jsonl`
        entry.content_hash = `/${dir}/content_hash.txt`
      }
      if (s.contentHash !== undefined) files[`${dir}/content_hash.txt`] = s.contentHash
      if (s.prompt !== undefined) files[`${dir}/prompt.txt`] = s.prompt
      entry.prompt = s.prompt !== undefined ? `/${dir}/prompt.txt` : ''
      for (const [p, f] of Object.entries(s.files ?? {})) files[`${dir}/${p}`] = f
      sessionsEntries.push(entry)
    })
    if (cp.summary !== null) {
      const summary =
        cp.summary ??
        ({
          cli_version: '0.5.6',
          checkpoint_id: cp.id,
          strategy: 'manual-commit',
          branch: 'main',
          checkpoints_count: cp.sessions.length,
          files_touched: ['src/a.ts'],
          sessions: sessionsEntries,
          ...(cp.summaryExtra ?? {})
        } as Record<string, unknown>)
      files[`${base}/metadata.json`] = encodeJson(summary)
    }
    for (const [p, f] of Object.entries(cp.files ?? {})) files[`${base}/${p}`] = f
  }
  return files
}

export interface V1Repo {
  dir: string
  git: GitRunner
  commit: string
}

/**
 * Create (or reuse) a repository at `dir` and write the v1 branch holding `checkpoints`
 * (one commit; `parent` lets a test stack a second state on top).
 */
export async function buildV1Repo(
  dir: string | undefined,
  checkpoints: V1CheckpointSpec[],
  opts: { parent?: string; ref?: string; init?: boolean } = {}
): Promise<V1Repo> {
  const d = dir ?? tempDir()
  const git = opts.init === false ? new GitRunner(d) : await initRepo(d)
  const commit = await writeTreeCommit(git, opts.ref ?? V1_REF, v1Files(checkpoints), {
    message: 'Checkpoint: fixture\n',
    parent: opts.parent ?? null
  })
  return { dir: d, git, commit }
}

/** Object id of `<rev>:<path>` (the root tree when path is empty); null when absent. */
export async function treeOf(git: GitRunner, rev: string, path = ''): Promise<string | null> {
  const spec = path ? `${rev}:${path}` : `${rev}^{tree}`
  const r = await git.run(['rev-parse', '--verify', '--quiet', spec], { okCodes: [1, 128] })
  return r.exitCode === 0 ? r.stdout.toString().trim() : null
}

/** All refs under `prefix` → object id. */
export async function refsUnder(git: GitRunner, prefix: string): Promise<Record<string, string>> {
  const out = await git.text(['for-each-ref', '--format=%(refname) %(objectname)', prefix])
  const refs: Record<string, string> = {}
  for (const line of out.split('\n').filter(Boolean)) {
    const [ref, oid] = line.split(' ')
    refs[ref] = oid
  }
  return refs
}

/** All refs under `prefix` → the id of the tree each one's commit holds. */
export async function treesUnder(git: GitRunner, prefix: string): Promise<Record<string, string>> {
  const out = await git.text(['for-each-ref', '--format=%(refname) %(objectname)^{tree}', prefix])
  const trees: Record<string, string> = {}
  for (const line of out.split('\n').filter(Boolean)) {
    const [ref, spec] = line.split(' ')
    trees[ref] = await git.text(['rev-parse', spec])
  }
  return trees
}

/** Read a file at `<rev>:<path>` as text (null when absent). */
export async function readFileAt(
  git: GitRunner,
  rev: string,
  path: string
): Promise<string | null> {
  const r = await git.run(['cat-file', 'blob', `${rev}:${path}`], { okCodes: [128] })
  return r.exitCode === 0 ? r.stdout.toString('utf8') : null
}

/** `git ls-tree -r --name-only <rev>` as a sorted list of paths. */
export async function listFiles(git: GitRunner, rev: string, path = ''): Promise<string[]> {
  const args = ['ls-tree', '-r', '--name-only', rev]
  if (path) args.push('--', path)
  const out = await git.text(args)
  return out.split('\n').filter(Boolean)
}

/** Number of commits reachable from `rev`. */
export async function commitCount(git: GitRunner, rev: string): Promise<number> {
  return Number(await git.text(['rev-list', '--count', rev]))
}
