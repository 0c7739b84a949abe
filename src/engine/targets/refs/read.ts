// Reads for the per-checkpoint refs target: the pinned v1 tip walked three levels deep with batched
// cat-file reads (root, buckets, checkpoint directories; session trees are never opened), the root
// metadata.json blobs, and the existing checkpoint refs with their first-parent chains.
import { readObjectsAll, type ObjectResult } from '../../../git/objects.js'
import { forEachRef, resolveRef } from '../../../git/refs.js'
import { parseTree } from '../../../git/tree.js'
import { gitCommonDir } from '../../../git/repo.js'
import { firstParentCommits } from '../../../git/refs-push.js'
import { checkObjects } from '../../../git/objects.js'
import type { GitRunner } from '../../../git/runner.js'
import {
  isCheckpointId,
  isImportMessage,
  isTreeMode,
  parseCheckpointRef,
  parseScopedConfig,
  resolveIdentity,
  CHECKPOINT_REF_PREFIX,
  type BranchCheckpoint,
  type Identity,
  type RefState
} from '../../../formats/git-refs/index.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

export const V1_BRANCH = 'refs/heads/entire/checkpoints/v1'

/** The v1 ref a conversion reads (§3.2 step 1): the explicit one, else local, else origin's. */
export async function findSourceRef(
  git: GitRunner,
  explicit?: string,
  remote = 'origin'
): Promise<{ ref: string; commit: string } | null> {
  const candidates = explicit
    ? [explicit]
    : [V1_BRANCH, `refs/remotes/${remote}/entire/checkpoints/v1`]
  for (const ref of candidates) {
    const commit = await resolveRef(git, `${ref}^{commit}`)
    if (commit) return { ref, commit }
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
  /** Objects read and bytes read (for the phase counters). */
  objects: number
  bytes: number
}

/** Walk the v1 tip tree: 3 cat-file processes for trees, 1 for the root metadata.json blobs. */
export async function readBranch(git: GitRunner, rootTree: string): Promise<BranchRead> {
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
  const metaIds: string[] = []
  const metaOwners: string[] = []
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
    const meta = entries.find((e) => e.name === 'metadata.json' && !isTreeMode(e.mode))
    if (meta) {
      metaIds.push(meta.oid)
      metaOwners.push(d.id)
    }
  })
  const metadata = new Map<string, Buffer>()
  const metaObjs = await readObjectsAll(git, metaIds)
  metaObjs.forEach((o, k) => {
    objects++
    if (o.missing) {
      throw new Error(
        `checkpoint ${metaOwners[k]}: ${metaOwners[k].slice(0, 2)}/${metaOwners[k].slice(2)}/metadata.json blob ${metaIds[k]} is missing`
      )
    }
    bytes += o.content.length
    metadata.set(metaOwners[k], o.content)
  })
  return { checkpoints, metadata, objects, bytes }
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
 * State of the given refs: tip, whether its commit exists, and the first-parent chain (one
 * batch-check and one `git log --first-parent` for all of them).
 */
export async function readRefStates(
  git: GitRunner,
  refs: Map<string, string>
): Promise<Map<string, RefState>> {
  const names = [...refs.keys()]
  const tips = names.map((n) => refs.get(n) as string)
  const infos = tips.length ? await checkObjects(git, tips) : []
  const present = tips.filter((_, k) => !infos[k].missing && infos[k].type === 'commit')
  const log = await firstParentCommits(git, [...new Set(present)])
  const out = new Map<string, RefState>()
  names.forEach((ref, k) => {
    const tip = tips[k]
    const info = infos[k]
    if (info.missing) {
      out.set(ref, { ref, tip, tipMissing: true, chain: [] })
      return
    }
    if (info.type !== 'commit') {
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
  git: GitRunner
): Promise<{ path: string; ids: Set<string> } | null> {
  const path = join(await gitCommonDir(git), DELETED_LIST)
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
