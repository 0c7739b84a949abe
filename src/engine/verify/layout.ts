// Group a recursive tree listing into checkpoints and session slots, for v1, /main and /full
// trees alike. Shard walk rules: a 2-character root directory, then a child directory whose
// joined name is a valid 12-hex checkpoint id (v1-format.md §8.1, v2-format.md §2).
import { parseLsTree, type TreeEntry } from './git-read.js'

export const CHECKPOINT_ID = /^[0-9a-f]{12}$/

export interface SlotDir {
  /** Directory name under the checkpoint (`0`, `1`, … or anything else found). */
  name: string
  /** Files by path relative to the slot directory (`metadata.json`, `tasks/x/y.json`). */
  files: Map<string, TreeEntry>
}

export interface CheckpointDir {
  id: string
  /** `<aa>/<rest>` */
  dir: string
  /** Files directly in the checkpoint directory (`metadata.json`, …). */
  files: Map<string, TreeEntry>
  /** Subdirectories by name (session slots, `tasks`). */
  slots: Map<string, SlotDir>
}

export interface TreeIndex {
  checkpoints: Map<string, CheckpointDir>
  /** Root-level files (e.g. `generation.json`) and paths that are not under a valid checkpoint. */
  rootFiles: Map<string, TreeEntry>
  stray: string[]
}

export function shardPath(id: string): string {
  return `${id.slice(0, 2)}/${id.slice(2)}`
}

export function indexTree(entries: Map<string, TreeEntry>): TreeIndex {
  const checkpoints = new Map<string, CheckpointDir>()
  const rootFiles = new Map<string, TreeEntry>()
  const stray: string[] = []
  for (const [path, entry] of entries) {
    const parts = path.split('/')
    if (parts.length === 1) {
      rootFiles.set(path, entry)
      continue
    }
    if (parts.length < 3 || parts[0].length !== 2 || !CHECKPOINT_ID.test(parts[0] + parts[1])) {
      stray.push(path)
      continue
    }
    const id = parts[0] + parts[1]
    let cp = checkpoints.get(id)
    if (!cp) {
      cp = { id, dir: `${parts[0]}/${parts[1]}`, files: new Map(), slots: new Map() }
      checkpoints.set(id, cp)
    }
    if (parts.length === 3) {
      cp.files.set(parts[2], entry)
      continue
    }
    let slot = cp.slots.get(parts[2])
    if (!slot) {
      slot = { name: parts[2], files: new Map() }
      cp.slots.set(parts[2], slot)
    }
    slot.files.set(parts.slice(3).join('/'), entry)
  }
  return { checkpoints, rootFiles, stray }
}

/**
 * A recursive tree listing kept as the bytes git printed (`ls-tree -r -l -z`), with where each
 * checkpoint's records lie: a checkpoint's directory is decoded only when a window of
 * checkpoints asks for it, so the verifier's memory follows its batch, not the tree (10,000
 * checkpoints decoded at once held ~170 MB of entries and made every collection slower).
 */
export class TreeListing {
  private constructor(
    private readonly text: Buffer,
    /** id → [start, end) offsets of its records (one pair: git lists a directory together). */
    private readonly ranges: Map<string, number[]>,
    readonly rootFiles: Map<string, TreeEntry>,
    readonly stray: string[]
  ) {}

  static readonly EMPTY = new TreeListing(Buffer.alloc(0), new Map(), new Map(), [])

  static parse(text: Buffer): TreeListing {
    const ranges = new Map<string, number[]>()
    const loose = new Map<string, TreeEntry>()
    for (let start = 0; start < text.length;) {
      let end = text.indexOf(0, start)
      if (end < 0) end = text.length
      const tab = text.indexOf(0x09, start)
      const id =
        tab > start && tab < end ? checkpointOf(text.toString('utf8', tab + 1, end)) : undefined
      if (id === undefined) {
        parseLsTree(text.subarray(start, end), loose)
      } else {
        const r = ranges.get(id)
        if (!r) ranges.set(id, [start, end + 1])
        else if (r[r.length - 1] === start) r[r.length - 1] = end + 1
        else r.push(start, end + 1)
      }
      start = end + 1
    }
    const { rootFiles, stray } = indexTree(loose)
    return new TreeListing(text, ranges, rootFiles, stray)
  }

  get size(): number {
    return this.ranges.size
  }

  has(id: string): boolean {
    return this.ranges.has(id)
  }

  /** Checkpoint ids in tree order. */
  ids(): IterableIterator<string> {
    return this.ranges.keys()
  }

