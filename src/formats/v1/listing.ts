// The v1 shard walk (v1-format.md §8.1 step 2, WalkCheckpointShards in the reference) over the
// entries of ONE `git ls-tree -r [-t] <tip>`: groups every entry by checkpoint so that the
// reads that follow need no further tree access. Directories are known from the paths of the
// blobs under them, or from tree entries when `-t` was used.

/** One line of `git ls-tree -r [-t]`: path relative to the tree root. */
export interface TreeEntryIn {
  mode: string
  type: string
  oid: string
  path: string
}

/** A direct entry of a directory. `oid` is unknown for directories seen only through paths. */
export interface DirEntry {
  name: string
  mode: string
  type: 'blob' | 'tree' | 'commit'
  oid?: string
}

/** A file below a `tasks/` directory; `path` is relative to that `tasks/` directory. */
export interface TaskFile {
  path: string
  mode: string
  oid: string
}

export interface V1SlotListing {
  /** Directory name (`0`, `1`, … or anything else found). */
  name: string
  /** Direct entries, in tree order. */
  entries: DirEntry[]
  /** Files under `<slot>/tasks/`, or null when there is no such directory. */
  tasks: TaskFile[] | null
}

export interface V1CheckpointListing {
  id: string
  /** `<id[0:2]>/<id[2:]>` */
  path: string
  /** Direct entries of the checkpoint directory, in tree order. */
  entries: DirEntry[]
  /** Subdirectories other than `tasks`, keyed by name. */
  slots: Map<string, V1SlotListing>
  /** Files under the checkpoint-level `tasks/`, or null. */
  tasks: TaskFile[] | null
}

export interface IgnoredEntry {
  path: string
  reason: 'root-file' | 'root-dir-name-not-2-chars' | 'shard-file' | 'invalid-checkpoint-id'
}

export interface V1Listing {
  checkpoints: V1CheckpointListing[]
  /** Entries the shard walk skips, one per skipped root or shard entry. */
  ignored: IgnoredEntry[]
}

const CHECKPOINT_ID = /^[0-9a-f]{12}$/

export function isValidCheckpointId(id: string): boolean {
  return CHECKPOINT_ID.test(id)
}

/** `<id[0:2]>/<id[2:]>` */
export function checkpointPath(id: string): string {
  return `${id.slice(0, 2)}/${id.slice(2)}`
}

function entryType(t: string): DirEntry['type'] {
  return t === 'tree' ? 'tree' : t === 'commit' ? 'commit' : 'blob'
}

/** A directory rebuilt from `ls-tree -r` paths (children in first-seen order). */
export class Dir {
  children = new Map<string, Dir | DirEntry>()
  constructor(
    readonly name: string,
    public oid?: string,
    public mode = '040000'
  ) {}
}

/** Rebuilds the directory structure of `ls-tree -r [-t]` entries. */
export function buildTree(entries: Iterable<TreeEntryIn>): Dir {
  const root = new Dir('')
  for (const e of entries) {
    const parts = e.path.split('/')
    let dir = root
    for (let i = 0; i < parts.length - 1; i++) {
      let next = dir.children.get(parts[i])
      if (!(next instanceof Dir)) {
        // A path below a name that was listed as a non-directory cannot happen in one tree;
        // the directory view wins.
        next = new Dir(parts[i])
        dir.children.set(parts[i], next)
      }
      dir = next
    }
    const name = parts[parts.length - 1]
    if (e.type === 'tree') {
      const existing = dir.children.get(name)
      if (existing instanceof Dir) {
        existing.oid = e.oid
        existing.mode = e.mode
      } else dir.children.set(name, new Dir(name, e.oid, e.mode))
    } else {
      dir.children.set(name, { name, mode: e.mode, type: entryType(e.type), oid: e.oid })
    }
  }
  return root
}

function asEntry(c: Dir | DirEntry): DirEntry {
  return c instanceof Dir ? { name: c.name, mode: c.mode, type: 'tree', oid: c.oid } : c
}

function flattenFiles(dir: Dir, prefix: string, out: TaskFile[]): TaskFile[] {
  for (const c of dir.children.values()) {
    if (c instanceof Dir) flattenFiles(c, `${prefix}${c.name}/`, out)
    else if (c.oid !== undefined) out.push({ path: prefix + c.name, mode: c.mode, oid: c.oid })
  }
  return out
}

/**
 * A path filter for a sharded tree (`<2>/<10>/…`, v1 and v2 alike) that keeps the entries of
 * these checkpoints, the shard directories and the root's own entries, and drops the rest.
 */
export function inCheckpoints(ids: ReadonlySet<string>): (path: string) => boolean {
  return (path) => {
    const a = path.indexOf('/')
    if (a === -1) return true
    const b = path.indexOf('/', a + 1)
    return ids.has(path.slice(0, a) + (b === -1 ? path.slice(a + 1) : path.slice(a + 1, b)))
  }
}

/**
 * Lists the checkpoints of a v1 tip tree exactly as the reference's shard walk does: root
 * directories with 2-character names (no hex check), inside them directories whose joined
 * name is a valid 12-hex id. Everything else is skipped and reported in `ignored`.
 */
