// Run-level checks of the `/full` refs: archive names, `generation.json` envelopes, layout of
// `/full/current` and archives, and that every `/full` checkpoint and slot is also on `/main`.
import { forgetParsedDocs, obj, parseDoc, reencode, str, GENERATION_ENC, type Doc } from './docs.js'
import { expectedSlots } from './checkpoint.js'
import { writerProfile } from './writers.js'
import type { TreeEntry } from './git-read.js'
import { joinChunks, v2RawTranscriptFiles } from './layout.js'
import {
  addToWindow,
  openWindow,
  smallBlobOids,
  type BlobRead,
  type FullRef,
  type Repo,
  type RepoState
} from './model.js'
import { firstDifference, type Tally } from './record.js'
import type { CheckFailure, CheckName, VerifyNote } from './types.js'
import { formatInstant, GO_ZERO_TIME, parseInstant } from './values.js'

export interface RunLevel {
  failures: CheckFailure[]
  notes: VerifyNote[]
}

/**
 * Each `/full` ref is checked on a window of its own checkpoints, decoded from the listings; an
 * archive's window also reads its small blobs (the envelope needs the sessions' created_at).
 */
export async function verifyGenerations(
  repo: Repo,
  tally: Tally,
  out: RunLevel,
  foreignWriter: boolean,
  read: BlobRead
): Promise<void> {
  const check = (check: CheckName, ok: boolean, f: Partial<Omit<CheckFailure, 'check'>>) => {
    tally.count(check, ok)
    if (!ok) out.failures.push({ check, message: '', ...f })
  }
  for (const bad of repo.badFullRefs) {
    check('generation.names', false, {
      ref: bad,
      message: `${bad}: not "current" nor a 13-digit archive number; Go readers ignore it`,
      expected: 'current or 13 digits',
      actual: bad.split('/').pop()
    })
  }
  if (repo.fullTrees.length > 0) tally.count('generation.names', true)

  const seen = new Map<string, string[]>()
  for (const [i, ft] of repo.fullTrees.entries()) {
    const state = openWindow(repo)
    for (const id of ft.tree.ids()) addToWindow(repo, state, id)
    const fr = state.fullRefs[i]
    const isArchive = fr.archive !== undefined
    const rootFiles = [...fr.index.rootFiles.keys()]
    const unexpectedRoot = rootFiles.filter((f) => !(isArchive && f === 'generation.json'))
    const cpFiles: string[] = []
    for (const cp of fr.index.checkpoints.values()) {
      for (const f of cp.files.keys()) cpFiles.push(`${cp.dir}/${f}`)
      const list = seen.get(cp.id) ?? []
      list.push(fr.ref)
      seen.set(cp.id, list)
    }
    check(
      'generation.layout',
      unexpectedRoot.length === 0 && fr.index.stray.length === 0 && cpFiles.length === 0,
      {
        ref: fr.ref,
        file: [...unexpectedRoot, ...fr.index.stray, ...cpFiles][0],
        message: `${fr.ref}: entries outside the /full layout${!isArchive && rootFiles.includes('generation.json') ? ' (/full/current must not hold generation.json)' : ''}`,
        expected: isArchive ? 'shard directories and generation.json' : 'shard directories only',
        actual: [...unexpectedRoot, ...fr.index.stray, ...cpFiles].slice(0, 10).join(', ')
      }
    )
    // Every /full checkpoint and slot is on /main.
    const orphans: string[] = []
    for (const cp of fr.index.checkpoints.values()) {
      const main = state.main.checkpoints.get(cp.id)
      for (const slot of cp.slots.keys()) {
        if (slot === 'tasks') continue
        if (!main || !main.slots.has(slot)) orphans.push(`${cp.dir}/${slot}`)
      }
    }
    check('generation.layout', orphans.length === 0, {
      ref: fr.ref,
      file: orphans[0],
      message: `${fr.ref}: slots not on /main`,
      expected: '(none)',
      actual: orphans.slice(0, 10).join(', ')
    })
    if (isArchive) {
      const envelope = fr.index.rootFiles.get('generation.json')
      const oids = smallBlobOids(state)
      if (envelope) oids.push(envelope.oid)
      for (const [oid, b] of await read([...new Set(oids)])) state.small.set(oid, b)
      await verifyEnvelope(read, state, fr, check, out, foreignWriter)
      forgetParsedDocs()
    }
  }
  for (const [id, refs] of seen) {
    if (refs.length > 1) {
      out.notes.push({
        kind: 'split-generation',
        checkpointId: id,
        message: `checkpoint ${id} has slots in ${refs.length} /full refs (${refs.join(', ')}); legitimate after a resume repack (migration.md §11.2)`
      })
    }
  }
}

