// What the reference considers already present in v2 (migration.md §4): the `/main` shard walk
// (same rules as v1, see listV1Checkpoints) and the `/full` presence index of
// BuildFullSessionArtifactsIndex, from `ls-tree -r [-t]` entries of each ref's tip.

import { buildTree, Dir, listV1Checkpoints, type TreeEntryIn } from '../v1/listing.js'
import { RAW_TRANSCRIPT_FILE, RAW_TRANSCRIPT_HASH_FILE } from './layout.js'

/** Checkpoint ids on `/main` (2-char shard dirs, valid 12-hex ids). */
export function mainPresenceIds(entries: Iterable<TreeEntryIn>): Set<string> {
  return new Set(listV1Checkpoints(entries).checkpoints.map((c) => c.id))
}

/** Go's strconv.Atoi: optional sign, decimal digits (leading zeros allowed), int64 range. */
export function goAtoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined
  const v = BigInt(s)
  if (v > 9223372036854775807n || v < -9223372036854775808n) return undefined
  return Number(v)
}

/** `raw_transcript` or `raw_transcript.<anything>` plus `raw_transcript_hash.txt`, by name only. */
export function hasCompleteFullArtifacts(names: Iterable<string>): boolean {
  let transcript = false
  let hash = false
  for (const n of names) {
    if (n === RAW_TRANSCRIPT_FILE || n.startsWith(RAW_TRANSCRIPT_FILE + '.')) transcript = true
    else if (n === RAW_TRANSCRIPT_HASH_FILE) hash = true
  }
  return transcript && hash
}

/**
 * Keys `<id>/<index>` of one `/full/*` tree: 2-char shard dirs (no hex check), any checkpoint
 * dir name (no id check), session dirs whose name Atoi accepts, holding both artifacts.
 */
export function fullPresenceKeys(entries: Iterable<TreeEntryIn>): Set<string> {
  const keys = new Set<string>()
  const root = buildTree(entries)
  for (const shard of root.children.values()) {
    if (!(shard instanceof Dir) || shard.name.length !== 2) continue
    for (const cp of shard.children.values()) {
      if (!(cp instanceof Dir)) continue
      for (const session of cp.children.values()) {
        if (!(session instanceof Dir)) continue
        const index = goAtoi(session.name)
        if (index === undefined) continue
        if (hasCompleteFullArtifacts(session.children.keys()))
          keys.add(`${shard.name}${cp.name}/${index}`)
      }
    }
  }
  return keys
}
