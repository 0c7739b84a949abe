// Benchmark of the per-checkpoint refs target (not part of the action). Build it on its own:
//   npx ncc build src/engine/targets/refs/bench.ts -o /tmp/<you>/refs-bench --quiet
//   node bench.js corpus <bundle>  conversion vs the floor (tip tree listing + every root
//                                  metadata.json read), verify, push to a local bare remote, no-op rerun
//   node bench.js push <n> [size]  push n synthetic checkpoint refs to a local bare remote (size:
//                                  fixed refs per push; default adaptive)
//   node bench.js convert|floor <repo>  one conversion (or the floor) of an existing repository
//   node bench.js steps <bundle> [rounds]  paired rounds on fresh copies of one converted-from
//                                  repository: floor, then conversion with the wall time of every
//                                  git call; medians, and git update-ref alone vs the floor
// On a shared machine, compare CPU too: `/usr/bin/time -f '%U %S' node bench.js convert <copy>`.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitRunner, type RunOptions, type RunResult } from '../../../git/runner.js'
import { readObjectsAll } from '../../../git/objects.js'
import type { MigrateSettings } from '../../types.js'
import { refNameFor } from '../../../formats/git-refs/index.js'
import { runRefsMigration } from './run.js'
import { pushCheckpointRefs } from './push.js'

const V1 = 'refs/heads/entire/checkpoints/v1'

function settings(repo: string, verify: boolean): MigrateSettings {
  return {
    repo,
    batchSize: 100,
    cliVersion: '0.6.2',
    referenceCompatible: false,
    force: false,
    dryRun: false,
    verify,
    now: new Date(),
    knownRemoteArchives: [],
    remote: 'origin'
  }
}

async function floor(git: GitRunner): Promise<number> {
  const t0 = performance.now()
  const listing = (await git.run(['ls-tree', '-r', '-z', V1])).stdout.toString('utf8')
  const metas: string[] = []
  for (const rec of listing.split('\0')) {
    const tab = rec.indexOf('\t')
    if (tab < 0) continue
    if (/^[^/]{2}\/[^/]+\/metadata\.json$/.test(rec.slice(tab + 1)))
      metas.push(rec.slice(0, tab).split(' ')[2])
  }
  const objs = await readObjectsAll(git, metas)
  if (objs.length !== metas.length) throw new Error('floor: short read')
  return performance.now() - t0
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const r = await fn()
  return [r, performance.now() - t0]
}

async function corpus(bundle: string, emptyRemote: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'em-refs-bench-'))
  const git = new GitRunner(dir)
  await git.run(['init', '-q', '-b', 'main'])
  await git.run(['fetch', '-q', bundle, `${V1}:${V1}`])
  const remoteDir = mkdtempSync(join(tmpdir(), 'em-refs-remote-'))
  await new GitRunner(remoteDir).run(['init', '-q', '--bare'])
  await git.run(['remote', 'add', 'origin', remoteDir])
  // As on GitHub, the remote normally has the v1 branch already: push it first (not timed).
  if (!emptyRemote) await git.run(['push', '-q', 'origin', `${V1}:${V1}`])
  const floors = [await floor(git), await floor(git)]
  const opts = { env: {}, authorName: 'Bench', authorEmail: 'bench@example.com' }
  const [conv, convMs] = await timed(() => runRefsMigration(git, settings(dir, false), opts))
  floors.push(await floor(git))
  const f = Math.min(...floors)
  const [rerun, rerunMs] = await timed(() => runRefsMigration(git, settings(dir, false), opts))
  const [ver, verMs] = await timed(() => runRefsMigration(git, settings(dir, true), opts))
  const [pushed, pushMs] = await timed(() =>
    runRefsMigration(git, settings(dir, false), { ...opts, push: true })
  )
  const [again, againMs] = await timed(() =>
    runRefsMigration(git, settings(dir, false), { ...opts, push: true })
  )
  const out = {
    checkpoints: conv.write.counts.total,
    migrated: conv.write.counts.migrated,
    failed: conv.write.counts.failed,
    floor_ms: +f.toFixed(1),
    floors_ms: floors.map((x) => +x.toFixed(1)),
    conversion_ms: +convMs.toFixed(1),
    ratio_to_floor: +(convMs / f).toFixed(2),
    conversion_phases: conv.report.timings,
    noop_rerun_ms: +rerunMs.toFixed(1),
    noop_rerun_migrated: rerun.write.counts.migrated,
    rerun_with_verify_ms: +verMs.toFixed(1),
    verify_ok: ver.verify?.ok,
    verify_ms: ver.report.timings.verify?.ms,
    push_run_ms: +pushMs.toFixed(1),
    push_ms: +(pushed.push?.ms ?? 0).toFixed(1),
    pushed: pushed.push?.landed,
    push_failed: pushed.push?.failed.length,
    push_batches: pushed.push?.batches,
    rerun_push_ms: +againMs.toFixed(1),
    rerun_pushed: again.push?.landed,
    rerun_already_there: again.push?.alreadyThere,
    repo: dir
  }
  console.log(JSON.stringify(out, null, 2))
}

