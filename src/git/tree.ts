// Tree listings: `git ls-tree -z` parsed from Buffers, and the raw binary tree format.
import type { GitRunner } from './runner.js'
import { oidByteLength, type ObjectFormat } from './format.js'

export type TreeEntryType = 'blob' | 'tree' | 'commit'

/**
 * One tree entry. `mode` is git's six-digit octal text as ls-tree prints it (`100644`, `100755`,
 * `120000`, `160000`, `040000`); `path` is relative to the listed tree, decoded as UTF-8.
 */
export interface TreeEntry {
  mode: string
  type: TreeEntryType
  oid: string
  path: string
}

export interface TreeEntryWithSize extends TreeEntry {
  /** Blob size in bytes; null for trees and submodules. */
  size: number | null
}

export const MODE_FILE = '100644'
export const MODE_EXECUTABLE = '100755'
export const MODE_SYMLINK = '120000'
export const MODE_GITLINK = '160000'
export const MODE_TREE = '040000'

export interface LsTreeOptions {
  /** Recurse into subtrees (`-r`). Default false. */
  recursive?: boolean
  /** With `recursive`, also list the trees themselves (`-t`). */
  trees?: boolean
  /** Limit to these paths (pathspecs are literal: passed after `--` with `:(literal)`). */
  paths?: string[]
  /** Entries to keep, by path; the others are dropped as the output is read (never objects). */
  keep?: (path: string) => boolean
}

const NUL = 0x00
const TAB = 0x09

function entryType(t: string): TreeEntryType {
  if (t === 'blob' || t === 'tree' || t === 'commit') return t
  throw new Error(`unexpected ls-tree object type: ${t}`)
}

function lsTreeArgs(treeish: string, opts: LsTreeOptions, long: boolean): string[] {
  const args = ['ls-tree', '-z', '--full-tree']
  if (long) args.push('-l')
  if (opts.recursive) args.push('-r')
  if (opts.recursive && opts.trees) args.push('-t')
  args.push('--end-of-options', treeish)
  if (opts.paths && opts.paths.length > 0) {
    args.push('--', ...opts.paths.map((p) => `:(literal)${p}`))
  }
  return args
}

/** Run ls-tree and hand each NUL-terminated record (header latin1, path UTF-8) to `onRecord`. */
async function runLsTree(
  git: GitRunner,
  args: string[],
  onRecord: (header: string, path: string) => void
): Promise<void> {
  let carry: Buffer | undefined
  await git.run(args, {
    onStdout: (chunk) => {
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk
      carry = undefined
      let pos = 0
      for (let end = buf.indexOf(NUL, pos); end !== -1; end = buf.indexOf(NUL, pos)) {
        const tab = buf.indexOf(TAB, pos)
        if (tab === -1 || tab > end) throw new Error('unexpected ls-tree record without a tab')
        onRecord(buf.toString('latin1', pos, tab), buf.toString('utf8', tab + 1, end))
        pos = end + 1
      }
      if (pos < buf.length) carry = Buffer.from(buf.subarray(pos))
    }
  })
  if (carry) throw new Error('ls-tree output ended inside a record')
}

/** List a tree (`git ls-tree -z --full-tree`), one process. Missing treeish: GitError. */
export async function lsTree(
  git: GitRunner,
  treeish: string,
  opts: LsTreeOptions = {}
): Promise<TreeEntry[]> {
  const out: TreeEntry[] = []
  await runLsTree(git, lsTreeArgs(treeish, opts, false), (header, path) => {
    if (opts.keep && !opts.keep(path)) return
    const [mode, type, oid] = header.split(' ')
    out.push({ mode, type: entryType(type), oid, path })
  })
  return out
}

/** As `lsTree`, with blob sizes (`-l`), which lets a planner size batches before reading. */
export async function lsTreeLong(
  git: GitRunner,
  treeish: string,
  opts: LsTreeOptions = {}
): Promise<TreeEntryWithSize[]> {
  const out: TreeEntryWithSize[] = []
  await runLsTree(git, lsTreeArgs(treeish, opts, true), (header, path) => {
    if (opts.keep && !opts.keep(path)) return
    const [mode, type, oid, size] = header.split(' ').filter((s) => s !== '')
    // git prints `-` for trees and `BAD` for a blob missing from the object store: no size.
    out.push({
      mode,
      type: entryType(type),
      oid,
      path,
      size: /^\d+$/.test(size) ? Number(size) : null
    })
  })
  return out
}

/** Six-digit mode text as ls-tree prints it (raw trees store `40000` for directories). */
function normalizeMode(raw: string): string {
  return raw.length === 5 ? `0${raw}` : raw
}

function typeOfMode(mode: string): TreeEntryType {
  if (mode === MODE_TREE) return 'tree'
  if (mode === MODE_GITLINK) return 'commit'
  return 'blob'
}

/**
 * Entries of a raw tree object (content from `readObjects`): repeated
 * `<octal mode> SP <name> NUL <binary oid>`. Names are decoded as UTF-8.
 */
export function parseTree(content: Buffer, format: ObjectFormat): TreeEntry[] {
  const idLen = oidByteLength(format)
  const out: TreeEntry[] = []
  let pos = 0
  while (pos < content.length) {
    const sp = content.indexOf(0x20, pos)
    const nul = content.indexOf(NUL, sp + 1)
    if (sp === -1 || nul === -1 || nul + 1 + idLen > content.length) {
      throw new Error(`malformed tree object at byte ${pos}`)
    }
    const mode = normalizeMode(content.toString('latin1', pos, sp))
    out.push({
      mode,
      type: typeOfMode(mode),
      path: content.toString('utf8', sp + 1, nul),
      oid: content.toString('hex', nul + 1, nul + 1 + idLen)
    })
    pos = nul + 1 + idLen
  }
  return out
}
