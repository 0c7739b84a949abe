import { describe, it, expect, beforeAll } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { archivesCreatedText, main } from '../src/cli.js'
import { buildV1Repo, refsUnder, tempDir } from './helpers/v1repo.js'
import { v1Fixture } from './helpers/v1fixture.js'

function io(): { out: string[]; err: string[]; io: Parameters<typeof main>[1] } {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) }
    }
  }
}

describe('entire-migrate CLI', () => {
  it('prints help for every command and exits 0', async () => {
    for (const argv of [['--help'], ['migrate', '--help'], ['verify', '--help']]) {
      const t = io()
      expect(await main(argv, t.io)).toBe(0)
      expect(t.out.join('')).toMatch(/^Usage: entire-migrate/)
    }
    // the variables that change how a migration runs are named where its flags are
    const t = io()
    await main(['migrate', '--help'], t.io)
    for (const v of ['WORKERS', 'MALLOC_TUNING', 'SEGMENT_CHECKPOINTS'])
      expect(t.out.join('')).toContain(`ENTIRE_MIGRATE_${v}=`)
  })

  it('rejects unknown commands, unknown flags and bad values with exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['migrate', '--bogus'], /Unknown option '--bogus'/],
      [['migrate', '--batch-size', '0'], /--batch-size must be a positive integer, got "0"/],
      [['migrate', '--batch-size', 'ten'], /--batch-size must be a positive integer/],
      [['migrate', '--dry-run', '--force'], /--dry-run and --force cannot be combined/],
      [['migrate', '--repo', '/nonexistent/nowhere'], /^entire-migrate: /]
    ]
    for (const [argv, re] of cases) {
      const t = io()
      expect(await main(argv, t.io)).toBe(2)
      expect(t.err.join('')).toMatch(re)
    }
  })

  describe('on a v1 fixture', () => {
    let dir: string
    beforeAll(async () => {
      dir = (await buildV1Repo(undefined, v1Fixture())).dir
    })

    it('dry run: plan on stdout, nothing written', async () => {
      const t = io()
      const before = await refsUnder(
        new (await import('../src/git/runner.js')).GitRunner(dir),
        'refs/'
      )
      expect(await main(['migrate', '--repo', dir, '--dry-run'], t.io)).toBe(0)
      expect(t.out.join('')).toContain('Dry run: 8 v1 checkpoint(s): 8 to migrate')
      const after = await refsUnder(
        new (await import('../src/git/runner.js')).GitRunner(dir),
        'refs/'
      )
      expect(after).toEqual(before)
    })

    it('migrates, prints counts and the phase table, writes the JSON report; a rerun skips all', async () => {
      const t = io()
      const json = join(tempDir(), 'report.json')
      expect(
        await main(
          ['migrate', '--repo', dir, '--batch-size', '4', '--no-verify', '--json', json],
          t.io
        )
      ).toBe(0)
      const out = t.out.join('')
      expect(out).toContain(
        'Migration complete: 7 migrated, 0 repaired, 1 skipped (no-migratable-sessions: 1), 0 failed'
      )
      expect(out).toContain(
        'Batches: 2; archives created: refs/entire/checkpoints/v2/full/0000000000001\n'
      )
      expect(out).toMatch(/^phase\s+wall\s+objects\s+bytes$/m)
      expect(out).toMatch(/^readV1\s/m)
      expect(existsSync(json)).toBe(true)
      const report = JSON.parse(readFileSync(json, 'utf8'))
      expect(report.counts.migrated).toBe(7)
      expect(report.archivesCreated).toEqual(['refs/entire/checkpoints/v2/full/0000000000001'])
      const t2 = io()
      expect(
        await main(['migrate', '--repo', dir, '--batch-size', '4', '--no-verify'], t2.io)
      ).toBe(0)
      expect(t2.out.join('')).toContain('0 migrated, 0 repaired, 8 skipped')
    })
  })

  it('names a few archives created, and counts many with their range', () => {
    const ref = (n: number) => `refs/entire/checkpoints/v2/full/${String(n).padStart(13, '0')}`
    expect(archivesCreatedText([])).toBe('none')
    expect(archivesCreatedText([ref(1), ref(2), ref(3)])).toBe(`${ref(1)}, ${ref(2)}, ${ref(3)}`)
    expect(archivesCreatedText([1, 2, 3, 4, 5].map(ref))).toBe(`5 (${ref(1)} … ${ref(5)})`)
  })

  it('exits 1 when a checkpoint fails', async () => {
    const specs = v1Fixture()
    specs[0] = { ...specs[0], summary: '{"sessions": "nope"}' }
    const { dir } = await buildV1Repo(undefined, specs)
    const t = io()
    expect(await main(['migrate', '--repo', dir, '--no-verify'], t.io)).toBe(1)
    expect(t.out.join('')).toMatch(/FAILED a1a1a1a1a1a1: /)
  })
})
