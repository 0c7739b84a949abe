// Checkpoint ids and the ref each one lives under (git-refs-format.md §1).

/** Where every per-checkpoint ref lives. */
export const CHECKPOINT_REF_PREFIX = 'refs/entire/checkpoints/'

export type IdKind = 'legacy' | 'ulid'

const LEGACY = /^[0-9a-f]{12}$/
// Crockford base32, canonical upper case (no I L O U); first character 0-7 keeps it within 128 bits.
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/

/** The id kind, or null when the string is neither a 12-hex legacy id nor a canonical ULID. */
export function idKind(id: string): IdKind | null {
  if (LEGACY.test(id)) return 'legacy'
  if (ULID.test(id)) return 'ulid'
  return null
}

export function isCheckpointId(id: string): boolean {
  return idKind(id) !== null
}

/** Shard = the last two characters, for both id kinds (§1.1; the "first two" doc comment upstream is stale). */
export function shardFor(id: string): string {
  return id.slice(-2)
}

export class InvalidCheckpointIdError extends Error {
  constructor(readonly id: string) {
    super(
      `not a checkpoint id (12 lower-case hex characters or a canonical ULID): ${JSON.stringify(id)}`
    )
    this.name = 'InvalidCheckpointIdError'
  }
}

/** `refs/entire/checkpoints/<last two>/<id>`; refuses anything that is not a valid id (§1.1, §9 item 13). */
export function refNameFor(id: string): string {
  if (!isCheckpointId(id)) throw new InvalidCheckpointIdError(id)
  return `${CHECKPOINT_REF_PREFIX}${shardFor(id)}/${id}`
}

/**
 * The leaf of a checkpoint ref per the reader rules of §1.2 (prefix, exactly `<shard>/<leaf>`,
 * shard = last two of leaf), or null. The leaf is not required to be a valid id here.
 */
export function parseCheckpointRef(ref: string): string | null {
  if (!ref.startsWith(CHECKPOINT_REF_PREFIX)) return null
  const rest = ref.slice(CHECKPOINT_REF_PREFIX.length)
  const parts = rest.split('/')
  if (parts.length !== 2) return null
  const [shard, leaf] = parts
  if (!shard || !leaf || leaf.length < 2 || shardFor(leaf) !== shard) return null
  return leaf
}

/** The v1 branch directory of an id: `<id[0:2]>/<id[2:]>` for both kinds (v1-format.md §1.2). */
export function v1DirFor(id: string): string {
  return `${id.slice(0, 2)}/${id.slice(2)}`
}
