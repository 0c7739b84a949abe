// The verifier reads its batches on a reader thread when it has a runnable bundle
// (`readerScript`), which also hashes the transcripts there. The report must be the one the
// in-thread reader gives: same checks, same failures with the same expected and actual values
// (hashes of single blobs come from the thread, of chunked transcripts from the main thread).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { verifyRepository } from '../src/engine/verify/verify.js'
import type { VerifyReport } from '../src/engine/verify/types.js'
import { claudeTranscript, sessionMeta } from './helpers/v1repo.js'
import type { V1CheckpointSpec } from './helpers/v1repo.js'
import { CLI, corrupt, CURRENT, MAIN, migratedRepo, type Migrated } from './verify-fixture.js'
import { buildCli, runCli, type BuiltCli } from './reliability-cli.js'
import { runnableScript } from '../src/engine/worker-pool.js'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const A = 'ab0000000001'
const B = 'ab0000000002'
const C = 'ab0000000003'

function checkpoints(): V1CheckpointSpec[] {
  const meta = (id: string, day: number, extra: Record<string, unknown> = {}) =>
    sessionMeta(id, { session_id: `s-${id}`, created_at: `2026-01-0${day}T10:00:00Z`, ...extra })
  return [
    // Transcript and compact above the reader thread's hashing threshold (4 KiB).
    { id: A, sessions: [{ metadata: meta(A, 1), transcript: claudeTranscript(40, 'a') }] },
    // A chunked transcript: its hash is taken over the pieces on the main thread.
    {
      id: B,
      sessions: [
        {
          metadata: meta(B, 2, { transcript_lines_at_start: 10 }),
          transcript: [
            Buffer.from(claudeTranscript(30, 'b').trimEnd()),
            Buffer.from(claudeTranscript(30, 'b', 30))
          ]
        }
      ]
    },
    // Small: hashed on the main thread either way.
    { id: C, sessions: [{ metadata: meta(C, 3), transcript: claudeTranscript(1, 'c') }] }
  ]
}

function outcome(r: VerifyReport): unknown {
  return {
    ok: r.ok,
    counts: r.counts,
    byCheck: r.byCheck,
    checkpoints: r.checkpoints.map((c) => [c.id, c.verdict, c.failures, c.notes]),
    failures: r.failures
  }
}

describe('verify on the reader thread', () => {
  let cli: BuiltCli
  let m: Migrated
  beforeAll(async () => {
    cli = buildCli()
    m = await migratedRepo(checkpoints())
  }, 60_000)
  afterAll(() => cli.cleanup())

  it('gives the in-thread report, clean and with wrong hash files', async () => {
    const clean = await verifyRepository(m.git, { cliVersion: CLI })
    expect(clean.ok).toBe(true)
    expect(clean.counts).toMatchObject({ ok: 3, compactRederived: 3 })
    const threaded = await verifyRepository(m.git, { cliVersion: CLI, readerScript: cli.entry })
    expect(outcome(threaded)).toEqual(outcome(clean))

    const real = [
      m.refs[CURRENT]['ab/0000000001/0/raw_transcript_hash.txt'],
      m.refs[MAIN]['ab/0000000001/0/transcript_hash.txt'],
      m.refs[CURRENT]['ab/0000000002/0/raw_transcript_hash.txt']
    ]
    await corrupt(m, CURRENT, (f) => {
      f['ab/0000000001/0/raw_transcript_hash.txt'] = 'sha256:' + '1'.repeat(64)
      f['ab/0000000002/0/raw_transcript_hash.txt'] = 'sha256:' + '2'.repeat(64)
    })
    await corrupt(m, MAIN, (f) => {
      f['ab/0000000001/0/transcript_hash.txt'] = 'sha256:' + '3'.repeat(64)
    })
    const want = await verifyRepository(m.git, { cliVersion: CLI })
    const got = await verifyRepository(m.git, { cliVersion: CLI, readerScript: cli.entry })
    expect(outcome(got)).toEqual(outcome(want))
    // One checkpoint per batch: several batches read ahead, in order, on either reader.
    for (const readerScript of [undefined, cli.entry]) {
      const small = await verifyRepository(m.git, { cliVersion: CLI, readerScript, batchSize: 1 })
      expect(outcome(small)).toEqual(outcome(want))
    }
    // Expected: the real hashes (the hand migration's files before the corruption).
    const failed = got.checkpoints.flatMap((c) =>
      c.failures.map((f) => [c.id, f.check, f.expected, f.actual])
    )
    expect(failed).toEqual([
      [A, 'raw.hash', real[0], 'sha256:' + '1'.repeat(64)],
      [A, 'compact.hash', real[1], 'sha256:' + '3'.repeat(64)],
      [B, 'raw.hash', real[2], 'sha256:' + '2'.repeat(64)]
    ])
  }, 60_000)

  it('runs the CLI verb from a transpiled source tree (its modules are no thread entries)', () => {
    // A reader thread on cli-command.js would serve nothing and end: the run must not depend on it.
    const r = runCli(cli.entry, ['verify', '--repo', m.git.repoDir, '--cli-version', CLI])
    expect(r.stdout).toMatch(/verify (OK|FAILED): \d+ checks passed/)
    expect(r.code).toBe(1) // the hash files corrupted above
  }, 60_000)
})

describe('verify: thread entry script', () => {
  it('is the bundle only when the bundle is the process entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-entry-'))
    try {
      const bundle = join(dir, 'index.js')
      writeFileSync(bundle, '')
      symlinkSync(bundle, join(dir, 'entire-migrate'))
      const url = pathToFileURL(bundle).href
      expect(runnableScript(url, bundle)).toBe(bundle)
      expect(runnableScript(url, join(dir, 'entire-migrate'))).toBe(bundle)
      expect(runnableScript(url, join(dir, 'other.js'))).toBeUndefined()
      expect(runnableScript(url, undefined)).toBeUndefined()
      expect(runnableScript(pathToFileURL(join(dir, 'verify.ts')).href, bundle)).toBeUndefined()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
