// Verification of the per-checkpoint refs target, re-read from git (not from the run's memory):
// every v1 checkpoint has its ref; the ref tree equals the v1 directory except root metadata.json;
// that file matches the v1 one field by field after the two normalisation rules (checked with
// JSON.parse, a decoder independent of the converter's); commit shape; no extra refs.
import { readObjectsAll } from '../../../git/objects.js'
import { parseTree } from '../../../git/tree.js'
import type { GitRunner } from '../../../git/runner.js'
import { firstParentCommits } from '../../../git/refs-push.js'
import {
  importMessage,
  isTreeMode,
  parseCheckpointRef,
  refNameFor,
  v1DirFor,
  type TreeEntry
} from '../../../formats/git-refs/index.js'
import { listCheckpointRefs, readBranch } from './read.js'

export interface RefsVerifyProblem {
  id: string
  ref: string
  problem: string
}

export interface RefsVerifyReport {
  ok: boolean
  /** v1 checkpoints checked (ids on the deleted list excluded). */
  checked: number
  /** Checkpoints whose ref matched at its tip; the others matched deeper on the first-parent chain. */
  matchedAtTip: number
  matchedOnChain: number
  /** metadata.json fields compared. */
  fieldsCompared: number
  problems: RefsVerifyProblem[]
  /** Refs under refs/entire/checkpoints/<shard>/<id> that changed although the run did not write them. */
  unexpectedRefs: string[]
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** The v1 root metadata.json after the two rules of §3.3, on JSON.parse values. */
function expectedMetadata(id: string, original: Json): Json {
  if (!original || typeof original !== 'object' || Array.isArray(original)) return original
  const out: { [k: string]: Json } = { ...original }
  delete out.checkpoint_version
  const prefix = '/' + v1DirFor(id)
  if (Array.isArray(out.sessions)) {
    out.sessions = out.sessions.map((s) => {
      if (!s || typeof s !== 'object' || Array.isArray(s)) return s
      const o: { [k: string]: Json } = {}
      for (const [k, v] of Object.entries(s)) {
        o[k] = typeof v === 'string' && v.startsWith(prefix + '/') ? v.slice(prefix.length) : v
      }
      return o
    })
  }
  return out
}

/** Field-by-field comparison; returns the differing paths and counts compared leaves. */
function compareFields(
  a: Json,
  b: Json,
  path: string,
  diffs: string[],
  counter: { n: number }
): void {
  const kind = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)
  if (kind(a) !== kind(b)) {
    diffs.push(`${path || '(root)'}: ${kind(a)} vs ${kind(b)}`)
    return
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) diffs.push(`${path}: ${a.length} vs ${b.length} elements`)
    a.forEach((v, i) => i < b.length && compareFields(v, b[i], `${path}[${i}]`, diffs, counter))
    return
  }
  if (a && typeof a === 'object' && b && typeof b === 'object') {
    const ao = a as { [k: string]: Json }
    const bo = b as { [k: string]: Json }
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
      const p = path ? `${path}.${k}` : k
      if (!(k in ao)) diffs.push(`${p}: unexpected in the ref`)
      else if (!(k in bo)) diffs.push(`${p}: missing in the ref`)
      else compareFields(ao[k], bo[k], p, diffs, counter)
    }
    return
  }
  counter.n++
  if (a !== b && !(Number.isNaN(a) && Number.isNaN(b)))
    diffs.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
}

/** Layout rules of the re-encoded file (§9 item 4) that a value comparison cannot see. */
function layoutProblems(text: string): string[] {
  const out: string[] = []
  if (!text.endsWith('\n') || text.endsWith('\n\n')) out.push('does not end in exactly one newline')
  if (/"checkpoint_version"\s*:/.test(text)) out.push('still has checkpoint_version')
  for (const line of text.split('\n')) {
    const indent = /^ */.exec(line)?.[0].length ?? 0
    if (indent % 2 !== 0 || line.startsWith('\t')) {
      out.push('not indented by two spaces')
      break
    }
  }
  // Keys sorted by byte order at every level: check siblings as they appear.
  const stack: string[][] = []
  for (const line of text.split('\n')) {
    const m = /^( *)"((?:[^"\\]|\\.)*)": /.exec(line)
    const depth = (/^ */.exec(line)?.[0].length ?? 0) / 2
    while (stack.length > depth) stack.pop()
    while (stack.length < depth) stack.push([])
    if (m) {
      const level = stack[depth - 1] ?? []
      const key = JSON.parse(`"${m[2]}"`) as string
      const prev = level[level.length - 1]
      if (prev !== undefined && Buffer.compare(Buffer.from(prev), Buffer.from(key)) >= 0) {
        out.push(`keys not sorted (${JSON.stringify(prev)} before ${JSON.stringify(key)})`)
        break
      }
      level.push(key)
    }
    if (/[{[]$/.test(line)) stack.push([])
  }
  return out
}

