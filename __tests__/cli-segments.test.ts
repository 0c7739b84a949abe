// The CLI runs a first migration that goes to tuned processes in segments (launch/segments.ts):
// at most ENTIRE_MIGRATE_SEGMENT_CHECKPOINTS checkpoints per process. Seen from outside: the
// same trees, counts and outcomes as a run in one process, one summary, verification in the
// last segment; a segment that dies ends the CLI the same way, and a rerun finishes the job.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import { LOCK_FILE } from '../src/engine/lock.js'
import { CRASH_EXIT_CODE } from '../src/engine/crash.js'
import { SEGMENT_SIZE_ENV } from '../src/launch/segments.js'
import { TUNING_SWITCH } from '../src/launch/tuning.js'
import { buildV1Repo, tempDir, treesUnder } from './helpers/v1repo.js'
import { v1Fixture, IDS } from './helpers/v1fixture.js'
import { buildCli, runCli, type BuiltCli } from './reliability-cli.js'
import type { MigrationReport } from '../src/engine/types.js'

const describeLinux = process.platform === 'linux' ? describe : describe.skip
const V2 = 'refs/entire/checkpoints/v2/'

/** Zero created_at takes the run's clock: left out, so that runs at different times compare. */
const fixture = () => v1Fixture().filter((c) => c.id !== IDS.zeroTime)

function env(segment: string): Record<string, string> {
  return { [TUNING_SWITCH]: 'on', GLIBC_TUNABLES: '', [SEGMENT_SIZE_ENV]: segment }
}

/** v2 ref → tree id (commit ids carry each run's clock). */
const v2Trees = (git: GitRunner) => treesUnder(git, V2)

function report(file: string): MigrationReport {
  return JSON.parse(readFileSync(file, 'utf8')) as MigrationReport
}

describeLinux('CLI: a first migration in segments', () => {
  let cli: BuiltCli
  beforeAll(() => {
    cli = buildCli()
  })
  afterAll(() => cli?.cleanup())

  it('writes what one process writes, reports it once, and verifies in the last segment', async () => {
    const one = await buildV1Repo(tempDir(), fixture())
    const parts = await buildV1Repo(tempDir(), fixture())
    const args = (dir: string) => ['migrate', '--repo', dir, '--batch-size', '2', '--json']
    const a = runCli(cli.entry, [...args(one.dir), join(one.dir, 'r.json')], env('off'))
    const b = runCli(cli.entry, [...args(parts.dir), join(parts.dir, 'r.json')], env('2'))
    expect([a.code, a.stderr]).toEqual([0, ''])
    expect([b.code, b.stderr]).toEqual([0, ''])
    expect(a.stdout).not.toMatch(/segments/)
    expect(b.stdout).toMatch(
      /^Batches: 3 in 3 segments \(one process each, peak RSS \d+–\d+ MB\); /m
    )
    expect(b.stdout).toMatch(/^Verify: ok /m)
    expect(b.stdout.match(/^Migration complete/gm)).toHaveLength(1)
    expect(await v2Trees(parts.git)).toEqual(await v2Trees(one.git))
    const ra = report(join(one.dir, 'r.json'))
    const rb = report(join(parts.dir, 'r.json'))
    expect(rb.segments?.map((s) => s.checkpoints)).toEqual([2, 2, 3])
    for (const s of rb.segments!) expect(s.peakRssMb).toBeGreaterThan(20)
    expect(rb.counts).toEqual(ra.counts)
    expect(rb.outcomes.map((o) => [o.id, o.status, o.fullRef])).toEqual(
      ra.outcomes.map((o) => [o.id, o.status, o.fullRef])
    )
    expect(rb.v1).toEqual(ra.v1)
    // the run's plan: the first segment's list, handed back in a file of its own
    expect(rb.plan.checkpoints).toHaveLength(7)
    expect(rb.plan).toEqual(ra.plan)
    expect(rb.refs.map((r) => [r.ref, r.old])).toEqual(ra.refs.map((r) => [r.ref, r.old]))
    expect(rb.verify?.ok).toBe(true)
    // the digests of the v1 blobs every segment read reach the verification in the last one
    const fromRead = (r: MigrationReport) =>
      (r.verify?.details as { counts: Record<string, number> }).counts.rawHashFromRead
    expect(fromRead(rb)).toBe(fromRead(ra))
    expect(rb.resume).toBeUndefined()
    expect(existsSync(join(parts.dir, '.git', LOCK_FILE))).toBe(false)
    // a rerun finds everything in place
    const again = runCli(cli.entry, ['migrate', '--repo', parts.dir], env('2'))
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/Migration complete: 0 migrated, 0 repaired, 7 skipped/)
    // --force in segments rewrites what --force in one process does
    const forced = ['--batch-size', '2', '--force']
    const fa = runCli(cli.entry, ['migrate', '--repo', one.dir, ...forced], env('off'))
    const fb = runCli(cli.entry, ['migrate', '--repo', parts.dir, ...forced], env('2'))
    expect([fa.code, fb.code]).toEqual([0, 0])
    expect(fb.stdout).toMatch(/in 3 segments \(one process each, peak RSS/)
    expect(fb.stdout).toMatch(/^Verify: ok /m)
    expect(await v2Trees(parts.git)).toEqual(await v2Trees(one.git))
  })

  it('a segment that dies ends the CLI the same way; a rerun finishes what one run writes', async () => {
    const one = await buildV1Repo(tempDir(), fixture())
    const parts = await buildV1Repo(tempDir(), fixture())
    expect(
      runCli(cli.entry, ['migrate', '--repo', one.dir, '--batch-size', '1'], env('off')).code
    ).toBe(0)
    // Batches count per process: the first segment dies after its second, before its end.
    const crashed = runCli(cli.entry, ['migrate', '--repo', parts.dir, '--batch-size', '1'], {
      ...env('3'),
      ENTIRE_MIGRATE_CRASH_AT: 'after-ref-update:2'
    })
    expect(crashed.code).toBe(CRASH_EXIT_CODE)
    expect(crashed.stderr).toMatch(/crash point after-ref-update:2 reached/)
    expect(crashed.stderr).toMatch(
      /segment 1 of the migration ended \(exit code 99\); what earlier segments wrote stays/
    )
    expect(crashed.stdout).toBe('')
    expect(existsSync(join(parts.dir, '.git', LOCK_FILE))).toBe(false)
    const rerun = runCli(cli.entry, ['migrate', '--repo', parts.dir, '--batch-size', '1'], env('3'))
    expect([rerun.code, rerun.stderr]).toEqual([0, ''])
    expect(rerun.stdout).toMatch(/^Verify: ok /m)
    expect(await v2Trees(parts.git)).toEqual(await v2Trees(one.git))
  })

  it('a segment size that is not a number is an error that names it', () => {
    const r = runCli(cli.entry, ['migrate', '--repo', '.'], { [SEGMENT_SIZE_ENV]: 'many' })
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      `entire-migrate: ${SEGMENT_SIZE_ENV}: expected a number of checkpoints, or 0/off, got "many"\n`
    )
  })
})
