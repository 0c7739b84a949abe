// v1 reader: the shard walk, transcript file rules, prompts, and real checkpoints from the corpus
// (fixtures/v1, see its MANIFEST.md) classified as the reference reader sees them.
import { describe, expect, test } from '@jest/globals'
import {
  chooseV1SourceRef,
  compareMigrationOrder,
  chunkFileName,
  chunkJsonl,
  joinPrompts,
  listV1Checkpoints,
  migratingSessions,
  PackedListing,
  parseChunkIndex,
  planTranscript,
  readV1Checkpoint,
  scanJsonlLines,
  splitPrompts,
  transcriptBytes,
  v1ListingInfo,
  type DirEntry,
  type TreeEntryIn,
  type V1CheckpointOk,
  type V1CheckpointRead,
  type V1SessionOk
} from '../src/formats/v1/index.js'
import { formatGoTime, isZeroTime, parseRfc3339, GO_ZERO_TIME } from '../src/formats/json/time.js'
import { sha256Hex } from '../src/formats/hash.js'
import { blobOid, loadTree } from './fixtures/v1/load.js'

const blob = (path: string, content: string | Buffer, mode = '100644'): [TreeEntryIn, Buffer] => {
  const b = Buffer.isBuffer(content) ? content : Buffer.from(content)
  return [{ mode, type: 'blob', oid: blobOid(b), path }, b]
}
function tree(files: Array<[TreeEntryIn, Buffer]>) {
  return { entries: files.map(([e]) => e), blobs: new Map(files.map(([e, b]) => [e.oid, b])) }
}
const meta = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    checkpoint_id: 'a3b2c4d5e6f7',
    session_id: 's',
    strategy: 'manual-commit',
    created_at: '2026-01-01T00:00:00Z',
    checkpoints_count: 1,
    files_touched: null,
    agent: 'Claude Code',
    model: '',
    ...over
  })
const summary = (n: number) =>
  JSON.stringify({
    checkpoint_id: 'a3b2c4d5e6f7',
    strategy: 'manual-commit',
    checkpoints_count: n,
    files_touched: null,
    sessions: Array.from({ length: n }, (_, i) => ({
      metadata: `/a3/b2c4d5e6f7/${i}/metadata.json`,
      prompt: ''
    }))
  })

describe('source ref', () => {
  test('local branch, else the remote one, else nothing', () => {
    expect(
      chooseV1SourceRef([
        'refs/heads/entire/checkpoints/v1',
        'refs/remotes/origin/entire/checkpoints/v1'
      ])
    ).toEqual({ kind: 'local', ref: 'refs/heads/entire/checkpoints/v1' })
    expect(chooseV1SourceRef(['refs/remotes/origin/entire/checkpoints/v1'])).toMatchObject({
      kind: 'remote',
      remote: 'origin'
    })
    expect(chooseV1SourceRef(['refs/remotes/upstream/entire/checkpoints/v1'])).toMatchObject({
      kind: 'none'
    })
    expect(
      chooseV1SourceRef(['refs/remotes/upstream/entire/checkpoints/v1'], 'upstream')
    ).toMatchObject({ kind: 'remote' })
  })
})

