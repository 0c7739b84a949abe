// The cost floor of a migration: list the v1 tip tree once, read every blob with ONE
// `git cat-file --batch`, and JSON.parse every line of every transcript. Anything the
// migration does beyond this (compaction, writing, ref updates) is measured against it.
import { GitRunner } from '../git/runner.js'

export interface FloorResult {
  seconds: number
  blobs: number
  bytes: number
  transcriptBytes: number
  jsonLines: number
  unparsableLines: number
}

const TRANSCRIPT = /\/full\.jsonl(\.\d+)?$/

export async function measureFloor(
  git: GitRunner,
  ref = 'refs/heads/entire/checkpoints/v1'
): Promise<FloorResult> {
  const t0 = performance.now()
  const listing = (await git.run(['ls-tree', '-r', '-z', ref])).stdout.toString('utf8')
  const oids: string[] = []
  const transcripts = new Set<string>()
  for (const entry of listing.split('\0')) {
    if (!entry) continue
    const tab = entry.indexOf('\t')
    const oid = entry.slice(0, tab).split(' ')[2]
    oids.push(oid)
    if (TRANSCRIPT.test(entry.slice(tab + 1))) transcripts.add(oid)
  }
  let pending: Buffer[] = []
  let pendingLen = 0
  let need = 0
  let buf = Buffer.alloc(0)
  let bytes = 0
  let transcriptBytes = 0
  let jsonLines = 0
  let unparsableLines = 0
  const parse = (body: Buffer): void => {
    transcriptBytes += body.length
    let i = 0
    while (i < body.length) {
      let j = body.indexOf(10, i)
      if (j < 0) j = body.length
      if (j > i) {
        try {
          JSON.parse(body.toString('utf8', i, j))
          jsonLines++
        } catch {
          unparsableLines++
        }
      }
      i = j + 1
    }
  }
  await git.run(['cat-file', '--batch'], {
    input: Buffer.from(oids.join('\n') + '\n'),
    onStdout: (chunk) => {
      // gather chunks without re-copying until the object in hand is complete
      pending.push(chunk)
      pendingLen += chunk.length
      if (pendingLen < need) return
      buf = Buffer.concat([buf, ...pending])
      pending = []
      pendingLen = 0
      need = 0
      for (;;) {
        const nl = buf.indexOf(10)
        if (nl < 0) return
        const [oid, , size] = buf.toString('latin1', 0, nl).split(' ')
        const n = Number(size)
        if (buf.length < nl + 1 + n + 1) {
          need = nl + 1 + n + 1 - buf.length
          return
        }
        bytes += n
        if (transcripts.has(oid)) parse(buf.subarray(nl + 1, nl + 1 + n))
        buf = buf.subarray(nl + 1 + n + 1)
      }
    }
  })
  return {
    seconds: (performance.now() - t0) / 1000,
    blobs: oids.length,
    bytes,
    transcriptBytes,
    jsonLines,
    unparsableLines
  }
}
