// entire-migrate: the local CLI over the same engine as the action.
//   entire-migrate migrate --repo <path> [options]   migrate v1 checkpoints to the v2 refs
//   entire-migrate verify  --repo <path> [options]   check a migrated repository
// Progress on stderr (a bar on a terminal, nothing otherwise), summary on stdout.
// Exit: 0 success, 1 a checkpoint failed (or verification/push failed), 2 fatal error.
import { parseArgs } from 'node:util'
import { writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { GitRunner } from './git/runner.js'
import { runMigration, defaultSettings, type Verifier } from './engine/run.js'
import { PhaseTimer } from './engine/timer.js'
import { formatBytes, renderTimings } from './engine/timing-text.js'
import { remoteV2Refs, remoteArchiveNumbers, fetchRemote, pushRefs } from './engine/remote.js'
import { verifyRepository, runVerifyCommand } from './engine/verify/index.js'
import { cliCompactWorkers, serveCompactJobsIfWorker } from './engine/compactor.js'
import { runnableScript } from './engine/worker-pool.js'
import { serveObjectReaderIfWorker } from './git/object-thread.js'
import { endLike, runTuned } from './launch/respawn.js'
import {
  runSegments,
  segmentLimit,
  planSinkFor,
  segmentOrder,
  takeSegmentSettings,
  writeSegmentReport,
  type SegmentOrder
} from './launch/segments.js'
import { acquireRepositoryLock } from './engine/lock.js'
import { pinV1 } from './engine/v1source.js'
import { badTuningSwitch, tunedEnvironment, tuningMode, wantsTuning } from './launch/tuning.js'
import { objectStoreBytes } from './git/repo.js'
import { V2_MAIN_REF } from './formats/v2/layout.js'
import { runRefsMigrateCommand, selectsRefsTarget } from './engine/targets/refs/cli.js'
import type {
  EngineLogger,
  MigrateSettings,
  MigrationReport,
  ProgressEvent,
  SegmentSummary
} from './engine/types.js'

export const MAIN_USAGE = `Usage: entire-migrate <command> [options]

Commands:
  migrate   migrate Entire v1 checkpoints (branch entire/checkpoints/v1) to the v2 refs
  verify    check that the v2 refs hold what the v1 branch holds

Run 'entire-migrate <command> --help' for the options of a command.
`

export const MIGRATE_USAGE = `Usage: entire-migrate migrate --repo <path> [options]

Migrate the repository's v1 checkpoints to refs/entire/checkpoints/v2/{main,full/current,full/<n>}.

Options:
  --repo <path>             repository (work tree or git dir; default: current directory)
  --target <v2|refs>        layout to write (default v2); refs: one ref per checkpoint, see
                            'entire-migrate migrate --target refs --help'
  --dry-run                 plan only: print what would be migrated, write nothing
  --force                   re-migrate checkpoints already in v2 (prune, then migrate again)
  --batch-size <n>          checkpoints per batch and archive generation (default 100)
  --cli-version <v>         cli_version stamped into metadata and compact lines (default 0.6.2)
  --remote <name>           remote for --fetch/--push (default origin)
  --fetch                   fetch the remote's v2 refs (and v1 branch) before planning
  --push                    push every ref written, atomically, with leases
  --reference-compatible    write exactly what the reference (entireio/cli@afef3455) writes
  --no-verify               do not verify the result after writing
  --json <file>             write the full report as JSON
  -h, --help                show this help

Environment:
  ENTIRE_MIGRATE_WORKERS=<auto|0..64>   compaction threads beside the main one (default auto:
                                        every core but two)
  ENTIRE_MIGRATE_MALLOC_TUNING=<auto|on|off>
                                        run a first or forced migration in processes with the
                                        allocator tuned (auto: Linux, object store of 1 GiB or more)
  ENTIRE_MIGRATE_SEGMENT_CHECKPOINTS=<n|off>
                                        at most n checkpoints per such process (default 2500)

Exit status: 0 success, 1 a checkpoint failed (or verify/push failed), 2 fatal error.
`

class UsageError extends Error {}

export interface CliIo {
  stdout: { write(s: string): unknown }
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number }
}