async function verifyEnvelope(
  read: BlobRead,
  state: RepoState,
  fr: FullRef,
  check: (c: CheckName, ok: boolean, f: Partial<Omit<CheckFailure, 'check'>>) => void,
  out: RunLevel,
  foreignWriter: boolean
): Promise<void> {
  const e = fr.index.rootFiles.get('generation.json')
  const file = 'generation.json'
  if (!e) {
    check('generation.envelope', false, {
      ref: fr.ref,
      file,
      message: `${fr.ref}: archive without generation.json`,
      expected: 'present',
      actual: '(missing)'
    })
    return
  }
  const doc = parseDoc(state.small.get(e.oid) ?? Buffer.alloc(0))
  const g = obj(doc)
  const oldest =
    typeof g?.oldest_checkpoint_at === 'string' ? parseInstant(g.oldest_checkpoint_at) : undefined
  const newest =
    typeof g?.newest_checkpoint_at === 'string' ? parseInstant(g.newest_checkpoint_at) : undefined
  const keys = g ? Object.keys(g).join(',') : ''
  if (
    !g ||
    oldest === undefined ||
    newest === undefined ||
    oldest > newest ||
    keys !== 'oldest_checkpoint_at,newest_checkpoint_at'
  ) {
    check('generation.envelope', false, {
      ref: fr.ref,
      file,
      message: `${fr.ref}: generation.json is not a valid envelope`,
      expected: '{oldest_checkpoint_at ≤ newest_checkpoint_at}',
      actual: doc.bytes.toString('utf8').slice(0, 200)
    })
    return
  }
  // Encoding.
  try {
    const again = reencode(doc, GENERATION_ENC)
    const d = firstDifference(again, doc.bytes)
    if (!d) check('encoding', true, {})
    else if (foreignWriter)
      out.notes.push({
        kind: 'encoding-foreign',
        file: `${fr.ref}:${file}`,
        message: `generation.json of ${fr.ref}: our encoder writes line ${d.line} as ${d.left}`
      })
    else
      check('encoding', false, {
        ref: fr.ref,
        file,
        message: `${fr.ref}: generation.json bytes differ from our encoder's at line ${d.line}`,
        expected: d.left,
        actual: d.right
      })
  } catch (err) {
    check('encoding', false, {
      ref: fr.ref,
      file,
      message: `${fr.ref}: generation.json: ${String(err)}`
    })
  }
  // Expected envelope (migration.md §9.1): the v1 created_at of the packed sessions, zeros
  // ignored — not /main's, which carries the run's clock for a zero v1 time (§6.2) — else the
  // transcript envelope; a rotation archive has the /main tree-scan envelope (§9.2), a repair
  // pass the transcript envelope (§10).
  const packed: bigint[] = []
  const scan: bigint[] = []
  for (const cp of fr.index.checkpoints.values()) {
    const main = state.main.checkpoints.get(cp.id)
    if (!main) continue
    const v1 = state.v1.get(cp.id)
    const writer = str(obj(docFor(state, main.files.get('metadata.json')))?.cli_version)
    const v1Of = v1 ? expectedSlots(v1, writerProfile(writer)) : []
    for (const [name, slot] of main.slots) {
      const m = obj(docFor(state, slot.files.get('metadata.json')))
      const t = typeof m?.created_at === 'string' ? parseInstant(m.created_at) : undefined
      if (t !== undefined && t !== GO_ZERO_TIME) scan.push(t)
      if (!cp.slots.has(name)) continue
      // A slot without a v1 session (written natively) counts with its /main time.
      const s = v1 && /^\d+$/.test(name) ? v1.sessions[v1Of[Number(name)] ?? -1] : undefined
      const v1m = s ? obj(s.meta) : undefined
      const c = v1m
        ? typeof v1m.created_at === 'string'
          ? parseInstant(v1m.created_at)
          : undefined
        : t
      if (c !== undefined && c !== GO_ZERO_TIME) packed.push(c)
    }
  }
  const env = (ts: bigint[]) =>
    ts.length
      ? [ts.reduce((a, b) => (b < a ? b : a)), ts.reduce((a, b) => (b > a ? b : a))]
      : undefined
  const same = (x: bigint[] | undefined) => !!x && x[0] === oldest && x[1] === newest
  const show = (x: bigint[] | undefined) =>
    x ? `${formatInstant(x[0])} … ${formatInstant(x[1])}` : '(none)'
  const created = env(packed)
  if (same(created)) {
    check('generation.envelope', true, {})
    return
  }
  if (same(env(scan))) {
    out.notes.push({
      kind: 'info',
      file: `${fr.ref}:${file}`,
      message: `${fr.ref}: generation.json is the /main tree-scan envelope (rotation archive, v2-format.md §6.4)`
    })
    check('generation.envelope', true, {})
    return
  }
  const transcript = await transcriptEnvelope(read, fr)
  if (same(transcript)) {
    out.notes.push({
      kind: 'info',
      file: `${fr.ref}:${file}`,
      message: created
        ? `${fr.ref}: generation.json is the transcript-timestamp envelope (repair pass or Go v0.6.0/v0.6.1 precedence, migration.md §9–§10)`
        : `${fr.ref}: generation.json is the transcript-timestamp envelope (no packed session has a non-zero v1 created_at, migration.md §9.1 step 2)`
    })
    check('generation.envelope', true, {})
    return
  }
  check('generation.envelope', false, {
    ref: fr.ref,
    file,
    message: `${fr.ref}: generation.json matches none of the created_at, tree-scan or transcript envelopes`,
    expected: `${show(created)} (v1 created_at of packed sessions)`,
    actual: `${formatInstant(oldest)} … ${formatInstant(newest)}`
  })
}

