// Reads for the per-checkpoint refs target: the pinned v1 tip walked three levels deep with batched
// cat-file reads (root, buckets, checkpoint directories; session trees are never opened), the root
// metadata.json blobs, and the existing checkpoint refs with their first-parent chains.
import {
  CatFileBatchParser,
  readObjects,
  readObjectsAll,
  type ObjectHeader,
  type ObjectResult,
  type ObjectStreamSink
} from '../../../git/objects.js'
import { forEachRef } from '../../../git/refs.js'
import { parseTree } from '../../../git/tree.js'
import { GitError } from '../../../git/runner.js'
import { gitCommonDir } from '../../../git/repo.js'
import { firstParentCommits } from '../../../git/refs-push.js'
import { checkObjects } from '../../../git/objects.js'
import type { GitRunner } from '../../../git/runner.js'
import {
  isCheckpointId,
  isImportMessage,
  isTreeMode,
  normaliseRootMetadata,
  MetadataDecodeError,
  parseCheckpointRef,
  parseScopedConfig,
  resolveIdentity,
  CHECKPOINT_REF_PREFIX,
  type BranchCheckpoint,
  type Identity,
  type NormaliseResult,
  type RefState
} from '../../../formats/git-refs/index.js'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import type { Writable } from 'node:stream'

export const V1_BRANCH = 'refs/heads/entire/checkpoints/v1'

/** The v1 refs a conversion may read, in order (§3.2 step 1): the explicit one, else local, else origin's. */
export function sourceCandidates(explicit?: string, remote = 'origin'): string[] {
  const candidates = explicit
    ? [explicit]
    : [V1_BRANCH, `refs/remotes/${remote}/entire/checkpoints/v1`]
  for (const ref of candidates) {
    if (!ref.startsWith('refs/') || /\s/.test(ref))
      throw new Error(`invalid v1 ref ${JSON.stringify(ref)}`)
  }
  return candidates
}

/** A ref as `for-each-ref` lists it: id, object type and, for a commit, its tree. */
export interface ListedRef {
  oid: string
  type: string
  tree: string
}

/**
 * The v1 ref a conversion reads (§3.2 step 1): the explicit one, else local, else origin's.
 * `listed` (refs already read with their type and tree) saves the process for a ref that points
 * straight at a commit; anything else (a tag, a ref not listed) is resolved by git.
 */
export async function findSourceRef(
  git: GitRunner,
  explicit?: string,
  remote = 'origin',
  listed?: Map<string, ListedRef>
): Promise<{ ref: string; commit: string; tree: string } | null> {
  for (const ref of sourceCandidates(explicit, remote)) {
    const known = listed?.get(ref)
    if (known && known.type === 'commit' && known.tree) {
      return { ref, commit: known.oid, tree: known.tree }
    }
    // Not listed: no such ref (an explicit name is still given to git, which may resolve more).
    if (listed && !known && !explicit) continue
    // One process pins the commit and its tree together.
    const r = await git.run(
      ['log', '-1', '--no-walk', '--format=%H %T', '--end-of-options', `${ref}^{commit}`, '--'],
      { okCodes: [128] }
    )
    if (r.exitCode !== 0) continue
    const [commit, tree] = r.stdout.toString('utf8').trim().split(' ')
    if (commit && tree) return { ref, commit, tree }
  }
  return null
}

export class UnreadableTreeError extends Error {
  constructor(
    readonly path: string,
    readonly oid: string
  ) {
    super(`unreadable tree ${oid} at ${path || '(root)'} of the v1 tip (partial or damaged clone?)`)
    this.name = 'UnreadableTreeError'
  }
}

function treeOrThrow(o: ObjectResult, path: string, oid: string): Buffer {
  if (o.missing || o.type !== 'tree') throw new UnreadableTreeError(path, oid)
  return o.content
}

export interface BranchRead {
  checkpoints: BranchCheckpoint[]
  metadata: Map<string, Buffer>
  /** normaliseRootMetadata of each blob, run while reading (empty when not asked for). */
  normalised: Map<string, NormaliseResult | MetadataDecodeError>
  /** Objects read and bytes read (for the phase counters). */
  objects: number
  bytes: number
}

