// Bulk, read-only git access for the verifier. Every read goes through GitRunner.run and is
// batched: one `ls-tree -r` per ref, one `cat-file --batch` per batch of objects, one
// `cat-file --batch-check` for the compacts proven by blob id. The verifier
// keeps its own reader so that it re-reads git independently of the migration's code paths.
import type { GitRunner } from '../../git/runner.js'

export interface TreeEntry {
  mode: string
  type: string
  oid: string
  /** Blob size in bytes (ls-tree -l); -1 for non-blobs. */
  size: number
}

/** Every blob (and gitlink) below a tree-ish, keyed by full path. Missing ref → empty map. */
export async function listTreeRecursive(
  git: GitRunner,
  treeish: string
): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>()
  const res = await git.run(['ls-tree', '-r', '-l', '-z', '--full-tree', treeish])
  parseLsTree(res.stdout, out)
  return out
}

/** `ls-tree -r -l -z` of a tree-ish as git prints it (see TreeListing). */
export async function listTreeText(git: GitRunner, treeish: string): Promise<Buffer> {
  return (await git.run(['ls-tree', '-r', '-l', '-z', '--full-tree', treeish])).stdout
}

/** Root entries of a tree-ish (names → entry), for checks on root files. */
export async function listTreeRoot(
  git: GitRunner,
  treeish: string
): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>()
  const res = await git.run(['ls-tree', '-l', '-z', treeish])
  parseLsTree(res.stdout, out)
  return out
}

/**
 * Each field is decoded from the output on its own: substrings of one decoded output would be
 * slices that keep the whole listing's text alive for as long as any entry lives. A record is
 * `<mode> SP <type> SP <oid> SP+ <size> TAB <path>` (`-l` pads the size with spaces).
 */
export function parseLsTree(stdout: Buffer, out: Map<string, TreeEntry>): void {
  let start = 0
  while (start < stdout.length) {
    let end = stdout.indexOf(0, start)
    if (end < 0) end = stdout.length
    const tab = stdout.indexOf(0x09, start)
    if (tab > start && tab < end) {
      const sp1 = stdout.indexOf(0x20, start)
      const sp2 = stdout.indexOf(0x20, sp1 + 1)
      let oidEnd = stdout.indexOf(0x20, sp2 + 1)
      if (oidEnd < 0 || oidEnd > tab) oidEnd = tab
      const size = stdout.toString('latin1', oidEnd, tab).trim()
      out.set(stdout.toString('utf8', tab + 1, end), {
        mode: stdout.toString('latin1', start, sp1),
        type: stdout.toString('latin1', sp1 + 1, sp2),
        oid: stdout.toString('latin1', sp2 + 1, oidEnd),
        size: size === '-' ? -1 : Number(size)
      })
    }
    start = end + 1
  }
}

export interface RefInfo {
  name: string
  oid: string
}

/** Refs under a prefix (for-each-ref), sorted by name. */
export async function listRefs(git: GitRunner, prefix: string): Promise<RefInfo[]> {
  const res = await git.run(['for-each-ref', '--format=%(refname) %(objectname)', prefix])
  return res.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => {
      const sp = l.indexOf(' ')
      return { name: l.slice(0, sp), oid: l.slice(sp + 1) }
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** The commit a ref points at, or undefined when it does not exist. */
export async function resolveCommit(git: GitRunner, ref: string): Promise<string | undefined> {
  const res = await git.run(['rev-parse', '-q', '--verify', `${ref}^{commit}`], { okCodes: [1] })
  const oid = res.stdout.toString('utf8').trim()
  return res.exitCode === 0 && oid ? oid : undefined
}

/** The ids among `oids` that git does not have (one `cat-file --batch-check`, nothing inflated). */
export async function missingObjects(git: GitRunner, oids: string[]): Promise<Set<string>> {
  const missing = new Set<string>()
  if (oids.length === 0) return missing
  const res = await git.run(['cat-file', '--batch-check=%(objectname)'], {
    input: Buffer.from(oids.join('\n') + '\n')
  })
  for (const line of res.stdout.toString('latin1').split('\n'))
    if (line.endsWith(' missing')) missing.add(line.slice(0, -8))
  return missing
}

/**
 * Read many objects with one `git cat-file --batch`. Objects reported missing are absent from
 * the result map. Duplicate ids are requested once.
 */
export async function readBlobs(
  git: GitRunner,
  oids: Iterable<string>
): Promise<Map<string, Buffer>> {
  const unique = [...new Set(oids)]
  const out = new Map<string, Buffer>()
  if (unique.length === 0) return out
  const parser = new BatchParser((oid, body) => out.set(oid, body))
  await git.run(['cat-file', '--batch'], {
    input: Buffer.from(unique.join('\n') + '\n'),
    onStdout: (chunk) => parser.push(chunk)
  })
  parser.end()
  return out
}

/**
 * Incremental parser of `cat-file --batch` output: `<oid> <type> <size>\n<body>\n` or
 * `<name> missing\n`. Each body is copied once, straight into a buffer of its own size.
 */
class BatchParser {
  private head: Buffer = Buffer.alloc(0)
  private pending?: { oid: string; body: Buffer; have: number }
  /** Bytes of the LF that ends the current body still to skip. */
  private skip = 0

  constructor(private readonly onObject: (oid: string, body: Buffer) => void) {}

  push(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (this.skip > 0) {
        this.skip--
        at++
        continue
      }
      if (this.pending) {
        const p = this.pending
        const n = Math.min(p.body.length - p.have, chunk.length - at)
        chunk.copy(p.body, p.have, at, at + n)
        p.have += n
        at += n
        if (p.have === p.body.length) {
          this.pending = undefined
          this.skip = 1
          this.onObject(p.oid, p.body)
        }
        continue
      }
      const nl = chunk.indexOf(10, at)
      if (nl < 0) {
        this.head = Buffer.concat([this.head, chunk.subarray(at)])
        return
      }
      const line = this.head.length
        ? Buffer.concat([this.head, chunk.subarray(at, nl)])
        : chunk.subarray(at, nl)
      this.head = Buffer.alloc(0)
      at = nl + 1
      const header = line.toString('utf8')
      const fields = header.split(' ')
      if (fields.length === 2 && fields[1] === 'missing') continue
      if (fields.length !== 3) throw new Error(`unexpected cat-file --batch header: ${header}`)
      const size = Number(fields[2])
      // A buffer of its own (not a view into a larger one) also crosses to a worker as it is.
      const body = Buffer.allocUnsafe(size)
      this.pending = { oid: fields[0], body, have: 0 }
      if (size === 0) {
        this.pending = undefined
        this.skip = 1
        this.onObject(fields[0], body)
      }
    }
  }

  end(): void {
    if (this.pending)
      throw new Error(`cat-file --batch output ended inside object ${this.pending.oid}`)
    if (this.head.length > 0) throw new Error('cat-file --batch output ended inside a header')
  }
}
