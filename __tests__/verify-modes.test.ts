// The verifier's other modes on hand-made migrations: known writers, compare mode, the CLI
// command with its exit codes, and the markdown rendering.
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { verifyRepository } from '../src/engine/verify/verify.js'
import { runVerifyCommand } from '../src/engine/verify/cli-command.js'
import { renderVerifyMarkdown } from '../src/report/verify-markdown.js'
import type { CheckFailure, VerifyReport } from '../src/engine/verify/types.js'
import { claudeTranscript, tempDir, writeTreeCommit } from './helpers/v1repo.js'
import { compact } from '../src/formats/compact/index.js'
import { createHash } from 'node:crypto'
import {
  CLI,
  corrupt,
  CURRENT,
  MAIN,
  migratedRepo,
  migrateFiles,
  standardV1
} from './verify-fixture.js'

function allFailures(r: VerifyReport): CheckFailure[] {
  return [...r.failures, ...r.checkpoints.flatMap((c) => c.failures)]
}

const A = 'aa11111111a1'

describe('known writers', () => {
  it('v0.5.6 data: migration-time created_at and dropped attributions are notes, not failures', async () => {
    const m = await migratedRepo(standardV1(), { cliVersion: '0.5.6' })
    await corrupt(m, MAIN, (f) => {
      const p = 'aa/11111111a1/0/metadata.json'
      const o = JSON.parse(String(f[p])) as Record<string, unknown>
      o.created_at = '2026-04-28T16:30:56Z'
      delete o.prompt_attributions
      f[p] = JSON.stringify(o, null, 2) + '\n'
      const s = JSON.parse(String(f['aa/11111111a1/metadata.json'])) as Record<string, unknown>
      delete s.combined_attribution
      f['aa/11111111a1/metadata.json'] = JSON.stringify(s, null, 2) + '\n'
    })
    const r = await verifyRepository(m.git, {})
    expect(allFailures(r)).toEqual([])
    const cp = r.checkpoints.find((c) => c.id === A)
    expect(cp?.writerProfile).toBe('v0.5.6')
    expect(cp?.notes.filter((n) => n.kind === 'known-writer').map((n) => n.message)).toEqual([
      expect.stringContaining('written by 0.5.6'),
      expect.stringContaining('created_at 2026-04-28T16:30:56Z is the migration time'),
      expect.stringContaining('prompt_attributions not carried'),
      expect.stringContaining('combined_attribution not carried')
    ])
  })
})

describe('data of another version next to ours', () => {
  it('checkpoints written by an earlier run keep their own cli_version without failing', async () => {
    const specs = standardV1()
    const m = await migratedRepo(specs.slice(0, 2), { cliVersion: '0.5.6' })
    const ours = migrateFiles(specs.slice(2))
    await corrupt(m, MAIN, (f) => Object.assign(f, ours[MAIN]))
    await corrupt(m, CURRENT, (f) => Object.assign(f, ours[CURRENT]))
    // v1 holds all three.
    const { writeV1 } = await import('./verify-fixture.js')
    await writeV1(m.git, specs)
    const r = await verifyRepository(m.git, { cliVersion: CLI })
    expect(allFailures(r)).toEqual([])
    expect(r.counts.ok).toBe(3)
    const old = r.checkpoints.find((c) => c.id === A)
    expect(old?.notes.map((n) => n.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('carries cli_version "0.5.6", not "9.9.9-test"')
      ])
    )
  })
})

describe('native v2 writes', () => {
  it('compact lines with the registry agent name are recognised as a native write', async () => {
    const m = await migratedRepo(standardV1())
    const t = claudeTranscript(3, 'd')
    const c = compact(Buffer.from(t), { agent: 'claude-code', cliVersion: CLI, startLine: 0 })
    if (c.kind !== 'output') throw new Error('fixture transcript must compact')
    await corrupt(m, MAIN, (f) => {
      f['cc/33333333c3/0/transcript.jsonl'] = c.bytes
      f['cc/33333333c3/0/transcript_hash.txt'] =
        'sha256:' + createHash('sha256').update(c.bytes).digest('hex')
    })
    const r = await verifyRepository(m.git, { cliVersion: CLI })
    expect(allFailures(r)).toEqual([])
    expect(r.checkpoints.find((x) => x.id === 'cc33333333c3')?.notes).toEqual([
      expect.objectContaining({
        kind: 'known-writer',
        slot: 0,
        message: expect.stringContaining('"claude-code"')
      })
    ])
  })
})

