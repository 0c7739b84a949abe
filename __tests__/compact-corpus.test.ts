// The real v1 corpus (../shared/corpus/entireio-cli-v1.bundle or $ENTIRE_CORPUS), when present:
// every transcript converts without throwing and every output line is valid JSON. With
// COMPACT_BENCH=1 it also measures throughput (raw transcript MB per second, one core) next to
// JSON.parse of the same lines in the same run. Code under jest runs several times slower than
// plain node; scripts/bench-compact.mjs measures the same outside jest.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compactWithOffset, transcriptPosition } from '../src/formats/compact/index.js'

const here = dirname(fileURLToPath(import.meta.url))
const bundle =
  process.env.ENTIRE_CORPUS ?? join(here, '..', '..', 'shared', 'corpus', 'entireio-cli-v1.bundle')
const present = existsSync(bundle)
const REF = 'refs/heads/entire/checkpoints/v1'

interface Transcript {
  path: string
  agent: string
  start: number
  chunks: Buffer[]
  bytes: number
}

function git(cwd: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: 4 * 1024 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.toString()}`)
  return r.stdout
}

/** All session transcripts (chunks in order) with their metadata agent and raw start. */
function loadCorpus(dir: string): Transcript[] {
  git(dir, ['init', '-q'])
  git(dir, ['fetch', '-q', bundle, `${REF}:${REF}`])
  const tree = git(dir, ['ls-tree', '-r', REF]).toString('utf8').trim().split('\n')
  const files = new Map<string, string>() // path → blob
  for (const line of tree) {
    const [meta, path] = line.split('\t')
    files.set(path, meta.split(' ')[2])
  }
  const wanted = [...files].filter(([p]) => /\/(full\.jsonl(\.\d+)?|metadata\.json)$/.test(p))
  const out = git(
    dir,
    ['cat-file', '--batch'],
    Buffer.from(wanted.map(([, b]) => b).join('\n') + '\n')
  )
  const blobs = new Map<string, Buffer>()
  let i = 0
  for (const [path] of wanted) {
    const nl = out.indexOf(10, i)
    const size = Number(out.toString('latin1', i, nl).split(' ')[2])
    blobs.set(path, out.subarray(nl + 1, nl + 1 + size))
    i = nl + 1 + size + 1
  }
  const sessions = new Map<string, string[]>()
  for (const [path] of wanted) {
    const m = /^(.*)\/full\.jsonl(?:\.(\d+))?$/.exec(path)
    if (m === null) continue
    const list = sessions.get(m[1]) ?? []
    list.push(path)
    sessions.set(m[1], list)
  }
  const transcripts: Transcript[] = []
  for (const [folder, paths] of sessions) {
    // chunk 0 is full.jsonl, chunk k is full.jsonl.<k>; joined with '\n' (v1-format.md §7.3)
    paths.sort((a, b) => chunkNo(a) - chunkNo(b))
    const chunks: Buffer[] = []
    paths.forEach((p, k) => {
      if (k > 0) chunks.push(Buffer.from('\n'))
      chunks.push(blobs.get(p)!)
    })
    const metaBlob = blobs.get(`${folder}/metadata.json`)
    const meta = metaBlob === undefined ? {} : JSON.parse(metaBlob.toString('utf8'))
    const start =
      meta.checkpoint_transcript_start > 0
        ? meta.checkpoint_transcript_start
        : (meta.transcript_lines_at_start ?? 0)
    transcripts.push({
      path: folder,
      agent: typeof meta.agent === 'string' ? meta.agent : '',
      start,
      chunks,
      bytes: chunks.reduce((n, c) => n + c.length, 0)
    })
  }
  return transcripts
}

function chunkNo(p: string): number {
  const m = /\.(\d+)$/.exec(p)
  return m === null ? 0 : Number(m[1])
}

const whenCorpus = present ? describe : describe.skip
const whenBench = present && process.env.COMPACT_BENCH === '1' ? describe : describe.skip

whenCorpus('compact: the real v1 corpus', () => {
  let dir = ''
  let corpus: Transcript[] = []
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'compact-corpus-'))
    corpus = loadCorpus(dir)
  }, 300_000)
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  it('every transcript converts without throwing; every output line is valid JSON', () => {
    expect(corpus.length).toBeGreaterThan(0)
    const kinds = { output: 0, empty: 0, error: 0 }
    const bad: string[] = []
    for (const t of corpus) {
      const r = compactWithOffset(t.chunks, {
        agent: t.agent,
        cliVersion: '0.6.2',
        offsetStart: t.start
      })
      kinds[r.kind]++
      if (r.kind !== 'output') continue
      expect(r.offset).toBeGreaterThanOrEqual(0)
      expect(r.offset).toBeLessThanOrEqual(r.lines)
      const text = r.bytes.toString('utf8')
      expect(text.endsWith('\n')).toBe(true)
      const lines = text.slice(0, -1).split('\n')
      expect(lines.length).toBe(r.lines)
      for (const line of lines) {
        try {
          const o = JSON.parse(line)
          if (o.v !== 1 || o.agent !== t.agent) bad.push(`${t.path}: unexpected line head`)
        } catch {
          bad.push(`${t.path}: invalid JSON line`)
        }
      }
      // a document agent whose transcript is not one document (real: "Gemini CLI" sessions
      // holding Claude JSONL) has no position, as in the reference (no cache record)
      const position = transcriptPosition(t.chunks, t.agent)
      if (t.agent !== 'Gemini CLI' && t.agent !== 'OpenCode') expect(position).toBeGreaterThan(0)
    }
    expect(bad).toEqual([])
    expect(kinds.output).toBeGreaterThan(corpus.length / 2)
  }, 300_000)

  whenBench('throughput (COMPACT_BENCH=1)', () => {
    it('throughput: compact vs JSON.parse of the same lines (MB/s, one core)', () => {
      const inputs = corpus.map((t) => t.chunks)
      const total = corpus.reduce((n, t) => n + t.bytes, 0)
      const measure = (f: () => void): { wall: number; cpu: number } => {
        const c0 = process.cpuUsage()
        const t0 = process.hrtime.bigint()
        f()
        const wall = Number(process.hrtime.bigint() - t0) / 1e9
        const c = process.cpuUsage(c0)
        return { wall, cpu: (c.user + c.system) / 1e6 }
      }
      const rounds = Number(process.env.COMPACT_BENCH_ROUNDS ?? 2)
      const rows: string[] = []
      for (let r = 0; r < rounds; r++) {
        const c = measure(() => {
          for (const x of inputs)
            compactWithOffset(x, { agent: 'Claude Code', cliVersion: '0.6.2', offsetStart: 0 })
        })
        const p = measure(() => {
          for (const x of inputs) {
            for (const chunk of x) {
              let s = 0
              for (;;) {
                const q = chunk.indexOf(10, s)
                const e = q === -1 ? chunk.length : q
                if (e > s) {
                  try {
                    JSON.parse(chunk.toString('utf8', s, e))
                  } catch {
                    // lines that are not JSON count as parsed bytes too
                  }
                }
                if (q === -1) break
                s = q + 1
              }
            }
          }
        })
        const mb = total / 1e6
        rows.push(
          `round ${r + 1}: ${mb.toFixed(1)} MB; compact ${(mb / c.wall).toFixed(1)} MB/s wall, ` +
            `${(mb / c.cpu).toFixed(1)} MB/s cpu; JSON.parse ${(mb / p.wall).toFixed(1)} MB/s wall, ` +
            `${(mb / p.cpu).toFixed(1)} MB/s cpu; ratio (cpu) ${(p.cpu / c.cpu).toFixed(2)}`
        )
      }
      process.stdout.write(rows.join('\n') + '\n')
      expect(rows.length).toBe(rounds)
    }, 900_000)
  })
})
