// Git object bytes and ids computed in process, so a plan knows every target tree and commit id
// before anything is written (and a test can check them against what git stores).
import { createHash } from 'node:crypto'

export type ObjectType = 'blob' | 'tree' | 'commit'

export function objectId(type: ObjectType, body: Uint8Array): string {
  const h = createHash('sha1')
  h.update(`${type} ${body.length}\0`)
  h.update(body)
  return h.digest('hex')
}

export interface TreeEntry {
  /** As ls-tree prints it: `100644`, `100755`, `120000`, `040000`, `160000`. */
  mode: string
  name: string
  oid: string
}

export function isTreeMode(mode: string): boolean {
  return mode === '040000' || mode === '40000'
}

function sortKey(e: TreeEntry): Buffer {
  return Buffer.from(isTreeMode(e.mode) ? e.name + '/' : e.name, 'utf8')
}

/** Entries in git tree order (a directory sorts as if its name ended in '/'). */
export function sortTreeEntries(entries: TreeEntry[]): TreeEntry[] {
  const keyed = entries.map((e) => ({ e, k: sortKey(e) }))
  keyed.sort((a, b) => Buffer.compare(a.k, b.k))
  return keyed.map((x) => x.e)
}

/** Raw tree object bytes (git writes the directory mode as `40000`). */
export function treeBytes(entries: TreeEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const e of sortTreeEntries(entries)) {
    const mode = isTreeMode(e.mode) ? '40000' : e.mode
    parts.push(Buffer.from(`${mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex'))
  }
  return Buffer.concat(parts)
}

export interface Signature {
  name: string
  email: string
  /** Seconds since the epoch. */
  seconds: number
  /** `+hhmm` / `-hhmm`. */
  offset: string
}

export function formatSignature(s: Signature): string {
  return `${s.name} <${s.email}> ${s.seconds} ${s.offset}`
}

export interface CommitFields {
  tree: string
  parent: string | null
  /** Author = committer, one signature (git-refs-format.md §2.2). */
  signature: Signature
  /** Verbatim; no newline is appended. */
  message: string
}

/** The commit object bytes go-git writes for a conversion commit (no gpgsig). */
export function commitBytes(c: CommitFields): Buffer {
  const sig = formatSignature(c.signature)
  const head =
    `tree ${c.tree}\n` +
    (c.parent ? `parent ${c.parent}\n` : '') +
    `author ${sig}\n` +
    `committer ${sig}\n` +
    '\n'
  return Buffer.from(head + c.message, 'utf8')
}
