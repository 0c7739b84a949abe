// Verification after a migration takes the SHA-256 of the v1 transcripts the migration read
// (VerifyOptions.knownSha256) instead of reading them again. These tests show the digests are
// really used (a wrong one fails raw.hash), that the report is otherwise the same as a full
// re-read, also when a guess to leave a blob unread was wrong (the checkpoint is checked again
// with the blob read), and that re-derivation ignores them.
import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { BlobDigests } from '../src/engine/blob-digests.js'
import { verifyRepository } from '../src/engine/verify/verify.js'
import { renderVerifyMarkdown } from '../src/report/verify-markdown.js'
import type { CheckFailure, VerifyReport } from '../src/engine/verify/types.js'
import type { GitRunner } from '../src/git/runner.js'
import { V1_REF } from './helpers/v1repo.js'
import { CLI, corrupt, CURRENT, migratedRepo, standardV1 } from './verify-fixture.js'

/** Digests of every v1 transcript blob, computed here from what git holds. */
async function v1TranscriptDigests(git: GitRunner): Promise<BlobDigests> {
  const d = new BlobDigests()
  const listing = await git.text(['ls-tree', '-r', V1_REF])
  for (const line of listing.split('\n')) {
    const m = /^\d+ blob ([0-9a-f]{40})\t(.*)$/.exec(line)
    if (!m || !/full\.jsonl/.test(m[2])) continue
    const bytes = (await git.run(['cat-file', 'blob', m[1]])).stdout
    d.add(m[1], createHash('sha256').update(bytes).digest('hex'))
  }
  return d
}

function failures(r: VerifyReport): CheckFailure[] {
  return [...r.failures, ...r.checkpoints.flatMap((c) => c.failures)]
}

/** The report without the counter that says where the hashes came from, and without timing. */
function comparable(r: VerifyReport): unknown {
  const counts: Partial<VerifyReport['counts']> = { ...r.counts }
  delete counts.rawHashFromRead
  return { counts, failures: failures(r), byCheck: r.byCheck, checkpoints: r.checkpoints }
}

const NO_REDERIVE = { cliVersion: CLI, rederiveCompact: false } as const

describe('verification with the digests of the migration’s own read', () => {
  it('proves the raw hashes from the digests, without reading the v1 transcripts again', async () => {
    const m = await migratedRepo(standardV1())
    const known = await v1TranscriptDigests(m.git)
    expect(known.size).toBeGreaterThan(0)
    const plain = await verifyRepository(m.git, NO_REDERIVE)
    const fast = await verifyRepository(m.git, { ...NO_REDERIVE, knownSha256: known })
    expect(failures(fast)).toEqual([])
    expect(plain.counts.rawHashFromRead).toBe(0)
    expect(fast.counts.rawHashFromRead).toBe(fast.counts.sessions)
    expect(comparable(fast)).toEqual(comparable(plain))
    // the report says where the hashes came from, only when some did
    const row =
      /\| raw transcript hashes from the migration’s read \(v1 not read again\) \| (\d+) \|/
    expect(row.exec(renderVerifyMarkdown(fast))?.[1]).toBe(String(fast.counts.sessions))
    expect(renderVerifyMarkdown(plain)).not.toMatch(row)
  })

  it('a wrong digest fails raw.hash for that slot: the digest stands in for the bytes', async () => {
    const m = await migratedRepo(standardV1())
    const known = await v1TranscriptDigests(m.git)
    const oid = (
      await m.git.text(['rev-parse', `${CURRENT}:bb/22222222b2/1/raw_transcript`])
    ).trim()
    const wrong = new BlobDigests()
    wrong.add(oid, '0'.repeat(64))
    const both = { get: (o: string) => (o === oid ? wrong.get(o) : known.get(o)) }
    const r = await verifyRepository(m.git, { ...NO_REDERIVE, knownSha256: both })
    expect(failures(r)).toEqual([
      expect.objectContaining({
        check: 'raw.hash',
        checkpointId: 'bb22222222b2',
        slot: 1,
        expected: 'sha256:' + '0'.repeat(64)
      })
    ])
  })

  it('a slot whose raw copy is another session’s blob: that checkpoint is checked again with the blob read, same report', async () => {
    const m = await migratedRepo(standardV1())
    const known = await v1TranscriptDigests(m.git)
    // Swap the raw transcripts (and their hashes) of the two-session checkpoint's slots: each
    // slot still holds a single known blob, so the batch leaves the v1 blobs unread.
    await corrupt(m, CURRENT, (f) => {
      for (const name of ['raw_transcript', 'raw_transcript_hash.txt']) {
        const a = f[`bb/22222222b2/0/${name}`]
        f[`bb/22222222b2/0/${name}`] = f[`bb/22222222b2/1/${name}`]
        f[`bb/22222222b2/1/${name}`] = a
      }
    })
    const plain = await verifyRepository(m.git, NO_REDERIVE)
    const fast = await verifyRepository(m.git, { ...NO_REDERIVE, knownSha256: known })
    expect(failures(plain).map((f) => `${f.check} ${f.slot}`)).toEqual(
      expect.arrayContaining(['raw.bytes 0', 'raw.bytes 1'])
    )
    expect(comparable(fast)).toEqual(comparable(plain))
    expect(fast.counts.checksFailed).toBe(plain.counts.checksFailed)
  })

  it('re-derivation reads the v1 transcripts anyway and ignores the digests', async () => {
    const m = await migratedRepo(standardV1())
    const known = await v1TranscriptDigests(m.git)
    const r = await verifyRepository(m.git, { cliVersion: CLI, knownSha256: known })
    expect(failures(r)).toEqual([])
    expect(r.counts.rawHashFromRead).toBe(0)
  })
})