describe('shard walk', () => {
  test('only 2-char root dirs and valid 12-hex ids; the rest is ignored and reported', () => {
    const { entries } = tree([
      blob('vercel.json', '{}'),
      blob('generation.json', '{}'),
      blob('abc/0123456789/metadata.json', '{}'),
      blob('a3/stray.txt', 'x'),
      blob('a3/b2c4d5e6f7/metadata.json', summary(1)),
      blob('a3/b2c4d5e6f7/0/metadata.json', meta()),
      blob('a3/B2C4D5E6F7/metadata.json', '{}'),
      blob('a3/b2c4d5e6f/metadata.json', '{}'),
      blob('64/6566222911/metadata.json', '{}'),
      blob('zz/0123456789/metadata.json', '{}')
    ])
    const l = listV1Checkpoints(entries)
    expect(l.checkpoints.map((c) => c.id)).toEqual(['a3b2c4d5e6f7', '646566222911'])
    expect(l.ignored).toEqual([
      { path: 'vercel.json', reason: 'root-file' },
      { path: 'generation.json', reason: 'root-file' },
      { path: 'abc', reason: 'root-dir-name-not-2-chars' },
      { path: 'a3/stray.txt', reason: 'shard-file' },
      { path: 'a3/B2C4D5E6F7', reason: 'invalid-checkpoint-id' },
      { path: 'a3/b2c4d5e6f', reason: 'invalid-checkpoint-id' },
      { path: 'zz/0123456789', reason: 'invalid-checkpoint-id' }
    ])
  })
  test('groups slots and tasks; works with or without tree entries (-t)', () => {
    const files = [
      blob('a3/b2c4d5e6f7/metadata.json', summary(1)),
      blob('a3/b2c4d5e6f7/0/metadata.json', meta()),
      blob('a3/b2c4d5e6f7/0/tasks/toolu_1/checkpoint.json', '{}', '100755'),
      blob('a3/b2c4d5e6f7/tasks/toolu_2/checkpoints/001-toolu_2.json', '{}')
    ]
    for (const withTrees of [false, true]) {
      const entries = tree(files).entries
      if (withTrees)
        entries.unshift({
          mode: '040000',
          type: 'tree',
          oid: 'f'.repeat(40),
          path: 'a3/b2c4d5e6f7/0'
        })
      const [cp] = listV1Checkpoints(entries).checkpoints
      expect([...cp.slots.keys()]).toEqual(['0'])
      expect(cp.slots.get('0')?.tasks).toEqual([
        { path: 'toolu_1/checkpoint.json', mode: '100755', oid: files[2][0].oid }
      ])
      expect(cp.tasks).toEqual([
        { path: 'toolu_2/checkpoints/001-toolu_2.json', mode: '100644', oid: files[3][0].oid }
      ])
    }
  })
  test('a packed listing unpacks to an equal listing (entries, slots, tasks, odd names)', () => {
    const files = [
      blob('a3/b2c4d5e6f7/metadata.json', summary(2)),
      blob('a3/b2c4d5e6f7/0/metadata.json', meta()),
      blob('a3/b2c4d5e6f7/0/full.jsonl', '{}\n'),
      blob('a3/b2c4d5e6f7/0/tasks/toolu_1/checkpoint.json', '{}', '100755'),
      blob('a3/b2c4d5e6f7/1/na\u00efve "quoted" \ud83d\ude00.txt', 'x'),
      blob('a3/b2c4d5e6f7/tasks/toolu_2/checkpoints/001-toolu_2.json', '{}'),
      blob('a3/b2c4d5e6f7/prompt.txt', 'p', '120000')
    ]
    const entries = tree(files).entries
    entries.unshift({ mode: '040000', type: 'tree', oid: 'f'.repeat(40), path: 'a3/b2c4d5e6f7/1' })
    entries.push({ mode: '160000', type: 'commit', oid: 'e'.repeat(40), path: 'a3/b2c4d5e6f7/sub' })
    for (const cp of listV1Checkpoints(entries).checkpoints) {
      const packed = new PackedListing(cp)
      const back = packed.unpack()
      expect(back).toEqual(cp)
      expect([...back.slots.keys()]).toEqual([...cp.slots.keys()])
      expect(back.entries.map((e) => 'oid' in e)).toEqual(cp.entries.map((e) => 'oid' in e))
      expect(back).not.toBe(packed.unpack())
      expect(packed.open().noted).toEqual([])
      const noted = new PackedListing(cp, [['d'.repeat(40), 70000]])
      expect(noted.open()).toEqual({ listing: cp, noted: [['d'.repeat(40), 70000]] })
    }
  })
})