async function push(n: number, batchSize?: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'em-refs-push-'))
  const git = new GitRunner(dir)
  await git.run(['init', '-q', '-b', 'main'])
  const parts: string[] = []
  const refs: string[] = []
  for (let i = 0; i < n; i++) {
    const id = (0x100000000000 + i * 7919).toString(16).slice(-12)
    const ref = refNameFor(id)
    refs.push(ref)
    const data = `{"checkpoint_id":"${id}"}\n`
    const msg = `Import checkpoint ${id} (migrated from git-branch)`
    parts.push(
      `commit ${ref}\ncommitter Bench <b@x> 1783000000 +0000\ndata ${msg.length}\n${msg}\n` +
        `M 100644 inline metadata.json\ndata ${data.length}\n${data}\n`
    )
  }
  await git.run(['fast-import', '--quiet'], { input: Buffer.from(parts.join('')) })
  const local = new Map<string, string>()
  for (const line of (
    await git.text([
      'for-each-ref',
      '--format=%(refname) %(objectname)',
      'refs/entire/checkpoints/'
    ])
  ).split('\n')) {
    const [r, o] = line.split(' ')
    local.set(r, o)
  }
  const remoteDir = mkdtempSync(join(tmpdir(), 'em-refs-remote-'))
  await new GitRunner(remoteDir).run(['init', '-q', '--bare'])
  const [r, ms] = await timed(() => pushCheckpointRefs(git, remoteDir, local, { batchSize }))
  const [r2, ms2] = await timed(() => pushCheckpointRefs(git, remoteDir, local, { batchSize }))
  console.log(
    JSON.stringify({
      refs: n,
      batch_size: batchSize ?? 'adaptive',
      batch_sizes: r.batchSizes,
      push_ms: +ms.toFixed(1),
      landed: r.landed,
      failed: r.failed.length,
      batches: r.batches,
      rerun_ms: +ms2.toFixed(1),
      rerun_already_there: r2.alreadyThere
    })
  )
}

/** A runner that records the wall time of every git call (by subcommand). */
class TimedRunner extends GitRunner {
  calls: Array<{ cmd: string; start: number; ms: number }> = []
  origin = performance.now()
  async run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const t0 = performance.now()
    try {
      return await super.run(args, opts)
    } finally {
      this.calls.push({ cmd: args[0], start: t0 - this.origin, ms: performance.now() - t0 })
    }
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? +((s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2).toFixed(1) : 0
}

async function steps(bundle: string, rounds: number): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'em-refs-steps-'))
  const template = join(base, 'template')
  mkdirSync(template)
  const git0 = new GitRunner(template)
  await git0.run(['init', '-q', '-b', 'main'])
  await git0.run(['fetch', '-q', bundle, `${V1}:${V1}`])
  const rows: Record<string, number[]> = {}
  const add = (k: string, v: number) => void (rows[k] ??= []).push(+v.toFixed(1))
  const opts = {
    env: {},
    authorName: 'Bench',
    authorEmail: 'bench@example.com',
    date: { seconds: 1783000000, offset: '+0000' }
  }
  for (let i = 0; i < rounds; i++) {
    const dir = join(base, `r${i}`)
    cpSync(template, dir, { recursive: true })
    const git = new TimedRunner(dir)
    add('floor_ms', await floor(git))
    git.calls = []
    git.origin = performance.now()
    const [conv, ms] = await timed(() => runRefsMigration(git, settings(dir, false), opts))
    if (conv.write.counts.migrated !== conv.write.counts.total)
      throw new Error('steps: not all converted')
    add('conversion_ms', ms)
    add('ratio', ms / rows.floor_ms[i])
    for (const [p, t] of Object.entries(conv.report.timings)) add(`phase.${p}`, t?.ms ?? 0)
    const seen = new Map<string, number>()
    for (const c of git.calls) {
      const n = (seen.get(c.cmd) ?? 0) + 1
      seen.set(c.cmd, n)
      const key = `git.${c.cmd}${n > 1 ? `#${n}` : ''}`
      add(key, c.ms)
      add(`${key}.start`, c.start)
    }
    // git's own cost of creating the same refs, alone, on a second fresh copy.
    const dir2 = join(base, `u${i}`)
    cpSync(template, dir2, { recursive: true })
    const input = Buffer.from(
      [
        'start',
        ...conv.write.refs.map((r) => `create ${r.ref} ${r.new}`),
        'prepare',
        'commit',
        ''
      ].join('\n')
    )
    // The commits must exist for update-ref: copy the objects written by the conversion.
    cpSync(join(dir, '.git', 'objects'), join(dir2, '.git', 'objects'), { recursive: true })
    const g2 = new GitRunner(dir2)
    const [, ums] = await timed(() => g2.run(['update-ref', '--no-deref', '--stdin'], { input }))
    add('update_ref_alone_ms', ums)
    add('ratio_without_update_ref', (ms - ums) / rows.floor_ms[i])
    rmSync(dir, { recursive: true, force: true })
    rmSync(dir2, { recursive: true, force: true })
  }
  const out: Record<string, unknown> = { rounds }
  for (const [k, v] of Object.entries(rows)) out[k] = { median: median(v), all: v }
  console.log(JSON.stringify(out, null, 1))
  rmSync(base, { recursive: true, force: true })
}

async function main(): Promise<number> {
  const [mode, arg, arg2] = process.argv.slice(2)
  if (mode === 'corpus') await corpus(arg, arg2 === '--empty-remote')
  else if (mode === 'convert' || mode === 'floor') {
    // One run in this process on an existing repository (for /usr/bin/time: CPU incl. git).
    const git = new GitRunner(arg)
    const opts = { env: {}, authorName: 'Bench', authorEmail: 'bench@example.com' }
    const [r, ms] =
      mode === 'floor'
        ? [null, await floor(git)]
        : await timed(() => runRefsMigration(git, settings(arg, false), opts))
    console.log(JSON.stringify({ mode, ms: +ms.toFixed(1), migrated: r?.write.counts.migrated }))
  } else if (mode === 'steps') await steps(arg, arg2 ? Number(arg2) : 5)
  else if (mode === 'push') await push(Number(arg), arg2 ? Number(arg2) : undefined)
  else {
    console.error(
      'usage: bench.js corpus <bundle> [--empty-remote] | steps <bundle> [rounds] | push <n> [batch size]'
    )
    return 2
  }
  return 0
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  }
)