function normaliseOrError(id: string, bytes: Buffer): NormaliseResult | MetadataDecodeError {
  try {
    return normaliseRootMetadata(id, bytes)
  } catch (e) {
    if (e instanceof MetadataDecodeError) return e
    throw e
  }
}

/**
 * Receives the root metadata.json blobs in request order (from either reader below): keeps each,
 * normalises it as it arrives, and holds the first problem to throw after the read (an exception
 * inside a stream listener would escape the promise).
 */
class MetadataCollector {
  readonly owners: string[] = []
  readonly metaIds: string[] = []
  readonly metadata = new Map<string, Buffer>()
  readonly normalised = new Map<string, NormaliseResult | MetadataDecodeError>()
  bytes = 0
  failure: unknown = null
  private k = 0

  constructor(private readonly normalise: boolean) {}

  expect(id: string, oid: string): void {
    this.owners.push(id)
    this.metaIds.push(oid)
  }

  accept(o: ObjectResult): void {
    const id = this.owners[this.k]
    const oid = this.metaIds[this.k++]
    if (this.failure) return
    try {
      if (o.missing) {
        throw new Error(
          `checkpoint ${id}: ${id.slice(0, 2)}/${id.slice(2)}/metadata.json blob ${oid} is missing`
        )
      }
      this.bytes += o.content.length
      this.metadata.set(id, o.content)
      if (this.normalise) this.normalised.set(id, normaliseOrError(id, o.content))
    } catch (e) {
      this.failure = e
    }
  }
}

/**
 * Root metadata.json blobs of the checkpoints (one cat-file process), each normalised as it
 * arrives so the work overlaps git's reading.
 */
async function readMetadata(
  git: GitRunner,
  checkpoints: BranchCheckpoint[],
  normalise: boolean
): Promise<{
  metadata: Map<string, Buffer>
  normalised: Map<string, NormaliseResult | MetadataDecodeError>
  bytes: number
}> {
  const c = new MetadataCollector(normalise)
  for (const cp of checkpoints) {
    const meta = cp.entries.find((e) => e.name === 'metadata.json' && !isTreeMode(e.mode))
    if (meta) c.expect(cp.id, meta.oid)
  }
  await readObjects(git, c.metaIds, (o) => c.accept(o))
  if (c.failure) throw c.failure
  return { metadata: c.metadata, normalised: c.normalised, bytes: c.bytes }
}

/** Collects whole objects from a cat-file parser and hands each on, in request order. */
function wholeObjects(onObject: (o: ObjectResult) => void): ObjectStreamSink {
  let header: ObjectHeader | undefined
  let pieces: Buffer[] = []
  return {
    start(h) {
      header = h
      pieces = []
    },
    chunk(data) {
      pieces.push(data)
    },
    end() {
      const h = header as ObjectHeader
      const content = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces)
      pieces = []
      onObject({ ...h, missing: false, content })
    },
    missing(m) {
      onObject(m)
    }
  }
}

/**
 * The tip listing and the root metadata.json blobs with both git processes running side by
 * side: `ls-tree -r -t` streams the listing and every root metadata.json it names is requested
 * from `cat-file --batch` at once (streamed stdin), so reading the blobs, and normalising them,
 * overlaps the listing instead of following it. Null when a tree below cannot be read (the
 * caller then walks level by level, naming it).
 */
