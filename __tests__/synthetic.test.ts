import { describe, it, expect } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import {
  chunkJsonl,
  drawTranscriptSize,
  generateSyntheticCorpus,
  syntheticTranscript,
  type AgentKind
} from '../src/bench/synthetic.js'
import { compact } from '../src/formats/compact/index.js'

describe('synthetic v1 corpus', () => {
  it('chunks JSONL as the v1 writer does: joining with \\n restores the bytes', () => {
    for (const text of ['a\nbb\nccc\n', 'a\nbb\nccc', 'aaaa\nb\n\ncc\n']) {
      const data = Buffer.from(text)
      const chunks = chunkJsonl(data, 5)
      expect(chunks.length).toBeGreaterThan(1)
      expect(Buffer.concat(chunks.flatMap((c, i) => (i ? [Buffer.from('\n'), c] : [c])))).toEqual(
        data
      )
      for (const c of chunks.slice(0, -1)) expect(c.length + 1).toBeLessThanOrEqual(5)
    }
  })

  it('draws transcript sizes near the real corpus quantiles', () => {
    let seed = 7
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    const sizes = Array.from({ length: 20000 }, () => drawTranscriptSize(rand)).sort(
      (a, b) => a - b
    )
    const q = (p: number) => sizes[Math.floor(p * sizes.length)]
    expect(q(0.1)).toBeGreaterThan(90_000)
    expect(q(0.1)).toBeLessThan(180_000)
    expect(q(0.5)).toBeGreaterThan(750_000)
    expect(q(0.5)).toBeLessThan(1_100_000)
    expect(q(0.9)).toBeGreaterThan(2_400_000)
    expect(q(0.9)).toBeLessThan(3_600_000)
    expect(sizes[sizes.length - 1]).toBeLessThanOrEqual(20_000_000)
  })

  it('compacts like real transcripts: most bytes are what compaction drops', () => {
    // The real corpus (Claude Code JSONL) compacts 644 MiB to 110 MiB (~17%).
    const ratios: Record<string, number> = {}
    for (const agent of ['Claude Code', 'Codex', 'Gemini CLI', 'Cursor'] as AgentKind[]) {
      const pieces = syntheticTranscript(agent, 600_000, 5)
      const raw = pieces.reduce((a, p) => a + p.length, 0)
      const r = compact(pieces, { agent, cliVersion: '0.6.2' })
      expect(r.kind).toBe('output')
      if (r.kind === 'output') ratios[agent] = r.bytes.length / raw
    }
    for (const ratio of Object.values(ratios)) {
      expect(ratio).toBeGreaterThan(0.12)
      expect(ratio).toBeLessThan(0.26)
    }
  })

  it('writes a deterministic v1 branch with one streamed fast-import, one commit per chunk', async () => {
    const trees: string[] = []
    for (let run = 0; run < 2; run++) {
      const dir = mkdtempSync(join(tmpdir(), 'em-synth-'))
      const git = new GitRunner(dir)
      await git.run(['init', '-q'])
      const before = git.processCount
      const r = await generateSyntheticCorpus(git, { checkpoints: 12, seed: 3, chunkSize: 5 })
      expect(r.checkpoints).toBe(12)
      // one fast-import for the 3 chunks, one update-ref
      expect(git.processCount - before).toBe(2)
      expect(await git.text(['rev-list', '--count', 'refs/heads/entire/checkpoints/v1'])).toBe('3')
      const list = await git.text([
        'ls-tree',
        '-r',
        '--name-only',
        'refs/heads/entire/checkpoints/v1'
      ])
      const summaries = list
        .split('\n')
        .filter((p) => /^[0-9a-f]{2}\/[0-9a-f]{10}\/metadata\.json$/.test(p))
      expect(summaries).toHaveLength(12)
      expect(list.split('\n').filter((p) => p.endsWith('/full.jsonl'))).toHaveLength(r.sessions)
      trees.push(await git.text(['rev-parse', 'refs/heads/entire/checkpoints/v1^{tree}']))
    }
    expect(trees[0]).toBe(trees[1])
  })
})
