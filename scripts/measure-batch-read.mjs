// Measures the batch object reader on the real v1 corpus: every blob of the v1 tip tree read
// through src/git (readObjects, streamObjects, ObjectReader in windows) vs. plain `git cat-file --batch < ids > /dev/null`
// and vs. the same cat-file piped into Node (the floor for any reader in this process).
//
//   node scripts/measure-batch-read.mjs [rounds]
//
// Needs the corpus bundle (env ENTIRE_CORPUS or ../shared/corpus/entireio-cli-v1.bundle) and
// the installed devDependencies: it compiles src/git with the project's TypeScript into
// node_modules/.cache (so @actions/exec resolves) and imports the result. Exits 0 with a message
// when the corpus is absent.
import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { V1, corpusBundleOrExit, importCompiled } from './corpus-script.mjs'

const bundle = corpusBundleOrExit()
const rounds = Number(process.argv[2] ?? 3)
const g = await importCompiled('git/index.ts', 'em-measure-git')

const repo = mkdtempSync(join(tmpdir(), 'em-measure-'))
const git = new g.GitRunner(repo)
await g.initRepo(git, { bare: true })
let t = performance.now()
await git.run(['fetch', '-q', bundle, `${V1}:${V1}`])
console.log(`corpus loaded into ${repo} in ${((performance.now() - t) / 1000).toFixed(1)} s`)

const entries = (await g.lsTree(git, V1, { recursive: true })).filter((e) => e.type === 'blob')
const ids = entries.map((e) => e.oid)
const idsFile = join(repo, 'ids.txt')
writeFileSync(idsFile, ids.join('\n') + '\n')
const sizes = await g.checkObjects(git, ids)
const totalBytes = sizes.reduce((s, o) => s + (o.missing ? 0 : o.size), 0)
console.log(`${ids.length} blobs, ${(totalBytes / 1e6).toFixed(1)} MB of content`)

// Untimed correctness pass: every blob read back hashes to its id.
{
  let bad = 0
  await g.readObjects(git, ids, (o) => {
    const h = createHash('sha1')
    h.update(`blob ${o.content.length}\0`)
    h.update(o.content)
    if (o.missing || h.digest('hex') !== o.oid) bad++
  })
  console.log(`content check: ${ids.length - bad}/${ids.length} blobs hash to their ids`)
  if (bad) process.exit(1)
}

const gitEnv = { ...process.env, LC_ALL: 'C', GIT_DIR: repo }
async function plainToDevNull() {
  execFileSync('sh', ['-c', `git cat-file --batch < "${idsFile}" > /dev/null`], { env: gitEnv })
}
async function plainIntoNode() {
  let n = 0
  await new Promise((res, rej) => {
    const cp = spawn('git', ['cat-file', '--batch'], { env: gitEnv })
    cp.stdout.on('data', (b) => void (n += b.length))
    cp.on('error', rej)
    cp.on('close', res)
    cp.stdin.end(Buffer.from(ids.join('\n') + '\n'))
  })
  if (n < totalBytes) throw new Error('short read')
}
async function ours() {
  let n = 0
  let count = 0
  const before = git.processCount
  await g.readObjects(git, ids, (o) => {
    if (o.missing) throw new Error(`missing ${o.oid}`)
    n += o.content.length
    count++
  })
  if (n !== totalBytes || count !== ids.length || git.processCount - before !== 1) {
    throw new Error(`readObjects mismatch: ${count} objects, ${n} bytes`)
  }
}
async function oursStreaming() {
  let n = 0
  await g.streamObjects(git, ids, {
    start() {},
    chunk(d) {
      n += d.length
    },
    end() {},
    missing(m) {
      throw new Error(`missing ${m.oid}`)
    }
  })
  if (n !== totalBytes) throw new Error('streamObjects mismatch')
}

// The engine's way: one long-lived cat-file (ObjectReader) asked for 24 MiB windows in turn.
async function oursWindows() {
  let n = 0
  const reader = new g.ObjectReader(git)
  const before = git.processCount
  let win = []
  let winBytes = 0
  const flush = async () => {
    await reader.read(win, (o) => {
      if (o.missing) throw new Error(`missing ${o.oid}`)
      n += o.content.length
    })
    win = []
    winBytes = 0
  }
  for (let i = 0; i < ids.length; i++) {
    win.push(ids[i])
    winBytes += sizes[i].size
    if (winBytes >= 24 * 1024 * 1024) await flush()
  }
  if (win.length) await flush()
  await reader.close()
  if (n !== totalBytes || git.processCount - before !== 1) throw new Error('ObjectReader mismatch')
}

const cases = [
  ['git cat-file --batch > /dev/null', plainToDevNull],
  ['git cat-file --batch | node (raw spawn)', plainIntoNode],
  ['readObjects (src/git)', ours],
  ['streamObjects (src/git)', oursStreaming],
  ['ObjectReader, 24 MiB windows (src/git)', oursWindows]
]
// CPU time (this process + waited-for children, from /proc on Linux) does not depend on how
// busy a shared machine is, unlike wall time.
function cpuMs() {
  const own = process.cpuUsage()
  let children
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    children = ((Number(f[13]) + Number(f[14])) * 1000) / 100 // cutime + cstime, USER_HZ 100
  } catch {
    children = NaN
  }
  return (own.user + own.system) / 1000 + children
}
const times = new Map(cases.map(([name]) => [name, []]))
const cpu = new Map(cases.map(([name]) => [name, []]))
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of cases) {
    const c = cpuMs()
    t = performance.now()
    await fn()
    times.get(name).push(performance.now() - t)
    cpu.get(name).push(cpuMs() - c)
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
// The machine may be shared: the minimum is the least disturbed run, the median the typical one.
const min = (xs) => Math.min(...xs)
const baseMin = min(times.get(cases[0][0]))
const baseMedian = median(times.get(cases[0][0]))
const s = (ms) => (ms / 1000).toFixed(2)
for (const [name] of cases) {
  const ts = times.get(name)
  console.log(
    `${name.padEnd(40)} min ${s(min(ts))} s (${(min(ts) / baseMin).toFixed(2)}x)  ` +
      `median ${s(median(ts))} s (${(median(ts) / baseMedian).toFixed(2)}x)  ` +
      `runs ${ts.map(s).join(' ')}`
  )
}
const baseCpu = median(cpu.get(cases[0][0]))
for (const [name] of cases) {
  const cs = cpu.get(name)
  console.log(
    `${name.padEnd(40)} CPU (git + node) median ${s(median(cs))} s (${(median(cs) / baseCpu).toFixed(2)}x)  ` +
      `runs ${cs.map(s).join(' ')}`
  )
}
rmSync(repo, { recursive: true, force: true })