async function listAndReadMetadata(
  git: GitRunner,
  rootTree: string,
  normalise: boolean
): Promise<BranchRead | null> {
  const buckets = new Set<string>()
  const byDir = new Map<string, BranchCheckpoint>()
  const checkpoints: BranchCheckpoint[] = []
  const c = new MetadataCollector(normalise)
  const parser = new CatFileBatchParser(wholeObjects((o) => c.accept(o)))
  let stdin: Writable | null = null
  let queued: string[] = []
  let ended = false
  const request = (oid: string) => {
    if (stdin) stdin.write(oid + '\n')
    else queued.push(oid)
  }
  const endRequests = () => {
    ended = true
    stdin?.end()
  }
  const catFile = git.run(['cat-file', '--batch', '--buffer'], {
    stdin: (w) => {
      stdin = w
      if (queued.length) w.write(queued.join('\n') + '\n')
      queued = []
      if (ended) w.end()
    },
    onStdout: (chunk) => {
      try {
        parser.push(chunk)
      } catch (e) {
        c.failure ??= e
      }
    }
  })
  const onEntry = (mode: string, oid: string, p: string) => {
    const s1 = p.indexOf('/')
    if (s1 < 0) {
      if (isTreeMode(mode) && p.length === 2) buckets.add(p)
      return
    }
    const s2 = p.indexOf('/', s1 + 1)
    if (s2 < 0) {
      const id = p.slice(0, s1) + p.slice(s1 + 1)
      if (isTreeMode(mode) && buckets.has(p.slice(0, s1)) && isCheckpointId(id)) {
        const cp: BranchCheckpoint = { id, tree: oid, entries: [] }
        byDir.set(p, cp)
        checkpoints.push(cp)
      }
      return
    }
    if (p.indexOf('/', s2 + 1) >= 0) return
    const cp = byDir.get(p.slice(0, s2))
    if (!cp) return
    const name = p.slice(s2 + 1)
    cp.entries.push({ mode, name, oid })
    if (name === 'metadata.json' && !isTreeMode(mode)) {
      c.expect(cp.id, oid)
      request(oid)
    }
  }
  try {
    await streamLsTree(git, rootTree, onEntry)
  } catch (e) {
    endRequests()
    await catFile.catch(() => undefined)
    if (e instanceof GitError) return null
    throw e
  }
  endRequests()
  await catFile
  if (c.failure) throw c.failure
  if (!parser.complete || parser.count !== c.metaIds.length) {
    throw new Error(
      `cat-file output truncated: ${parser.count} of ${c.metaIds.length} metadata.json`
    )
  }
  return {
    checkpoints,
    metadata: c.metadata,
    normalised: c.normalised,
    objects: checkpoints.length + c.metadata.size,
    bytes: c.bytes
  }
}

/** `ls-tree -r -t -z --full-tree` of a tree, each record handed on as it streams in. */
async function streamLsTree(
  git: GitRunner,
  tree: string,
  onEntry: (mode: string, oid: string, path: string) => void
): Promise<void> {
  let carry: Buffer | undefined
  let failure: unknown = null
  await git.run(['ls-tree', '-z', '--full-tree', '-r', '-t', '--end-of-options', tree], {
    onStdout: (chunk) => {
      if (failure) return
      try {
        const buf = carry ? Buffer.concat([carry, chunk]) : chunk
        carry = undefined
        let pos = 0
        for (let end = buf.indexOf(0, pos); end !== -1; end = buf.indexOf(0, pos)) {
          const tab = buf.indexOf(0x09, pos)
          if (tab === -1 || tab > end) throw new Error('unexpected ls-tree record without a tab')
          // `<mode> SP <type> SP <oid> TAB <path>`
          const head = buf.toString('latin1', pos, tab)
          const sp1 = head.indexOf(' ')
          const sp2 = head.indexOf(' ', sp1 + 1)
          onEntry(head.slice(0, sp1), head.slice(sp2 + 1), buf.toString('utf8', tab + 1, end))
          pos = end + 1
        }
        if (pos < buf.length) carry = Buffer.from(buf.subarray(pos))
      } catch (e) {
        failure = e
      }
    }
  })
  if (failure) throw failure
  if (carry) throw new Error('ls-tree output ended inside a record')
}

/**
 * Walk the v1 tip tree: one `ls-tree -r -t` and, alongside it, one cat-file for the root
 * metadata.json blobs; when a tree cannot be read (partial clone, damage), level by level so
 * the error names it.
 */
export async function readBranch(
  git: GitRunner,
  rootTree: string,
  opts: { normalise?: boolean } = {}
): Promise<BranchRead> {
  const normalise = opts.normalise ?? true
  return (
    (await listAndReadMetadata(git, rootTree, normalise)) ??
    readBranchByLevels(git, rootTree, { normalise })
  )
}

