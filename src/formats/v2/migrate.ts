// One v1 checkpoint as the migration's fresh path writes it (migration.md §5.4, §6): the `/main`
// subtree and the `/full` entries, from a v1 read and the compact results of its migrating
// sessions. And the generation.json of a migration archive (§9.1, first two sources).

import type { GenerationMetadata } from '../json/structs.js'
import type { GoTime } from '../json/time.js'
import { migratingSessions, type V1CheckpointOk, type V1SessionOk } from '../v1/read.js'
import {
  buildFullSessionEntries,
  freshPathTaskTrees,
  timeEnvelope,
  transcriptTimestamps
} from './full.js'
import type { V2TreeEntry } from './layout.js'
import { buildMainCheckpoint, type MainCheckpointOutput } from './main.js'
import type { Redact } from './metadata.js'

export interface CompactResult {
  /** Compact transcript bytes; null or empty when the conversion gave nothing or failed. */
  transcript: Buffer | null
  /** Offset for `checkpoint_transcript_start`; use 0 when there is no compact transcript. */
  start: number
}

export interface MigratedCheckpoint {
  /** Migrating sessions in slot order (slot k = position k). */
  migrating: V1SessionOk[]
  main: MainCheckpointOutput
  /** `/full` entries of every slot (raw chunks reusing v1 blobs, hash files, task files). */
  full: V2TreeEntry[]
}

export interface MigrateCheckpointOptions {
  cliVersion?: string
  now: GoTime
  redact?: Redact
}

/**
 * Builds both trees' entries for a checkpoint on the fresh path. `compacts[k]` belongs to the k-th
 * migrating session. Undefined when no session migrates ("no migratable v1 sessions").
 */
export function buildMigratedCheckpoint(
  read: V1CheckpointOk,
  compacts: readonly CompactResult[],
  options: MigrateCheckpointOptions
): MigratedCheckpoint | undefined {
  const migrating = migratingSessions(read)
  if (migrating.length === 0) return undefined
  if (compacts.length !== migrating.length) {
    throw new Error(
      `checkpoint ${read.id}: ${compacts.length} compact results for ${migrating.length} sessions`
    )
  }
  const main = buildMainCheckpoint({
    checkpointId: read.id,
    sessions: migrating.map((s, k) => ({
      v1Metadata: s.metadata,
      prompt: s.prompt,
      compactTranscript: compacts[k].transcript,
      compactStart:
        compacts[k].transcript && compacts[k].transcript.length > 0 ? compacts[k].start : 0
    })),
    combinedAttribution: read.summary.combined_attribution,
    cliVersion: options.cliVersion,
    now: options.now,
    redact: options.redact
  })
  const tasks = freshPathTaskTrees(read, migrating)
  const full = migrating.flatMap((s, k) =>
    buildFullSessionEntries(read.id, {
      slot: k,
      transcript: s.transcript,
      transcriptSha256: s.transcriptSha256,
      taskTrees: tasks.get(k)
    })
  )
  return { migrating, main, full }
}

/**
 * generation.json of a migration archive (migration.md §9.1): the created-at envelope of the
 * packed sessions (v1 values, zeros ignored, UTC), else the envelope of their transcripts'
 * `timestamp`s. Undefined → the caller scans the archive tree, else aborts the run.
 */
export function migratedGenerationMetadata(
  sessions: readonly V1SessionOk[]
): GenerationMetadata | undefined {
  return (
    timeEnvelope(sessions.map((s) => s.metadata.created_at)) ??
    timeEnvelope(sessions.flatMap((s) => [...transcriptTimestamps(s.transcript)]))
  )
}
