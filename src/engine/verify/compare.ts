// Compare mode: two v2 states (ours under `v2Prefix`, the other under a ref prefix or fetched
// from a remote) checkpoint by checkpoint, file by file. `/main` files are compared by path;
// `/full` slot files by `<id>/<slot>/<file>` whichever archive holds them (numbering may differ).
// Only `cli_version` values are normalised before comparing bytes.
import type { GitRunner } from '../../git/runner.js'
import { listRefs, listTreeRecursive, readBlobs, type TreeEntry } from './git-read.js'
import { ARCHIVE_NAME } from './model.js'
import { CHECKPOINT_ID } from './layout.js'
import { firstDifference, type Tally } from './record.js'
import type { CompareFileDiff, CompareReport } from './types.js'

const TEMP_PREFIX = 'refs/entire-migrate-verify/against'

/** Files of one v2 state keyed by logical path: `main:<aa>/<rest>/…`, `full:<aa>/<rest>/<slot>/…`. */
async function logicalFiles(git: GitRunner, prefix: string): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>()
  const refs = await listRefs(git, prefix + '/')
  for (const r of refs) {
    const name = r.name.slice(prefix.length + 1)
    let kind: string
    if (name === 'main') kind = 'main'
    else if (
      name === 'full/current' ||
      (name.startsWith('full/') && ARCHIVE_NAME.test(name.slice(5)))
    )
      kind = 'full'
    else continue
    for (const [path, e] of await listTreeRecursive(git, r.oid)) {
      // Root files (generation.json) belong to one archive: keyed by the archive's name.
      if (!path.includes('/')) {
        out.set(`${name}:${path}`, e)
        continue
      }
      out.set(`${kind}:${path}`, e)
    }
  }
  return out
}

/** Replace every cli_version value (JSON metadata and compact lines) with a placeholder. */
export function normaliseCliVersion(b: Buffer): Buffer {
  return Buffer.from(
    b.toString('latin1').replace(/("cli_version":\s*)"(?:[^"\\]|\\.)*"/g, '$1"*"'),
    'latin1'
  )
}

export async function compareStates(
  git: GitRunner,
  ourPrefix: string,
  against: string,
  tally: Tally
): Promise<CompareReport> {
  let theirPrefix = against.replace(/\/+$/, '')
  let fetched = false
  if (!against.startsWith('refs/')) {
    // A remote name or URL: fetch its v2 refs into a temporary namespace.
    theirPrefix = TEMP_PREFIX
    await git.run([
      'fetch',
      '--no-tags',
      '--no-write-fetch-head',
      against,
      `+${ourPrefix}/*:${TEMP_PREFIX}/*`
    ])
    fetched = true
  }
  try {
    const [left, right] = await Promise.all([
      logicalFiles(git, ourPrefix),
      logicalFiles(git, theirPrefix)
    ])
    const report: CompareReport = {
      left: ourPrefix,
      right: fetched ? against : theirPrefix,
      identicalFiles: 0,
      differingFiles: 0,
      onlyLeft: 0,
      onlyRight: 0,
      checkpointsIdentical: 0,
      checkpointsDiffering: 0,
      diffs: []
    }
    const paths = [...new Set([...left.keys(), ...right.keys()])].sort()
    const differing = new Set<string>()
    const touched = new Set<string>()
    const candidates: string[] = []
    const record = (p: string, diff: CompareFileDiff | undefined) => {
      tally.count('compare', !diff)
      if (diff) {
        if (CHECKPOINT_ID.test(diff.checkpointId)) differing.add(diff.checkpointId)
        report.diffs.push(diff)
      }
    }
    for (const p of paths) {
      const cp = checkpointOf(p)
      if (CHECKPOINT_ID.test(cp)) touched.add(cp)
      const a = left.get(p)
      const b = right.get(p)
      if (!a || !b) {
        if (a) report.onlyLeft++
        else report.onlyRight++
        record(p, { checkpointId: cp, file: p, status: a ? 'only-left' : 'only-right' })
      } else if (a.oid === b.oid) {
        report.identicalFiles++
        record(p, undefined)
      } else candidates.push(p)
    }
    // Differing blob ids: read in bounded groups, compare after normalising cli_version.
    const GROUP = 200
    for (let g = 0; g < candidates.length; g += GROUP) {
      const group = candidates.slice(g, g + GROUP)
      // A compact transcript's hash file follows its transcript, whose lines carry cli_version:
      // it is compared through the sibling transcript.jsonl.
      const viaSibling = (p: string) =>
        p.endsWith('/transcript_hash.txt')
          ? p.replace(/transcript_hash\.txt$/, 'transcript.jsonl')
          : p
      const oidsOf = (p: string) => [left.get(viaSibling(p))?.oid, right.get(viaSibling(p))?.oid]
      const blobs = await readBlobs(
        git,
        group.flatMap((p) => oidsOf(p).filter((o): o is string => o !== undefined))
      )
      for (const p of group) {
        const [lo, ro] = oidsOf(p)
        const x = normaliseCliVersion(blobs.get(lo ?? '') ?? Buffer.alloc(0))
        const y = normaliseCliVersion(blobs.get(ro ?? '') ?? Buffer.alloc(0))
        const d = firstDifference(x, y)
        if (!d) {
          report.identicalFiles++
          record(p, undefined)
        } else {
          report.differingFiles++
          record(p, {
            checkpointId: checkpointOf(p),
            file: p,
            status: 'differs',
            line: d.line,
            left: d.left,
            right: d.right
          })
        }
      }
    }
    report.checkpointsDiffering = differing.size
    report.checkpointsIdentical = touched.size - differing.size
    return report
  } finally {
    if (fetched) {
      const temp = await listRefs(git, TEMP_PREFIX + '/')
      if (temp.length) {
        await git.run(['update-ref', '--stdin'], {
          input: Buffer.from(temp.map((r) => `delete ${r.name} ${r.oid}\n`).join(''))
        })
      }
    }
  }
}

/** Checkpoint id of a logical path, or the ref name for root files (`full/0000000000001`). */
function checkpointOf(logical: string): string {
  const kind = logical.slice(0, logical.indexOf(':'))
  const path = logical.slice(kind.length + 1)
  if (!path.includes('/')) return kind
  const [a, b] = path.split('/')
  return a + b
}
