// Bulk, read-only git access for the verifier. Every read goes through GitRunner.run and is
// batched: one `ls-tree -r` per ref, one `cat-file --batch` per batch of objects. The verifier
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

function parseLsTree(stdout: Buffer, out: Map<string, TreeEntry>): void {
  for (const rec of stdout.toString('utf8').split('\0')) {
    if (!rec) continue
    const tab = rec.indexOf('\t')
    const [mode, type, oid, size] = rec.slice(0, tab).split(/ +/)
    out.set(rec.slice(tab + 1), { mode, type, oid, size: size === '-' ? -1 : Number(size) })
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

/** Incremental parser of `cat-file --batch` output: `<oid> <type> <size>\n<body>\n` or `<name> missing\n`. */
class BatchParser {
  private buf: Buffer = Buffer.alloc(0)
  private pending?: { oid: string; size: number }
  private parts: Buffer[] = []
  private have = 0

  constructor(private readonly onObject: (oid: string, body: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    for (;;) {
      if (this.pending) {
        const need = this.pending.size + 1 - this.have
        if (this.buf.length < need) {
          this.parts.push(this.buf)
          this.have += this.buf.length
          this.buf = Buffer.alloc(0)
          return
        }
        this.parts.push(this.buf.subarray(0, need))
        this.buf = this.buf.subarray(need)
        const whole = Buffer.concat(this.parts)
        this.onObject(this.pending.oid, whole.subarray(0, this.pending.size))
        this.pending = undefined
        this.parts = []
        this.have = 0
        continue
      }
      const nl = this.buf.indexOf(10)
      if (nl < 0) return
      const header = this.buf.subarray(0, nl).toString('utf8')
      this.buf = this.buf.subarray(nl + 1)
      const fields = header.split(' ')
      if (fields.length === 2 && fields[1] === 'missing') continue
      if (fields.length !== 3) throw new Error(`unexpected cat-file --batch header: ${header}`)
      this.pending = { oid: fields[0], size: Number(fields[2]) }
    }
  }

  end(): void {
    if (this.pending)
      throw new Error(`cat-file --batch output ended inside object ${this.pending.oid}`)
  }
}
