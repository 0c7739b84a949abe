// Commit messages and identities of the v2 writes the migration makes (v2-format.md §7,
// migration.md §8.7). "\n" endings are exact: some messages have one, others not.

import { archiveNumberText, archiveRefName } from './layout.js'

export interface Identity {
  name: string
  email: string
}

/** Author and committer of every migration commit except those listed as git-user commits. */
export const MIGRATION_IDENTITY: Identity = {
  name: 'Entire Migration',
  email: 'migration@entire.dev'
}

/** The reference's fallback when git config has no user (the usual case on CI runners). */
export const UNKNOWN_GIT_USER: Identity = { name: 'Unknown', email: 'unknown@local' }

export const commitMessages = {
  /** `/main` or `/full/current` created: parentless, empty tree, git-user identity. */
  initializeV2Ref: () => 'Initialize v2 ref',
  /** One batched `/main` write (C distinct checkpoints, N session entries). */
  migrateBatch: (checkpoints: number, sessions: number) =>
    `Migrate batch: ${checkpoints} checkpoint(s), ${sessions} session(s)\n`,
  /** Compact-transcript backfill on `/main` (git-user identity). */
  finalizeCheckpoint: (id: string) => `Finalize checkpoint: ${id}\n`,
  /** A normal single write. */
  checkpoint: (id: string) => `Checkpoint: ${id}\n`,
  resetBeforeForce: (id: string) => `Reset checkpoint before force migration: ${id}\n`,
  /** Parentless archive of 100 migrated checkpoints. */
  archiveMigratedGeneration: (n: number) => `Archive migrated generation: ${archiveRefName(n)}\n`,
  writeMigratedPartialGeneration: () => 'Write migrated partial generation\n',
  /** Empty `/full/current` created by the migration after archives (Entire Migration). */
  startGenerationAfterMigration: () => 'Start generation\n',
  /** Rotation: archive commit and reset commit (git-user identity, no newline). */
  archiveGeneration: () => 'Archive generation',
  startGenerationAfterRotation: () => 'Start generation',
  repairGenerationMetadata: (n: number) => `Repair generation metadata: ${archiveNumberText(n)}\n`
} as const
