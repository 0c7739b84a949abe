import { describe, it, expect } from '@jest/globals'
import { renderSummary, headline, ganttChart, SUMMARY_BUDGET_BYTES } from '../src/report/summary.js'
import { renderComment, COMMENT_MARKER } from '../src/report/comment.js'
import { escapeHtml, table, megabytes } from '../src/report/html.js'
import type { ActionRunReport } from '../src/report/action-report.js'
import { equivalenceFromVerify } from '../src/report/equivalence.js'
import type { VerifyReport } from '../src/engine/verify/types.js'
import type { MigrationReport, CheckpointOutcome } from '../src/engine/types.js'

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(40)

function migration(over: Partial<MigrationReport> = {}): MigrationReport {
  return {
    target: 'v2',
    repo: '/w/repo',
    v1: { ref: 'refs/remotes/origin/entire/checkpoints/v1', commit: A, tree: B },
    settings: {
      batchSize: 100,
      cliVersion: '0.6.2',
      referenceCompatible: false,
      force: false,
      dryRun: false,
      verify: true,
      now: '2026-11-25T18:00:00Z'
    },
    plan: {
      target: 'v2',
      v1: null,
      refs: [],
      localArchives: [],
      remoteArchives: [],
      nextArchive: 1,
      checkpoints: [
        { id: '0123456789ab', createdAt: '2026-01-01T00:00:00Z', action: 'migrate' },
        { id: 'fedcba987654', createdAt: '', action: 'skip', reason: 'already in v2' }
      ],
      counts: { migrate: 1, skip: 1, repair: 0, force: 0 }
    },
    refs: [
      { ref: 'refs/entire/checkpoints/v2/main', old: null, new: B },
      { ref: 'refs/entire/checkpoints/v2/full/0000000000001', old: null, new: C }
    ],
    archivesCreated: ['refs/entire/checkpoints/v2/full/0000000000001'],
    batches: 1,
    counts: {
      total: 2,
      migrated: 1,
      skipped: 1,
      failed: 0,
      repaired: 0,
      skippedByReason: { 'already-in-v2': 1 },
      failedByReason: {},
      missingSessions: 0,
      compactionSkipped: 0,
      fieldsDropped: {},
      sessionsWritten: 2
    },
    outcomes: [],
    timings: {
      list: { ms: 120, objects: 10 },
      readV1: { ms: 2000, objects: 500, bytes: 50_000_000 },
      compact: { ms: 800 },
      writeMain: { ms: 300, objects: 40 }
    },
    totalMs: 4000,
    warnings: [],
    notes: ['Archives older than 14 days are eligible for entire clean.'],
    ...over
  }
}

function report(over: Partial<ActionRunReport> = {}): ActionRunReport {
  return {
    status: 'success',
    repository: 'acme/widgets',
    eventName: 'workflow_dispatch',
    dryRun: false,
    migration: migration(),
    equivalence: {
      ok: true,
      summary: '2 sessions compared, no difference',
      checks: [
        { name: 'raw transcript blobs', passed: 2, failed: 0 },
        { name: 'metadata.json', passed: 2, failed: 0 }
      ],
      failures: []
    },
    push: {
      remote: 'origin',
      attempted: true,
      ok: true,
      rejected: false,
      attempts: 1,
      refs: [
        { ref: 'refs/entire/checkpoints/v2/main', expected: null, new: B, status: 'created' },
        {
          ref: 'refs/entire/checkpoints/v2/full/0000000000001',
          expected: null,
          new: C,
          status: 'created'
        }
      ]
    },
    spans: [
      { phase: 'prepare', startMs: 0, endMs: 500 },
      { phase: 'push', startMs: 3500, endMs: 3900 }
    ],
    settings: [
      ['batch-size', '100'],
      ['remote', 'origin']
    ],
    reportPath: '/runner/temp/entire-migrate-report.json',
    startedAt: '2026-11-25T18:00:00.000Z',
    totalMs: 4000,
    ...over
  }
}

