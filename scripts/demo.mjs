#!/usr/bin/env node
// npm run demo: run the bundled action (dist/index.js) exactly as a GitHub runner would, against a
// throwaway repository built from the example v1 checkpoints in examples/v1 (or a real v1 bundle
// with --corpus), with a local bare repository as the "GitHub" remote. Prints the action's log,
// the rendered job summary, the outputs and where every file is.
//
//   npm run demo
//   npm run demo -- --corpus ../shared/corpus/entireio-cli-v1.bundle
//   npm run demo -- --input dry-run=true --input batch-size=2
import { spawn, spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildExampleRepo } from './example-repo.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DIST_BUNDLE = join(ROOT, 'dist', 'index.js')

/** Every input of action.yml with the value the runner would pass by default. */
export const DEFAULT_INPUTS = {
  token: '',
  remote: 'origin',
  'dry-run': 'false',
  force: 'false',
  'batch-size': '100',
  push: 'true',
  verify: 'true',
  'fail-on-verify-error': 'true',
  'cli-version': '0.6.2',
  'reference-compatible': 'false',
  comment: 'false'
}

/** The environment a runner gives a JavaScript action step (github-action.md §8.3). */
export function runnerEnv({ work, temp, home, repository = 'example/widgets', inputs = {} }) {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_REPOSITORY: repository,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_WORKSPACE: work,
    GITHUB_RUN_ID: '1',
    RUNNER_TEMP: temp,
    GITHUB_STEP_SUMMARY: join(temp, 'step_summary.md'),
    GITHUB_OUTPUT: join(temp, 'output.txt'),
    GIT_CONFIG_NOSYSTEM: '1'
  }
  const all = { path: work, repository, ...DEFAULT_INPUTS, ...inputs }
  for (const [k, v] of Object.entries(all)) env[`INPUT_${k.toUpperCase()}`] = v
  return env
}

/** Parse the `name<<delimiter … delimiter` blocks core.setOutput appends to GITHUB_OUTPUT. */
export function parseOutputs(text) {
  const out = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
    out[m[1]] = value.join('\n')
  }
  return out
}

/**
 * Run the action and stream its log. Like the runner, hide `::debug::` lines unless asked
 * (ACTIONS_STEP_DEBUG on GitHub, --debug here).
 */
function runAction(bundle, cwd, env, debug) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [bundle], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'inherit']
    })
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      if (debug || !line.startsWith('::debug::')) console.log(line)
    })
    child.on('close', (code) => resolvePromise(code ?? 1))
  })
}

function parseArgs(argv) {
  const o = { inputs: {} }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--corpus') o.corpus = argv[++i]
    else if (a === '--target') o.inputs.target = argv[++i]
    else if (a === '--dir') o.dir = argv[++i]
    else if (a === '--bundle') o.bundle = resolve(argv[++i])
    else if (a === '--input') {
      const [k, ...v] = (argv[++i] ?? '').split('=')
      o.inputs[k] = v.join('=')
    } else if (a === '--help' || a === '-h') o.help = true
    else throw new Error(`unknown argument ${a} (see --help)`)
  }
  return o
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  if (args.help) {
    console.log(
      'usage: npm run demo -- [--corpus <v1 bundle>] [--target v2|refs] [--input name=value]… [--dir <empty dir>] [--bundle <index.js>] [--debug]'
    )
    return 0
  }
  const BUNDLE = args.bundle ?? DIST_BUNDLE
  if (!existsSync(BUNDLE)) {
    console.log('dist/index.js is missing: building it with npm run bundle …')
    const b = spawnSync('npm', ['run', 'bundle'], { cwd: ROOT, stdio: 'inherit' })
    if (b.status !== 0) return b.status ?? 1
  }
  const base = args.dir ? resolve(args.dir) : mkdtempSync(join(tmpdir(), 'entire-migrate-demo-'))
  const source = args.corpus
    ? `the v1 bundle ${args.corpus}`
    : 'the example v1 checkpoints in examples/v1'
  console.log(`Building a repository from ${source} in ${base} …`)
  const repo = buildExampleRepo(base, { corpus: args.corpus })
  console.log(
    `  remote (bare, stands in for GitHub): ${repo.remote}\n  workspace (shallow clone, as actions/checkout leaves it): ${repo.work}\n  v1: ${repo.checkpoints} checkpoints at ${repo.v1}\n`
  )
  const temp = join(base, 'runner-temp')
  mkdirSync(temp, { recursive: true })
  // Small batches, so that the five example checkpoints also produce archives (/full/<n>).
  const inputs = args.corpus ? args.inputs : { 'batch-size': '2', ...args.inputs }
  const env = runnerEnv({ work: repo.work, temp, home: repo.home, inputs })
  writeFileSync(env.GITHUB_STEP_SUMMARY, '')
  writeFileSync(env.GITHUB_OUTPUT, '')

  console.log(`──── action log (node ${BUNDLE}) ────`)
  const started = Date.now()
  const status = await runAction(BUNDLE, repo.work, env, args.debug)
  const secs = ((Date.now() - started) / 1000).toFixed(1)
  console.log(`──── exit code ${status} after ${secs} s ────\n`)

  console.log(`──── job summary (${env.GITHUB_STEP_SUMMARY}) ────`)
  console.log(readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8'))
  console.log('──── outputs ────')
  const outputs = parseOutputs(readFileSync(env.GITHUB_OUTPUT, 'utf8'))
  for (const [k, v] of Object.entries(outputs)) console.log(`  ${k} = ${v}`)
  const refs = spawnSync(
    'git',
    ['for-each-ref', '--format=  %(objectname) %(refname)', 'refs/entire/'],
    {
      cwd: repo.remote,
      encoding: 'utf8'
    }
  ).stdout
  console.log(`\n──── v2 refs on the remote (${repo.remote}) ────\n${refs || '  (none)\n'}`)
  console.log('──── files ────')
  console.log(`  job summary:  ${env.GITHUB_STEP_SUMMARY}`)
  console.log(`  outputs:      ${env.GITHUB_OUTPUT}`)
  if (outputs.report) console.log(`  JSON report:  ${outputs.report}`)
  console.log(`  workspace:    ${repo.work}`)
  console.log(`  remote:       ${repo.remote}`)
  return status
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await main()
  } catch (e) {
    console.error(e instanceof Error ? e.message : e)
    process.exitCode = 1
  }
}
