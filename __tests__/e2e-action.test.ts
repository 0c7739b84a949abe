// The action end to end, as a runner runs it: INPUT_* variables, GITHUB_STEP_SUMMARY and
// GITHUB_OUTPUT files, a workspace that actions/checkout left shallow with persisted credentials,
// and a local bare repository seeded with the example v1 checkpoints as the remote. One test
// spawns the bundle (`node <bundle>/index.js`, built from the sources into a temp directory);
// the others run `run()` in-process with fresh module state, which is the same code.
import { describe, it, expect, beforeAll, afterEach, jest } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
  mkdirSync
} from 'node:fs'
import ts from 'typescript'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const SENTINEL = 'ghs_e2eSENTINEL0123456789abcdef'
const SENTINEL_B64 = Buffer.from(`x-access-token:${SENTINEL}`).toString('base64')
const V2 = 'refs/entire/checkpoints/v2'

interface Example {
  base: string
  remote: string
  work: string
  v1: string
  checkpoints: number
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim()
}

/** Bare remote + shallow clone, with the credentials actions/checkout persists. */
function exampleRepo(extra: string[] = []): Example {
  const base = mkdtempSync(join(tmpdir(), 'em-e2e-'))
  const out = execFileSync('node', [join(ROOT, 'scripts/example-repo.mjs'), base, ...extra], {
    encoding: 'utf8'
  })
  const ex = { base, ...(JSON.parse(out) as Omit<Example, 'base'>) }
  // checkout ≤ v5 style: the header in the repository config
  git(ex.work, [
    'config',
    'http.https://github.com/.extraheader',
    'AUTHORIZATION: basic cGVyc2lzdGVk'
  ])
  // checkout v6 style: an includeIf'd file under RUNNER_TEMP
  const creds = join(base, 'git-credentials-checkout.config')
  writeFileSync(
    creds,
    '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic cGVyc2lzdGVk\n'
  )
  git(ex.work, ['config', `includeIf.gitdir:${ex.work}/.git.path`, creds])
  return ex
}

function remoteRefs(remote: string): Map<string, string> {
  const text = git(remote, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/entire/'])
  return new Map(
    text
      .split('\n')
      .filter((l) => l)
      .map((l) => l.split(' ') as [string, string])
  )
}

function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
    out[m[1]] = value.join('\n')
  }
  return out
}

interface RunEnvOptions {
  inputs?: Record<string, string>
  event?: { name: string; payload?: unknown }
}

/** The runner's environment for one step (github-action.md §8.3), with every defaulted input. */
function runnerEnv(ex: Example, o: RunEnvOptions = {}): Record<string, string> {
  const temp = mkdtempSync(join(ex.base, 'runner-temp-'))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(ex.base, 'home'),
    GIT_CONFIG_NOSYSTEM: '1',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/widgets',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_EVENT_NAME: o.event?.name ?? 'workflow_dispatch',
    GITHUB_WORKSPACE: ex.work,
    GITHUB_RUN_ID: '42',
    RUNNER_TEMP: temp,
    GITHUB_STEP_SUMMARY: join(temp, 'summary.md'),
    GITHUB_OUTPUT: join(temp, 'output.txt')
  }
  if (o.event?.payload) {
    env.GITHUB_EVENT_PATH = join(temp, 'event.json')
    writeFileSync(env.GITHUB_EVENT_PATH, JSON.stringify(o.event.payload))
  }
  writeFileSync(env.GITHUB_STEP_SUMMARY, '')
  writeFileSync(env.GITHUB_OUTPUT, '')
  const inputs: Record<string, string> = {
    path: ex.work,
    repository: 'acme/widgets',
    token: SENTINEL,
    remote: 'origin',
    'dry-run': 'false',
    force: 'false',
    'batch-size': '2',
    push: 'true',
    verify: 'true',
    'fail-on-verify-error': 'true',
    'cli-version': '0.6.2',
    'reference-compatible': 'false',
    comment: 'false',
    ...o.inputs
  }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v
  return env
}

interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
  summary: string
  outputs: Record<string, string>
  env: Record<string, string>
}

function collect(
  env: Record<string, string>,
  exitCode: number,
  stdout: string,
  stderr: string
): RunResult {
  return {
    exitCode,
    stdout,
    stderr,
    summary: readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8'),
    outputs: parseOutputs(readFileSync(env.GITHUB_OUTPUT, 'utf8')),
    env
  }
}

/** run() in this process with exactly the runner's environment and fresh module state. */
async function runInProcess(env: Record<string, string>): Promise<RunResult> {
  const saved = process.env
  process.env = { ...env }
  const out: string[] = []
  const write = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      out.push(chunk.toString())
      return true
    })
  jest.resetModules()
  try {
    const { run } = await import('../src/main.js')
    await run()
  } finally {
    write.mockRestore()
    process.env = saved
  }
  const code = process.exitCode === undefined ? 0 : Number(process.exitCode)
  process.exitCode = 0
  return collect(env, code, out.join(''), '')
}

/** Every place the token must never appear (the ::add-mask:: command itself excepted). */
function assertNoToken(r: RunResult, ex: Example): void {
  const stdout = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
  const places: Record<string, string> = {
    stdout,
    stderr: r.stderr,
    summary: r.summary,
    outputs: readFileSync(r.env.GITHUB_OUTPUT, 'utf8'),
    report: r.outputs.report ? readFileSync(r.outputs.report, 'utf8') : '',
    gitConfig: readFileSync(join(ex.work, '.git', 'config'), 'utf8')
  }
  for (const [where, text] of Object.entries(places)) {
    expect({ where, leak: text.includes(SENTINEL) || text.includes(SENTINEL_B64) }).toEqual({
      where,
      leak: false
    })
  }
}

/** Newest modification time under a directory (files only). */
function newestMtime(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return t
}

/**
 * The action entry to spawn, as the runner would run it: dist/index.js when it is newer than
 * every source (CI bundles first); otherwise a bundle built now from the sources with ncc (as
 * `npm run bundle` does, into a temp directory; dist/ is never written). When ncc cannot build
 * (its whole-program type check fails on a teammate's unfinished file), the sources are
 * transpiled one to one as ES modules next to node_modules and that entry is run instead.
 */
function actionEntry(): { entry: string; kind: string } {
  const dist = join(ROOT, 'dist', 'index.js')
  if (existsSync(dist) && statSync(dist).mtimeMs > newestMtime(join(ROOT, 'src'))) {
    return { entry: dist, kind: 'dist/index.js (fresh)' }
  }
  const out = mkdtempSync(join(tmpdir(), 'em-bundle-'))
  // E2E_TRANSPILE=1 skips ncc (its whole-program type check takes a minute on a busy machine).
  const ncc = process.env.E2E_TRANSPILE
    ? { status: 1, stderr: 'E2E_TRANSPILE is set' }
    : spawnSync(
        join(ROOT, 'node_modules', '.bin', 'ncc'),
        ['build', join(ROOT, 'src', 'index.ts'), '-o', out, '--source-map', '--quiet'],
        { cwd: ROOT, encoding: 'utf8' }
      )
  if (ncc.status === 0) return { entry: join(out, 'index.js'), kind: 'ncc bundle of the sources' }
  const dir = mkdtempSync(join(ROOT, 'node_modules', '.cache-em-e2e-'))
  transpileTree(join(ROOT, 'src'), join(dir, 'src'))
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n')
  console.warn(
    `ncc could not bundle the sources; running transpiled sources:\n${ncc.stderr.slice(0, 2000)}`
  )
  return { entry: join(dir, 'src', 'index.js'), kind: 'transpiled sources' }
}

function transpileTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true })
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, e.name)
    if (e.isDirectory()) transpileTree(src, join(to, e.name))
    else if (e.name.endsWith('.ts')) {
      const js = ts.transpileModule(readFileSync(src, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 }
      }).outputText
      writeFileSync(join(to, e.name.replace(/\.ts$/, '.js')), js)
    } else if (e.name.endsWith('.json')) writeFileSync(join(to, e.name), readFileSync(src))
  }
}

let entry = ''

/** Run the bundled action as the runner does; it must succeed. */
function spawnAction(ex: { work: string }, env: Record<string, string>): RunResult {
  const p = spawnSync(process.execPath, [entry], {
    cwd: ex.work,
    env,
    encoding: 'utf8',
    timeout: 60_000
  })
  const r = collect(env, p.status ?? -1, p.stdout, p.stderr)
  if (r.exitCode !== 0) console.log(r.stdout, r.stderr)
  expect(r.exitCode).toBe(0)
  return r
}

beforeAll(() => {
  process.env.GIT_CONFIG_NOSYSTEM = '1'
  const e = actionEntry()
  entry = e.entry
  console.log(`e2e: spawning ${e.kind}: ${entry}`)
}, 240_000)

afterEach(() => {
  process.exitCode = 0
})

describe('the bundled action, as the runner runs it', () => {
  it('migrates the example checkpoints, pushes the v2 refs, writes summary, outputs and report, and never leaks the token', () => {
    const ex = exampleRepo()
    expect(git(ex.work, ['rev-parse', '--is-shallow-repository'])).toBe('true')
    const env = runnerEnv(ex)
    const configBefore = readFileSync(join(ex.work, '.git', 'config'), 'utf8')
    const r = spawnAction(ex, env)

    // the remote holds the v2 refs, and they are what the outputs and the report say
    const refs = remoteRefs(ex.remote)
    expect(refs.has(`${V2}/main`)).toBe(true)
    expect(refs.has(`${V2}/full/current`)).toBe(true)
    expect(r.outputs['main-ref-sha']).toBe(refs.get(`${V2}/main`))
    const archives = [...refs.keys()].filter((k) => /\/full\/\d{13}$/.test(k))
    expect(String(archives.length)).toBe(r.outputs['archives-created'])
    expect(r.outputs.migrated).toBe('5')
    expect(r.outputs.skipped).toBe('0')
    expect(r.outputs.failed).toBe('0')
    expect(r.outputs.verified).toBe('true')
    expect(existsSync(r.outputs.report)).toBe(true)
    expect(r.outputs.report.startsWith(env.RUNNER_TEMP)).toBe(true)
    const report = JSON.parse(readFileSync(r.outputs.report, 'utf8'))
    expect(report.status).toBe('success')
    expect(report.migration.counts.migrated).toBe(5)
    expect(report.push.ok).toBe(true)

    // the summary: headline, counts table, timings table and chart, equivalence table, refs
    expect(r.summary).toContain('✅ Migrated 5 of 5 v1 checkpoints to v2')
    expect(r.summary).toContain('<tr><td>migrated</td><td align="right">5</td></tr>')
    expect(r.summary).toMatch(/<th>phase<\/th><th>wall time<\/th><th>share<\/th>/)
    expect(r.summary).toContain('```mermaid\ngantt')
    expect(r.summary).toContain('<h3>Data equivalence</h3>')
    expect(r.summary).toMatch(/<td>✅ raw\.bytes<\/td><td align="right">[1-9]/)
    expect(r.summary).toContain(`<code>${V2}/main</code>`)
    expect(r.summary).toContain('✅ created')

    // the log: one group per phase, the token masked
    expect(r.stdout).toContain('::group::Fetch checkpoint refs')
    expect(r.stdout).toContain('::group::Push v2 refs')
    expect(r.stdout).toContain(`::add-mask::${SENTINEL}`)
    assertNoToken(r, ex)
    // checkout's persisted credentials are untouched, and nothing was added to the config
    expect(readFileSync(join(ex.work, '.git', 'config'), 'utf8')).toBe(configBefore)
  })
})