/** Level by level: 3 cat-file processes for trees (session trees are never opened), 1 for blobs. */
export async function readBranchByLevels(
  git: GitRunner,
  rootTree: string,
  opts: { normalise?: boolean } = {}
): Promise<BranchRead> {
  let objects = 0
  let bytes = 0
  const [root] = await readObjectsAll(git, [rootTree])
  const rootEntries = parseTree(treeOrThrow(root, '', rootTree), 'sha1')
  objects++
  bytes += root.missing ? 0 : root.content.length
  const buckets = rootEntries.filter((e) => isTreeMode(e.mode) && e.path.length === 2)
  const bucketObjs = await readObjectsAll(
    git,
    buckets.map((b) => b.oid)
  )
  const dirs: Array<{ id: string; oid: string; path: string }> = []
  bucketObjs.forEach((o, k) => {
    const b = buckets[k]
    objects++
    for (const c of parseTree(treeOrThrow(o, b.path, b.oid), 'sha1')) {
      if (!isTreeMode(c.mode)) continue
      const id = b.path + c.path
      if (isCheckpointId(id)) dirs.push({ id, oid: c.oid, path: `${b.path}/${c.path}` })
    }
    if (!o.missing) bytes += o.content.length
  })
  const dirObjs = await readObjectsAll(
    git,
    dirs.map((d) => d.oid)
  )
  const checkpoints: BranchCheckpoint[] = []
  dirObjs.forEach((o, k) => {
    const d = dirs[k]
    objects++
    const entries = parseTree(treeOrThrow(o, d.path, d.oid), 'sha1').map((e) => ({
      mode: e.mode,
      name: e.path,
      oid: e.oid
    }))
    if (!o.missing) bytes += o.content.length
    checkpoints.push({ id: d.id, tree: d.oid, entries })
  })
  const m = await readMetadata(git, checkpoints, opts.normalise ?? true)
  objects += m.metadata.size
  bytes += m.bytes
  return { checkpoints, metadata: m.metadata, normalised: m.normalised, objects, bytes }
}

/** Every checkpoint ref (reader rules of §1.2, leaf a valid id) → its value. */
export async function listCheckpointRefs(git: GitRunner): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const r of await forEachRef(git, [CHECKPOINT_REF_PREFIX])) {
    const leaf = parseCheckpointRef(r.ref)
    if (leaf !== null && isCheckpointId(leaf)) out.set(r.ref, r.oid)
  }
  return out
}

/**
 * One `for-each-ref` for the v1 candidates (with type and tree, so a commit is pinned without
 * another process) and every checkpoint ref.
 */
export async function listSourceAndCheckpointRefs(
  git: GitRunner,
  candidates: readonly string[]
): Promise<{ sources: Map<string, ListedRef>; checkpoints: Map<string, string> }> {
  const format = '--format=%(objectname) %(objecttype) %(tree) %(refname)'
  let text: string
  try {
    text = await git.text(['for-each-ref', format, '--', ...candidates, CHECKPOINT_REF_PREFIX])
  } catch (e) {
    if (!(e instanceof GitError)) throw e
    // A ref whose object is missing (a repair case) fails the typed listing: names and ids
    // alone for the checkpoint refs, types only for the candidates.
    const [sources, checkpoints] = await Promise.all([
      git.text(['for-each-ref', format, '--', ...candidates]),
      listCheckpointRefs(git)
    ])
    return { sources: parseListing(sources, candidates).sources, checkpoints }
  }
  return parseListing(text, candidates)
}

function parseListing(
  text: string,
  candidates: readonly string[]
): { sources: Map<string, ListedRef>; checkpoints: Map<string, string> } {
  const wanted = new Set(candidates)
  const sources = new Map<string, ListedRef>()
  const checkpoints = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (!line) continue
    const [oid, type, tree, ...rest] = line.split(' ')
    const ref = rest.join(' ')
    if (wanted.has(ref)) sources.set(ref, { oid, type, tree })
    if (!ref.startsWith(CHECKPOINT_REF_PREFIX)) continue
    const leaf = parseCheckpointRef(ref)
    if (leaf !== null && isCheckpointId(leaf)) checkpoints.set(ref, oid)
  }
  return { sources, checkpoints }
}

/**
 * The common git directory and the work tree root (null: bare or no work tree) from one
 * `rev-parse` (it prints in order and fails only at --show-toplevel when there is no work tree).
 */
