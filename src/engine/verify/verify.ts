// verifyRepository: re-read v1 and v2 from git and prove, checkpoint by checkpoint, that v2
// holds what v1 held (migration.md §13, §16 item 4). Shares nothing with the migration's memory:
// trees are listed with `ls-tree -r`; the batches' blobs are read by one `cat-file` process, on
// a thread of its own when the bundle can run one (git then inflates the next batch while this
// one is checked, instead of waiting whenever a synchronous step runs on the main thread), which
// also hashes the transcripts there.
import type { GitRunner } from '../../git/runner.js'
import { createObjectReader, type ObjectReading } from '../../git/object-thread.js'
import {
  addToWindow,
  loadRepo,
  openWindow,
  smallBlobOids,
  DEFAULT_V2_PREFIX,
  type RepoState
} from './model.js'
import {
  batchBlobs,
  BlobsNeeded,
  compactionJobs,
  dominantProfile,
  proveCompacts,
  verifyCheckpoint,
  type RunContext
} from './checkpoint.js'
import { createCompactRunner, type PrimedResult } from './parallel.js'
import { CheckpointRecord, Tally } from './record.js'
import { verifyMainLayout } from './main-layout.js'
import { verifyGenerations } from './generations.js'
import { compareStates } from './compare.js'
import { CompactCache, type Compactor } from './compactor.js'
import { createDefaultCompactor } from './default-compactor.js'
import { forgetParsedDocs } from './docs.js'
import { missingObjects } from './git-read.js'
import { REFERENCE_PROFILE } from './writers.js'
import { CompactHistory } from '../../formats/compact/index.js'
import { LARGE_BLOB_BYTES } from '../plan.js'
import { OwnedBlobs } from '../owned-blobs.js'
import { JsonLines } from '../json-lines.js'
import type { CheckpointVerification, VerifyCounts, VerifyOptions, VerifyReport } from './types.js'

export interface VerifyInternals {
  /** Replace the compactor (tests). */
  compactor?: Compactor
  /** The default compactor's history of parsed lines (tests read its stats). */
  history?: CompactHistory
  /**
   * Counts the batches' large blobs and frees them once checked (tests read its stats). Made
   * here when the history is too; a given history must pin its inputs in it (CompactHistory's
   * pins), or inputs it keeps would be freed under it.
   */
  owned?: OwnedBlobs
}

export async function verifyRepository(
  git: GitRunner,
  opts: VerifyOptions = {},
  internals: VerifyInternals = {}
): Promise<VerifyReport> {
  const started = Date.now()
  // Started first: a reader thread loads while the trees are listed.
  const reader = createObjectReader(git, opts.readerScript)
  try {
    return await verifyWith(git, reader, started, opts, internals)
  } finally {
    await reader.close()
  }
}

