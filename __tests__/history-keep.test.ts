// The compaction history keeps a session's transcript only for a later checkpoint of the run
// that continues it: the plan notes which sessions continue (same session id and agent), and a
// job of a session that does not leaves nothing in the history once done.
import { describe, it, expect } from '@jest/globals'
import { defaultSettings } from '../src/engine/run.js'
import { pinV1 } from '../src/engine/v1source.js'
import { PhaseTimer } from '../src/engine/timer.js'
import { V2Target } from '../src/engine/targets/v2/index.js'
import { silentLogger } from '../src/engine/types.js'
import { historyKeeps } from '../src/engine/plan.js'
import { historyKeyOf, runCompactJob } from '../src/engine/compactor.js'
import { CompactHistory } from '../src/formats/compact/index.js'
import { buildV1Repo, claudeTranscript, sessionMeta } from './helpers/v1repo.js'

const NOW = new Date('2026-05-01T12:00:00Z')

const session = (id: string, sessionId: string, turns: number, agent = 'Claude Code') => ({
  metadata: sessionMeta(id, { session_id: sessionId, agent }),
  transcript: claudeTranscript(turns, sessionId)
})

describe('compaction history: only sessions a later checkpoint continues', () => {
  it('the plan notes, per checkpoint, which sessions a later checkpoint of the run continues', async () => {
    const { dir, git } = await buildV1Repo(undefined, [
      {
        id: 'a1a1a1a1a1a1',
        sessions: [session('a1a1a1a1a1a1', 'shared', 3), session('a1a1a1a1a1a1', 'only-a', 2)]
      },
      { id: 'b2b2b2b2b2b2', sessions: [session('b2b2b2b2b2b2', 'shared', 5)] },
      // the same session id under another agent is another history key
      { id: 'c3c3c3c3c3c3', sessions: [session('c3c3c3c3c3c3', 'only-a', 2, 'Codex')] }
    ])
    const settings = defaultSettings(dir, { now: NOW, cliVersion: '0.6.2', dryRun: true })
    const ctx = { git, settings, logger: silentLogger, timer: new PhaseTimer(silentLogger) }
    const plan = await new V2Target().plan(ctx, await pinV1(git, {}))
    const work = plan.internal.work
    expect(work.map((w) => w.action)).toEqual(['migrate', 'migrate', 'migrate'])
    const at = (id: string): number => work.findIndex((w) => w.cp.id === id)
    const [a, b] = [at('a1a1a1a1a1a1'), at('b2b2b2b2b2b2')]
    const first = a < b ? work[a] : work[b]
    const last = a < b ? work[b] : work[a]
    // 'shared' is continued by whichever of a and b the run processes later; 'only-a' never is
    // 'shared' is session 0 of both
    expect(historyKeeps(first, 0)).toBe(true)
    expect(last.continued).toEqual([])
    expect(historyKeeps(last, 0)).toBe(false)
    expect(historyKeeps(work[a], 1)).toBe(false)
    expect(work[at('c3c3c3c3c3c3')].continued).toEqual([])
    // a work item without the note (not planned here) keeps every session, as before
    expect(historyKeeps({ ...last, continued: undefined }, 0)).toBe(true)
  })

  it('a job whose session does not continue leaves the history as it found it', () => {
    const pieces = [Buffer.from(claudeTranscript(40, 'job'))]
    const job = { pieces, agent: 'Claude Code', cliVersion: '0.6.2', offsetStart: 0 }
    const key = historyKeyOf('job', 'Claude Code')
    const kept = new CompactHistory()
    const a = runCompactJob({ ...job, historyKey: key, keepHistory: true }, kept)
    expect(kept.heldBytes).toBeGreaterThan(pieces[0].length)
    const dropped = new CompactHistory()
    const b = runCompactJob({ ...job, historyKey: key, keepHistory: false }, dropped)
    expect(dropped.heldBytes).toBe(0)
    // the same result either way
    expect(b.kind).toBe('output')
    expect(Buffer.from(b.bytes!)).toEqual(Buffer.from(a.bytes!))
    expect([b.lines, b.offset, b.position]).toEqual([a.lines, a.offset, a.position])
    // and the next job of a kept session reuses its lines
    const parsed = kept.stats.parsedBytes
    runCompactJob({ ...job, historyKey: key }, kept)
    expect(kept.stats.parsedBytes).toBe(parsed)
  })
})