export async function repoPaths(
  git: GitRunner
): Promise<{ commonDir: string; worktree: string | null }> {
  const r = await git.run(['rev-parse', '--git-common-dir', '--show-toplevel'], {
    okCodes: [128]
  })
  const [common, top] = r.stdout.toString('utf8').split('\n')
  if (!common) throw new Error(`git rev-parse --git-common-dir printed nothing: ${r.stderr}`)
  return {
    commonDir: isAbsolute(common) ? common : resolve(git.repoDir, common),
    worktree: r.exitCode === 0 && top ? top : null
  }
}

/**
 * State of the given refs: tip, whether its commit exists, and the first-parent chain (one
 * batch-check and one `git log --first-parent` for all of them).
 */
export async function readRefStates(
  git: GitRunner,
  refs: Map<string, string>
): Promise<Map<string, RefState>> {
  const names = [...refs.keys()]
  const tips = names.map((n) => refs.get(n) as string)
  // One log walks every chain; tips it cannot walk (missing, or not a commit) are then checked.
  const log = await firstParentCommits(git, [...new Set(tips)])
  const unwalked = [...new Set(tips.filter((t) => !log.has(t)))]
  const infos = new Map(
    (unwalked.length ? await checkObjects(git, unwalked) : []).map((info, k) => [unwalked[k], info])
  )
  const out = new Map<string, RefState>()
  names.forEach((ref, k) => {
    const tip = tips[k]
    const info = infos.get(tip)
    if (info?.missing) {
      out.set(ref, { ref, tip, tipMissing: true, chain: [] })
      return
    }
    if (info && !info.missing) {
      throw new Error(`ref ${ref} points at a ${info.type} (${tip}), not a commit: not touched`)
    }
    const leaf = parseCheckpointRef(ref) as string
    const chain = []
    const seen = new Set<string>()
    for (let c = log.get(tip); c && !seen.has(c.commit); c = log.get(c.parents[0] ?? '')) {
      seen.add(c.commit)
      chain.push({ commit: c.commit, tree: c.tree, isImport: isImportMessage(c.subject, leaf) })
    }
    out.set(ref, { ref, tip, tipMissing: false, chain })
  })
  return out
}

/** The run's identity (§2.2): explicit inputs, then repository over global config, then defaults. */
export async function readIdentity(
  git: GitRunner,
  explicit: Partial<Identity> = {}
): Promise<Identity> {
  if (explicit.name && explicit.email) return { name: explicit.name, email: explicit.email }
  const r = await git.run(['config', '--show-scope', '--get-regexp', '^user\\.(name|email)$'], {
    okCodes: [1]
  })
  return resolveIdentity(parseScopedConfig(r.stdout.toString('utf8')), explicit)
}

export const DELETED_LIST = 'entire-deleted-checkpoints.json'

/**
 * Ids on upstream's deleted list (§3.2 step 4, §10 item 5). Its format is not specified; accepted:
 * an array of ids, an object with an array of ids (or of `{id}` / `{checkpoint_id}` objects) under
 * any key, or an object keyed by id. Unparsable → throw (never risk resurrecting deleted ids).
 */
export async function readDeletedList(
  git: GitRunner,
  /** Already known common git directory (read from git otherwise). */
  knownCommonDir?: string
): Promise<{ path: string; ids: Set<string> } | null> {
  const path = join(knownCommonDir ?? (await gitCommonDir(git)), DELETED_LIST)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
  const fail = (why: string): never => {
    throw new Error(
      `${path}: ${why}; refusing to convert (a deleted checkpoint could be resurrected)`
    )
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    return fail(`not valid JSON (${(e as Error).message})`)
  }
  const ids = new Set<string>()
  const take = (v: unknown): boolean => {
    if (typeof v === 'string') {
      ids.add(v)
      return true
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>
      const id = o.id ?? o.checkpoint_id ?? o.checkpointId
      if (typeof id === 'string') {
        ids.add(id)
        return true
      }
    }
    return false
  }
  if (Array.isArray(doc)) {
    if (!doc.every(take)) fail('an entry is neither an id nor an object with an id')
  } else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
      if (isCheckpointId(k)) ids.add(k)
      else if (Array.isArray(v)) {
        if (!v.every(take))
          fail(`"${k}" holds an entry that is neither an id nor an object with an id`)
      }
    }
  } else fail('neither an array nor an object')
  return { path, ids }
}
