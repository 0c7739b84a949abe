// The launchers (src/launch/): the environment the working process gets, and a real launcher
// process (the sources transpiled to a temp directory, as ncc would bundle them) running a child
// script: arguments, streams, exit codes and signals pass through.
import { describe, it, expect, beforeAll } from '@jest/globals'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'
import {
  MMAP_THRESHOLD_BYTES,
  SEMI_SPACE_MB,
  TUNING_SWITCH,
  TUNE_FROM_STORE_BYTES,
  badTuningSwitch,
  tunedEnvironment,
  tunedNodeArgs,
  wantsTuning
} from '../src/launch/tuning.js'
import { collectGarbage, releaseDeadBuffers } from '../src/engine/heap.js'
import { planSinkFor, takeSegmentSettings, type SegmentOrder } from '../src/launch/segments.js'
import type { PlannedCheckpoint } from '../src/engine/types.js'

const OURS = `glibc.malloc.mmap_threshold=${MMAP_THRESHOLD_BYTES}:glibc.malloc.hugetlb=1`

describe('tunedEnvironment', () => {
  it('adds the malloc tunables on Linux and keeps everything else', () => {
    const env = tunedEnvironment({ PATH: '/bin', GITHUB_OUTPUT: '/tmp/out' }, 'linux')
    expect(env).toEqual({ PATH: '/bin', GITHUB_OUTPUT: '/tmp/out', GLIBC_TUNABLES: OURS })
  })

  it('appends to tunables already set, and a tunable the caller set wins', () => {
    expect(tunedEnvironment({ GLIBC_TUNABLES: 'glibc.rtld.nns=2' }, 'linux')?.GLIBC_TUNABLES).toBe(
      `glibc.rtld.nns=2:${OURS}`
    )
    expect(
      tunedEnvironment({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=4194304' }, 'linux')
        ?.GLIBC_TUNABLES
    ).toBe('glibc.malloc.mmap_threshold=4194304:glibc.malloc.hugetlb=1')
    // The older variable sets the same threshold: not overridden by a tunable.
    expect(tunedEnvironment({ MALLOC_MMAP_THRESHOLD_: '65536' }, 'linux')?.GLIBC_TUNABLES).toBe(
      'glibc.malloc.hugetlb=1'
    )
  })

  it('is null when there is nothing to add: a tuned process, another system, switched off', () => {
    expect(tunedEnvironment({ GLIBC_TUNABLES: OURS }, 'linux')).toBeNull()
    expect(tunedEnvironment({ PATH: '/bin' }, 'darwin')).toBeNull()
    expect(tunedEnvironment({ PATH: '/bin' }, 'win32')).toBeNull()
    expect(tunedEnvironment({ [TUNING_SWITCH]: 'off' }, 'linux')).toBeNull()
  })
})

describe('wantsTuning', () => {
  it('auto (or unset) by the size of the object store; on and off regardless', () => {
    const big = TUNE_FROM_STORE_BYTES
    expect(wantsTuning({}, big)).toBe(true)
    expect(wantsTuning({}, big - 1)).toBe(false)
    expect(wantsTuning({ [TUNING_SWITCH]: 'auto' }, big)).toBe(true)
    expect(wantsTuning({ [TUNING_SWITCH]: 'on' }, 0)).toBe(true)
    expect(wantsTuning({ [TUNING_SWITCH]: 'off' }, big * 10)).toBe(false)
  })

  it('names a value that is none of auto, on, off', () => {
    for (const v of [undefined, '', 'auto', 'on', 'off'])
      expect(badTuningSwitch({ [TUNING_SWITCH]: v })).toBeNull()
    expect(badTuningSwitch({ [TUNING_SWITCH]: 'OFF' })).toBe(
      `${TUNING_SWITCH}: expected auto, on or off, got "OFF"`
    )
  })
})

describe('tunedNodeArgs', () => {
  it("adds the young generation's cap to the Node options, unless one is given", () => {
    const cap = `--max-semi-space-size=${SEMI_SPACE_MB}`
    expect(tunedNodeArgs([])).toEqual([cap])
    expect(tunedNodeArgs(['--enable-source-maps'], '')).toEqual(['--enable-source-maps', cap])
    expect(tunedNodeArgs(['--max-semi-space-size=16'])).toEqual(['--max-semi-space-size=16'])
    expect(tunedNodeArgs([], '--max-old-space-size=512 --max-semi-space-size=8')).toEqual([])
  })
})

describe('takeSegmentSettings', () => {
  function order(dir: string): SegmentOrder {
    return {
      parentPid: 1,
      now: '2026-01-01T00:00:00.000Z',
      v1Commit: 'a'.repeat(40),
      knownRemoteArchives: [],
      segment: { ids: ['aaaaaaaaaaaa'], before: 3, limit: 2, offsets: [['s\u0000a\u00001', 4]] },
      digestsFile: join(dir, 'v1-digests'),
      reportFile: join(dir, 'report.json')
    }
  }

  it("moves the order's part into the settings, with the earlier segments' digests", () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-take-'))
    const first = order(dir)
    expect(takeSegmentSettings(first)).toEqual({
      ids: ['aaaaaaaaaaaa'],
      before: 3,
      limit: 2,
      offsets: [['s\u0000a\u00001', 4]]
    })
    // the order, which its caller keeps for the whole segment, no longer holds any of it
    expect(first.segment).toEqual({})
    const records = Buffer.alloc(52, 7)
    writeFileSync(join(dir, 'v1-digests'), records)
    const later = takeSegmentSettings(order(dir))
    expect(Buffer.from(later.v1Sha256!)).toEqual(records)
  })
})

describe('planSinkFor', () => {
  it("writes the list to the order's plan file; without one (a later segment) drops it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-plan-'))
    const base = {
      parentPid: 1,
      now: '2026-01-01T00:00:00.000Z',
      v1Commit: 'a'.repeat(40),
      knownRemoteArchives: [],
      segment: {},
      digestsFile: join(dir, 'v1-digests'),
      reportFile: join(dir, 'report.json')
    }
    const list: PlannedCheckpoint[] = [
      { id: 'aaaaaaaaaaaa', createdAt: '2026-01-01T00:00:00Z', action: 'migrate' }
    ]
    planSinkFor({ ...base, planFile: join(dir, 'plan.json') })(list)
    expect(JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'))).toEqual(list)
    planSinkFor(base)(list)
    expect(readdirSync(dir)).toEqual(['plan.json'])
  })
})

describe('collectGarbage', () => {
  it('runs a full collection: an object only a WeakRef holds is gone after it', async () => {
    const ref = ((): WeakRef<object> => new WeakRef({ big: new Array(1000).fill(1) }))()
    // WeakRef targets are kept until the current job ends.
    await new Promise((r) => setImmediate(r))
    expect(collectGarbage()).toBe(true)
    expect(ref.deref()).toBeUndefined()
  })

  it('releaseDeadBuffers frees the memory of shared buffers nothing holds', async () => {
    // Buffers earlier tests left dead would otherwise be freed mid-measurement (seen once in CI).
    await releaseDeadBuffers()
    const before = process.memoryUsage().arrayBuffers
    ;((): void => {
      const pool = new SharedArrayBuffer(64 * 1024 * 1024)
      new Uint8Array(pool).fill(1)
    })()
    await new Promise((r) => setImmediate(r))
    // Counted (the final check means something). Not "at least 64 MiB": a collection that the
    // allocation itself starts may free other dead buffers meanwhile (60.7 MB once in CI).
    expect(process.memoryUsage().arrayBuffers - before).toBeGreaterThan(32 * 1024 * 1024)
    expect(await releaseDeadBuffers()).toBe(true)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024)
  })
})