async function verifyWith(
  git: GitRunner,
  reader: ObjectReading,
  started: number,
  opts: VerifyOptions,
  internals: VerifyInternals
): Promise<VerifyReport> {
  const v2Prefix = (opts.v2Prefix ?? DEFAULT_V2_PREFIX).replace(/\/+$/, '')
  const rederive = opts.rederiveCompact !== false
  // Archive envelopes and the repository's load read small blobs on the batches' reader; later
  // reads of a batch (unproven compacts, blobs it left unread) add to the batch's own map.
  const read = async (oids: string[], into = new Map<string, Buffer>()) => {
    await reader.read(oids, (o) => {
      if (!o.missing) into.set(o.oid, o.content)
    })
    return into
  }
  const repo = await loadRepo(git, { v1Ref: opts.v1Ref, v2Prefix }, read)
  const tally = new Tally()
  // Also used without re-derivation, to tell whether a missing transcript.jsonl is expected.
  // Transcripts a batch read into memory of their own are freed once it is checked and the
  // history no longer keeps them (owned-blobs.ts), not at V8's next full collection. Only when
  // the history is ours, or comes with its counter: otherwise it is not known what keeps them.
  const owned =
    internals.owned ?? (internals.compactor || internals.history ? undefined : new OwnedBlobs())
  const own = internals.compactor
    ? undefined
    : createDefaultCompactor(internals.history ?? new CompactHistory(undefined, owned))
  const compactor = internals.compactor ?? own!
  const ctx: RunContext = {
    state: openWindow(repo),
    blobs: new Map(),
    blobSha: new Map(),
    // Digests stand in for v1 transcripts only when nothing is re-derived from their bytes.
    known: rederive ? undefined : opts.knownSha256,
    notRead: new Set(),
    rederive,
    cliVersion: opts.cliVersion,
    compact: new CompactCache(compactor),
    position: (b, a) => compactor.position(b, a),
    offsetCache: new Map(),
    shaCache: new Map(),
    redactedPrompts: new Map(),
    counters: {
      sessions: 0,
      rawProvenById: 0,
      rawProvenByBytes: 0,
      rawHashFromRead: 0,
      compactRederived: 0,
      compactProvenById: 0,
      offsetsFromCache: 0,
      offsetsRecomputed: 0
    }
  }
  const globalProfile = dominantProfile(repo.mainWriters)
  // Compacts proven by blob id are never read: that git has them is asked once, here.
  const missingCompacts = rederive
    ? await missingObjects(git, repo.mainTree.blobsNamed('transcript.jsonl'))
    : new Set<string>()

  // v1 checkpoints in processing order (the offset cache depends on it), then v2-only ones.
  const order = [
    ...repo.v1Order,
    ...[...repo.mainTree.ids()].filter((id) => !repo.v1Info.has(id)).sort()
  ]
  const batchSize = opts.batchSize ?? 50
  // With compaction workers, transcripts are also copied to the workers and outputs wait in the
  // cache for their batch: smaller batches keep the peak (real corpus, --workers 1) under 512 MB.
  const withWorkers = rederive && !internals.compactor && (opts.compactWorkers ?? 0) > 0
  const batchBytes = opts.batchBytes ?? (withWorkers ? WORKER_BATCH_BYTES : DEFAULT_BATCH_BYTES)
  // Batches are cut as they are staged: each decodes its checkpoints' directories into a window
  // whose small blobs arrive with its transcripts (one read), so only staged batches are decoded.
  let cursor = 0
  let cut = 0
  const nextBatch = (): Batch => {
    const blobs = new Map<string, Buffer>()
    const state = openWindow(repo, blobs)
    const ids: string[] = []
    const oids = new Set<string>()
    const notRead = new Set<string>()
    let bytes = 0
    // A small first batch: checking starts sooner.
    const budget = cut++ === 0 ? Math.min(batchBytes, FIRST_BATCH_BYTES) : batchBytes
    while (
      cursor < order.length &&
      (ids.length === 0 || (ids.length < batchSize && bytes < budget))
    ) {
      const id = order[cursor++]
      ids.push(id)
      addToWindow(repo, state, id)
      for (const b of batchBlobs(state, id, !rederive, ctx.known)) {
        if (b.notRead) {
          notRead.add(b.oid)
          continue
        }
        if (!oids.has(b.oid)) bytes += Math.max(0, b.size)
        oids.add(b.oid)
      }
    }
    for (const oid of smallBlobOids(state)) oids.add(oid)
    for (const oid of oids) notRead.delete(oid)
    return { ids, oids, notRead, state, blobs }
  }
  // Read ahead: git inflates the next batches while this one is compacted and checked (memory:
  // at most 1 + READ_AHEAD batches of transcripts; two ahead ride out a run of quickly checked
  // checkpoints). With worker threads, a batch's compactions start as soon as its blobs are
  // read, and are primed into the cache before it is checked.
  const runner =
    rederive && !internals.compactor
      ? createCompactRunner({ workers: opts.compactWorkers ?? 0, workerScript: opts.workerScript })
      : undefined
  const stage = (): Stage => {
    const batch = nextBatch()
    const blobs = prefetch(reader, batch.oids, batch.blobs, owned)
    const primed = runner
      ? blobs.then((m) =>
          runner.runAll(batch.ids.flatMap((id) => compactionJobs(batch.state, id, m.blobs)))
        )
      : Promise.resolve([])
    primed.catch(() => undefined)
    return { batch, blobs, primed }
  }
  // Kept serialised until the report is built (json-lines.ts); the writers seen are all the
  // run-level checks below need of them.
  const results = new JsonLines<CheckpointVerification>()
  const writers = new Set<string>()
  try {
    const staged: Stage[] = []
    const stageUpTo = (n: number) => {
      while (staged.length < n && cursor < order.length) staged.push(stage())
    }
    // With compaction workers, each transcript is also copied to a worker: one batch ahead.
    const ahead = runner ? 1 : READ_AHEAD
    stageUpTo(ahead)
    while (staged.length > 0) {
      const cur = staged.shift() as Stage
      const batchRead = await cur.blobs
      ctx.blobs = batchRead.blobs
      ctx.blobSha = batchRead.sha
      ctx.notRead = cur.batch.notRead
      ctx.state = cur.batch.state
      stageUpTo(1 + ahead)
      for (const p of await cur.primed) ctx.compact?.prime(p.key, p.opts, p.res)
      if (rederive) {
        // Compacts whose re-derived bytes do not prove them by id are read now (rare).
        const unproven = cur.batch.ids.flatMap((id) => proveCompacts(ctx, id, missingCompacts))
        if (unproven.length > 0) await read(unproven, ctx.blobs)
      }
      for (const id of cur.batch.ids) {
        const rec = await checkWithUnread(ctx, tally, id, read, (r) =>
          verifyCheckpoint(ctx, r, id, globalProfile)
        )
        if (rec.v.writer !== undefined) writers.add(rec.v.writer)
        results.push(rec.v)
      }
      ctx.blobs = new Map()
      ctx.blobSha = new Map()
      ctx.notRead = new Set()
      ctx.state = openWindow(repo)
      ctx.redactedPrompts.clear()
      ctx.compact?.releaseBytes()
      forgetParsedDocs()
      for (const b of batchRead.owned) owned?.release(b)
      opts.onProgress?.({ done: results.length, total: order.length })
    }
  } finally {
    await runner?.close()
    own?.close()
  }

  const runLevel = { failures: [] as VerifyReport['failures'], notes: [] as VerifyReport['notes'] }
  const foreignWriter =
    opts.cliVersion === undefined
      ? globalProfile !== REFERENCE_PROFILE
      : [...writers].some((w) => w !== opts.cliVersion)
  // Archive envelopes may need raw transcripts: read on the batches' reader (no process each).
  await verifyGenerations(repo, tally, runLevel, foreignWriter, read)
  verifyMainLayout(repo, tally, runLevel)
  forgetParsedDocs()
  if (repo.mainOid === null && repo.v1Order.length > 0) {
    runLevel.notes.push({ kind: 'info', message: `${repo.mainRef} does not exist` })
  }

  const compare = opts.against ? await compareStates(git, v2Prefix, opts.against, tally) : undefined

  const checkpoints = results.toArray()
  const counts = countAll(repo.v1Info.size, repo.mainTree.size, checkpoints, ctx, runLevel)
  for (const c of Object.values(tally.byCheck)) {
    counts.checksPassed += c.passed
    counts.checksFailed += c.failed
  }
  return {
    version: 1,
    repo: git.repoDir,
    v1Ref: repo.v1Ref,
    v1Commit: repo.v1Commit,
    v2Prefix,
    refs: repo.refs,
    options: { rederiveCompact: rederive, cliVersion: opts.cliVersion, against: opts.against },
    ok: counts.checksFailed === 0,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    counts,
    byCheck: tally.byCheck,
    checkpoints,
    failures: runLevel.failures,
    notes: runLevel.notes,
    compare
  }
}

