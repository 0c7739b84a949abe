// The v2 state a run starts from, read once at plan time: the v2 refs (compare-and-swap bases),
// the `/main` presence set (§4.1) with every checkpoint's entries, and the `/full` artifacts
// index over `/full/current` and every archive (§4.2), one `ls-tree -r -t` per ref.
import type { GitRunner } from '../git/runner.js'
import { lsTree, type TreeEntry } from '../git/tree.js'
import { refMap } from '../git/refs.js'
import {
  inCheckpoints,
  listV1Checkpoints,
  type V1CheckpointListing
} from '../formats/v1/listing.js'
import { mapConcurrently } from './concurrency.js'

export const V2_PREFIX = 'refs/entire/checkpoints/v2/'
export const MAIN_REF = 'refs/entire/checkpoints/v2/main'
export const CURRENT_REF = 'refs/entire/checkpoints/v2/full/current'
export const ARCHIVE_PREFIX = 'refs/entire/checkpoints/v2/full/'

export function archiveRef(n: number): string {
  return ARCHIVE_PREFIX + String(n).padStart(13, '0')
}

/** Archive number of a ref name, or undefined unless the last component is exactly 13 digits. */
export function archiveNumber(ref: string): number | undefined {
  if (!ref.startsWith(ARCHIVE_PREFIX)) return undefined
  const rest = ref.slice(ARCHIVE_PREFIX.length)
  return /^\d{13}$/.test(rest) ? Number(rest) : undefined
}

export interface FullRefContent {
  ref: string
  oid: string
  /** Checkpoint directory → slot keys found complete (`<id>/<n>` keys are in the index). */
  checkpoints: Set<string>
  /** All entries (paths relative to the root), kept for prunes and merges. */
  entries: TreeEntry[]
}

export interface V2State {
  main: { oid: string | null; tree: string | null }
  current: { oid: string | null }
  /** Local archives: number → oid. */
  archives: Map<number, string>
  /** `/main` checkpoints (shard walk) with their entries. */
  mainCheckpoints: Map<string, V1CheckpointListing>
  /** Keys `<id>/<slot>` with complete raw artifacts in some `/full` ref. */
  fullIndex: Set<string>
  /** `/full` refs read (current first, then archives high → low). */
  fullRefs: FullRefContent[]
  entryCount: number
}

const RAW = 'raw_transcript'
const RAW_HASH = 'raw_transcript_hash.txt'

/** Go strconv.Atoi: optional sign, decimal digits (leading zeros allowed), int range. */
export function goAtoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined
  const v = Number(s)
  return Number.isSafeInteger(v) ? v : undefined
}

/** §4.2 walk of one `/full` tree: keys `<id>/<index>` whose session dir holds raw + hash files. */
export function fullArtifactKeys(entries: readonly TreeEntry[]): {
  keys: Set<string>
  checkpoints: Set<string>
} {
  const hasRaw = new Set<string>()
  const hasHash = new Set<string>()
  const checkpoints = new Set<string>()
  const dirs = new Set<string>()
  for (const e of entries) if (e.type === 'tree') dirs.add(e.path)
  for (const e of entries) {
    const parts = e.path.split('/')
    if (parts.length === 2 && e.type === 'tree' && parts[0].length === 2) {
      checkpoints.add(parts[0] + parts[1])
      continue
    }
    if (parts.length !== 4 || parts[0].length !== 2) continue
    // Every level must be a directory (ls-tree -t lists them).
    if (
      !dirs.has(parts[0]) ||
      !dirs.has(`${parts[0]}/${parts[1]}`) ||
      !dirs.has(parts.slice(0, 3).join('/'))
    )
      continue
    const idx = goAtoi(parts[2])
    if (idx === undefined) continue
    const key = `${parts[0]}${parts[1]}/${idx}`
    const name = parts[3]
    if (name === RAW || name.startsWith(RAW + '.')) hasRaw.add(key)
    if (name === RAW_HASH) hasHash.add(key)
  }
  const keys = new Set<string>()
  for (const k of hasRaw) if (hasHash.has(k)) keys.add(k)
  return { keys, checkpoints }
}

/** Tree listings run at once while the v2 state is loaded (each is a git process). */
const LIST_CONCURRENCY = 4

/**
 * Read the v2 state (local refs only; the surfaces fetch remote v2 refs first). `only`: a later
 * segment's checkpoints; /main and the archives are then read for these alone (and for those in
 * /full/current, which the write rewrites whole and whose /main listings its rotation reads).
 */
export async function loadV2State(git: GitRunner, only?: ReadonlySet<string>): Promise<V2State> {
  const refs = await refMap(git, [V2_PREFIX])
  const mainOid = refs.get(MAIN_REF) ?? null
  const currentOid = refs.get(CURRENT_REF) ?? null
  const archives = new Map<number, string>()
  for (const [ref, oid] of refs) {
    const n = archiveNumber(ref)
    if (n !== undefined) archives.set(n, oid)
  }
  let entryCount = 0
  const mainCheckpoints = new Map<string, V1CheckpointListing>()
  const order: Array<[string, string]> = []
  if (currentOid) order.push([CURRENT_REF, currentOid])
  for (const n of [...archives.keys()].sort((a, b) => b - a))
    order.push([archiveRef(n), archives.get(n)!])
  let keep: ((path: string) => boolean) | undefined
  let currentEntries: Promise<TreeEntry[]> | undefined
  if (only && currentOid) {
    currentEntries = lsTree(git, currentOid, { recursive: true, trees: true })
    const wanted = new Set(only)
    for (const id of fullArtifactKeys(await currentEntries).checkpoints) wanted.add(id)
    keep = inCheckpoints(wanted)
  } else if (only) keep = inCheckpoints(only)
  // The trees are listed a few at a time (each listing is its own git process): a rerun's
  // planning waited for them one after another.
  const trees: Array<[string | null, boolean]> = [
    [mainOid, false],
    ...order.map(([ref, oid]): [string, boolean] => [oid, ref === CURRENT_REF])
  ]
  const listed = mapConcurrently(trees, LIST_CONCURRENCY, ([oid, isCurrent]) => {
    if (!oid) return Promise.resolve(null)
    if (isCurrent && currentEntries) return currentEntries
    return lsTree(git, oid, { recursive: true, trees: true, ...(keep ? { keep } : {}) })
  })
  listed.catch(() => undefined) // awaited below; a failure must not go unhandled meanwhile
  const mainTree = mainOid ? (await git.text(['rev-parse', `${mainOid}^{tree}`])).trim() : null
  const [mainEntries, ...fullEntries] = await listed
  if (mainEntries) {
    entryCount += mainEntries.length
    for (const cp of listV1Checkpoints(mainEntries).checkpoints) mainCheckpoints.set(cp.id, cp)
  }
  const fullIndex = new Set<string>()
  const fullRefs: FullRefContent[] = []
  order.forEach(([ref, oid], i) => {
    const entries = fullEntries[i]!
    entryCount += entries.length
    const { keys, checkpoints } = fullArtifactKeys(entries)
    for (const k of keys) fullIndex.add(k)
    fullRefs.push({ ref, oid, checkpoints, entries })
  })
  return {
    main: { oid: mainOid, tree: mainTree },
    current: { oid: currentOid },
    archives,
    mainCheckpoints,
    fullIndex,
    fullRefs,
    entryCount
  }
}