function docFor(state: RepoState, e: TreeEntry | undefined): Doc | undefined {
  return e ? parseDoc(state.small.get(e.oid) ?? Buffer.alloc(0)) : undefined
}

const LF = 0x0a
const TIMESTAMP_KEY = Buffer.from('"timestamp"')

/** Min/max of top-level `timestamp` strings over every raw transcript line of an archive. */
async function transcriptEnvelope(read: BlobRead, fr: FullRef): Promise<bigint[] | undefined> {
  let lo: bigint | undefined
  let hi: bigint | undefined
  for (const cp of fr.index.checkpoints.values()) {
    const oids = [...cp.slots.values()].flatMap((s) =>
      v2RawTranscriptFiles(s).chunks.map((c) => c.entry.oid)
    )
    const blobs = await read(oids)
    for (const slot of cp.slots.values()) {
      const parts = v2RawTranscriptFiles(slot).chunks.map(
        (c) => blobs.get(c.entry.oid) ?? Buffer.alloc(0)
      )
      if (parts.length === 0) continue
      const r = timestampRange(joinChunks(parts))
      if (r === undefined) continue
      if (lo === undefined || r[0] < lo) lo = r[0]
      if (hi === undefined || r[1] > hi) hi = r[1]
    }
  }
  return lo === undefined || hi === undefined ? undefined : [lo, hi]
}

/**
 * Min/max of the top-level `timestamp` strings of a raw transcript's lines (split on `\n`,
 * trimmed, starting with `{`, valid JSON), undefined when none.
 */
export function timestampRange(b: Buffer): [bigint, bigint] | undefined {
  let lo: bigint | undefined
  let hi: bigint | undefined
  // Only lines holding these bytes can pass (ASCII decodes to itself even next to invalid
  // UTF-8, and LF never ends a multi-byte sequence): only those are decoded.
  for (let hit = b.indexOf(TIMESTAMP_KEY); hit !== -1;) {
    const at = b.lastIndexOf(LF, hit) + 1
    let e = b.indexOf(LF, hit)
    if (e === -1) e = b.length
    hit = e < b.length ? b.indexOf(TIMESTAMP_KEY, e + 1) : -1
    const l = b.toString('utf8', at, e).trim()
    if (!l.startsWith('{') || !l.includes('"timestamp"')) continue
    let v: unknown
    try {
      v = JSON.parse(l)
    } catch {
      continue
    }
    const ts = (v as Record<string, unknown>)?.timestamp
    const t = typeof ts === 'string' && ts ? parseInstant(ts) : undefined
    if (t === undefined) continue
    if (lo === undefined || t < lo) lo = t
    if (hi === undefined || t > hi) hi = t
  }
  return lo === undefined || hi === undefined ? undefined : [lo, hi]
}