function sameEntry(a: TreeEntry, b: TreeEntry): boolean {
  return a.name === b.name && a.mode === b.mode && a.oid === b.oid
}

export interface VerifyInput {
  rootTree: string
  deleted: Set<string>
  /** Checkpoint refs read at plan time. */
  refsBefore: Map<string, string>
  /** Refs this run set (ref → new value). */
  written: Map<string, string>
  /** Checkpoints the run knows it could not convert (failed, conflicts): reported, not re-reported. */
  expectedMissing: Set<string>
}

export async function verifyConversion(
  git: GitRunner,
  input: VerifyInput
): Promise<RefsVerifyReport> {
  // Verification decodes metadata.json its own way: the converter's normalisation is not run.
  const branch = await readBranch(git, input.rootTree, { normalise: false })
  const refsNow = await listCheckpointRefs(git)
  const problems: RefsVerifyProblem[] = []
  const unexpectedRefs: string[] = []
  // No extra refs: every ref that is new or moved must be one this run wrote, at the value written.
  for (const [ref, oid] of refsNow) {
    if (input.refsBefore.get(ref) === oid) continue
    // A ref someone else moved during the run is reported as that checkpoint's conflict already.
    if (input.expectedMissing.has(parseCheckpointRef(ref) ?? '')) continue
    if (input.written.get(ref) !== oid) unexpectedRefs.push(ref)
  }
  for (const [ref] of input.refsBefore)
    if (!refsNow.has(ref)) unexpectedRefs.push(`${ref} (deleted)`)
  const cps = branch.checkpoints.filter(
    (c) => !input.deleted.has(c.id) && !input.expectedMissing.has(c.id)
  )
  const present = cps.filter((c) => {
    const ref = refNameFor(c.id)
    if (refsNow.has(ref)) return true
    problems.push({ id: c.id, ref, problem: 'no ref for this v1 checkpoint' })
    return false
  })
  const tips = present.map((c) => refsNow.get(refNameFor(c.id)) as string)
  const commitObjs = await readObjectsAll(git, tips)
  const commitInfo = commitObjs.map((o) => {
    if (o.missing || o.type !== 'commit') return null
    const text = o.content.toString('utf8')
    const head = text.slice(0, text.indexOf('\n\n'))
    return {
      tree: /^tree (\S+)$/m.exec(head)?.[1] ?? '',
      parents: [...head.matchAll(/^parent (\S+)$/gm)].map((m) => m[1]),
      author: /^author (.*)$/m.exec(head)?.[1] ?? '',
      committer: /^committer (.*)$/m.exec(head)?.[1] ?? '',
      message: text.slice(text.indexOf('\n\n') + 2)
    }
  })
  // Commit shape of what this run wrote (§9 items 5, 6).
  present.forEach((c, k) => {
    const ref = refNameFor(c.id)
    const info = commitInfo[k]
    if (!info) {
      problems.push({ id: c.id, ref, problem: `tip ${tips[k]} is not a readable commit` })
      return
    }
    if (input.written.get(ref) === tips[k]) {
      if (info.message !== importMessage(c.id))
        problems.push({ id: c.id, ref, problem: `message ${JSON.stringify(info.message)}` })
      if (info.author !== info.committer)
        problems.push({ id: c.id, ref, problem: 'author differs from committer' })
      const before = input.refsBefore.get(ref)
      if (info.parents.length > 1) problems.push({ id: c.id, ref, problem: 'more than one parent' })
      if (info.parents.length === 1 && info.parents[0] !== before) {
        problems.push({
          id: c.id,
          ref,
          problem: `parent ${info.parents[0]} is not the previous tip ${before ?? '(none)'}`
        })
      }
    }
  })
  // Trees: the tip's first; refs whose tip does not match are checked along their first-parent chain.
  const checkTrees = async (pairs: Array<{ cp: (typeof present)[number]; tree: string }>) => {
    const trees = await readObjectsAll(
      git,
      pairs.map((p) => p.tree)
    )
    const metaPairs: Array<{ k: number; refBlob: string; v1Blob: string }> = []
    const verdict: Array<string | null> = pairs.map(() => null)
    trees.forEach((o, k) => {
      const { cp } = pairs[k]
      if (o.missing || o.type !== 'tree') {
        verdict[k] = 'tree unreadable'
        return
      }
      const got = parseTree(o.content, 'sha1').map((e) => ({
        mode: e.mode,
        name: e.path,
        oid: e.oid
      }))
      const want = cp.entries
      const names = new Set([...got.map((e) => e.name), ...want.map((e) => e.name)])
      for (const name of names) {
        const g = got.find((e) => e.name === name)
        const w = want.find((e) => e.name === name)
        if (!g || !w) {
          verdict[k] = `entry ${name} ${g ? 'not in v1' : 'missing from the ref'}`
          return
        }
        if (name === 'metadata.json' && !isTreeMode(w.mode)) {
          if (g.mode !== '100644' && g.mode !== w.mode) verdict[k] = `metadata.json mode ${g.mode}`
          else metaPairs.push({ k, refBlob: g.oid, v1Blob: w.oid })
          continue
        }
        if (!sameEntry(g, w)) {
          verdict[k] = `entry ${name}: ${g.mode} ${g.oid} in the ref, ${w.mode} ${w.oid} in v1`
          return
        }
      }
    })
    const blobs = await readObjectsAll(
      git,
      metaPairs.flatMap((m) => [m.refBlob, m.v1Blob])
    )
    let fields = 0
    metaPairs.forEach((m, j) => {
      if (verdict[m.k]) return
      const rb = blobs[2 * j]
      const vb = blobs[2 * j + 1]
      if (rb.missing || vb.missing) {
        verdict[m.k] = 'metadata.json blob unreadable'
        return
      }
      if (m.refBlob === m.v1Blob) return // unchanged: allowed only when no rule applies (checked below)
      const id = pairs[m.k].cp.id
      let want: Json
      let got: Json
      try {
        want = expectedMetadata(id, JSON.parse(vb.content.toString('utf8')) as Json)
        got = JSON.parse(rb.content.toString('utf8')) as Json
      } catch (e) {
        verdict[m.k] = `metadata.json does not parse: ${(e as Error).message}`
        return
      }
      const diffs: string[] = []
      const counter = { n: 0 }
      compareFields(want, got, '', diffs, counter)
      fields += counter.n
      const layout = layoutProblems(rb.content.toString('utf8'))
      if (diffs.length || layout.length)
        verdict[m.k] = `metadata.json: ${[...diffs, ...layout].slice(0, 5).join('; ')}`
    })
    // An unchanged blob is right only when normalisation had nothing to do.
    metaPairs.forEach((m, j) => {
      if (verdict[m.k] || m.refBlob !== m.v1Blob) return
      const vb = blobs[2 * j + 1]
      if (vb.missing) return
      try {
        const original = JSON.parse(vb.content.toString('utf8')) as Json
        const diffs: string[] = []
        compareFields(original, expectedMetadata(pairs[m.k].cp.id, original), '', diffs, { n: 0 })
        if (diffs.length)
          verdict[m.k] = `metadata.json not normalised: ${diffs.slice(0, 3).join('; ')}`
      } catch {
        verdict[m.k] = 'metadata.json copied although it is not valid JSON'
      }
    })
    return { verdict, fields }
  }
  const first = await checkTrees(
    present.flatMap((cp, k) => (commitInfo[k] ? [{ cp, tree: commitInfo[k].tree }] : []))
  )
  let fieldsCompared = first.fields
  const withInfo = present.filter((_, k) => commitInfo[k])
  let matchedAtTip = 0
  const retry: typeof present = []
  const tipVerdicts = new Map<string, string>()
  withInfo.forEach((cp, k) => {
    if (first.verdict[k] === null) matchedAtTip++
    else {
      retry.push(cp)
      tipVerdicts.set(cp.id, first.verdict[k] as string)
    }
  })
  let matchedOnChain = 0
  if (retry.length) {
    const log = await firstParentCommits(
      git,
      retry.map((c) => refsNow.get(refNameFor(c.id)) as string)
    )
    const pairs: Array<{ cp: (typeof present)[number]; tree: string }> = []
    for (const cp of retry) {
      let c = log.get(refsNow.get(refNameFor(cp.id)) as string)
      c = c ? log.get(c.parents[0] ?? '') : undefined
      for (; c; c = log.get(c.parents[0] ?? '')) pairs.push({ cp, tree: c.tree })
    }
    const deeper = await checkTrees(pairs)
    fieldsCompared += deeper.fields
    const ok = new Set(pairs.filter((_, k) => deeper.verdict[k] === null).map((p) => p.cp.id))
    for (const cp of retry) {
      if (ok.has(cp.id)) matchedOnChain++
      else
        problems.push({
          id: cp.id,
          ref: refNameFor(cp.id),
          problem: tipVerdicts.get(cp.id) as string
        })
    }
  }
  for (const r of unexpectedRefs) {
    const leaf = parseCheckpointRef(r.split(' ')[0]) ?? ''
    problems.push({ id: leaf, ref: r, problem: 'ref changed but not written by this run' })
  }
  return {
    ok: problems.length === 0,
    checked: cps.length,
    matchedAtTip,
    matchedOnChain,
    fieldsCompared,
    problems,
    unexpectedRefs
  }
}
