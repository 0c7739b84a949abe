import { describe, it, expect } from '@jest/globals'
import { annotateFailures, ANNOTATION_CAP } from '../src/action/annotations.js'
import { upsertPrComment, type CommentsApi } from '../src/action/pr-comment.js'
import { EngineLogAdapter, WARNING_ANNOTATIONS, type RunnerLog } from '../src/action/engine-log.js'
import { recordingLog } from '../src/action/log.js'
import { COMMENT_MARKER } from '../src/report/comment.js'
import type { CheckpointOutcome } from '../src/engine/types.js'
import type { PhaseSpan } from '../src/report/action-report.js'

describe('annotateFailures', () => {
  it('annotates up to the cap and counts the rest in one line', () => {
    const outcomes: CheckpointOutcome[] = [
      { id: 'aaaaaaaaaaaa', status: 'migrated' },
      ...Array.from({ length: 12 }, (_, i) => ({
        id: i.toString(16).padStart(12, '0'),
        status: 'failed' as const,
        reason: 'bad-session' as const,
        file: `0${i}/x/0/metadata.json`,
        message: `bad JSON in session ${i}`
      }))
    ]
    const calls: Array<[string, { title?: string } | undefined]> = []
    const n = annotateFailures(outcomes, { error: (m, p) => void calls.push([m, p]) })
    expect(n).toBe(12)
    expect(calls.length).toBe(ANNOTATION_CAP + 1)
    expect(calls[0]).toEqual([
      'bad JSON in session 0 (00/x/0/metadata.json)',
      { title: 'Checkpoint 000000000000 failed to migrate: bad-session' }
    ])
    expect(calls[ANNOTATION_CAP][0]).toBe(
      '… and 4 more failed checkpoint(s), see the job summary and the JSON report'
    )
  })

  it('adds no summarising line at or below the cap', () => {
    const calls: string[] = []
    annotateFailures([{ id: 'a', status: 'failed', message: 'x' }], {
      error: (m) => void calls.push(m)
    })
    expect(calls).toEqual(['x'])
  })
})

describe('upsertPrComment', () => {
  function fakeApi(existing: Array<{ id: number; body: string }>) {
    const calls: string[] = []
    const api: CommentsApi = {
      listComments: async ({ page }) => ({ data: page === 1 ? existing : [] }),
      createComment: async ({ body }) => void calls.push(`create ${body}`),
      updateComment: async ({ comment_id, body }) => void calls.push(`update ${comment_id} ${body}`)
    }
    return { api, calls }
  }
  const target = { owner: 'acme', repo: 'widgets', number: 7, fork: false }

  it('creates one comment, then updates it (found by the marker) on reruns', async () => {
    const first = fakeApi([{ id: 1, body: 'unrelated' }])
    expect(await upsertPrComment(first.api, target, `${COMMENT_MARKER}\nv1`, recordingLog())).toBe(
      'created'
    )
    expect(first.calls).toEqual([`create ${COMMENT_MARKER}\nv1`])
    const rerun = fakeApi([
      { id: 1, body: 'unrelated' },
      { id: 2, body: `${COMMENT_MARKER}\nv1` }
    ])
    expect(await upsertPrComment(rerun.api, target, `${COMMENT_MARKER}\nv2`, recordingLog())).toBe(
      'updated'
    )
    expect(rerun.calls).toEqual([`update 2 ${COMMENT_MARKER}\nv2`])
  })

  it('skips forks', async () => {
    const f = fakeApi([])
    expect(await upsertPrComment(f.api, { ...target, fork: true }, 'x', recordingLog())).toBe(
      'skipped-fork'
    )
    expect(f.calls).toEqual([])
  })
})

describe('EngineLogAdapter', () => {
  function runner() {
    const lines: string[] = []
    const out: RunnerLog = {
      debug: (m) => void lines.push(`debug ${m}`),
      info: (m) => void lines.push(m),
      warning: (m) => void lines.push(`::warning::${m}`),
      startGroup: (n) => void lines.push(`::group::${n}`),
      endGroup: () => void lines.push('::endgroup::')
    }
    return { lines, out }
  }

  it('keeps groups flat, one per coarse phase, and records spans', () => {
    const { lines, out } = runner()
    let now = 0
    const spans: PhaseSpan[] = []
    const a = new EngineLogAdapter(out, () => now, spans)
    a.progress({ kind: 'phase', phase: 'list', state: 'start' })
    now = 10
    a.progress({ kind: 'phase', phase: 'list', state: 'end' })
    a.progress({ kind: 'phase', phase: 'plan', state: 'start' })
    now = 20
    a.progress({ kind: 'phase', phase: 'plan', state: 'end' })
    a.progress({ kind: 'phase', phase: 'readV1', state: 'start' })
    a.progress({ kind: 'phase', phase: 'compact', state: 'start' }) // overlaps: same group
    now = 50
    a.progress({ kind: 'phase', phase: 'readV1', state: 'end' })
    a.progress({ kind: 'phase', phase: 'compact', state: 'end' })
    a.progress({ kind: 'phase', phase: 'verify', state: 'start' })
    now = 60
    a.progress({ kind: 'phase', phase: 'verify', state: 'end' })
    a.close()
    expect(lines).toEqual([
      '::group::Plan',
      '::endgroup::',
      '::group::Migrate',
      '::endgroup::',
      '::group::Verify (re-read from git)',
      '::endgroup::'
    ])
    expect(spans).toEqual([
      { phase: 'list', startMs: 0, endMs: 10 },
      { phase: 'plan', startMs: 10, endMs: 20 },
      { phase: 'readV1', startMs: 20, endMs: 50 },
      { phase: 'compact', startMs: 20, endMs: 50 },
      { phase: 'verify', startMs: 50, endMs: 60 }
    ])
  })

  it('logs progress at most every few seconds, always the last line', () => {
    const { lines, out } = runner()
    let now = 1000
    const a = new EngineLogAdapter(out, () => now, [], 3000)
    for (let done = 1; done <= 10; done++) {
      now += 1000
      a.progress({ kind: 'checkpoints', done, total: 10, bytesRead: done * 1_000_000 })
    }
    expect(lines).toEqual([
      'checkpoints 1/10 (10 %), 1.0 MB read, 0.5 MB/s overall',
      'checkpoints 4/10 (40 %), 4.0 MB read, 0.8 MB/s overall',
      'checkpoints 7/10 (70 %), 7.0 MB read, 0.9 MB/s overall',
      'checkpoints 10/10 (100 %), 10.0 MB read, 0.9 MB/s overall'
    ])
  })

  it('caps warning annotations, the rest go to the log', () => {
    const { lines, out } = runner()
    const a = new EngineLogAdapter(out, () => 0, [])
    for (let i = 0; i < WARNING_ANNOTATIONS + 2; i++) a.warn(`w${i}`)
    expect(lines.filter((l) => l.startsWith('::warning::')).length).toBe(WARNING_ANNOTATIONS)
    expect(lines.slice(-2)).toEqual([
      `warning: w${WARNING_ANNOTATIONS}`,
      `warning: w${WARNING_ANNOTATIONS + 1}`
    ])
  })
})