export function listV1Checkpoints(entries: Iterable<TreeEntryIn>): V1Listing {
  const root = buildTree(entries)
  const checkpoints: V1CheckpointListing[] = []
  const ignored: IgnoredEntry[] = []
  for (const shard of root.children.values()) {
    if (!(shard instanceof Dir)) {
      ignored.push({ path: shard.name, reason: 'root-file' })
      continue
    }
    if (shard.name.length !== 2) {
      ignored.push({ path: shard.name, reason: 'root-dir-name-not-2-chars' })
      continue
    }
    for (const cp of shard.children.values()) {
      const path = `${shard.name}/${cp.name}`
      if (!(cp instanceof Dir)) {
        ignored.push({ path, reason: 'shard-file' })
        continue
      }
      const id = shard.name + cp.name
      if (!isValidCheckpointId(id)) {
        ignored.push({ path, reason: 'invalid-checkpoint-id' })
        continue
      }
      checkpoints.push(checkpointListing(id, path, cp))
    }
  }
  return { checkpoints, ignored }
}

function checkpointListing(id: string, path: string, dir: Dir): V1CheckpointListing {
  const slots = new Map<string, V1SlotListing>()
  let tasks: TaskFile[] | null = null
  for (const c of dir.children.values()) {
    if (!(c instanceof Dir)) continue
    if (c.name === 'tasks') {
      tasks = flattenFiles(c, '', [])
      continue
    }
    const tasksDir = c.children.get('tasks')
    slots.set(c.name, {
      name: c.name,
      entries: [...c.children.values()].map(asEntry),
      tasks: tasksDir instanceof Dir ? flattenFiles(tasksDir, '', []) : null
    })
  }
  return { id, path, entries: [...dir.children.values()].map(asEntry), slots, tasks }
}

// ---------------------------------------------------------------------------------------------
// Packed listings

type PackedEntry = [name: string, mode: string, type: DirEntry['type'], oid: string | null]
type PackedSlot = [name: string, entries: PackedEntry[], tasks: TaskFile[] | null]
interface PackedForm {
  id: string
  path: string
  entries: PackedEntry[]
  slots: PackedSlot[]
  tasks: TaskFile[] | null
  /** Blobs the packer chose to note with their sizes (see PackedListing). */
  noted?: ReadonlyArray<readonly [oid: string, size: number]>
}

function packEntry(e: DirEntry): PackedEntry {
  return [e.name, e.mode, e.type, e.oid ?? null]
}

/** Directories seen only through paths keep an `oid` key whose value is undefined, as listed. */
function unpackEntry(p: PackedEntry): DirEntry {
  return { name: p[0], mode: p[1], type: p[2], oid: p[3] ?? undefined }
}

/** A listing held packed (in memory or elsewhere): `open()` gives it back, fresh. */
export interface ListingPack {
  open(): { listing: V1CheckpointListing; noted: Array<[string, number]> }
}

/**
 * A checkpoint listing held as one buffer (JSON of its entries). A run keeps a listing per
 * checkpoint from planning to writing; as objects that was ~80 of them a checkpoint, which every
 * collection of the old generation had to mark: the collector's cost grew with the corpus.
 * `unpack()` gives a fresh listing equal to the packed one. The packer may note some blobs with
 * their sizes (`noted`): they live in the same buffer, not as objects of their own.
 */
export class PackedListing implements ListingPack {
  private readonly bytes: Buffer

  constructor(l: V1CheckpointListing, noted: ReadonlyArray<readonly [string, number]> = []) {
    this.bytes = PackedListing.encode(l, noted)
  }

  /** The listing and the noted blobs as the bytes a PackedListing holds. */
  static encode(
    l: V1CheckpointListing,
    noted: ReadonlyArray<readonly [string, number]> = []
  ): Buffer {
    const form: PackedForm = {
      id: l.id,
      path: l.path,
      entries: l.entries.map(packEntry),
      slots: [...l.slots.values()].map((s) => [s.name, s.entries.map(packEntry), s.tasks]),
      tasks: l.tasks,
      ...(noted.length > 0 ? { noted } : {})
    }
    return Buffer.from(JSON.stringify(form), 'utf8')
  }

  /** What `encode` packed: a fresh listing equal to the one given, and the noted blobs. */
  static decode(bytes: Buffer): { listing: V1CheckpointListing; noted: Array<[string, number]> } {
    const f = JSON.parse(bytes.toString('utf8')) as PackedForm
    const listing: V1CheckpointListing = {
      id: f.id,
      path: f.path,
      entries: f.entries.map(unpackEntry),
      slots: new Map(
        f.slots.map(([name, entries, tasks]) => [
          name,
          { name, entries: entries.map(unpackEntry), tasks }
        ])
      ),
      tasks: f.tasks
    }
    return { listing, noted: (f.noted ?? []) as Array<[string, number]> }
  }

  get byteLength(): number {
    return this.bytes.length
  }

  unpack(): V1CheckpointListing {
    return this.open().listing
  }

  /** The listing, and the blobs noted when it was packed (in the order given). */
  open(): { listing: V1CheckpointListing; noted: Array<[string, number]> } {
    return PackedListing.decode(this.bytes)
  }
}