describe('html helpers', () => {
  it('escapes &, <, >, quotes (ampersand first)', () => {
    expect(escapeHtml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;')
    expect(escapeHtml('&lt;')).toBe('&amp;lt;')
  })
  it('renders core.summary-shaped tables, numbers right-aligned', () => {
    expect(table(['phase', 'ms'], [['fetch', 12]])).toBe(
      '<table>\n<tr><th>phase</th><th>ms</th></tr>\n<tr><td>fetch</td><td align="right">12</td></tr>\n</table>'
    )
  })
  it('formats MB with one decimal', () => {
    expect(megabytes(50_000_000)).toBe('50.0 MB')
    expect(megabytes(0)).toBe('0.0 MB')
    expect(megabytes(12_345)).toBe('0.01 MB')
  })
})

describe('renderSummary', () => {
  it('renders verdict, counts, timings table and chart, equivalence, refs and settings in order', () => {
    const s = renderSummary(report())
    const order = [
      '<h2>Entire checkpoints v2 migration</h2>',
      '✅ Migrated 1 of 2 v1 checkpoints to v2; pushed 2 refs to origin; verification passed.',
      '<h3>Counts</h3>',
      '<h3>Phase timings</h3>',
      '```mermaid',
      '<h3>Data equivalence</h3>',
      '<h3>Refs written and pushed</h3>',
      '<summary>Settings used</summary>',
      'Full JSON report: <code>/runner/temp/entire-migrate-report.json</code>'
    ]
    let at = -1
    for (const needle of order) {
      const i = s.indexOf(needle)
      expect(i).toBeGreaterThan(at)
      at = i
    }
    expect(s).toContain('<tr><td>migrated</td><td align="right">1</td></tr>')
    expect(s).toContain(
      '<tr><td>&nbsp;&nbsp;skipped: already-in-v2</td><td align="right">1</td></tr>'
    )
    // readV1: 2.0 s, 50 % of 4 s, 500 obj · 50.0 MB, 25.0 MB/s
    expect(s).toContain(
      '<tr><td>readV1</td><td align="right">2.0 s</td><td align="right">50.0 %</td><td align="right">500 obj · 50.0 MB</td><td align="right">25.0 MB/s</td></tr>'
    )
    expect(s).toContain('<tr><td>fetch</td><td align="right">0.5 s</td>')
    expect(s).toContain('<tr><td>push</td><td align="right">0.4 s</td>')
    expect(s).toContain('✅ raw transcript blobs')
    expect(s).toContain(
      `<code>refs/entire/checkpoints/v2/main</code></td><td><code>(none)</code> → <code>${B.slice(0, 12)}</code>`
    )
    expect(s).toContain('✅ created')
  })

  it('draws a mermaid gantt chart of the phases', () => {
    const chart = ganttChart(report())
    expect(chart.split('\n').slice(0, 6)).toEqual([
      '```mermaid',
      'gantt',
      '  title Phase wall time (mm:ss from start)',
      '  dateFormat x',
      '  axisFormat %M:%S',
      '  section run'
    ])
    // engine phases have no measured spans here: laid out end to end
    expect(chart).toContain('  fetch 0.5s :0, 500')
    expect(chart).toContain('  list 0.1s :500, 620')
    expect(chart).toContain('  readV1 2.0s :620, 2620')
    expect(chart.endsWith('```')).toBe(true)
  })

  it('uses the measured spans when every phase has one', () => {
    const r = report({
      migration: migration({ timings: { readV1: { ms: 1000 } } }),
      spans: [
        { phase: 'prepare', startMs: 0, endMs: 400 },
        { phase: 'readV1', startMs: 450, endMs: 1450 },
        { phase: 'push', startMs: 1500, endMs: 1700 }
      ]
    })
    const chart = ganttChart(r)
    expect(chart).toContain('  readV1 1.0s :450, 1450')
    expect(chart).toContain('  push 0.2s :1500, 1700')
  })

  it('places phases without measured spans after the phase before them', () => {
    const r = report({
      migration: migration({ timings: { readV1: { ms: 1000 }, compact: { ms: 300 } } }),
      spans: [
        { phase: 'prepare', startMs: 0, endMs: 400 },
        { phase: 'readV1', startMs: 450, endMs: 1450 },
        { phase: 'push', startMs: 1800, endMs: 1900 }
      ]
    })
    const chart = ganttChart(r)
    expect(chart).toContain('  readV1 1.0s :450, 1450')
    expect(chart).toContain('  compact 0.3s :1450, 1750')
    expect(chart).toContain('  push 0.1s :1800, 1900')
  })

  it('escapes everything that comes from data', () => {
    const evil = '<img src=x onerror=alert(1)>'
    const outcomes: CheckpointOutcome[] = [
      {
        id: '0123456789ab',
        status: 'failed',
        reason: 'bad-session',
        file: `01/23456789ab/0/${evil}`,
        message: `bad JSON ${evil}`
      }
    ]
    const s = renderSummary(
      report({
        pullRequest: { number: 7, title: `Fix ${evil}`, fork: false },
        migration: migration({ outcomes, warnings: [evil] }),
        error: evil,
        status: 'failed',
        settings: [['remote', evil]]
      })
    )
    expect(s).not.toContain('<img')
    expect(s).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(s).toContain('PR #7: Fix &lt;img')
  })

  it('stays under the byte budget with huge lists, truncating with a note', () => {
    const outcomes: CheckpointOutcome[] = Array.from({ length: 20_000 }, (_, i) => ({
      id: i.toString(16).padStart(12, '0'),
      status: 'failed' as const,
      reason: 'bad-session' as const,
      file: `${i}/0/metadata.json`,
      message: `unexpected end of JSON input in session ${i} ${'x'.repeat(200)}`
    }))
    const s = renderSummary(report({ migration: migration({ outcomes }) }))
    expect(Buffer.byteLength(s, 'utf8')).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES)
    expect(s).toContain('<summary>Failed checkpoints (20000)</summary>')
    expect(s).toMatch(/… and 19\d{3} more, see the JSON report\./)
    // the first rows are still there
    expect(s).toContain('<code>000000000000</code>')
  })

  it('shrinks caps further for a small budget and still returns whole lines', () => {
    const outcomes: CheckpointOutcome[] = Array.from({ length: 300 }, (_, i) => ({
      id: i.toString(16).padStart(12, '0'),
      status: 'failed' as const,
      message: 'm'.repeat(100)
    }))
    const s = renderSummary(report({ migration: migration({ outcomes }) }), {
      budgetBytes: 12_000
    })
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(12_000)
    expect(s).toContain('… and 290 more')
    const tiny = renderSummary(report({ error: 'e'.repeat(5000), status: 'failed' }), {
      budgetBytes: 2000
    })
    expect(Buffer.byteLength(tiny)).toBeLessThanOrEqual(2000)
    expect(tiny).toContain('Summary truncated to fit the job summary limit')
  })

  it('shows the plan in a dry run', () => {
    const s = renderSummary(
      report({ dryRun: true, status: 'dry-run', push: undefined, migration: migration() })
    )
    expect(s).toContain('<h2>Entire checkpoints v2 migration (dry run)</h2>')
    expect(s).toContain(
      '🔍 Dry run: 1 of 2 v1 checkpoints would migrate; nothing was written or pushed.'
    )
    expect(s).toContain('<h3>Plan</h3>')
    expect(s).toContain(
      '<tr><td><code>0123456789ab</code></td><td>2026-01-01T00:00:00Z</td><td>migrate</td><td></td></tr>'
    )
    expect(s).not.toContain('fedcba987654</code></td><td>(unknown time)')
  })

  it('lists local v2 refs the prepare step kept under a backup ref', () => {
    const backedUp = [
      {
        ref: 'refs/entire/checkpoints/v2/main',
        oid: 'a'.repeat(40),
        backup: 'refs/entire-migrate/backup/20261125T211500Z/main'
      }
    ]
    const prepare = {
      initialised: false,
      remoteAdded: false,
      unshallowed: false,
      wasShallow: true,
      remoteRefs: [],
      v1Commit: null,
      v1Ref: null,
      baseline: [],
      backedUp
    }
    const s = renderSummary(report({ prepare }))
    expect(s).toContain('Warnings and notes (2)')
    expect(s).toContain(
      `<li>refs/entire/checkpoints/v2/main differed from the remote (left by an unpushed run): kept as refs/entire-migrate/backup/20261125T211500Z/main (${'a'.repeat(40)}) before the reset to the remote&#39;s state</li>`
    )
  })

  it('explains a lease rejection and shows the remote state per ref', () => {
    const r = report({
      status: 'failed',
      error: 'remote v2 refs changed during migration; rerun the workflow',
      push: {
        remote: 'origin',
        attempted: true,
        ok: false,
        rejected: true,
        attempts: 1,
        refs: [
          {
            ref: 'refs/entire/checkpoints/v2/main',
            expected: null,
            new: B,
            status: 'lease',
            detail: '[rejected] (stale info)',
            remoteNow: A
          },
          {
            ref: 'refs/entire/checkpoints/v2/full/0000000000001',
            expected: null,
            new: C,
            status: 'collateral',
            detail: '[rejected] (atomic push failed)',
            remoteNow: null
          }
        ]
      }
    })
    const s = renderSummary(r)
    expect(headline(r)).toBe(
      '❌ Failed: remote v2 refs changed during migration; rerun the workflow'
    )
    expect(s).toContain('<strong>rerun the workflow</strong>')
    expect(s).toContain('the remote is as it was')
    expect(s).toContain('❌ rejected: remote changed (stale lease)')
    expect(s).toContain('<th>remote now</th>')
    expect(s).toContain(`<code>${A.slice(0, 12)}</code>`)
    expect(s).toContain('<code>(absent)</code>')
  })

  it('renders equivalence failures in details', () => {
    const s = renderSummary(
      report({
        equivalence: {
          ok: false,
          summary: '1 difference',
          checks: [{ name: 'compact transcript', passed: 1, failed: 1 }],
          failures: [
            {
              check: 'compact transcript',
              checkpoint: '0123456789ab',
              session: 0,
              file: 'transcript.jsonl',
              message: 'line 3 differs'
            }
          ]
        }
      })
    )
    expect(s).toContain('❌ compact transcript')
    expect(s).toContain('<summary>Verification failures (1)</summary>')
    expect(s).toContain('line 3 differs')
  })
})

