// Reliability: large v1 inputs (generated on the fly) migrate next to a healthy checkpoint and
// verify clean: a 60 MiB transcript, a single 12 MiB line, a session with 100k files_touched.
import { describe, it, expect, beforeAll } from '@jest/globals'
import { runMigration, defaultSettings } from '../src/engine/run.js'
import { verifyRepository } from '../src/engine/verify/index.js'
import type { MigrationReport } from '../src/engine/types.js'
import type { VerifyReport } from '../src/engine/verify/types.js'
import type { GitRunner } from '../src/git/runner.js'
import { buildV1Repo, claudeTranscript, sessionMeta, tempDir } from './helpers/v1repo.js'
import { badCases } from './reliability-cases.js'
import { fsckStrict } from './reliability-cli.js'

const CONTROL = 'abcdef012345'

describe('reliability: large inputs', () => {
  const cases = badCases().filter((c) => c.large)
  let git: GitRunner
  let report: MigrationReport
  let verify: VerifyReport

  beforeAll(async () => {
    const control = {
      id: CONTROL,
      sessions: [
        {
          transcript: claudeTranscript(2, 'control'),
          metadata: sessionMeta(CONTROL, { session_id: 'sess-control' })
        }
      ]
    }
    const repo = await buildV1Repo(tempDir(), [...cases.map((c) => c.spec), control])
    git = repo.git
    report = await runMigration(
      defaultSettings(repo.dir, {
        now: new Date('2026-02-01T00:00:00Z'),
        batchSize: 2,
        compactWorkers: 0
      })
    )
    verify = await verifyRepository(git, { cliVersion: '0.6.2' })
  })

  it('has the three large cases', () => {
    expect(cases.map((c) => c.name)).toEqual([
      '60 MiB transcript',
      'a single 12 MiB line',
      'huge files_touched (100k paths)'
    ])
  })

  for (const c of badCases().filter((x) => x.large)) {
    it(`${c.name} → migrated, verified, raw bytes reused by id`, () => {
      const o = report.outcomes.find((x) => x.id === c.spec.id)!
      expect(o.status).toBe('migrated')
      const v = verify.checkpoints.find((x) => x.id === c.spec.id)!
      expect({ verdict: v.verdict, failures: v.failures }).toEqual({ verdict: 'ok', failures: [] })
      expect(o.sessions?.[0].rawBlobs?.length).toBeGreaterThan(0)
    })
  }

  it('the healthy checkpoint migrates; verify and fsck --strict are clean', async () => {
    expect(report.outcomes.find((x) => x.id === CONTROL)?.status).toBe('migrated')
    expect(report.counts.failed).toBe(0)
    expect({ ok: verify.ok, failures: verify.failures }).toEqual({ ok: true, failures: [] })
    expect(await fsckStrict(git)).toBe('')
  })
})