/**
 * Transcript bytes per read batch. 1 + READ_AHEAD batches are in memory (one checked, the next
 * read), and the reader thread holds what it has not handed over yet: real corpus peak RSS
 * 460 MB with 128 MiB batches, 375-420 MB with 16-32 MiB, at the same speed.
 */
const DEFAULT_BATCH_BYTES = 24 * 1024 * 1024
const FIRST_BATCH_BYTES = 4 * 1024 * 1024
const WORKER_BATCH_BYTES = 12 * 1024 * 1024
/** Batches read ahead of the one being checked. */
const READ_AHEAD = 2

interface BatchBlobs {
  blobs: Map<string, Buffer>
  /** sha256 (hex) of blobs the reader thread hashed. */
  sha: Map<string, string>
  /** Blobs in memory of their own counted by OwnedBlobs (released once the batch is checked). */
  owned: Buffer[]
}

interface Batch {
  ids: string[]
  oids: Set<string>
  /** v1 blobs the batch does not read: digests the caller knows prove them (batchBlobs). */
  notRead: Set<string>
  /** The batch's checkpoints, decoded; its small blobs are `blobs`, filled by the read. */
  state: RepoState
  blobs: Map<string, Buffer>
}

interface Stage {
  batch: Batch
  blobs: Promise<BatchBlobs>
  primed: Promise<PrimedResult[]>
}

