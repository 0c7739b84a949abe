// The one fast-import stream that writes every conversion commit of a run (blobs of normalised
// metadata.json, trees, commits). It names only a scratch ref that it resets at the end, so
// fast-import moves no ref: refs are set afterwards by one compare-and-swap transaction.
import type { PlannedCommit } from './plan.js'

export const SCRATCH_REF = 'refs/entire-migrate/scratch'

/** Parse the `author`/`committer` line values back out of planned commit bytes. */
function signatureLine(bytes: Buffer): string {
  const text = bytes.toString('utf8')
  const m = /^author (.*)$/m.exec(text)
  if (!m) throw new Error('internal: planned commit has no author line')
  return m[1]
}

/**
 * Stream for `git fast-import --done --date-format=raw`: per commit, the new metadata.json blob
 * (if any), the commit on the scratch ref (root tree = the checkpoint subtree, metadata.json
 * replaced), then `get-mark` so git reports the id it wrote, in plan order.
 */
export function conversionStream(commits: PlannedCommit[]): Buffer {
  const parts: Buffer[] = []
  const text = (s: string) => parts.push(Buffer.from(s, 'utf8'))
  let mark = 0
  for (const c of commits) {
    const d = c.decision
    let blobMark = 0
    if (d.newBlob) {
      blobMark = ++mark
      text(`blob\nmark :${blobMark}\ndata ${d.newBlob.bytes.length}\n`)
      parts.push(d.newBlob.bytes)
      text('\n')
    }
    const commitMark = ++mark
    const sig = signatureLine(c.bytes)
    const message = Buffer.from(c.bytes.subarray(c.bytes.indexOf('\n\n') + 2))
    text(`reset ${SCRATCH_REF}\ncommit ${SCRATCH_REF}\nmark :${commitMark}\n`)
    text(`author ${sig}\ncommitter ${sig}\ndata ${message.length}\n`)
    parts.push(message)
    text('\n')
    if (d.parent) text(`from ${d.parent}\n`)
    text(`M 040000 ${d.sourceTree} ""\n`)
    if (d.newBlob) text(`M 100644 :${blobMark} metadata.json\n`)
    text(`\nget-mark :${commitMark}\n`)
  }
  text(`reset ${SCRATCH_REF}\ndone\n`)
  return Buffer.concat(parts)
}
