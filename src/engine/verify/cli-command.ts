// `entire-migrate verify`: flags, exit codes (0 all checks pass, 1 a check failed, 2 fatal).
import { parseArgs } from 'node:util'
import { writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { GitRunner } from '../../git/runner.js'
import { verifyRepository } from './verify.js'
import { runnableScript } from '../worker-pool.js'
import { COMPACT_WORKERS_MAX, cliCompactWorkers, parseWorkerCount } from '../compactor.js'
import type { VerifyReport } from './types.js'

export interface CommandIo {
  stdout: { write(s: string): unknown }
  stderr: { write(s: string): unknown }
}

export const VERIFY_USAGE = `Usage: entire-migrate verify --repo <path> [options]

Re-read the v1 branch and the v2 refs from git and check, checkpoint by checkpoint, that v2
holds what v1 held (coverage, raw transcripts, metadata, prompts, compact transcripts and
offsets, generations, encoding).

Options:
  --repo <path>          repository (work tree or git dir; default: current directory)
  --v1-ref <ref>         v1 ref (default: refs/heads/entire/checkpoints/v1, else origin's)
  --v2-prefix <prefix>   v2 ref prefix (default: refs/entire/checkpoints/v2)
  --cli-version <v>      cli_version every written file must carry (default: uniform per checkpoint)
  --against <x>          also compare with another v2 state: a ref prefix (refs/...) or a remote
  --no-rederive          do not re-derive compact transcripts and offsets (faster)
  --workers <n>          worker threads that re-derive compact transcripts: auto or 0 to 64
                         (default: as for migrate, ENTIRE_MIGRATE_WORKERS if set, else auto =
                         every core but two; 0 = in the main thread; same results either way)
  --json <file>          write the full report as JSON
  -h, --help             show this help

Exit status: 0 every check passed, 1 a check failed, 2 fatal error.
`

export interface VerifyCommandOptions {
  /**
   * Called with the repository once the arguments are valid: an exit code when the command ran
   * elsewhere (the CLI's tuned second process), null to run it here.
   */
  elsewhere?: (git: GitRunner) => Promise<number | null>
}

export async function runVerifyCommand(
  argv: string[],
  io: CommandIo,
  opts: VerifyCommandOptions = {}
): Promise<number> {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        repo: { type: 'string' },
        'v1-ref': { type: 'string' },
        'v2-prefix': { type: 'string' },
        'cli-version': { type: 'string' },
        against: { type: 'string' },
        'no-rederive': { type: 'boolean' },
        workers: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }).values
  } catch (e) {
    io.stderr.write(
      `entire-migrate verify: ${e instanceof Error ? e.message : String(e)}\n\n${VERIFY_USAGE}`
    )
    return 2
  }
  if (values.help) {
    io.stdout.write(VERIFY_USAGE)
    return 0
  }
  // The same values as ENTIRE_MIGRATE_WORKERS and the action's compact-workers input.
  const workersArg = values.workers as string | undefined
  const cores = availableParallelism()
  const workers = workersArg === undefined ? undefined : parseWorkerCount(workersArg, cores)
  if (workers === null) {
    io.stderr.write(
      `entire-migrate verify: --workers must be auto or a whole number from 0 to ${COMPACT_WORKERS_MAX}, got ${JSON.stringify(workersArg)}\n\n${VERIFY_USAGE}`
    )
    return 2
  }
  const git = new GitRunner(resolve(String(values.repo ?? '.')))
  const ranElsewhere = opts.elsewhere ? await opts.elsewhere(git) : null
  if (ranElsewhere !== null) return ranElsewhere
  try {
    const report = await verifyRepository(git, {
      v1Ref: values['v1-ref'] as string | undefined,
      v2Prefix: values['v2-prefix'] as string | undefined,
      cliVersion: values['cli-version'] as string | undefined,
      against: values.against as string | undefined,
      rederiveCompact: !values['no-rederive'],
      // As many as migrate uses: none on 2 cores, where worker threads cost more CPU (cloning
      // transcripts, a second JIT, GC) and ~150 MB RSS, and did not shorten the run.
      compactWorkers: workers ?? cliCompactWorkers(process.env.ENTIRE_MIGRATE_WORKERS, cores),
      workerScript: runnableScript(import.meta.url),
      readerScript: runnableScript(import.meta.url)
    })
    if (typeof values.json === 'string')
      writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n')
    io.stdout.write(renderVerifyText(report))
    return report.ok ? 0 : 1
  } catch (e) {
    io.stderr.write(`entire-migrate verify: ${e instanceof Error ? e.message : String(e)}\n`)
    return 2
  }
}

/** Short plain-text result for a terminal; the last line is the verdict. */
export function renderVerifyText(r: VerifyReport, maxFailures = 20): string {
  const c = r.counts
  const lines: string[] = []
  lines.push(`v1: ${r.v1Ref ?? '(none)'} ${r.v1Commit ?? ''}`.trimEnd())
  lines.push(
    `checkpoints: ${c.v1Checkpoints} in v1 (${c.migratable} migratable), ${c.mainCheckpoints} on /main; ` +
      `${c.ok} ok, ${c.failed} failed, ${c.v2Only} v2-only, ${c.notMigratable} not migratable, ${c.knownSkip} known-writer skips`
  )
  lines.push(
    `sessions: ${c.sessions}; raw proven by blob id ${c.rawProvenById}, by bytes ${c.rawProvenByBytes}; ` +
      (c.rawHashFromRead ? `raw hashes from the run's read ${c.rawHashFromRead}; ` : '') +
      `compact re-derived ${c.compactRederived} (${c.compactProvenById} proven by blob id); offsets from cache ${c.offsetsFromCache}, recomputed ${c.offsetsRecomputed}; ` +
      `dropped fields ${c.droppedFields}; notes ${c.notes}`
  )
  if (r.compare) {
    const k = r.compare
    lines.push(
      `compare with ${k.right}: ${k.identicalFiles} identical, ${k.differingFiles} differing, ${k.onlyLeft} only here, ${k.onlyRight} only there`
    )
  }
  const failures = [...r.failures, ...r.checkpoints.flatMap((cp) => cp.failures)]
  for (const f of failures.slice(0, maxFailures)) {
    lines.push(
      `FAIL ${f.check}: ${f.message}${f.file ? ` [${f.file}]` : ''}${f.expected !== undefined ? ` expected ${f.expected}, actual ${f.actual}` : ''}`
    )
  }
  if (failures.length > maxFailures)
    lines.push(`… ${failures.length - maxFailures} more failures (see --json)`)
  lines.push(
    `${r.ok ? 'verify OK' : 'verify FAILED'}: ${c.checksPassed} checks passed, ${c.checksFailed} failed in ${(r.durationMs / 1000).toFixed(1)} s`
  )
  return lines.join('\n') + '\n'
}
