#!/usr/bin/env node
// Builds a throwaway "GitHub" setup from the example v1 checkpoints under examples/v1/ (or from a
// real v1 bundle): a bare remote with `main` and `entire/checkpoints/v1`, and a shallow clone of
// `main` as actions/checkout leaves it. Used by `npm run demo`, the self-test workflow and the
// end-to-end tests. Git plumbing only: one fast-import stream writes every v1 commit.
//
//   node scripts/example-repo.mjs <dir> [--corpus <bundle>] [--full-clone]
//   → <dir>/remote.git (bare), <dir>/work (clone of main, depth 1, remote "origin")
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const EXAMPLES_DIR = join(ROOT, 'examples', 'v1')
export const V1_BRANCH = 'refs/heads/entire/checkpoints/v1'

/** Environment that keeps the user's git config (signing, hooks, default branch) out. */
export function hermeticGitEnv(home) {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('GIT_')) delete env[k]
  return {
    ...env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Example Dev',
    GIT_AUTHOR_EMAIL: 'dev@example.com',
    GIT_COMMITTER_NAME: 'Example Dev',
    GIT_COMMITTER_EMAIL: 'dev@example.com',
    GIT_TERMINAL_PROMPT: '0'
  }
}

function git(cwd, env, args, input) {
  return execFileSync('git', args, {
    cwd,
    env,
    input,
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe']
  })
    .toString('utf8')
    .trim()
}

/** Files under dir as [relative path, absolute path], sorted. */
function walk(dir, prefix = '') {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const abs = join(dir, name)
    const rel = prefix ? `${prefix}/${name}` : name
    if (statSync(abs).isDirectory()) out.push(...walk(abs, rel))
    else out.push([rel, abs])
  }
  return out
}

/**
 * The fast-import stream of the example v1 branch: the init commit, then one commit per
 * checkpoint (trailers as the Go CLI writes them), each adding that checkpoint's directory.
 */
export function exampleV1Stream(examplesDir = EXAMPLES_DIR) {
  const parts = []
  const text = (s) => parts.push(Buffer.from(s, 'utf8'))
  let time = 1773792000 // 2026-03-18T00:00:00Z
  const commit = (message, files) => {
    const msg = Buffer.from(message, 'utf8')
    text(`commit ${V1_BRANCH}\n`)
    text(`author Example Dev <dev@example.com> ${time} +0000\n`)
    text(`committer Example Dev <dev@example.com> ${time} +0000\n`)
    text(`data ${msg.length}\n`)
    parts.push(msg)
    text('\n')
    for (const [path, abs] of files) {
      const data = readFileSync(abs)
      text(`M 100644 inline ${path}\ndata ${data.length}\n`)
      parts.push(data)
      text('\n')
    }
    text('\n')
    time += 600
  }
  commit('Initialize metadata branch\n\nThis branch stores session metadata.\n', [])
  for (const shard of readdirSync(examplesDir).sort()) {
    for (const rest of readdirSync(join(examplesDir, shard)).sort()) {
      const dir = join(examplesDir, shard, rest)
      const summary = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'))
      // Tolerate broken session metadata: tests build repositories with bad data on purpose.
      let first = { session_id: 'unknown', agent: 'Unknown' }
      try {
        first = JSON.parse(readFileSync(join(dir, '0', 'metadata.json'), 'utf8'))
      } catch {
        // keep the placeholder trailers
      }
      const files = walk(dir, `${shard}/${rest}`)
      commit(
        `Checkpoint: ${summary.checkpoint_id}\n\nEntire-Session: ${first.session_id}\nEntire-Strategy: ${summary.strategy}\nEntire-Agent: ${first.agent}\n`,
        files
      )
    }
  }
  return Buffer.concat(parts)
}

/**
 * Build <dir>/remote.git and <dir>/work. Returns their paths and the v1 tip.
 * options.corpus: a git bundle holding refs/heads/entire/checkpoints/v1 (the real corpus).
 * options.fullClone: clone with full history instead of depth 1.
 */
export function buildExampleRepo(dir, options = {}) {
  const base = resolve(dir)
  mkdirSync(base, { recursive: true })
  const home = join(base, 'home')
  mkdirSync(home, { recursive: true })
  const env = hermeticGitEnv(home)
  const remote = join(base, 'remote.git')
  const seed = join(base, 'seed')
  const work = join(base, 'work')
  for (const p of [remote, seed, work]) {
    if (existsSync(p)) throw new Error(`${p} already exists; use an empty directory`)
  }
  git(base, env, ['init', '-q', '--bare', '-b', 'main', remote])
  git(base, env, ['init', '-q', '-b', 'main', seed])
  // The project's own code branch, so that the clone has something to check out.
  const readme = '# widgets\n\nAn example repository.\n'
  const mainStream =
    'commit refs/heads/main\n' +
    'author Example Dev <dev@example.com> 1773792000 +0000\n' +
    'committer Example Dev <dev@example.com> 1773792000 +0000\n' +
    'data 15\nInitial commit\n' +
    `M 100644 inline README.md\ndata ${Buffer.byteLength(readme)}\n${readme}\n`
  git(seed, env, ['fast-import', '--quiet'], Buffer.from(mainStream, 'utf8'))
  if (options.corpus) {
    git(seed, env, [
      'fetch',
      '-q',
      '--no-tags',
      resolve(options.corpus),
      `${V1_BRANCH}:${V1_BRANCH}`
    ])
  } else {
    git(seed, env, ['fast-import', '--quiet'], exampleV1Stream(options.examplesDir))
  }
  git(seed, env, [
    'push',
    '-q',
    remote,
    'refs/heads/main:refs/heads/main',
    `${V1_BRANCH}:${V1_BRANCH}`
  ])
  const cloneArgs = ['clone', '-q', '--no-tags', '--single-branch', '-b', 'main']
  if (!options.fullClone) cloneArgs.push('--depth', '1')
  git(base, env, [...cloneArgs, `file://${remote}`, work])
  const v1 = git(remote, env, ['rev-parse', V1_BRANCH])
  const checkpoints = git(remote, env, ['ls-tree', '-d', '--name-only', V1_BRANCH])
    .split('\n')
    .filter((s) => s.length === 2)
    .reduce(
      (n, shard) =>
        n +
        git(remote, env, ['ls-tree', '-d', '--name-only', `${V1_BRANCH}:${shard}`]).split('\n')
          .length,
      0
    )
  return { base, home, remote, work, seed, v1, checkpoints, env }
}

// CLI: node scripts/example-repo.mjs <dir> [--corpus <bundle>] [--full-clone]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const dir = args.find(
    (a, i) => !a.startsWith('--') && args[i - 1] !== '--corpus' && args[i - 1] !== '--examples'
  )
  if (!dir) {
    console.error(
      'usage: node scripts/example-repo.mjs <dir> [--corpus <bundle> | --examples <v1 tree dir>] [--full-clone]'
    )
    process.exit(2)
  }
  const ci = args.indexOf('--corpus')
  const ei = args.indexOf('--examples')
  const r = buildExampleRepo(dir, {
    corpus: ci >= 0 ? args[ci + 1] : undefined,
    examplesDir: ei >= 0 ? resolve(args[ei + 1]) : undefined,
    fullClone: args.includes('--full-clone')
  })
  console.log(
    JSON.stringify(
      { remote: r.remote, work: r.work, v1: r.v1, checkpoints: r.checkpoints },
      null,
      2
    )
  )
}