function parsePositiveInt(name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(v)}`)
  }
  return Number(v)
}

function kv(o: Record<string, number>): string {
  const e = Object.entries(o)
  return e.length === 0 ? '' : ` (${e.map(([k, v]) => `${k}: ${v}`).join(', ')})`
}

/**
 * The archives a run created, for one line: a few by name, more as a count and the range (a
 * 10,000-checkpoint run creates 100; each one's ref is listed below it, and all are in --json).
 */
export function archivesCreatedText(refs: readonly string[]): string {
  if (refs.length === 0) return 'none'
  if (refs.length <= 3) return refs.join(', ')
  return `${refs.length} (${refs[0]} … ${refs[refs.length - 1]})`
}

/** A run's segments for one line: how many, and the range of their processes' peaks. */
export function segmentsText(segments: readonly SegmentSummary[]): string {
  const peaks = segments.flatMap((s) => (s.peakRssMb === undefined ? [] : [s.peakRssMb]))
  const range =
    peaks.length === 0
      ? ''
      : `, peak RSS ${Math.min(...peaks).toFixed(0)}–${Math.max(...peaks).toFixed(0)} MB`
  return `${segments.length} segments (one process each${range})`
}

/** The summary printed on stdout. */
export function renderSummary(r: MigrationReport): string {
  const out: string[] = []
  out.push(`v1: ${r.v1 ? `${r.v1.ref} @ ${r.v1.commit}` : 'no v1 branch'}`)
  if (r.settings.dryRun) {
    const c = r.plan.counts
    out.push(
      `Dry run: ${r.plan.checkpoints.length} v1 checkpoint(s): ${c.migrate} to migrate, ${c.repair} to repair, ${c.force} to force-migrate, ${c.skip} already in v2` +
        (r.plan.failing ? `, ${r.plan.failing} failing` : '')
    )
    out.push(`Next archive: ${String(r.plan.nextArchive).padStart(13, '0')}`)
    for (const p of r.plan.checkpoints.filter((x) => x.action !== 'skip').slice(0, 50)) {
      out.push(
        `  ${p.id}  ${(p.createdAt || '(zero time)').padEnd(30)}  ${p.action}${p.reason ? `  ${p.reason}` : ''}${p.failure ? `  FAILS: ${p.failure}` : ''}`
      )
    }
  } else {
    const c = r.counts
    out.push(
      `Migration complete: ${c.migrated} migrated, ${c.repaired} repaired, ${c.skipped} skipped${kv(c.skippedByReason)}, ${c.failed} failed${kv(c.failedByReason)}`
    )
    out.push(
      `Sessions: ${c.sessionsWritten} written, ${c.missingSessions} missing in v1; compaction skipped for ${c.compactionSkipped} checkpoint(s)`
    )
    const dropped = Object.entries(c.fieldsDropped)
    if (dropped.length > 0)
      out.push(`Fields dropped: ${dropped.map(([k, v]) => `${k} ×${v}`).join(', ')}`)
    out.push(
      `Batches: ${r.batches}${r.segments ? ` in ${segmentsText(r.segments)}` : ''}; archives created: ${archivesCreatedText(r.archivesCreated)}`
    )
    for (const ref of r.refs)
      out.push(`  ${ref.ref}: ${ref.old ?? '(none)'} → ${ref.new ?? '(deleted)'}`)
    for (const f of r.outcomes.filter((o) => o.status === 'failed').slice(0, 20)) {
      out.push(`  FAILED ${f.id}: ${f.message ?? f.reason}`)
    }
    if (r.verify) out.push(`Verify: ${r.verify.summary}`)
    if (r.push)
      out.push(
        `Push to ${r.push.remote}: ${r.push.ok ? 'ok' : 'FAILED'}${r.push.message ? ` (${r.push.message})` : ''}`
      )
  }
  out.push('')
  out.push(renderTimings(r.timings, r.totalMs))
  return out.join('\n')
}

/** stderr progress: a redrawn bar on a terminal, nothing otherwise. */
function progressLogger(io: CliIo): EngineLogger & { finish(): void } {
  const tty = io.stderr.isTTY === true
  let last = 0
  let drawn = false
  const draw = (e: Extract<ProgressEvent, { kind: 'checkpoints' }>): void => {
    const now = Date.now()
    if (now - last < 100 && e.done !== e.total) return
    last = now
    const width = 30
    const filled = e.total === 0 ? width : Math.round((e.done / e.total) * width)
    io.stderr.write(
      `\rMigrating checkpoints [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.done}/${e.total}  ${formatBytes(e.bytesRead)} read`
    )
    drawn = true
  }
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => {
      if (tty) io.stderr.write(`${drawn ? '\n' : ''}warning: ${m}\n`)
      drawn = false
    },
    error: () => undefined,
    progress: (e) => {
      if (tty && e.kind === 'checkpoints') draw(e)
    },
    finish: () => {
      if (drawn) io.stderr.write('\n')
      drawn = false
    }
  }
}

const verifier: Verifier = async (git, settings, read) => {
  // After a migration, re-read everything from git but do not re-derive compact transcripts: the
  // same compactor just wrote them. `entire-migrate verify` re-derives them too. The digests of
  // the v1 transcripts the migration read from git stand for reading them again.
  const readerScript = selfScript()
  const v = await verifyRepository(git, {
    cliVersion: settings.cliVersion,
    rederiveCompact: false,
    ...(read?.v1Sha256 ? { knownSha256: read.v1Sha256 } : {}),
    ...(settings.v1Ref ? { v1Ref: settings.v1Ref } : {}),
    // batches read on the bundle's reader thread while this thread checks
    ...(readerScript ? { readerScript } : {})
  })
  const c = v.counts as unknown as Record<string, unknown>
  return {
    ok: v.ok,
    summary: `${v.ok ? 'ok' : 'FAILED'}${
      c
        ? ` (${Object.entries(c)
            .map(([k, x]) => `${k}: ${String(x)}`)
            .join(', ')})`
        : ''
    }`,
    details: v
  }
}

export async function runMigrateCommand(argv: string[], io: CliIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        repo: { type: 'string' },
        target: { type: 'string' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        'batch-size': { type: 'string' },
        'cli-version': { type: 'string' },
        remote: { type: 'string' },
        fetch: { type: 'boolean' },
        push: { type: 'boolean' },
        'reference-compatible': { type: 'boolean' },
        'no-verify': { type: 'boolean' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }).values
    if (values.help) {
      io.stdout.write(MIGRATE_USAGE)
      return 0
    }
    if (values.target !== undefined && values.target !== 'v2')
      throw new UsageError(`--target must be v2 or refs, got ${JSON.stringify(values.target)}`)
    if (values['dry-run'] && values.force)
      throw new UsageError('--dry-run and --force cannot be combined')
    if (values['dry-run'] && values.push)
      throw new UsageError('--dry-run and --push cannot be combined')
    if (values['cli-version'] !== undefined && !/^\S+$/.test(String(values['cli-version'])))
      throw new UsageError('--cli-version must be a non-empty string without spaces')
    if (values.remote !== undefined && !/^[A-Za-z0-9._/-]+$/.test(String(values.remote)))
      throw new UsageError(`--remote must be a remote name, got ${JSON.stringify(values.remote)}`)
  } catch (e) {
    io.stderr.write(`entire-migrate migrate: ${(e as Error).message}\n\n${MIGRATE_USAGE}`)
    return 2
  }
  const logger = progressLogger(io)
  try {
    const repo = resolve(String(values.repo ?? '.'))
    const git = new GitRunner(repo)
    // One call: is it a repository, and has it a /main ref already (the line after the git dir)?
    const check = await git.run(
      ['rev-parse', '--git-dir', '--revs-only', `${V2_MAIN_REF}^{commit}`],
      {
        okCodes: [128]
      }
    )
    if (check.exitCode !== 0) throw new Error(`not a git repository: ${repo}`)
    const hasMain = check.stdout.toString('utf8').trim().split('\n').length > 1
    const order = segmentOrder(process.env)
    // A first or forced migration reads every v1 blob: it runs in segments, each a process with
    // the allocator tuning. A rerun reads only what is new, and is not worth another process.
    const segmented =
      order === null &&
      values['dry-run'] !== true &&
      (values.force === true || !hasMain) &&
      (await wantsTunedChild(git))
    const timer = new PhaseTimer(logger)
    const remote = String(values.remote ?? 'origin')
    const settings = defaultSettings(repo, {
      remote,
      dryRun: values['dry-run'] === true,
      force: values.force === true,
      referenceCompatible: values['reference-compatible'] === true,
      verify: values['no-verify'] !== true,
      ...(values['batch-size'] !== undefined
        ? { batchSize: parsePositiveInt('batch-size', String(values['batch-size'])) }
        : {}),
      ...(values['cli-version'] !== undefined ? { cliVersion: String(values['cli-version']) } : {})
    })
    // Compaction threads: every core but two (none on 2 cores, where a worker made runs slower);
    // ENTIRE_MIGRATE_WORKERS=<auto|0..64> sets the number (anything else: exit 2, named).
    settings.compactWorkers = cliCompactWorkers(
      process.env.ENTIRE_MIGRATE_WORKERS,
      availableParallelism()
    )
    if (order !== null) return await runSegment(order, settings, { logger, timer, git })
    let remoteRefs = new Map<string, string>()
    if (values.fetch || values.push) {
      await timer.time('fetch', async () => {
        remoteRefs = await remoteV2Refs(git, remote)
        settings.knownRemoteArchives = remoteArchiveNumbers(remoteRefs)
        if (values.fetch) {
          const f = await fetchRemote(git, remote, remoteRefs)
          timer.add('fetch', { objects: f.objects })
        }
      })
    }
    let report: MigrationReport
    if (segmented) {
      const r = await migrateInSegments(settings, timer, git)
      if (typeof r === 'number') return r
      report = r
    } else {
      report = await runMigration(settings, {
        logger,
        timer,
        git,
        verifier,
        compactWorkerScript: selfScript()
      })
    }
    logger.finish()
    if (
      values.push &&
      !settings.dryRun &&
      report.counts.failed === 0 &&
      (report.verify?.ok ?? true)
    ) {
      report.push = await timer.time('push', () => pushRefs(git, remote, report.refs, remoteRefs))
      report.timings = timer.snapshot()
      report.totalMs = timer.elapsedMs()
    }
    if (typeof values.json === 'string')
      writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n')
    io.stdout.write(renderSummary(report))
    if (report.counts.failed > 0) return 1
    if (report.verify && !report.verify.ok) return 1
    if (report.push && !report.push.ok) return 1
    return 0
  } catch (e) {
    logger.finish()
    const msg = (e as Error).message.split('\n')[0]
    io.stderr.write(`entire-migrate: ${msg}\n`)
    return 2
  }
}

/**
 * Whether this command's work goes to a process with the allocator tuning (launch/tuning.ts):
 * ENTIRE_MIGRATE_MALLOC_TUNING=on, or (auto) a large object store. Not from sources, off Linux,
 * when this process is tuned already, or when the store cannot be measured (the command itself
 * then says what is wrong).
 */
async function wantsTunedChild(git: GitRunner): Promise<boolean> {
  if (selfScript() === undefined || tunedEnvironment(process.env, process.platform) === null)
    return false
  let store = 0
  if (tuningMode(process.env) === 'auto') {
    try {
      store = await objectStoreBytes(git)
    } catch {
      return false
    }
  }
  return wantsTuning(process.env, store)
}

/** Run this command again in a tuned process when wanted: its exit code, or null to go on here. */
async function runTunedIfWanted(git: GitRunner): Promise<number | null> {
  const script = selfScript()
  return script !== undefined && (await wantsTunedChild(git)) ? runTuned(script) : null
}

/**
 * The migration in segments, each a tuned process (launch/segments.ts), under this process's
 * lock: the merged report, or the exit code of a segment that failed (this process then ends
 * the way it did; what earlier segments wrote stays, and a rerun goes on from there).
 */
async function migrateInSegments(
  settings: MigrateSettings,
  timer: PhaseTimer,
  git: GitRunner
): Promise<MigrationReport | number> {
  const script = selfScript()!
  const limit = segmentLimit(process.env) as number | undefined
  const lock = await acquireRepositoryLock(git)
  let result: Awaited<ReturnType<typeof runSegments>>
  try {
    const v1 = await pinV1(git, { v1Ref: settings.v1Ref, remote: settings.remote })
    // Nothing to read: the engine says so in this process.
    if (v1 === null) {
      lock.release()
      return runMigration(settings, { timer, git })
    }
    result = await runSegments({
      script,
      env: tunedEnvironment(process.env, process.platform)!,
      now: settings.now,
      v1,
      knownRemoteArchives: settings.knownRemoteArchives,
      limit
    })
  } finally {
    lock.release()
  }
  if ('failed' in result) {
    const { failed, index } = result
    const how = failed.signal ?? `exit code ${String(failed.code)}`
    process.stderr.write(
      `entire-migrate: segment ${index} of the migration ended (${how}); what earlier segments wrote stays, and a rerun goes on from there\n`
    )
    endLike(failed)
    return failed.code ?? 1
  }
  // The segments' phases go into this process's table, next to fetch and push.
  for (const [phase, t] of Object.entries(result.report.timings))
    timer.add(phase as keyof MigrationReport['timings'], t)
  result.report.timings = timer.snapshot()
  // The whole run's wall time, process starts included (the segments' own add up to less).
  result.report.totalMs = timer.elapsedMs()
  return result.report
}

/**
 * This process as one segment of a run its parent drives (launch/segments.ts): the run's clock,
 * pinned v1 commit and remote archives from the order; no fetch, push or summary (the parent's);
 * the report goes back in a file. 0 once written; a fatal error throws (exit 2).
 */
async function runSegment(
  order: SegmentOrder,
  settings: MigrateSettings,
  opts: { logger: EngineLogger & { finish(): void }; timer: PhaseTimer; git: GitRunner }
): Promise<number> {
  settings.now = new Date(order.now)
  settings.v1Ref = order.v1Commit
  settings.knownRemoteArchives = order.knownRemoteArchives
  settings.segment = takeSegmentSettings(order)
  const report = await runMigration(settings, {
    ...opts,
    verifier,
    compactWorkerScript: selfScript(),
    lockHeldBy: order.parentPid,
    planSink: planSinkFor(order)
  })
  opts.logger.finish()
  // maxRSS: kilobytes (getrusage), this process's high-water mark so far
  report.peakRssMb = Math.round(process.resourceUsage().maxRSS / 102.4) / 10
  writeSegmentReport(order, report)
  return 0
}

/** This module's file when it runs as a bundle (worker threads reuse it); undefined from sources. */
function selfScript(): string | undefined {
  return runnableScript(import.meta.url)
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    if (cmd === 'help' && rest[0] === 'migrate') {
      io.stdout.write(MIGRATE_USAGE)
      return 0
    }
    if (cmd === undefined) {
      io.stderr.write(MAIN_USAGE)
      return 2
    }
    io.stdout.write(MAIN_USAGE)
    return 0
  }
  const badSwitch = badTuningSwitch(process.env)
  if (badSwitch !== null && (cmd === 'migrate' || cmd === 'verify')) {
    io.stderr.write(`entire-migrate: ${badSwitch}\n`)
    return 2
  }
  const limit = segmentLimit(process.env)
  if (limit instanceof Error && cmd === 'migrate') {
    io.stderr.write(`entire-migrate: ${limit.message}\n`)
    return 2
  }
  if (cmd === 'migrate' && selectsRefsTarget(rest)) return runRefsMigrateCommand(rest, io)
  if (cmd === 'migrate') return runMigrateCommand(rest, io)
  // Verification reads every v1 and v2 blob: tuned as a first migration is.
  if (cmd === 'verify') return runVerifyCommand(rest, io, { elsewhere: runTunedIfWanted })
  io.stderr.write(`entire-migrate: unknown command ${JSON.stringify(cmd)}\n\n${MAIN_USAGE}`)
  return 2
}

const isEntry = (() => {
  const a = process.argv[1] ?? ''
  return (
    /(?:^|[\\/])(?:cli(?:\.[cm]?[jt]s)?|index\.js|entire-migrate)$/.test(a) &&
    !process.env.JEST_WORKER_ID
  )
})()

// A compaction worker thread runs this same bundle: serve jobs, never run the CLI there.
const isWorker = serveCompactJobsIfWorker() || serveObjectReaderIfWorker()

if (isEntry && !isWorker) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code
    },
    (e: unknown) => {
      process.stderr.write(`entire-migrate: ${e instanceof Error ? e.message : String(e)}\n`)
      process.exitCode = 2
    }
  )
}
