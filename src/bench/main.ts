// `npm run bench`: measures, in ONE run per corpus, (a) the floor (one cat-file over every v1
// blob + JSON.parse of every transcript line), (b) a full migration with verification off,
// (c) verification alone, (d) a no-op rerun; each as its own process, the migration through
// the shipped CLI bundle exactly as a user runs it. Prints a table and writes it as JSON.
//
//   node .tmp/bench/index.js [--corpus <bundle>] [--synthetic 2500,10000] [--out <file>]
//   node .tmp/bench/index.js floor <repo>          (internal: one floor measurement)
//   node .tmp/bench/index.js generate <repo> <n>   (internal: synthetic corpus into <repo>)
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { GitRunner } from '../git/runner.js'
import { measureFloor, type FloorResult } from './floor.js'
import { generateSyntheticCorpus } from './synthetic.js'

interface Row {
  corpus: string
  step: 'floor' | 'migrate' | 'verify' | 'no-op rerun' | 'generate'
  seconds: number
  peakRssMb: number | null
  checkpoints: number
  mb: number
  exitCode: number
  ratioToFloor?: number
  note?: string
  /** A migration in segments: each process's own peak (the row's peak is the largest). */
  segmentPeaksMb?: number[]
}

const V1_REF = 'refs/heads/entire/checkpoints/v1'
const self = process.argv[1]

interface Timed {
  seconds: number
  peakRssMb: number | null
  exitCode: number
  stdout: string
  stderr: string
}

/** Run a command as its own process; peak RSS from /usr/bin/time when the machine has it. */
function timed(cmd: string, args: string[]): Promise<Timed> {
  const haveTime = existsSync('/usr/bin/time')
  const rssFile = join(tmpdir(), `em-bench-rss-${process.pid}-${Date.now()}`)
  const argv = haveTime ? ['-f', '%M', '-o', rssFile, cmd, ...args] : args
  const bin = haveTime ? '/usr/bin/time' : cmd
  return new Promise((res, rej) => {
    const t0 = performance.now()
    const p = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    p.stdout.on('data', (b: Buffer) => out.push(b))
    p.stderr.on('data', (b: Buffer) => err.push(b))
    p.on('error', rej)
    p.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000
      let peakRssMb: number | null = null
      if (haveTime && existsSync(rssFile)) {
        const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop())
        if (Number.isFinite(kb)) peakRssMb = kb / 1024
        rmSync(rssFile, { force: true })
      }
      res({
        seconds,
        peakRssMb,
        exitCode: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8')
      })
    })
  })
}

async function countCheckpoints(git: GitRunner): Promise<number> {
  const names = await git.text(['ls-tree', '-d', '-r', '--name-only', V1_REF])
  return names.split('\n').filter((p) => /^[0-9a-f]{2}\/[0-9a-f]{10}$/.test(p)).length
}

async function prepareRepo(
  label: string,
  load: (git: GitRunner) => Promise<void>
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `em-bench-${label}-`))
  const git = new GitRunner(dir)
  await git.run(['init', '-q'])
  await load(git)
  return dir
}

async function benchCorpus(label: string, repo: string, cli: string): Promise<Row[]> {
  const git = new GitRunner(repo)
  const checkpoints = await countCheckpoints(git)
  const rows: Row[] = []
  const floorRun = async (): Promise<FloorResult & Timed> => {
    const t = await timed(process.execPath, [self, 'floor', repo])
    if (t.exitCode !== 0) throw new Error(`floor failed: ${t.stderr}`)
    return { ...t, ...(JSON.parse(t.stdout) as FloorResult) }
  }
  // The floor before and after the migration; the lower one counts (warm cache both times).
  const f1 = await floorRun()
  const report = join(tmpdir(), `em-bench-report-${process.pid}-${Date.now()}.json`)
  const migrate = await timed(process.execPath, [
    cli,
    'migrate',
    '--repo',
    repo,
    '--no-verify',
    '--json',
    report
  ])
  const segmentPeaksMb = segmentPeaks(report)
  const f2 = await floorRun()
  const floor = f1.seconds <= f2.seconds ? f1 : f2
  const verify = await timed(process.execPath, [cli, 'verify', '--repo', repo])
  const noop = await timed(process.execPath, [cli, 'migrate', '--repo', repo, '--no-verify'])
  const mb = floor.bytes / 1e6
  const row = (step: Row['step'], t: Timed, note?: string): Row => ({
    corpus: label,
    step,
    seconds: t.seconds,
    peakRssMb: t.peakRssMb,
    checkpoints,
    mb,
    exitCode: t.exitCode,
    ratioToFloor: t.seconds / floor.seconds,
    note
  })
  rows.push(row('floor', floor, `${floor.jsonLines} JSON lines`))
  const peaks = segmentPeaksMb?.map((p) => p.toFixed(0)).join(' / ')
  rows.push({
    ...row('migrate', migrate, lastLine(migrate) ?? (peaks && `segments peaked at ${peaks} MB`)),
    ...(segmentPeaksMb ? { segmentPeaksMb } : {})
  })
  rows.push(row('verify', verify, lastLine(verify)))
  rows.push(row('no-op rerun', noop))
  return rows
}

