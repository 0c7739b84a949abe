// Throughput of the compact converter on the real v1 corpus: raw transcript MB per second on one
// core (wall and process CPU time), next to JSON.parse of the same lines in the same run.
//
//   node scripts/bench-compact.mjs [rounds] [--engine]
//
// Each round runs both measurements, alternating which goes first (the machine is shared and
// its load drifts); the summary gives medians over the rounds after the first (JIT warm-up) and
// the ratio both by wall time and by CPU time. --engine measures the engine's call instead of
// compact(): compactWithOffset (offset for raw start 1) plus transcriptPosition, as
// src/engine/compactor.ts runs a job.
//
// Needs the corpus bundle (env ENTIRE_CORPUS or ../shared/corpus/entireio-cli-v1.bundle) and the
// installed devDependencies: it compiles src/formats/compact with the project's TypeScript into
// node_modules/.cache and imports the result (code under jest runs several times slower).
// Exits 0 with a message when the corpus is absent.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { V1, corpusBundleOrExit, importCompiled } from './corpus-script.mjs'

const bundle = corpusBundleOrExit()
const args = process.argv.slice(2)
const engine = args.includes('--engine')
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 3)
const c = await importCompiled('formats/compact/index.ts', 'em-bench-compact')

const repo = mkdtempSync(join(tmpdir(), 'em-bench-compact-'))
const git = (args, input) =>
  execFileSync('git', args, { cwd: repo, input, maxBuffer: 4 * 1024 ** 3 })
git(['init', '-q'])
git(['fetch', '-q', bundle, `${V1}:${V1}`])
const tree = git(['ls-tree', '-r', V1]).toString('utf8').trim().split('\n')
const ids = tree.filter((l) => /\/full\.jsonl$/.test(l)).map((l) => l.split('\t')[0].split(' ')[2])
const batch = git(['cat-file', '--batch'], Buffer.from(ids.join('\n') + '\n'))
rmSync(repo, { recursive: true, force: true })
const blobs = []
for (let i = 0; i < batch.length;) {
  const nl = batch.indexOf(10, i)
  const size = Number(batch.toString('latin1', i, nl).split(' ')[2])
  blobs.push(batch.subarray(nl + 1, nl + 1 + size))
  i = nl + 1 + size + 1
}
const mb = blobs.reduce((n, b) => n + b.length, 0) / 1e6
console.log(`${blobs.length} transcripts, ${mb.toFixed(1)} MB`)

function measure(f) {
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const r = f()
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const cu = process.cpuUsage(c0)
  return { wall, cpu: (cu.user + cu.system) / 1e6, r }
}
function convertAll() {
  let outBytes = 0
  for (const b of blobs) {
    const opts = { agent: 'Claude Code', cliVersion: '0.6.2' }
    const x = engine ? c.compactWithOffset([b], { ...opts, offsetStart: 1 }) : c.compact(b, opts)
    if (engine) c.transcriptPosition([b], opts.agent)
    if (x.kind === 'output') outBytes += x.bytes.length
  }
  return outBytes
}
function parseAll() {
  let n = 0
  for (const b of blobs) {
    for (let s = 0; ;) {
      const q = b.indexOf(10, s)
      const e = q === -1 ? b.length : q
      if (e > s) {
        try {
          JSON.parse(b.toString('utf8', s, e))
          n++
        } catch {
          // not JSON: its bytes still count
        }
      }
      if (q === -1) break
      s = q + 1
    }
  }
  return n
}
const rows = []
for (let r = 1; r <= rounds; r++) {
  let k, p
  if (r % 2 === 1) {
    k = measure(convertAll)
    p = measure(parseAll)
  } else {
    p = measure(parseAll)
    k = measure(convertAll)
  }
  rows.push({ k, p })
  console.log(
    `round ${r}: ${engine ? 'engine job' : 'compact'} ${(mb / k.wall).toFixed(1)} MB/s wall (${(mb / k.cpu).toFixed(1)} cpu), ` +
      `output ${(k.r / 1e6).toFixed(1)} MB; JSON.parse ${(mb / p.wall).toFixed(1)} MB/s wall ` +
      `(${(mb / p.cpu).toFixed(1)} cpu), ${p.r} lines; ratio ${(p.wall / k.wall).toFixed(2)} wall, ` +
      `${(p.cpu / k.cpu).toFixed(2)} cpu`
  )
}
const median = (xs) => {
  const v = [...xs].sort((x, y) => x - y)
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
}
const warm = rows.length > 1 ? rows.slice(1) : rows
console.log(
  `median of ${warm.length} round(s): ${engine ? 'engine job' : 'compact'} ` +
    `${median(warm.map((x) => mb / x.k.wall)).toFixed(1)} MB/s wall ` +
    `(${median(warm.map((x) => mb / x.k.cpu)).toFixed(1)} cpu); JSON.parse ` +
    `${median(warm.map((x) => mb / x.p.wall)).toFixed(1)} MB/s wall ` +
    `(${median(warm.map((x) => mb / x.p.cpu)).toFixed(1)} cpu); ratio ` +
    `${median(warm.map((x) => x.p.wall / x.k.wall)).toFixed(2)} wall, ` +
    `${median(warm.map((x) => x.p.cpu / x.k.cpu)).toFixed(2)} cpu`
)