describe('renderComment', () => {
  it('carries the marker and a short table', () => {
    const c = renderComment(report({ dryRun: true, status: 'dry-run' }), 'https://x/run/1')
    expect(c.startsWith(COMMENT_MARKER)).toBe(true)
    expect(c).toContain('### Entire checkpoints v2 migration (dry run)')
    expect(c).toContain('<tr><td>would migrate</td><td align="right">1</td></tr>')
    expect(c).toContain('<tr><td>verification</td><td>passed</td></tr>')
    expect(c).toContain('[Full summary of this run](https://x/run/1)')
  })
})

describe('equivalenceFromVerify', () => {
  function verifyReport(over: Partial<VerifyReport> = {}): VerifyReport {
    const counts = {
      v1Checkpoints: 2,
      migratable: 2,
      mainCheckpoints: 1,
      verified: 2,
      ok: 2,
      failed: 0,
      v2Only: 0,
      notMigratable: 0,
      knownSkip: 0,
      sessions: 1,
      rawProvenById: 1,
      rawProvenByBytes: 0,
      rawHashFromRead: 0,
      compactRederived: 1,
      compactProvenById: 1,
      offsetsFromCache: 0,
      offsetsRecomputed: 1,
      droppedFields: 0,
      notes: 0,
      checksPassed: 4,
      checksFailed: 1
    }
    return {
      version: 1,
      repo: '/r',
      v1Ref: 'refs/heads/entire/checkpoints/v1',
      v1Commit: A,
      v2Prefix: 'refs/entire/checkpoints/v2',
      refs: [],
      options: { rederiveCompact: true },
      ok: false,
      startedAt: '',
      durationMs: 1,
      counts,
      byCheck: {
        coverage: { passed: 1, failed: 1 },
        'raw.bytes': { passed: 3, failed: 0 },
        prompt: { passed: 0, failed: 0 }
      },
      checkpoints: [],
      failures: [{ check: 'coverage', checkpointId: 'fedcba987654', message: 'not on /main' }],
      notes: [],
      ...over
    }
  }

  it('maps checks to rows (dropping checks that never ran) and failures to rows', () => {
    const e = equivalenceFromVerify(verifyReport())
    expect(e.ok).toBe(false)
    expect(e.checks.map((c) => [c.name, c.passed, c.failed])).toEqual([
      ['coverage', 1, 1],
      ['raw.bytes', 3, 0]
    ])
    expect(e.failures).toEqual([
      {
        check: 'coverage',
        checkpoint: 'fedcba987654',
        session: undefined,
        file: undefined,
        message: 'not on /main'
      }
    ])
  })

  it('in a dry run, counts checkpoints that would migrate as pending, not as differences', () => {
    const e = equivalenceFromVerify(verifyReport(), { pending: new Set(['fedcba987654']) })
    expect(e.ok).toBe(true)
    expect(e.failures).toEqual([])
    expect(e.checks[0]).toMatchObject({ name: 'coverage', passed: 1, failed: 0 })
    expect(e.summary).toContain('1 checkpoint(s) not yet in v2 (would migrate)')
    expect(e.summary).toMatch(/^1 checkpoint\(s\) already in v2/)
  })
})