describe('transcript files', () => {
  test('chunk suffix parsed like sscanf("%03d")', () => {
    expect(parseChunkIndex('full.jsonl', 'full.jsonl')).toBe(0)
    expect(parseChunkIndex('full.jsonl.001', 'full.jsonl')).toBe(1)
    expect(parseChunkIndex('full.jsonl.12x', 'full.jsonl')).toBe(12)
    expect(parseChunkIndex('full.jsonl.1000', 'full.jsonl')).toBe(100)
    expect(parseChunkIndex('full.jsonl.000', 'full.jsonl')).toBe(0)
    expect(parseChunkIndex('full.jsonl.-01', 'full.jsonl')).toBe(-1)
    expect(parseChunkIndex('full.jsonl.abc', 'full.jsonl')).toBe(-1)
    expect(parseChunkIndex('full.jsonlx', 'full.jsonl')).toBe(-1)
    expect(chunkFileName('raw_transcript', 0)).toBe('raw_transcript')
    expect(chunkFileName('raw_transcript', 7)).toBe('raw_transcript.007')
    expect(chunkFileName('raw_transcript', 1000)).toBe('raw_transcript.1000')
  })
  test('order and blob ids: base first, chunks by index; directories and non-files left out of the blob list', () => {
    const e = (name: string, type: DirEntry['type'] = 'blob', mode = '100644'): DirEntry => ({
      name,
      type,
      mode,
      oid: name
        .padEnd(40, '0')
        .slice(0, 40)
        .replace(/[^0-9a-f]/g, 'a')
    })
    const entries = [
      e('full.jsonl'),
      e('full.jsonl.002'),
      e('full.jsonl.010'),
      e('full.jsonl.1'),
      e('full.jsonl.000'),
      e('full.jsonl.003', 'tree', '040000'),
      e('full.jsonl.004', 'commit', '160000'),
      e('metadata.json')
    ]
    const plan = planTranscript(entries)
    expect(plan.mode).toBe('chunked')
    expect(plan.files).toEqual([
      'full.jsonl',
      'full.jsonl.1',
      'full.jsonl.002',
      'full.jsonl.003',
      'full.jsonl.004',
      'full.jsonl.010'
    ])
    expect(plan.blobIds).toEqual([entries[0], entries[3], entries[1], entries[2]].map((x) => x.oid))
    expect(planTranscript([e('full.log')])).toEqual({
      mode: 'single',
      files: ['full.log'],
      blobIds: [e('full.log').oid]
    })
    expect(planTranscript([e('full.log'), e('full.jsonl')]).files).toEqual([
      'full.jsonl',
      'full.log'
    ])
  })
  test('chunks are joined with one newline each; agents whose Go reassembly re-encodes are flagged', () => {
    for (const [agent, reassembly] of [
      ['Claude Code', 'jsonl'],
      ['Gemini CLI', 'document-agent-fallback'],
      ['Agent', 'jsonl']
    ] as const) {
      const { entries, blobs } = tree([
        blob('a3/b2c4d5e6f7/metadata.json', summary(1)),
        blob('a3/b2c4d5e6f7/0/metadata.json', meta({ agent })),
        blob('a3/b2c4d5e6f7/0/full.jsonl', '{"a":1}'),
        blob('a3/b2c4d5e6f7/0/full.jsonl.001', '{"b":2}\n')
      ])
      const r = readV1Checkpoint(listV1Checkpoints(entries).checkpoints[0], blobs) as V1CheckpointOk
      const s = r.sessions[0] as V1SessionOk
      expect(transcriptBytes(s.transcript).toString()).toBe('{"a":1}\n{"b":2}\n')
      expect(s.transcript.length).toBe(16)
      expect(s.transcriptSha256).toBe(sha256Hex(Buffer.from('{"a":1}\n{"b":2}\n')))
      expect(s.transcript.reassembly).toBe(reassembly)
      expect(s.transcript.blobIds).toHaveLength(2)
      expect(r.oddities.map((o) => o.kind)).toContain('chunked-transcript')
    }
  })
  test('JSONL chunker: split at the limit, one trailing newline removed per chunk, joining restores', () => {
    const content = Buffer.from('aaaa\nbbbb\ncccc\n')
    const chunks = chunkJsonl(content, 10)
    expect(chunks.map((c) => c.toString())).toEqual(['aaaa\nbbbb', 'cccc\n'])
    expect(Buffer.concat([chunks[0], Buffer.from('\n'), chunks[1]]).equals(content)).toBe(true)
    expect(() => chunkJsonl(Buffer.from('x'.repeat(20)), 10)).toThrow()
  })
})

describe('prompts', () => {
  test('split on the separator, trailing empties dropped, bytes kept', () => {
    expect(splitPrompts(Buffer.alloc(0))).toEqual([])
    expect(splitPrompts(Buffer.from('a\n\n---\n\nb')).map(String)).toEqual(['a', 'b'])
    expect(splitPrompts(Buffer.from('a\n\n---\n\n\n\n---\n\n')).map(String)).toEqual(['a'])
    expect(splitPrompts(Buffer.from('\n\n---\n\nb')).map(String)).toEqual(['', 'b'])
    const raw = Buffer.from([0x61, 0xff, 0x0a])
    expect(joinPrompts(splitPrompts(raw)).equals(raw)).toBe(true)
  })
})

