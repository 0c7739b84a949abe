// `entire-migrate migrate --target refs …`: the CLI surface of the per-checkpoint refs target.
// Parses its own options (the v2 options that mean the same here are accepted too), runs the
// conversion, prints the target's summary and phase table. Exit: 0 ok, 1 a checkpoint failed or a
// ref did not land or verification failed, 2 bad usage or fatal error.
import { parseArgs } from 'node:util'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { GitRunner } from '../../../git/runner.js'
import type { MigrateSettings } from '../../types.js'
import { renderTimings } from '../../timing-text.js'
import {
  checkIdentity,
  parseDateInput,
  PUSH_BATCH_MAX,
  PUSH_BATCH_SIZE
} from '../../../formats/git-refs/index.js'
import { runRefsMigration } from './run.js'
import { fetchCheckpointRefs } from './fetch.js'

export const REFS_MIGRATE_USAGE = `Usage: entire-migrate migrate --target refs --repo <path> [options]

Convert the v1 branch (entire/checkpoints/v1) into one ref per checkpoint,
refs/entire/checkpoints/<last two chars>/<id>, the storage Entire CLI v0.8+ reads
(git-refs conversion rule R3, as 'entire doctor migrate-checkpoints').

Options:
  --target refs             this target (default target: v2)
  --repo <path>             repository (default: current directory)
  --dry-run                 plan only: print what would be converted, write nothing
  --force                   convert although git-refs is already the primary store
  --remote <name>           remote for --fetch/--push (default origin)
  --fetch                   fetch the remote's checkpoint refs first (non-forced)
  --push                    push converted refs: batched, fast-forward only, confirmed by ls-remote
  --push-batch-size <n>     refs per push, fixed (default: ${PUSH_BATCH_SIZE}, doubling up to
                            ${PUSH_BATCH_MAX} while the remote answers fast)
  --author-name <name>      commit identity (default: git config user.name, else Unknown)
  --author-email <email>    commit identity (default: git config user.email, else unknown@local)
  --date <when>             commit time: "<unix seconds> <+hhmm>" or ISO 8601 with offset
                            (default: the clock at each commit); pinned identity + date
                            make commit ids reproducible
  --make-primary            after a clean conversion (and push), set checkpoints.primary
                            to git-refs in .entire/settings.json
  --no-verify               do not verify the result
  --json <file>             write the full report as JSON
  -h, --help                show this help
`

export interface RefsCliIo {
  stdout: { write(s: string): unknown }
  stderr: { write(s: string): unknown }
}

/** True when argv selects this target (`--target refs` or `--target=refs`). */
export function selectsRefsTarget(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--target' && argv[i + 1] === 'refs') return true
    if (argv[i] === '--target=refs') return true
  }
  return false
}

class UsageError extends Error {}

export async function runRefsMigrateCommand(argv: string[], io: RefsCliIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>
  let date: ReturnType<typeof parseDateInput> | null = null
  let pushBatchSize: number | undefined
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        target: { type: 'string' },
        repo: { type: 'string' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        remote: { type: 'string' },
        fetch: { type: 'boolean' },
        push: { type: 'boolean' },
        'push-batch-size': { type: 'string' },
        'author-name': { type: 'string' },
        'author-email': { type: 'string' },
        date: { type: 'string' },
        'make-primary': { type: 'boolean' },
        'no-verify': { type: 'boolean' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }).values
    if (values.help) {
      io.stdout.write(REFS_MIGRATE_USAGE)
      return 0
    }
    if (values.target !== 'refs')
      throw new UsageError(`--target must be refs here, got ${JSON.stringify(values.target)}`)
    if (values['dry-run'] && (values.push || values['make-primary'])) {
      throw new UsageError('--dry-run cannot be combined with --push or --make-primary')
    }
    if (values.remote !== undefined && !/^[A-Za-z0-9._/-]+$/.test(String(values.remote))) {
      throw new UsageError(`--remote must be a remote name, got ${JSON.stringify(values.remote)}`)
    }
    if (values.date !== undefined) date = parseDateInput(String(values.date))
    if (values['push-batch-size'] !== undefined) {
      const v = String(values['push-batch-size'])
      if (!/^\d+$/.test(v) || Number(v) < 1)
        throw new UsageError(
          `--push-batch-size must be a positive integer, got ${JSON.stringify(v)}`
        )
      pushBatchSize = Number(v)
    }
    checkIdentity({
      name: String(values['author-name'] ?? ''),
      email: String(values['author-email'] ?? '')
    })
  } catch (e) {
    io.stderr.write(`entire-migrate migrate: ${(e as Error).message}\n\n${REFS_MIGRATE_USAGE}`)
    return 2
  }
  try {
    const repo = resolve(String(values.repo ?? '.'))
    const git = new GitRunner(repo)
    const check = await git.run(['rev-parse', '--git-dir'], { okCodes: [128] })
    if (check.exitCode !== 0) throw new Error(`not a git repository: ${repo}`)
    const remote = String(values.remote ?? 'origin')
    const settings: MigrateSettings = {
      repo,
      remote,
      batchSize: 100,
      cliVersion: '0.6.2',
      referenceCompatible: false,
      force: values.force === true,
      dryRun: values['dry-run'] === true,
      verify: values['no-verify'] !== true,
      now: new Date(),
      knownRemoteArchives: []
    }
    const fetched = values.fetch ? await fetchCheckpointRefs(git, remote) : null
    const r = await runRefsMigration(git, settings, {
      authorName: values['author-name'] as string | undefined,
      authorEmail: values['author-email'] as string | undefined,
      date,
      push: values.push === true,
      pushBatchSize,
      makePrimary: values['make-primary'] === true
    })
    if (typeof values.json === 'string') {
      writeFileSync(
        values.json,
        JSON.stringify(
          { ...r.report, refsTarget: { verify: r.verify, push: r.push, flip: r.flip, fetched } },
          null,
          2
        ) + '\n'
      )
    }
    const lines = [...r.summary]
    if (fetched) lines.splice(2, 0, `Fetch: ${fetched.summary}`)
    io.stdout.write(lines.join('\n') + '\n\n' + renderTimings(r.report.timings, r.report.totalMs))
    return r.ok ? 0 : 1
  } catch (e) {
    io.stderr.write(`entire-migrate: ${(e as Error).message.split('\n')[0]}\n`)
    return 2
  }
}