  /** Ids of the blobs named `name` anywhere in the tree (no directory is decoded). */
  blobsNamed(name: string): string[] {
    const tail = Buffer.from('/' + name + '\0')
    const out: string[] = []
    for (let at = this.text.indexOf(tail); at >= 0; at = this.text.indexOf(tail, at + 1)) {
      const start = this.text.lastIndexOf(0, at) + 1
      const tab = this.text.indexOf(0x09, start)
      const sp1 = this.text.indexOf(0x20, start)
      const sp2 = this.text.indexOf(0x20, sp1 + 1)
      if (tab < 0 || tab > at || this.text.toString('latin1', sp1 + 1, sp2) !== 'blob') continue
      out.push(this.text.toString('latin1', sp2 + 1, sp2 + 41))
    }
    return out
  }

  /** One checkpoint's directory, decoded now (a fresh copy each call). */
  checkpoint(id: string): CheckpointDir | undefined {
    const r = this.ranges.get(id)
    if (!r) return undefined
    const entries = new Map<string, TreeEntry>()
    for (let i = 0; i < r.length; i += 2) parseLsTree(this.text.subarray(r[i], r[i + 1]), entries)
    return indexTree(entries).checkpoints.get(id)
  }
}

/** The checkpoint a listed path belongs to (indexTree's shard rule), if any. */
function checkpointOf(path: string): string | undefined {
  if (path.charCodeAt(2) !== 0x2f) return undefined
  const slash = path.indexOf('/', 3)
  if (slash < 0) return undefined
  const id = path.slice(0, 2) + path.slice(3, slash)
  return CHECKPOINT_ID.test(id) ? id : undefined
}

const FILE_MODES = new Set(['100644', '100755'])

/** Index of a chunk suffix parsed like C `sscanf("%3d")`: optional sign, up to 3 digits. */
export function chunkIndex(suffix: string): number | undefined {
  const m = /^([+-]?)(\d{1,3})/.exec(suffix)
  if (!m) return undefined
  const n = Number(m[2])
  return m[1] === '-' ? -n : n
}

export interface TranscriptFiles {
  /** Blob entries in chunk order (file names with their entries). */
  chunks: Array<{ name: string; entry: TreeEntry }>
}

/**
 * v1 session transcript files in reassembly order (v1-format.md §7.4): with chunk candidates,
 * `full.jsonl` (if present) then chunks by index; else `full.jsonl`; else `full.log`.
 * Only direct regular-file entries count.
 */
export function v1TranscriptFiles(slot: SlotDir): TranscriptFiles {
  return transcriptFiles(slot, 'full.jsonl', 'full.log')
}

/** v2 `/full` slot raw transcript chunks: `raw_transcript` then `raw_transcript.NNN` by index. */
export function v2RawTranscriptFiles(slot: SlotDir): TranscriptFiles {
  return transcriptFiles(slot, 'raw_transcript')
}

function transcriptFiles(slot: SlotDir, base: string, legacy?: string): TranscriptFiles {
  const candidates: Array<{ index: number; name: string; entry: TreeEntry }> = []
  for (const [name, entry] of slot.files) {
    if (name.includes('/') || !name.startsWith(base + '.')) continue
    const idx = chunkIndex(name.slice(base.length + 1))
    if (idx !== undefined && idx > 0 && FILE_MODES.has(entry.mode)) {
      candidates.push({ index: idx, name, entry })
    }
  }
  const file = (name: string) => {
    const e = slot.files.get(name)
    return e && FILE_MODES.has(e.mode) ? { name, entry: e } : undefined
  }
  if (candidates.length > 0) {
    candidates.sort((a, b) => a.index - b.index || (a.name < b.name ? -1 : 1))
    const head = file(base)
    return {
      chunks: [...(head ? [head] : []), ...candidates.map(({ name, entry }) => ({ name, entry }))]
    }
  }
  const whole = file(base) ?? (legacy ? file(legacy) : undefined)
  return { chunks: whole ? [whole] : [] }
}

/** Reassemble chunk bytes like the Go reader for JSONL agents: one chunk as is, else join with `\n`. */
export function joinChunks(parts: Buffer[]): Buffer {
  if (parts.length === 1) return parts[0]
  const out: Buffer[] = []
  parts.forEach((p, i) => {
    if (i > 0) out.push(Buffer.from('\n'))
    out.push(p)
  })
  return Buffer.concat(out)
}

/** Byte size of the reassembled transcript, from tree sizes only. */
export function joinedSize(files: TranscriptFiles): number {
  if (files.chunks.length === 0) return 0
  return files.chunks.reduce((n, c) => n + Math.max(0, c.entry.size), 0) + files.chunks.length - 1
}

/** Agents whose chunked transcripts Go re-encodes on reassembly (not byte-reproducible). */
export const DOCUMENT_AGENTS = new Set(['Gemini CLI', 'OpenCode'])