describe('bad input gives typed outcomes naming checkpoint and file', () => {
  const read = (files: Array<[TreeEntryIn, Buffer]>, drop?: string): V1CheckpointRead => {
    const { entries, blobs } = tree(files)
    if (drop) blobs.delete(files.find(([e]) => e.path === drop)![0].oid)
    return readV1Checkpoint(listV1Checkpoints(entries).checkpoints[0], blobs)
  }
  test('no summary, undecodable summary, unavailable blob', () => {
    expect(read([blob('a3/b2c4d5e6f7/0/metadata.json', meta())])).toMatchObject({
      kind: 'no-summary',
      id: 'a3b2c4d5e6f7',
      path: 'a3/b2c4d5e6f7/metadata.json'
    })
    expect(read([blob('a3/b2c4d5e6f7/metadata.json', '{"sessions":[]}{}')])).toMatchObject({
      kind: 'summary-error',
      path: 'a3/b2c4d5e6f7/metadata.json'
    })
    expect(read([blob('a3/b2c4d5e6f7/metadata.json', '{"checkpoint_id":"nope"}')])).toMatchObject({
      kind: 'summary-error'
    })
    expect(
      read(
        [
          blob('a3/b2c4d5e6f7/metadata.json', summary(1)),
          blob('a3/b2c4d5e6f7/0/metadata.json', meta()),
          blob('a3/b2c4d5e6f7/0/full.jsonl', 'x')
        ],
        'a3/b2c4d5e6f7/0/full.jsonl'
      )
    ).toMatchObject({ kind: 'blob-unavailable', path: 'a3/b2c4d5e6f7/0/full.jsonl' })
  })
  test('session metadata malformed or partial: the reader continues like Go', () => {
    const r = read([
      blob('a3/b2c4d5e6f7/metadata.json', summary(3)),
      blob('a3/b2c4d5e6f7/0/metadata.json', '{"session_id":"x"'),
      blob('a3/b2c4d5e6f7/0/full.jsonl', 'line'),
      blob(
        'a3/b2c4d5e6f7/1/metadata.json',
        '{"session_id":"y","checkpoints_count":"2","agent":"Claude Code"}'
      ),
      blob('a3/b2c4d5e6f7/1/full.jsonl', 'line'),
      blob('a3/b2c4d5e6f7/2/full.jsonl', '')
    ]) as V1CheckpointOk
    expect(r.kind).toBe('ok')
    const [s0, s1, s2] = r.sessions
    expect(s0).toMatchObject({ kind: 'ok', metadataStatus: 'undecodable', agentType: '' })
    expect(s0.kind === 'ok' && s0.metadata.session_id).toBe('')
    expect(s1).toMatchObject({ kind: 'ok', metadataStatus: 'undecodable', agentType: '' })
    expect(s1.kind === 'ok' && s1.metadata.session_id).toBe('y')
    expect(s2).toMatchObject({ kind: 'no-transcript', metadataStatus: 'missing' })
    const kinds = r.oddities.map((o) => `${o.kind} ${o.path}`)
    expect(kinds).toEqual(
      expect.arrayContaining([
        'session-metadata-undecodable a3/b2c4d5e6f7/0/metadata.json',
        'session-metadata-partial a3/b2c4d5e6f7/1/metadata.json',
        'session-metadata-missing a3/b2c4d5e6f7/2/metadata.json',
        'metadata-only-session a3/b2c4d5e6f7/2'
      ])
    )
  })
})