/**
 * Check one checkpoint. With blobs left unread (RunContext.notRead), the check runs on a
 * scratch tally and counters: if it turns out to need one of them (BlobsNeeded), they are read
 * and the checkpoint is checked again from the start, as if they had been read with the batch.
 */
async function checkWithUnread(
  ctx: RunContext,
  tally: Tally,
  id: string,
  read: (oids: string[], into: Map<string, Buffer>) => Promise<unknown>,
  check: (rec: CheckpointRecord) => void
): Promise<CheckpointRecord> {
  if (ctx.notRead.size === 0) {
    const rec = new CheckpointRecord(tally, id)
    check(rec)
    return rec
  }
  for (;;) {
    const scratch = new Tally()
    const counters = { ...ctx.counters }
    const rec = new CheckpointRecord(scratch, id)
    try {
      check(rec)
    } catch (e) {
      if (!(e instanceof BlobsNeeded)) throw e
      ctx.counters = counters
      await read(e.oids, ctx.blobs)
      for (const oid of e.oids) ctx.notRead.delete(oid)
      continue
    }
    tally.merge(scratch)
    return rec
  }
}

/** Transcripts (and compact transcripts) are at least this big; metadata stays below. */
const HASH_ON_READER_FROM = 4 * 1024

/** Start a batch read now; a failure surfaces when awaited, never as an unhandled rejection. */
function prefetch(
  reader: ObjectReading,
  oids: Set<string>,
  blobs: Map<string, Buffer>,
  owned: OwnedBlobs | undefined
): Promise<BatchBlobs> {
  const sha = new Map<string, string>()
  const adopted: Buffer[] = []
  const p = reader
    .read(
      [...oids],
      (o) => {
        if (o.missing) return
        blobs.set(o.oid, o.content)
        if (owned?.adopt(o.content, LARGE_BLOB_BYTES)) adopted.push(o.content)
        if (o.sha256 !== undefined) sha.set(o.oid, o.sha256)
      },
      { sha256From: HASH_ON_READER_FROM }
    )
    .then(() => ({ blobs, sha, owned: adopted }))
  p.catch(() => undefined)
  return p
}

function countAll(
  v1: number,
  main: number,
  results: CheckpointVerification[],
  ctx: RunContext,
  runLevel: { notes: unknown[] }
): VerifyCounts {
  const by = (v: CheckpointVerification['verdict']) => results.filter((r) => r.verdict === v).length
  return {
    v1Checkpoints: v1,
    migratable: results.filter(
      (r) => r.verdict === 'ok' || (r.verdict === 'failed' && r.v1Sessions > 0)
    ).length,
    mainCheckpoints: main,
    verified: by('ok') + by('failed'),
    ok: by('ok'),
    failed: by('failed'),
    v2Only: by('v2-only'),
    notMigratable: by('not-migratable'),
    knownSkip: by('known-skip'),
    sessions: ctx.counters.sessions,
    rawProvenById: ctx.counters.rawProvenById,
    rawProvenByBytes: ctx.counters.rawProvenByBytes,
    compactRederived: ctx.counters.compactRederived,
    rawHashFromRead: ctx.counters.rawHashFromRead,
    compactProvenById: ctx.counters.compactProvenById,
    offsetsFromCache: ctx.counters.offsetsFromCache,
    offsetsRecomputed: ctx.counters.offsetsRecomputed,
    droppedFields: results.reduce((n, r) => n + r.dropped.length, 0),
    notes: results.reduce((n, r) => n + r.notes.length, 0) + runLevel.notes.length,
    checksPassed: 0,
    checksFailed: 0
  }
}
