// Known writers of v2 data and the behaviour that makes their output differ from what the
// reference migration (afef3455) writes. A difference a profile explains is reported as a note
// naming the writer, never as data loss (migration.md §14).

export interface WriterProfile {
  /** Profile name shown in the report. */
  name: string
  /** One slot per session id (sequential writer) instead of one slot per migrating session. */
  dedupSessionIds: boolean
  /** Offsets come from the run's offset cache (migration.md §7.3); else always recomputed. */
  offsetCache: boolean
  /** `created_at` is the time of the migration, not the v1 value. */
  createdAtIsMigrationTime: boolean
  /** `prompt_attributions` and `combined_attribution` are not carried. */
  dropsAttributions: boolean
  /** A v1 session without transcript fails the whole checkpoint (it is not migrated). */
  failsOnMissingSession: boolean
  /** Why the profile exists, for the report. */
  description: string
}

export const REFERENCE_PROFILE: WriterProfile = {
  name: 'reference',
  dedupSessionIds: false,
  offsetCache: true,
  createdAtIsMigrationTime: false,
  dropsAttributions: false,
  failsOnMissingSession: false,
  description: 'reference migration (afef3455) / entire-migrate'
}

const V056: WriterProfile = {
  name: 'v0.5.6',
  dedupSessionIds: true,
  offsetCache: false,
  createdAtIsMigrationTime: true,
  dropsAttributions: true,
  failsOnMissingSession: true,
  description:
    'Go v0.5.4–v0.5.6 migration: created_at = migration time, prompt_attributions and combined_attribution dropped, one slot per session id, offsets recomputed, checkpoints with a transcript-less session not migrated'
}

const V060: WriterProfile = {
  name: 'v0.6.0/v0.6.1',
  dedupSessionIds: true,
  offsetCache: false,
  createdAtIsMigrationTime: false,
  dropsAttributions: false,
  failsOnMissingSession: false,
  description: 'Go v0.6.0/v0.6.1 migration: one slot per session id, offsets recomputed'
}

/** The profile for a `cli_version` string found in v2 data. */
export function writerProfile(cliVersion: string | undefined): WriterProfile {
  const v = (cliVersion ?? '').replace(/^v/, '')
  if (/^0\.5\.[0-6](?![0-9])/.test(v)) return V056
  if (/^0\.6\.[01](?![0-9])/.test(v)) return V060
  return REFERENCE_PROFILE
}