/** The peaks of the segments a migration ran in, from its JSON report (removed); none: one process. */
function segmentPeaks(reportFile: string): number[] | undefined {
  if (!existsSync(reportFile)) return undefined
  try {
    const r = JSON.parse(readFileSync(reportFile, 'utf8')) as {
      segments?: Array<{ peakRssMb?: number }>
    }
    const peaks = r.segments?.map((s) => s.peakRssMb ?? NaN)
    return peaks && peaks.every(Number.isFinite) ? peaks : undefined
  } finally {
    rmSync(reportFile, { force: true })
  }
}

function lastLine(t: Timed): string | undefined {
  if (t.exitCode === 0) return undefined
  const lines = (t.stderr || t.stdout).trim().split('\n')
  return `exit ${t.exitCode}: ${lines[lines.length - 1]?.slice(0, 160) ?? ''}`
}

function table(rows: Row[]): string {
  const head = '| corpus | step | wall s | peak RSS MB | checkpoints/s | MB/s | × floor |'
  const sep = '| --- | --- | ---: | ---: | ---: | ---: | ---: |'
  const body = rows.map((r) => {
    const rate = r.step === 'generate' ? '' : (r.checkpoints / r.seconds).toFixed(1)
    const mbs = r.step === 'generate' ? '' : (r.mb / r.seconds).toFixed(1)
    const ratio = r.ratioToFloor === undefined ? '' : `${r.ratioToFloor.toFixed(2)}×`
    const rss = r.peakRssMb === null ? 'n/a' : r.peakRssMb.toFixed(0)
    const note = r.note ? ` (${r.note})` : ''
    return `| ${r.corpus} | ${r.step}${note} | ${r.seconds.toFixed(2)} | ${rss} | ${rate} | ${mbs} | ${ratio} |`
  })
  return [head, sep, ...body].join('\n')
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2)
  if (argv[0] === 'floor') {
    process.stdout.write(JSON.stringify(await measureFloor(new GitRunner(resolve(argv[1])))))
    return 0
  }
  if (argv[0] === 'generate') {
    const r = await generateSyntheticCorpus(new GitRunner(resolve(argv[1])), {
      checkpoints: Number(argv[2]),
      seed: 42,
      chunked: Number(argv[3] ?? 0)
    })
    process.stdout.write(JSON.stringify(r))
    return 0
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      corpus: { type: 'string' },
      synthetic: { type: 'string' },
      out: { type: 'string', default: 'bench-results/bench.json' },
      cli: { type: 'string', default: 'dist/cli/index.js' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) {
    process.stdout.write(
      'npm run bench -- [--corpus <v1 bundle>] [--synthetic 2500,10000] [--out <json>] [--cli <bundle>]\n' +
        'Default: the real corpus (../shared/corpus/entireio-cli-v1.bundle) when present, and synthetic 2500 and 10000.\n'
    )
    return 0
  }
  const cli = resolve(values.cli)
  if (!existsSync(cli)) throw new Error(`CLI bundle ${cli} not found: run npm run bundle first`)
  const defaultBundle = resolve('../shared/corpus/entireio-cli-v1.bundle')
  const bundle = values.corpus ?? (existsSync(defaultBundle) ? defaultBundle : undefined)
  const synthetic = (values.synthetic ?? '2500,10000')
    .split(',')
    .filter(Boolean)
    .map((n) => Number(n))
  const rows: Row[] = []
  const print = (r: Row[]): void => void process.stderr.write(table(r) + '\n\n')

  if (bundle) {
    const repo = await prepareRepo('real', async (git) => {
      await git.run(['fetch', '-q', bundle, `${V1_REF}:${V1_REF}`])
    })
    rows.push(...(await benchCorpus('real corpus', repo, cli)))
    print(rows)
    rmSync(repo, { recursive: true, force: true })
  }
  for (const n of synthetic) {
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--synthetic: bad count ${n}`)
    const dir = mkdtempSync(join(tmpdir(), `em-bench-syn${n}-`))
    await new GitRunner(dir).run(['init', '-q'])
    const gen = await timed(process.execPath, [self, 'generate', dir, String(n), '2'])
    if (gen.exitCode !== 0) throw new Error(`generate failed: ${gen.stderr}`)
    const g = JSON.parse(gen.stdout) as { transcriptBytes: number }
    rows.push({
      corpus: `synthetic ${n}`,
      step: 'generate',
      seconds: gen.seconds,
      peakRssMb: gen.peakRssMb,
      checkpoints: n,
      mb: g.transcriptBytes / 1e6,
      exitCode: 0
    })
    rows.push(...(await benchCorpus(`synthetic ${n}`, dir, cli)))
    print(rows)
    rmSync(dir, { recursive: true, force: true })
  }
  const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`
  const md = `Machine: ${machine}\n\n${table(rows)}\n`
  process.stdout.write(md)
  const out = resolve(values.out)
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, JSON.stringify({ machine, rows }, null, 2) + '\n')
  writeFileSync(out.replace(/\.json$/, '') + '.md', md)
  process.stderr.write(`written ${out}\n`)
  return rows.some((r) => r.exitCode !== 0) ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(2)
  }
)
