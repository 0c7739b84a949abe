// v2 ref names, file names and paths (v2-format.md §1, §2, §4, §6).

export const V2_MAIN_REF = 'refs/entire/checkpoints/v2/main'
export const V2_FULL_PREFIX = 'refs/entire/checkpoints/v2/full/'
export const V2_FULL_CURRENT_REF = `${V2_FULL_PREFIX}current`

export const METADATA_FILE = 'metadata.json'
export const PROMPT_FILE = 'prompt.txt'
export const COMPACT_TRANSCRIPT_FILE = 'transcript.jsonl'
export const COMPACT_TRANSCRIPT_HASH_FILE = 'transcript_hash.txt'
export const RAW_TRANSCRIPT_FILE = 'raw_transcript'
export const RAW_TRANSCRIPT_HASH_FILE = 'raw_transcript_hash.txt'
export const GENERATION_FILE = 'generation.json'
export const TASKS_DIR = 'tasks'

export const MODE_FILE = '100644'
export const EMPTY_TREE_OID = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

/** Raw transcripts per archive (DefaultMaxCheckpointsPerGeneration). */
export const CHECKPOINTS_PER_GENERATION = 100

/** `refs/entire/checkpoints/v2/full/<13 digits>` for archive number `n` (from 1). */
export function archiveRefName(n: number): string {
  return V2_FULL_PREFIX + archiveNumberText(n)
}

export function archiveNumberText(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`invalid archive number ${n}`)
  return String(n).padStart(13, '0')
}

/** The archive number of a ref name, or undefined when Go ignores the ref (`current`, not 13 digits). */
export function parseArchiveRefName(ref: string): number | undefined {
  if (!ref.startsWith(V2_FULL_PREFIX)) return undefined
  const rest = ref.slice(V2_FULL_PREFIX.length)
  return /^\d{13}$/.test(rest) ? Number(rest) : undefined
}

/** `<id[0:2]>/<id[2:]>` */
export function checkpointDir(id: string): string {
  return `${id.slice(0, 2)}/${id.slice(2)}`
}

/** `raw_transcript` for chunk 0, else `raw_transcript.` + index zero-padded to ≥ 3 digits. */
export function rawTranscriptChunkName(index: number): string {
  return index === 0
    ? RAW_TRANSCRIPT_FILE
    : `${RAW_TRANSCRIPT_FILE}.${String(index).padStart(3, '0')}`
}

/**
 * A tree entry for the writer: a full path from the ref's root, and either an existing blob id
 * (`oid`, reused as is) or new content.
 */
export interface V2TreeEntry {
  path: string
  mode: string
  oid?: string
  content?: Buffer
}