// A script that runs itself again under the tuning, as the CLI and action entries do, and then
// reports what it got and ends as its first argument says.
const ENTRY = `import { writeFileSync } from 'node:fs'
import { runTuned } from './respawn.js'
if ((await runTuned(process.argv[1])) === null) {
  const [how, marker] = process.argv.slice(2)
  if (how === 'wait') {
    process.on('SIGTERM', () => { writeFileSync(marker, 'got SIGTERM'); process.exit(7) })
    setInterval(() => {}, 1000)
  }
  process.stdout.write(JSON.stringify({ args: process.argv.slice(2), tunables: process.env.GLIBC_TUNABLES ?? null, pid: process.pid, node: process.execArgv }) + '\\n')
  process.stderr.write('to stderr\\n')
  if (how === 'exit3') process.exit(3)
  if (how === 'die') process.kill(process.pid, 'SIGTERM')
}
`

// Off Linux there is nothing to tune: the script runs in its own process (tested above).
const describeLinux = process.platform === 'linux' ? describe : describe.skip

describeLinux('running again under the tuning', () => {
  let dir = ''
  const ROOT = join(import.meta.dirname, '..')

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'em-launch-'))
    for (const name of ['tuning', 'respawn']) {
      const source = readFileSync(join(ROOT, 'src', 'launch', `${name}.ts`), 'utf8')
      const js = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 }
      }).outputText
      writeFileSync(join(dir, `${name}.js`), js)
    }
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n')
    writeFileSync(join(dir, 'entry.js'), ENTRY)
  })

  const launch = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(dir, 'entry.js'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, GLIBC_TUNABLES: '', ...env }
    })
  const seen = (stdout: string) =>
    JSON.parse(stdout) as { args: string[]; tunables: string | null; pid: number; node: string[] }

  it('runs in a child with the tunables, the arguments and the streams', () => {
    const r = launch(['ok', 'a b'])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('to stderr\n')
    expect(seen(r.stdout).args).toEqual(['ok', 'a b'])
    expect(seen(r.stdout).tunables).toBe(OURS)
    expect(seen(r.stdout).pid).not.toBe(r.pid)
    expect(seen(r.stdout).node).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`])
  })

  it('runs in this process when switched off', () => {
    const r = launch(['ok'], { [TUNING_SWITCH]: 'off' })
    expect(seen(r.stdout)).toEqual({ args: ['ok'], tunables: '', pid: r.pid, node: [] })
  })

  it("ends with the child's exit code, or dies of the child's signal", () => {
    expect(launch(['exit3']).status).toBe(3)
    const r = launch(['die'])
    expect(r.status).toBeNull()
    expect(r.signal).toBe('SIGTERM')
  })

  it('passes a signal sent to it on to the child', async () => {
    const marker = join(dir, 'marker')
    const p = spawn(process.execPath, [join(dir, 'entry.js'), 'wait', marker], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, GLIBC_TUNABLES: '' }
    })
    // Once the child has written its line it has its handler: signal the first process only.
    await new Promise<void>((resolve) => p.stdout.once('data', () => resolve()))
    p.kill('SIGTERM')
    const code = await new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)))
    expect(code).toBe(7)
    expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe('got SIGTERM')
  })
})