describe('real checkpoints from the corpus (fixtures/v1)', () => {
  const { entries, blobs } = loadTree()
  const listing = listV1Checkpoints(entries)
  const byPath = new Map(listing.checkpoints.map((cp) => [cp.path, cp]))
  const read = (path: string) =>
    readV1Checkpoint(byPath.get(path)!, blobs, { scanJsonl: true }) as V1CheckpointOk
  const kinds = (r: V1CheckpointOk) => [...new Set(r.oddities.map((o) => o.kind))].sort()
  const shape = (r: V1CheckpointOk) => r.sessions.map((s) => s.kind).join(',')

  test('all fixtures listed', () => {
    expect(listing.checkpoints).toHaveLength(12)
    expect(listing.ignored).toEqual([])
  })

  test('gap at directory 1 (legacy script): session 1 missing, last directory unreachable', () => {
    const r = read('17/01406a426c')
    expect(shape(r)).toBe('no-transcript,missing-dir')
    expect(migratingSessions(r)).toHaveLength(0)
    expect(r.extraSlots.map((x) => x.name)).toEqual(['2'])
    expect(kinds(r)).toEqual(
      expect.arrayContaining([
        'session-dir-missing',
        'session-dir-beyond-summary',
        'summary-path-mismatch',
        'non-utc-created-at',
        'unknown-keys'
      ])
    )
    const info = v1ListingInfo(byPath.get('17/01406a426c')!, blobs)
    expect(info.sessionCount).toBe(2)
    expect(isZeroTime(info.createdAt)).toBe(true) // directory 1 does not exist
  })

  test('more directories than summary entries; the same session id twice', () => {
    const nine = read('9b/04c3d92e38')
    expect(shape(nine)).toBe('ok')
    expect(nine.extraSlots.map((x) => x.name)).toEqual(['1', '2', '3', '4'])
    const f6 = read('f6/a415abf2b0')
    expect(shape(f6)).toBe('ok')
    expect(kinds(f6)).toContain('duplicate-session-id')
    const ninety = read('90/ed5b9b296e')
    expect(migratingSessions(ninety).map((s) => s.metadata.session_id)).toEqual([
      ninety.sessions[0].kind === 'ok' ? ninety.sessions[0].metadata.session_id : '',
      ninety.sessions[0].kind === 'ok' ? ninety.sessions[0].metadata.session_id : ''
    ])
  })

  test('summary paths repeating the checkpoint prefix are reported, never followed', () => {
    const r = read('93/416fad752b')
    expect(kinds(r)).toContain('summary-path-repeats-prefix')
    expect(r.oddities.find((o) => o.kind === 'summary-path-repeats-prefix')?.detail).toContain(
      '/93/416fad752b/93/416fad752b/'
    )
    expect(migratingSessions(r)).toHaveLength(r.sessions.length)
  })

  test('metadata-only sessions, dangling summary paths, no migratable session', () => {
    expect(shape(read('b4/58953c1628'))).toBe('no-transcript')
    expect(kinds(read('b4/58953c1628'))).toEqual(
      expect.arrayContaining(['summary-prompt-path-dangling', 'summary-transcript-path-dangling'])
    )
    expect(shape(read('f4/3b0ea5ee16'))).toBe('no-transcript,no-transcript')
  })

  test('content hashes: missing, wrong (legacy), right', () => {
    expect(kinds(read('c9/45f262e88d'))).toEqual(
      expect.arrayContaining(['content-hash-missing', 'agent-missing'])
    )
    expect(kinds(read('d8/ab7104d00c'))).toContain('content-hash-mismatch')
    const clean = read('39/7737088f0a')
    expect(kinds(clean)).not.toContain('content-hash-mismatch')
  })

  test('a JSONL line with two glued objects', () => {
    const r = read('37/995ebed6e4')
    const o = r.oddities.find((x) => x.kind === 'jsonl-glued-objects')
    expect(o).toEqual({
      kind: 'jsonl-glued-objects',
      path: '37/995ebed6e4/2/full.jsonl',
      detail: 'lines 1'
    })
    // A Gemini-style JSON document is not reported as malformed JSONL.
    const c9 = read('c9/45f262e88d')
    const s = c9.sessions[0] as V1SessionOk
    expect(scanJsonlLines(s.transcript).format).toBe('json-document')
  })

  test('non-UTC created_at values are decoded with their offset', () => {
    const r = read('64/8f427bfed6')
    const times = r.sessions.flatMap((s) =>
      s.kind === 'missing-dir' ? [] : [formatGoTime(s.metadata.created_at)]
    )
    expect(times.some((x) => /[+-]\d\d:\d\d$/.test(x))).toBe(true)
  })
})

test('migration order: dated first, by instant at nanosecond precision, then id', () => {
  const p = (s: string) => parseRfc3339(s)!
  const infos = [
    { id: 'cccccccccccc', createdAt: GO_ZERO_TIME },
    { id: 'bbbbbbbbbbbb', createdAt: p('2026-01-01T01:00:00.000000002+01:00') },
    { id: 'aaaaaaaaaaaa', createdAt: GO_ZERO_TIME },
    { id: 'dddddddddddd', createdAt: p('2026-01-01T00:00:00.000000001Z') },
    { id: 'eeeeeeeeeeee', createdAt: p('2026-01-01T00:00:00.000000002Z') }
  ]
  expect([...infos].sort(compareMigrationOrder).map((i) => i.id[0])).toEqual([
    'd',
    'b',
    'e',
    'a',
    'c'
  ])
})
