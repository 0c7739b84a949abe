import { describe, it, expect } from '@jest/globals'
import { createHash } from 'node:crypto'
import { runMigration, defaultSettings } from '../src/engine/run.js'
import { buildV1Repo, readFileAt, treeOf, sessionMeta, V1_REF } from './helpers/v1repo.js'

const MAIN = 'refs/entire/checkpoints/v2/main'
const CURRENT = 'refs/entire/checkpoints/v2/full/current'

/** Claude JSONL lines until `bytes` is reached (generated, never stored in the repo). */
function bigTranscript(bytes: number, tag: string): Buffer {
  const pad = 'x'.repeat(4000)
  const lines: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const line = JSON.stringify({
      type: i % 2 ? 'assistant' : 'user',
      uuid: `${tag}-${i}`,
      timestamp: '2026-02-01T00:00:00Z',
      message:
        i % 2
          ? { id: `m${i}`, role: 'assistant', content: [{ type: 'text', text: `${i} ${pad}` }] }
          : { role: 'user', content: `${i} ${pad}` }
    })
    lines.push(line)
    size += line.length + 1
  }
  return Buffer.from(lines.join('\n'), 'utf8')
}

describe('engine: chunked v1 transcript over 50 MiB', () => {
  it('reuses both chunk blobs, hashes the reassembled transcript and compacts it', async () => {
    const id = 'c0ffee000001'
    const chunk0 = bigTranscript(50 * 1024 * 1024 - 8192, 'a')
    const chunk1 = bigTranscript(200 * 1024, 'b')
    const { dir, git } = await buildV1Repo(undefined, [
      {
        id,
        sessions: [
          {
            transcript: [chunk0, chunk1],
            metadata: sessionMeta(id, { created_at: '2026-02-01T00:00:00Z' })
          }
        ]
      }
    ])
    const r = await runMigration(
      defaultSettings(dir, { now: new Date('2026-05-01T00:00:00Z'), batchSize: 100 })
    )
    expect(r.counts.migrated).toBe(1)
    const base = 'c0/ffee000001/0'
    expect(await treeOf(git, CURRENT, `${base}/raw_transcript`)).toBe(
      await treeOf(git, V1_REF, `${base}/full.jsonl`)
    )
    expect(await treeOf(git, CURRENT, `${base}/raw_transcript.001`)).toBe(
      await treeOf(git, V1_REF, `${base}/full.jsonl.001`)
    )
    const h = createHash('sha256').update(chunk0).update('\n').update(chunk1).digest('hex')
    expect(await readFileAt(git, CURRENT, `${base}/raw_transcript_hash.txt`)).toBe(`sha256:${h}`)
    const compact = (await git.run(['cat-file', 'blob', `${MAIN}:${base}/transcript.jsonl`])).stdout
    // one compact line per raw line of both chunks
    const rawLines =
      chunk0.toString('latin1').split('\n').length + chunk1.toString('latin1').split('\n').length
    expect(compact.toString('latin1').split('\n').length - 1).toBe(rawLines)
    expect(r.outcomes[0].sessions![0].rawBlobs).toHaveLength(2)
  })
})
