// What the action knows at the end of a run, as one plain object: the engine's report plus what
// only the action does (prepare, push, PR context). The summary, the PR comment and the JSON
// report are all rendered from this, so a failed run still renders whatever is known.
import type { MigrationReport, PhaseName } from '../engine/types.js'

export type RunStatus =
  /** Migrated (or nothing to do) and pushed or push not requested, verification passed. */
  | 'success'
  /** Dry run: plan and verification of what exists; nothing written. */
  | 'dry-run'
  | 'failed'

export interface PrepareInfo {
  /** The directory was not a repository: git init + remote add. */
  initialised: boolean
  /** The remote was missing and added from the server URL + repository. */
  remoteAdded: boolean
  /** The repository was shallow and the checkpoint history was cut: fetched with --unshallow. */
  unshallowed: boolean
  wasShallow: boolean
  /** Remote refs listed before the fetch (name → id). */
  remoteRefs: Array<{ ref: string; oid: string }>
  /** Pinned v1 commit (the fetched remote-tracking ref), null when the remote has no v1 branch. */
  v1Commit: string | null
  v1Ref: string | null
  /** Lease baseline: remote v2 ref → id at fetch time. */
  baseline: Array<{ ref: string; oid: string }>
  /** Local v2 refs that differed from the remote, kept under a backup ref before the reset. */
  backedUp: Array<{ ref: string; oid: string; backup: string }>
}

export type PushRefStatus =
  | 'created'
  | 'updated'
  | 'forced'
  | 'up-to-date'
  | 'deleted'
  | 'lease'
  | 'collateral'
  | 'remote-rejected'
  | 'other-rejected'
  | 'not-pushed'

export interface PushRefResult {
  ref: string
  /** Lease: the remote value the migration was based on (null = must not exist). */
  expected: string | null
  /** What we pushed. */
  new: string | null
  status: PushRefStatus
  /** git's summary text for the ref (e.g. "[rejected] (stale info)"). */
  detail?: string
  /** After a failed push: what ls-remote shows now (null = absent, undefined = not re-read). */
  remoteNow?: string | null
}

export interface PushInfo {
  remote: string
  attempted: boolean
  ok: boolean
  /** A lease rejection (someone pushed meanwhile): rerun. */
  rejected: boolean
  attempts: number
  refs: PushRefResult[]
  message?: string
  /** `remote:` lines from the server (rulesets, GH013 …), verbatim. */
  remoteMessages?: string[]
}

export interface EquivalenceCheck {
  name: string
  passed: number
  failed: number
  /** Explanation of what the check compares. */
  description?: string
}

export interface EquivalenceFailure {
  check: string
  checkpoint?: string
  session?: string | number
  file?: string
  message: string
}

export interface EquivalenceReport {
  ok: boolean
  summary: string
  checks: EquivalenceCheck[]
  failures: EquivalenceFailure[]
}

export interface PullRequestInfo {
  number: number
  title: string
  url?: string
  /** Head repository differs from the base repository. */
  fork: boolean
}

/** Wall-clock start/end of a phase, ms from the start of the run (from the engine's phase events). */
export interface PhaseSpan {
  phase: PhaseName | 'prepare' | 'push' | 'summary'
  startMs: number
  endMs: number
}

export interface ActionRunReport {
  status: RunStatus
  /** The one-line reason of a failure (also given to core.setFailed). */
  error?: string
  repository: string
  eventName: string
  pullRequest?: PullRequestInfo
  dryRun: boolean
  prepare?: PrepareInfo
  migration?: MigrationReport
  equivalence?: EquivalenceReport
  push?: PushInfo
  /** Phase spans measured by the action (prepare, engine phases, push) for the chart. */
  spans: PhaseSpan[]
  settings: Array<[string, string]>
  reportPath?: string
  startedAt: string
  totalMs: number
}