describe('compaction threads in the bundled action', () => {
  it('compact-workers: 2 writes the same trees as compaction on the main thread', () => {
    const trees = (workers: string) => {
      const ex = exampleRepo()
      const r = spawnAction(ex, runnerEnv(ex, { inputs: { 'compact-workers': workers } }))
      expect(r.summary).toContain(`<td>compact-workers</td><td><code>${workers}</code></td>`)
      expect(r.stdout.includes('Compacting transcripts on 2 worker threads')).toBe(workers === '2')
      return [`${V2}/main`, `${V2}/full/current`].map((ref) =>
        git(ex.remote, ['rev-parse', `${ref}^{tree}`])
      )
    }
    expect(trees('2')).toEqual(trees('0'))
  })
})

describe('run() in-process', () => {
  it('fails with a clear error when the remote /main moves between fetch and push; the remote stays unchanged; a rerun succeeds and the next one is a no-op', async () => {
    const ex = exampleRepo()
    // Someone else writes the remote's /main while we migrate: a reference-transaction hook in
    // the workspace fires when the engine first updates the local /main (after our fetch).
    const intruder = git(ex.remote, [
      'commit-tree',
      '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
      '-m',
      'Initialize'
    ])
    const mark = join(ex.base, 'intruded')
    const hook = join(ex.work, '.git', 'hooks', 'reference-transaction')
    mkdirSync(join(ex.work, '.git', 'hooks'), { recursive: true })
    writeFileSync(
      hook,
      `#!/bin/sh\n[ "$1" = committed ] || exit 0\nwhile read old new ref; do\n  if [ "$ref" = "${V2}/main" ] && [ ! -f "${mark}" ]; then\n    touch "${mark}"\n    git --git-dir="${ex.remote}" update-ref "${V2}/main" ${intruder}\n  fi\ndone\nexit 0\n`
    )
    chmodSync(hook, 0o755)

    const r = await runInProcess(runnerEnv(ex))
    expect(existsSync(mark)).toBe(true)
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toContain(
      '::error::remote v2 refs changed during migration (someone pushed meanwhile); nothing was pushed — rerun the workflow'
    )
    // the remote is as the intruder left it: nothing of ours landed
    expect([...remoteRefs(ex.remote)]).toEqual([[`${V2}/main`, intruder]])
    expect(r.summary).toContain('<strong>rerun the workflow</strong>')
    expect(r.summary).toContain('❌ rejected: remote changed (stale lease)')
    expect(r.summary).toContain(`<code>${intruder.slice(0, 12)}</code>`) // remote now
    assertNoToken(r, ex)

    // rerun (same workspace, hook gone): starts from the new remote state and succeeds
    execFileSync('rm', [hook])
    const again = await runInProcess(runnerEnv(ex))
    if (again.exitCode !== 0) console.log(again.stdout)
    expect(again.exitCode).toBe(0)
    expect(again.outputs.migrated).toBe('5')
    const refs = remoteRefs(ex.remote)
    expect(refs.get(`${V2}/main`)).toBe(again.outputs['main-ref-sha'])
    // our /main builds on the intruder's commit (the lease was its id)
    expect(git(ex.remote, ['rev-list', '--count', `${V2}/main`])).not.toBe('1')
    expect(git(ex.remote, ['merge-base', '--is-ancestor', intruder, `${V2}/main`])).toBe('')
    assertNoToken(again, ex)

    // and a third run is a no-op: nothing migrated, nothing pushed, the remote untouched
    const before = remoteRefs(ex.remote)
    const third = await runInProcess(runnerEnv(ex))
    expect(third.exitCode).toBe(0)
    expect(third.outputs.migrated).toBe('0')
    expect(third.outputs.skipped).toBe('5')
    expect(third.outputs['archives-created']).toBe('0')
    expect(remoteRefs(ex.remote)).toEqual(before)
    expect(third.summary).toContain('✅ All 5 v1 checkpoints already in v2; nothing to migrate')
  })

  it('dry run on a pull_request: plan and PR heading in the summary, nothing pushed', async () => {
    const ex = exampleRepo()
    const payload = {
      pull_request: {
        number: 7,
        title: 'Add <login> form',
        html_url: 'https://github.com/acme/widgets/pull/7',
        head: { repo: { full_name: 'acme/widgets' } },
        base: { repo: { full_name: 'acme/widgets' } }
      }
    }
    const r = await runInProcess(
      runnerEnv(ex, {
        inputs: { 'dry-run': 'true', token: '' },
        event: { name: 'pull_request', payload }
      })
    )
    if (r.exitCode !== 0) console.log(r.stdout)
    expect(r.exitCode).toBe(0)
    expect(r.summary).toContain('(dry run) · PR #7: Add &lt;login&gt; form</h2>')
    expect(r.summary).toContain('🔍 Dry run: 5 of 5 v1 checkpoints would migrate')
    expect(r.summary).toContain('<h3>Plan</h3>')
    expect(r.summary).toContain('<code>a1b2c3d4e5f6</code>')
    expect(r.outputs.migrated).toBe('5')
    expect(remoteRefs(ex.remote).size).toBe(0)
  })

  it('a broken checkpoint fails with an annotation naming it and its file; the others migrate and are pushed', async () => {
    // the examples with one session's metadata.json cut short
    const examples = mkdtempSync(join(tmpdir(), 'em-examples-'))
    cpSync(join(ROOT, 'examples', 'v1'), examples, { recursive: true })
    writeFileSync(
      join(examples, '3c', '0de1f2a3b4', '0', 'metadata.json'),
      '{"checkpoint_id": "3c0de1f2a3b4",'
    )
    const ex = exampleRepo(['--examples', examples])
    const r = await runInProcess(runnerEnv(ex, { inputs: { push: 'true', 'batch-size': '100' } }))
    expect(r.exitCode).toBe(1)
    expect(r.outputs.failed).toBe('1')
    expect(r.outputs.migrated).toBe('4')
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::error '))
    expect(annotations.length).toBe(1)
    expect(annotations[0]).toContain('title=Checkpoint 3c0de1f2a3b4 failed to migrate')
    expect(annotations[0]).toContain('3c/0de1f2a3b4/0/metadata.json')
    expect(r.stdout).toContain('::error::1 checkpoint(s) failed to migrate')
    expect(r.summary).toContain('<summary>Failed checkpoints (1)</summary>')
    // what did migrate was pushed
    expect(remoteRefs(ex.remote).get(`${V2}/main`)).toBe(r.outputs['main-ref-sha'])
  })

  it('push: false migrates locally and pushes nothing', async () => {
    const ex = exampleRepo()
    const r = await runInProcess(runnerEnv(ex, { inputs: { push: 'false' } }))
    expect(r.exitCode).toBe(0)
    expect(r.outputs.migrated).toBe('5')
    expect(r.outputs['main-ref-sha']).toBe(git(ex.work, ['rev-parse', `${V2}/main`]))
    expect(remoteRefs(ex.remote).size).toBe(0)
    expect(r.summary).toContain('Not pushed: push: false.')
  })

  it('a bad input fails at once naming the input, and still leaves a summary', async () => {
    const ex = exampleRepo()
    const r = await runInProcess(runnerEnv(ex, { inputs: { 'batch-size': 'lots' } }))
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toContain("::error::Invalid input 'batch-size': expected a whole number")
    expect(r.summary).toContain('❌ Failed: Invalid input &#39;batch-size&#39;')
    expect(remoteRefs(ex.remote).size).toBe(0)
  })
})
