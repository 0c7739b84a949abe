// The verifier's compactor keeps a CompactHistory per run: a session's transcript at a later
// checkpoint extends its earlier one, and the parsed lines they share are reused. Reuse must
// not change a verdict: a stored compact that differs in a shared line still fails.
import { describe, expect, it } from '@jest/globals'
import { CompactHistory } from '../src/formats/compact/index.js'
import { verifyRepository } from '../src/engine/verify/verify.js'
import type { CheckFailure, VerifyReport } from '../src/engine/verify/types.js'
import { claudeTranscript, sessionMeta } from './helpers/v1repo.js'
import type { V1CheckpointSpec } from './helpers/v1repo.js'
import { CLI, corrupt, MAIN, migratedRepo } from './verify-fixture.js'
import { createHash } from 'node:crypto'

const IDS = ['a10000000001', 'a20000000002', 'a30000000003']

/** One session growing over three checkpoints (each transcript extends the previous one). */
function growing(rewriteFirstLineAt?: number): V1CheckpointSpec[] {
  return IDS.map((id, i) => {
    let t = claudeTranscript(2 * (i + 1), 'g')
    if (i === rewriteFirstLineAt) t = t.replace('question 0 g', 'question 0 G')
    return {
      id,
      sessions: [
        {
          metadata: sessionMeta(id, {
            session_id: 'grow',
            created_at: `2026-01-0${i + 1}T10:00:00Z`,
            ...(i > 0 ? { checkpoint_transcript_start: 4 * i } : {})
          }),
          transcript: t
        }
      ]
    }
  })
}

function failures(r: VerifyReport): CheckFailure[] {
  return [...r.failures, ...r.checkpoints.flatMap((c) => c.failures)]
}

describe('verify with the compact history', () => {
  it('reuses the lines a session shares with its earlier checkpoint and verifies clean', async () => {
    const v1 = growing()
    const m = await migratedRepo(v1)
    const history = new CompactHistory()
    const r = await verifyRepository(m.git, { cliVersion: CLI }, { history })
    expect(failures(r)).toEqual([])
    expect(r.counts).toMatchObject({ ok: 3, compactRederived: 3 })
    // Checkpoint 2 reuses all of checkpoint 1's transcript, checkpoint 3 all of checkpoint 2's.
    const size = (i: number) => Buffer.byteLength(v1[i].sessions[0]!.transcript as string)
    expect(history.stats.reusedBytes).toBe(size(0) + size(1))
    expect(history.stats.parsedBytes).toBe(size(2))
    // The run's history is emptied at its end.
    expect(history.heldBytes).toBe(0)
    // The same across read batches (one checkpoint each).
    const again = new CompactHistory()
    const r2 = await verifyRepository(m.git, { cliVersion: CLI, batchSize: 1 }, { history: again })
    expect(r2.counts).toEqual(r.counts)
    expect(again.stats).toEqual(history.stats)
  })

  it('parses again what a later transcript rewrote (same verdicts)', async () => {
    const m = await migratedRepo(growing(1))
    const history = new CompactHistory()
    const r = await verifyRepository(m.git, { cliVersion: CLI }, { history })
    expect(failures(r)).toEqual([])
    expect(r.counts.compactRederived).toBe(3)
    // Checkpoint 2 changed line 0: nothing reused for it; checkpoint 3 shares nothing with it.
    expect(history.stats.reusedBytes).toBe(0)
  })

  it('still fails a stored compact that differs in a line shared with the earlier checkpoint', async () => {
    const m = await migratedRepo(growing())
    const base = `${IDS[2].slice(0, 2)}/${IDS[2].slice(2)}/0`
    await corrupt(m, MAIN, (files) => {
      const stored = Buffer.from(files[`${base}/transcript.jsonl`] as Buffer)
      const bad = Buffer.from(stored.toString('utf8').replace('question 0 g', 'question 0 X'))
      expect(bad.equals(stored)).toBe(false)
      files[`${base}/transcript.jsonl`] = bad
      // A consistent hash file: only the re-derivation can notice.
      files[`${base}/transcript_hash.txt`] =
        'sha256:' + createHash('sha256').update(bad).digest('hex')
    })
    const history = new CompactHistory()
    const r = await verifyRepository(m.git, { cliVersion: CLI }, { history })
    const f = failures(r)
    expect(
      f.map((x) => [
        x.check,
        x.checkpointId ?? r.checkpoints.find((c) => c.failures.includes(x))?.id
      ])
    ).toEqual([['compact.rederive', IDS[2]]])
    expect(f[0].message).toContain('line 1')
    expect(history.stats.reusedBytes).toBeGreaterThan(0)
  })
})