describe('compare mode', () => {
  it('normalises cli_version only and names the first differing line', async () => {
    const m = await migratedRepo(standardV1())
    const other = migrateFiles(standardV1(), { cliVersion: '0.6.2' })
    const theirs = 'refs/their/v2'
    const rename = (ref: string) => ref.replace('refs/entire/checkpoints/v2', theirs)
    for (const [ref, files] of Object.entries(other))
      await writeTreeCommit(m.git, rename(ref), files)
    let r = await verifyRepository(m.git, { cliVersion: CLI, against: theirs })
    expect(r.ok).toBe(true)
    expect(r.compare).toMatchObject({
      differingFiles: 0,
      onlyLeft: 0,
      onlyRight: 0,
      checkpointsIdentical: 3
    })

    other[CURRENT]['cc/33333333c3/0/raw_transcript'] = 'changed\n'
    await writeTreeCommit(m.git, rename(CURRENT), other[CURRENT])
    r = await verifyRepository(m.git, { cliVersion: CLI, against: theirs })
    expect(r.ok).toBe(false)
    expect(r.compare?.diffs).toEqual([
      expect.objectContaining({
        checkpointId: 'cc33333333c3',
        file: 'full:cc/33333333c3/0/raw_transcript',
        status: 'differs',
        line: 1,
        right: 'changed'
      })
    ])
  })

  it('fetches a remote into a temporary namespace and removes it afterwards', async () => {
    const local = await migratedRepo(standardV1())
    const remote = await migratedRepo(standardV1())
    const r = await verifyRepository(local.git, { cliVersion: CLI, against: remote.git.repoDir })
    expect(r.compare).toMatchObject({ differingFiles: 0, onlyLeft: 0, onlyRight: 0 })
    expect(await local.git.text(['for-each-ref', 'refs/entire-migrate-verify/'])).toBe('')
  })
})

describe('runVerifyCommand and the markdown rendering', () => {
  const io = () => {
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

  it('exit 0 clean, 1 on a failed check, 2 on a fatal error; --json writes the report', async () => {
    const m = await migratedRepo(standardV1())
    const json = join(tempDir(), 'report.json')
    let c = io()
    expect(
      await runVerifyCommand(['--repo', m.git.repoDir, '--cli-version', CLI, '--json', json], c.io)
    ).toBe(0)
    expect(c.out.join('')).toMatch(/verify OK: \d+ checks passed, 0 failed/)
    expect(existsSync(json)).toBe(true)
    expect((JSON.parse(readFileSync(json, 'utf8')) as VerifyReport).ok).toBe(true)

    await corrupt(m, MAIN, (f) => (f['aa/11111111a1/0/prompt.txt'] = 'x'))
    c = io()
    expect(await runVerifyCommand(['--repo', m.git.repoDir, '--cli-version', CLI], c.io)).toBe(1)
    expect(c.out.join('')).toContain('FAIL prompt')

    c = io()
    expect(
      await runVerifyCommand(['--repo', m.git.repoDir, '--v1-ref', 'refs/heads/nope'], c.io)
    ).toBe(2)
    expect(c.err.join('')).toContain('refs/heads/nope')
    c = io()
    expect(await runVerifyCommand(['--bogus'], c.io)).toBe(2)
    c = io()
    expect(await runVerifyCommand(['--repo', m.git.repoDir, '--workers', 'two'], c.io)).toBe(2)
    expect(c.err.join('')).toContain(
      '--workers must be auto or a whole number from 0 to 64, got "two"'
    )
    for (const bad of ['65', '1.5', '', 'Auto']) {
      c = io()
      expect(await runVerifyCommand(['--repo', m.git.repoDir, '--workers', bad], c.io)).toBe(2)
      expect(c.err.join('')).toContain(`got ${JSON.stringify(bad)}`)
    }
    // auto: the same values as ENTIRE_MIGRATE_WORKERS and the action's compact-workers input
    // (the repository still has the corrupted prompt from above: it runs and finds it)
    c = io()
    expect(
      await runVerifyCommand(
        ['--repo', m.git.repoDir, '--cli-version', CLI, '--workers', 'auto'],
        c.io
      )
    ).toBe(1)
    expect(c.out.join('')).toContain('FAIL prompt')
    c = io()
    expect(await runVerifyCommand(['--help'], c.io)).toBe(0)
    expect(c.out.join('')).toContain('--against')
  })

  it('renders counts, per-check table and collapsible failures within maxBytes', async () => {
    const m = await migratedRepo(standardV1())
    await corrupt(m, MAIN, (f) => (f['aa/11111111a1/0/prompt.txt'] = 'x | <b>'))
    const r = await verifyRepository(m.git, { cliVersion: CLI })
    const md = renderVerifyMarkdown(r)
    expect(md).toContain('❌ failed')
    expect(md).toContain('| raw transcripts proven by blob id | 4 |')
    expect(md).toContain('| prompt | 3 | **1** |')
    expect(md).toContain('<details><summary>Failures (1)</summary>')
    expect(md).toContain(
      'checkpoint `aa11111111a1`, slot 0, v1 session 0, `aa/11111111a1/0/prompt.txt`'
    )
    const big = {
      ...r,
      checkpoints: r.checkpoints.map((c) => ({
        ...c,
        failures: Array(2000)
          .fill(c.failures[0] ?? r.checkpoints[0].failures[0])
          .filter(Boolean)
      }))
    }
    const small = renderVerifyMarkdown(big, { maxBytes: 4000 })
    expect(Buffer.byteLength(small)).toBeLessThanOrEqual(4000)
    expect(small).toContain('more (see the JSON report)')
  })
})
