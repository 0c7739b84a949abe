// v2 writers: /main and /full entries of a migrated checkpoint, metadata derivation and its
// round trip from real v1 files, generation envelopes, commit catalogue.
import { describe, expect, test } from '@jest/globals'
import {
  archiveRefName,
  buildCompactBackfill,
  buildFullSessionEntries,
  buildMigratedCheckpoint,
  migratedGenerationMetadata,
  buildMainCheckpoint,
  commitMessages,
  decodeCheckpointSummary,
  decodeSessionMetadata,
  DROPPED_SESSION_FIELDS,
  encodeGenerationMetadata,
  encodeSessionMetadata,
  freshPathTaskTrees,
  fullPresenceKeys,
  mainPresenceIds,
  MIGRATION_IDENTITY,
  mergeFilesTouched,
  migrateSessionMetadata,
  migratedPromptContent,
  parseArchiveRefName,
  timeEnvelope,
  validateWriteEntry,
  transcriptTimestamps,
  type MainSessionInput
} from '../src/formats/v2/index.js'
import {
  parseRfc3339,
  formatGoTime,
  zeroSessionMetadata,
  toUtc as toUtcTime,
  type GoTime,
  type SessionMetadata
} from '../src/formats/json/index.js'
import {
  listV1Checkpoints,
  migratingSessions,
  readV1Checkpoint,
  type V1CheckpointOk,
  type V1Transcript
} from '../src/formats/v1/index.js'
import { sha256Hex } from '../src/formats/hash.js'
import { loadTree } from './fixtures/v1/load.js'

const t = (s: string): GoTime => parseRfc3339(s)!
const NOW = t('2026-11-25T19:00:00.123456789Z')

function v1Meta(over: Partial<SessionMetadata>): SessionMetadata {
  return { ...zeroSessionMetadata(), strategy: 'manual-commit', model: '', ...over }
}

describe('/main checkpoint', () => {
  const sessions: MainSessionInput[] = [
    {
      v1Metadata: v1Meta({
        cli_version: '0.4.9',
        checkpoint_id: 'a3b2c4d5e6f7',
        session_id: 's-1',
        created_at: t('2026-01-19T09:14:03.1234+11:00'),
        branch: 'feat',
        checkpoints_count: 2,
        files_touched: ['b.ts', '～', 'a.ts'],
        agent: 'Claude Code',
        model: 'opus',
        checkpoint_transcript_start: 40,
        transcript_lines_at_start: 40,
        token_usage: {
          input_tokens: 1,
          cache_creation_tokens: 2,
          cache_read_tokens: 3,
          output_tokens: 4,
          api_call_count: 5,
          subagent_tokens: {
            input_tokens: 9,
            cache_creation_tokens: 9,
            cache_read_tokens: 9,
            output_tokens: 9,
            api_call_count: 9,
            subagent_tokens: null
          }
        },
        kind: 'agent_review',
        review_skills: ['x'],
        review_prompt: 'p'
      }),
      prompt: Buffer.from('first <prompt> & more\n\n---\n\nsecond\n\n---\n\n'),
      compactTranscript: Buffer.from('{"v":1}\n'),
      compactStart: 3
    },
    {
      v1Metadata: v1Meta({
        session_id: 's-2',
        strategy: 'auto-commit',
        files_touched: ['😀', 'a.ts'],
        checkpoints_count: 1
      }),
      prompt: Buffer.alloc(0),
      compactTranscript: null,
      compactStart: 0
    }
  ]
  const out = buildMainCheckpoint({
    checkpointId: 'a3b2c4d5e6f7',
    sessions,
    combinedAttribution: null,
    now: NOW
  })
  const file = (p: string) => out.entries.find((e) => e.path === p)?.content?.toString('utf8')

  test('entries: contiguous slots, prompt only with prompts, hash only with a compact transcript', () => {
    expect(out.entries.map((e) => e.path)).toEqual([
      'a3/b2c4d5e6f7/0/prompt.txt',
      'a3/b2c4d5e6f7/0/transcript.jsonl',
      'a3/b2c4d5e6f7/0/transcript_hash.txt',
      'a3/b2c4d5e6f7/0/metadata.json',
      'a3/b2c4d5e6f7/1/metadata.json',
      'a3/b2c4d5e6f7/metadata.json'
    ])
    expect(out.entries.every((e) => e.mode === '100644' && e.content && !e.oid)).toBe(true)
    expect(file('a3/b2c4d5e6f7/0/prompt.txt')).toBe('first <prompt> & more\n\n---\n\nsecond')
    expect(file('a3/b2c4d5e6f7/0/transcript_hash.txt')).toBe(
      'sha256:' + sha256Hex(Buffer.from('{"v":1}\n'))
    )
  })

  test('session metadata bytes', () => {
    expect(file('a3/b2c4d5e6f7/0/metadata.json')).toBe(
      '{\n  "cli_version": "0.6.2",\n  "checkpoint_id": "a3b2c4d5e6f7",\n  "session_id": "s-1",\n  "strategy": "manual-commit",\n  "created_at": "2026-01-18T22:14:03.1234Z",\n  "branch": "feat",\n  "checkpoints_count": 2,\n  "files_touched": [\n    "b.ts",\n    "～",\n    "a.ts"\n  ],\n  "agent": "Claude Code",\n  "model": "opus",\n  "checkpoint_transcript_start": 3,\n' +
        '  "token_usage": {\n    "input_tokens": 1,\n    "cache_creation_tokens": 2,\n    "cache_read_tokens": 3,\n    "output_tokens": 4,\n    "api_call_count": 5,\n    "subagent_tokens": {\n      "input_tokens": 9,\n      "cache_creation_tokens": 9,\n      "cache_read_tokens": 9,\n      "output_tokens": 9,\n      "api_call_count": 9\n    }\n  }\n}\n'
    )
    // checkpoint_id from the listing, zero created_at → the run's clock reading.
    expect(file('a3/b2c4d5e6f7/1/metadata.json')).toBe(
      '{\n  "cli_version": "0.6.2",\n  "checkpoint_id": "a3b2c4d5e6f7",\n  "session_id": "s-2",\n  "strategy": "auto-commit",\n  "created_at": "2026-11-25T19:00:00.123456789Z",\n  "checkpoints_count": 1,\n  "files_touched": [\n    "😀",\n    "a.ts"\n  ],\n  "model": ""\n}\n'
    )
  })

  test('summary: aggregates, byte-sorted union, last session strategy, no subagent tokens', () => {
    expect(file('a3/b2c4d5e6f7/metadata.json')).toBe(
      '{\n  "cli_version": "0.6.2",\n  "checkpoint_id": "a3b2c4d5e6f7",\n  "strategy": "auto-commit",\n  "checkpoints_count": 3,\n  "files_touched": [\n    "a.ts",\n    "b.ts",\n    "～",\n    "😀"\n  ],\n  "sessions": [\n    {\n      "metadata": "/a3/b2c4d5e6f7/0/metadata.json",\n      "transcript": "/a3/b2c4d5e6f7/0/transcript.jsonl",\n      "content_hash": "/a3/b2c4d5e6f7/0/transcript_hash.txt",\n      "prompt": "/a3/b2c4d5e6f7/0/prompt.txt"\n    },\n    {\n      "metadata": "/a3/b2c4d5e6f7/1/metadata.json",\n      "prompt": ""\n    }\n  ],\n' +
        '  "token_usage": {\n    "input_tokens": 1,\n    "cache_creation_tokens": 2,\n    "cache_read_tokens": 3,\n    "output_tokens": 4,\n    "api_call_count": 5\n  }\n}\n'
    )
  })

  test('files_touched union is null when empty; combined attribution is the v1 value', () => {
    expect(mergeFilesTouched([null, []])).toBeNull()
    const attr = {
      calculated_at: t('2026-01-01T10:00:00.5+02:00'),
      agent_lines: 1,
      agent_removed: 0,
      human_added: 0,
      human_modified: 0,
      human_removed: 0,
      total_committed: 1,
      total_lines_changed: 1,
      agent_percentage: 100,
      metric_version: 2
    }
    const o = buildMainCheckpoint({
      checkpointId: 'a3b2c4d5e6f7',
      sessions: [sessions[1]],
      combinedAttribution: attr,
      now: NOW,
      cliVersion: 'dev'
    })
    const s = o.entries.at(-1)!.content!.toString()
    expect(s).toContain('"cli_version": "dev"')
    expect(s).toContain('  "files_touched": [\n    "a.ts",\n    "😀"\n  ],')
    expect(s).toContain(
      '"combined_attribution": {\n    "calculated_at": "2026-01-01T10:00:00.5+02:00",'
    )
    expect(s.endsWith('    "metric_version": 2\n  }\n}\n')).toBe(true)
  })

  test('prompts: no file for an empty or separator-only prompt; redaction hook; bytes kept otherwise', () => {
    expect(migratedPromptContent(Buffer.alloc(0))).toBeNull()
    expect(migratedPromptContent(Buffer.from('\n\n---\n\n'))).toBeNull()
    const raw = Buffer.from([0x68, 0x69, 0xff])
    expect(migratedPromptContent(raw)?.equals(raw)).toBe(true)
    expect(migratedPromptContent(raw, (s) => s)?.equals(raw)).toBe(true)
    expect(
      migratedPromptContent(Buffer.from('key sk-123'), (s) =>
        s.replace('sk-123', 'REDACTED')
      )?.toString()
    ).toBe('key REDACTED')
    const m = migrateSessionMetadata(
      v1Meta({
        summary: {
          intent: 'i sk',
          outcome: 'o',
          learnings: {
            repo: ['sk'],
            code: [{ path: 'p', line: 1, end_line: 0, finding: 'sk' }],
            workflow: null
          },
          friction: [],
          open_items: null
        }
      }),
      {
        checkpointId: 'a3b2c4d5e6f7',
        compactStart: 0,
        now: NOW,
        redact: (s) => s.replace('sk', 'X')
      }
    )
    expect(m.summary).toEqual({
      intent: 'i X',
      outcome: 'o',
      learnings: {
        repo: ['X'],
        code: [{ path: 'p', line: 1, end_line: 0, finding: 'X' }],
        workflow: null
      },
      friction: [],
      open_items: null
    })
  })
})

describe('/full entries', () => {
  const transcript: V1Transcript = {
    parts: [Buffer.from('a'), Buffer.from('b\n')],
    files: ['full.jsonl', 'full.jsonl.001'],
    blobIds: ['1'.repeat(40), '2'.repeat(40)],
    length: 4,
    reassembly: 'jsonl'
  }
  test('reuses v1 blob ids in chunk order, hashes the reassembled bytes, tasks never replace', () => {
    const entries = buildFullSessionEntries('a3b2c4d5e6f7', {
      slot: 1,
      transcript,
      taskTrees: [
        [{ path: 't/checkpoint.json', mode: '100755', oid: '3'.repeat(40) }],
        [
          { path: 't/checkpoint.json', mode: '100644', oid: '4'.repeat(40) },
          { path: 't/agent-x.jsonl', mode: '100644', oid: '5'.repeat(40) }
        ]
      ]
    })
    expect(entries).toEqual([
      { path: 'a3/b2c4d5e6f7/1/raw_transcript', mode: '100644', oid: '1'.repeat(40) },
      { path: 'a3/b2c4d5e6f7/1/raw_transcript.001', mode: '100644', oid: '2'.repeat(40) },
      {
        path: 'a3/b2c4d5e6f7/1/raw_transcript_hash.txt',
        mode: '100644',
        content: Buffer.from('sha256:' + sha256Hex(Buffer.from('a\nb\n')))
      },
      { path: 'a3/b2c4d5e6f7/1/tasks/t/checkpoint.json', mode: '100755', oid: '3'.repeat(40) },
      { path: 'a3/b2c4d5e6f7/1/tasks/t/agent-x.jsonl', mode: '100644', oid: '5'.repeat(40) }
    ])
  })
  test('without reusable blobs the transcript is written as new content', () => {
    const entries = buildFullSessionEntries('a3b2c4d5e6f7', {
      slot: 0,
      transcript: { ...transcript, blobIds: [] }
    })
    expect(entries[0]).toEqual({
      path: 'a3/b2c4d5e6f7/0/raw_transcript',
      mode: '100644',
      content: Buffer.from('a\nb\n')
    })
  })
  test('generation timestamps: created-at envelope in UTC ignoring zero times; transcript timestamps', () => {
    const env = timeEnvelope([
      t('2026-01-02T00:00:00+01:00'),
      t('0001-01-01T00:00:00Z'),
      t('2026-01-01T23:30:00.000000001Z')
    ])
    expect(encodeGenerationMetadata(env!).toString()).toBe(
      '{\n  "oldest_checkpoint_at": "2026-01-01T23:00:00Z",\n  "newest_checkpoint_at": "2026-01-01T23:30:00.000000001Z"\n}\n'
    )
    expect(timeEnvelope([])).toBeUndefined()
    const tr: V1Transcript = {
      parts: [
        Buffer.from(
          '{"timestamp":"2026-03-10T10:00:00.5Z"}\n  {"TimeStamp":"2026-03-09T10:00:00+01:00"}  \n{"timestamp":1}\n{"a":1}{"timestamp":"2020-01-01T00:00:00Z"}\nnot json\n{"timestamp":""}'
        )
      ],
      files: ['full.jsonl'],
      blobIds: [],
      length: 0,
      reassembly: 'single'
    }
    expect([...transcriptTimestamps(tr)].map(formatGoTime)).toEqual([
      '2026-03-10T10:00:00.5Z',
      '2026-03-09T10:00:00+01:00'
    ])
  })
})

describe('task trees on the fresh path', () => {
  const { entries, blobs } = loadTree()
  const cp = listV1Checkpoints(entries).checkpoints.find((c) => c.path === '39/7737088f0a')!
  test('only when a migrating session is a task; checkpoint-level tree first, to the highest slot', () => {
    const read = readV1Checkpoint(cp, blobs) as V1CheckpointOk
    const migrating = migratingSessions(read)
    expect(freshPathTaskTrees(read, migrating).size).toBe(0)
    const rootTasks = [{ path: 'a/checkpoint.json', mode: '100644', oid: '6'.repeat(40) }]
    const slotTasks = [{ path: 'b/checkpoint.json', mode: '100644', oid: '7'.repeat(40) }]
    const withTasks = { ...read, tasks: rootTasks }
    const m = [
      { ...migrating[0], metadata: { ...migrating[0].metadata, is_task: true }, tasks: slotTasks }
    ]
    expect([...freshPathTaskTrees(withTasks, m)]).toEqual([[0, [rootTasks, slotTasks]]])
  })
})

describe('round trip on real v1 session files: v1 → v2 metadata → parse', () => {
  const { entries, blobs } = loadTree()
  const reads = listV1Checkpoints(entries)
    .checkpoints.map((cp) => readV1Checkpoint(cp, blobs))
    .filter((r): r is V1CheckpointOk => r.kind === 'ok')
  const COPIED = [
    'session_id',
    'strategy',
    'branch',
    'checkpoints_count',
    'files_touched',
    'agent',
    'model',
    'turn_id',
    'is_task',
    'tool_use_id',
    'transcript_identifier_at_start',
    'token_usage',
    'session_metrics',
    'summary',
    'initial_attribution'
  ] as const

  test('every copied field equal, created_at the same instant in UTC, dropped fields as listed', () => {
    let sessions = 0
    const droppedSeen = new Set<string>()
    for (const r of reads) {
      for (const s of r.sessions) {
        if (s.kind === 'missing-dir') continue
        sessions++
        const v2 = migrateSessionMetadata(s.metadata, {
          checkpointId: r.id,
          compactStart: 5,
          now: NOW
        })
        const bytes = buildMainCheckpoint({
          checkpointId: r.id,
          sessions: [
            { v1Metadata: s.metadata, prompt: s.prompt, compactTranscript: null, compactStart: 5 }
          ],
          combinedAttribution: r.summary.combined_attribution,
          now: NOW
        }).entries.find((e) => e.path.endsWith('/0/metadata.json'))!.content!
        const back = decodeSessionMetadata(bytes)
        expect(back.error).toBeUndefined()
        expect(back.unknownKeys).toEqual([])
        const p = back.value!
        expect(p).toEqual(v2)
        for (const k of COPIED) expect(p[k]).toEqual(s.metadata[k])
        expect(formatGoTime(p.created_at)).toMatch(/Z$/)
        expect(p.created_at.unixSeconds).toBe(s.metadata.created_at.unixSeconds)
        expect(p.created_at.nanos).toBe(s.metadata.created_at.nanos)
        expect(p.checkpoint_id).toBe(r.id)
        expect(p.checkpoint_transcript_start).toBe(5)
        expect(p.transcript_lines_at_start).toBe(0)
        expect([p.kind, p.review_skills, p.review_prompt]).toEqual(['', null, ''])
        expect(p.prompt_attributions?.toString().replace(/\s/g, '')).toEqual(
          s.metadata.prompt_attributions?.toString().replace(/\s/g, '')
        )
        for (const k of s.unknownKeys) droppedSeen.add(k)
        if (s.metadata.transcript_lines_at_start) droppedSeen.add('transcript_lines_at_start')
      }
    }
    expect(sessions).toBe(16)
    // The v1 keys that do not survive, from these real files: legacy and newer keys unknown to v0.6.2.
    expect([...droppedSeen].sort()).toEqual([
      'transcript_lines_at_start',
      'transcript_path',
      'transcript_uuid_at_start'
    ])
    expect(DROPPED_SESSION_FIELDS).toContain('transcript_lines_at_start')
  })

  test('the summary of a real checkpoint decodes back to its aggregates', () => {
    const r = reads.find((x) => x.path === '90/ed5b9b296e')!
    const migrating = migratingSessions(r)
    const out = buildMainCheckpoint({
      checkpointId: r.id,
      sessions: migrating.map((s) => ({
        v1Metadata: s.metadata,
        prompt: s.prompt,
        compactTranscript: Buffer.from('x\n'),
        compactStart: 0
      })),
      combinedAttribution: r.summary.combined_attribution,
      now: NOW
    })
    const dec = decodeCheckpointSummary(out.entries.at(-1)!.content!)
    expect(dec.value).toEqual(out.summary)
    expect(out.summary.sessions).toHaveLength(2) // same session id twice: two slots, as the batch writer does
    expect(out.summary.checkpoints_count).toBe(
      migrating.reduce((a, s) => a + s.metadata.checkpoints_count, 0)
    )
  })
})

test('commit catalogue and archive refs', () => {
  expect(MIGRATION_IDENTITY).toEqual({ name: 'Entire Migration', email: 'migration@entire.dev' })
  expect(commitMessages.migrateBatch(3, 5)).toBe('Migrate batch: 3 checkpoint(s), 5 session(s)\n')
  expect(commitMessages.archiveMigratedGeneration(7)).toBe(
    'Archive migrated generation: refs/entire/checkpoints/v2/full/0000000000007\n'
  )
  expect(commitMessages.repairGenerationMetadata(12)).toBe(
    'Repair generation metadata: 0000000000012\n'
  )
  expect(commitMessages.initializeV2Ref()).toBe('Initialize v2 ref')
  expect(commitMessages.startGenerationAfterMigration()).toBe('Start generation\n')
  expect(commitMessages.startGenerationAfterRotation()).toBe('Start generation')
  expect(commitMessages.writeMigratedPartialGeneration()).toBe(
    'Write migrated partial generation\n'
  )
  expect(commitMessages.resetBeforeForce('a3b2c4d5e6f7')).toBe(
    'Reset checkpoint before force migration: a3b2c4d5e6f7\n'
  )
  expect(archiveRefName(1)).toBe('refs/entire/checkpoints/v2/full/0000000000001')
  expect(parseArchiveRefName('refs/entire/checkpoints/v2/full/0000000000042')).toBe(42)
  expect(parseArchiveRefName('refs/entire/checkpoints/v2/full/current')).toBeUndefined()
  expect(parseArchiveRefName('refs/entire/checkpoints/v2/full/42')).toBeUndefined()
})

test('/full presence index: names only, Atoi slot names, no id check', () => {
  const b = (path: string) => ({ mode: '100644', type: 'blob', oid: '1'.repeat(40), path })
  const keys = fullPresenceKeys([
    b('a3/b2c4d5e6f7/0/raw_transcript'),
    b('a3/b2c4d5e6f7/0/raw_transcript_hash.txt'),
    b('a3/b2c4d5e6f7/1/raw_transcript.001'),
    b('a3/b2c4d5e6f7/1/raw_transcript_hash.txt'),
    b('a3/b2c4d5e6f7/2/raw_transcript'),
    b('a3/b2c4d5e6f7/007/raw_transcript'),
    b('a3/b2c4d5e6f7/007/raw_transcript_hash.txt'),
    b('a3/b2c4d5e6f7/x/raw_transcript'),
    b('a3/b2c4d5e6f7/x/raw_transcript_hash.txt'),
    b('a3/NOT-AN-ID/0/raw_transcript'),
    b('a3/NOT-AN-ID/0/raw_transcript_hash.txt'),
    b('a3/b2c4d5e6f7/3/full.jsonl'),
    b('a3/b2c4d5e6f7/3/content_hash.txt'),
    b('generation.json')
  ])
  expect([...keys].sort()).toEqual([
    'a3NOT-AN-ID/0',
    'a3b2c4d5e6f7/0',
    'a3b2c4d5e6f7/1',
    'a3b2c4d5e6f7/7'
  ])
  expect(
    mainPresenceIds([b('a3/b2c4d5e6f7/metadata.json'), b('a3/NOT-AN-ID/metadata.json')])
  ).toEqual(new Set(['a3b2c4d5e6f7']))
})

test('compact backfill: slot by session id else last, summary re-encoded with kept cli_version', () => {
  const summaryBytes = Buffer.from(
    JSON.stringify({
      cli_version: '0.5.6',
      checkpoint_id: 'a3b2c4d5e6f7',
      strategy: 'manual-commit',
      checkpoints_count: 1,
      files_touched: null,
      sessions: [
        { metadata: '/a3/b2c4d5e6f7/0/metadata.json', prompt: '' },
        { metadata: '/a3/b2c4d5e6f7/1/metadata.json', prompt: '' }
      ],
      extra_key: 1
    }) + '\ntrailing bytes are never read by json.Decoder'
  )
  const slotMetadata = [Buffer.from('{"session_id":"a"}'), Buffer.from('{"session_id":"b"} {')]
  const r = buildCompactBackfill({
    checkpointId: 'a3b2c4d5e6f7',
    summaryBytes,
    slotMetadata,
    sessionId: 'b',
    compactTranscript: Buffer.from('x\n')
  })
  expect(r.kind).toBe('ok')
  if (r.kind !== 'ok') return
  expect(r.slot).toBe(1)
  expect(r.entries.map((e) => e.path)).toEqual([
    'a3/b2c4d5e6f7/1/transcript.jsonl',
    'a3/b2c4d5e6f7/1/transcript_hash.txt',
    'a3/b2c4d5e6f7/metadata.json'
  ])
  const s = r.entries[2].content!.toString()
  expect(s).toContain('"cli_version": "0.5.6"')
  expect(s).not.toContain('extra_key')
  expect(s).toContain(
    '    {\n      "metadata": "/a3/b2c4d5e6f7/1/metadata.json",\n      "transcript": "/a3/b2c4d5e6f7/1/transcript.jsonl",\n      "content_hash": "/a3/b2c4d5e6f7/1/transcript_hash.txt",\n      "prompt": ""\n    }\n'
  )
  const unknown = buildCompactBackfill({
    checkpointId: 'a3b2c4d5e6f7',
    summaryBytes,
    slotMetadata,
    sessionId: 'zzz',
    compactTranscript: Buffer.from('x\n')
  })
  expect(unknown.kind === 'ok' && unknown.slot).toBe(1)
  expect(
    buildCompactBackfill({
      checkpointId: 'a3b2c4d5e6f7',
      summaryBytes: Buffer.from('{"sessions":[]}'),
      slotMetadata: [],
      sessionId: 'a',
      compactTranscript: Buffer.from('x')
    }).kind
  ).toBe('not-found')
  expect(
    buildCompactBackfill({
      checkpointId: 'a3b2c4d5e6f7',
      summaryBytes: Buffer.from('{"sessions":'),
      slotMetadata: [],
      sessionId: 'a',
      compactTranscript: Buffer.from('x')
    }).kind
  ).toBe('summary-error')
})

describe('a real checkpoint through the fresh path', () => {
  const { entries, blobs } = loadTree()
  const listing = listV1Checkpoints(entries)
  const read = (path: string) =>
    readV1Checkpoint(
      listing.checkpoints.find((c) => c.path === path)!,
      blobs
    ) as V1CheckpointOk
  test('main and full entries; raw transcripts are the v1 blobs; generation envelope', () => {
    const r = read('90/ed5b9b296e')
    const out = buildMigratedCheckpoint(
      r,
      [
        { transcript: Buffer.from('{"v":1}\n'), start: 9 },
        { transcript: null, start: 4 }
      ],
      { now: NOW }
    )!
    expect(out.migrating.map((s) => s.index)).toEqual([0, 1])
    expect(out.main.entries.map((e) => e.path)).toEqual([
      '90/ed5b9b296e/0/prompt.txt',
      '90/ed5b9b296e/0/transcript.jsonl',
      '90/ed5b9b296e/0/transcript_hash.txt',
      '90/ed5b9b296e/0/metadata.json',
      '90/ed5b9b296e/1/prompt.txt',
      '90/ed5b9b296e/1/metadata.json',
      '90/ed5b9b296e/metadata.json'
    ])
    expect(out.main.sessions.map((s) => s.checkpoint_transcript_start)).toEqual([9, 0])
    const v1Full = (slot: number) =>
      listing.checkpoints
        .find((c) => c.path === '90/ed5b9b296e')!
        .slots.get(String(slot))!
        .entries.find((e) => e.name === 'full.jsonl')!.oid
    expect(out.full).toEqual([
      { path: '90/ed5b9b296e/0/raw_transcript', mode: '100644', oid: v1Full(0) },
      {
        path: '90/ed5b9b296e/0/raw_transcript_hash.txt',
        mode: '100644',
        content: Buffer.from('sha256:' + sha256Hex(blobs.get(v1Full(0)!)!))
      },
      { path: '90/ed5b9b296e/1/raw_transcript', mode: '100644', oid: v1Full(1) },
      {
        path: '90/ed5b9b296e/1/raw_transcript_hash.txt',
        mode: '100644',
        content: Buffer.from('sha256:' + sha256Hex(blobs.get(v1Full(1)!)!))
      }
    ])
    // v1 prompt.txt bytes are copied unchanged (no trailing separators in real data).
    const p0 = r.sessions[0].kind === 'ok' ? r.sessions[0].prompt : Buffer.alloc(0)
    expect(out.main.entries[0].content!.equals(p0)).toBe(true)
    const gen = migratedGenerationMetadata(out.migrating)!
    const created = out.migrating.map((s) => formatGoTime(toUtcTime(s.metadata.created_at))).sort()
    expect([
      formatGoTime(gen.oldest_checkpoint_at),
      formatGoTime(gen.newest_checkpoint_at)
    ]).toEqual([created[0], created[created.length - 1]])
  })
  test('no migratable session → undefined; transcript timestamps when created_at is zero', () => {
    expect(buildMigratedCheckpoint(read('f4/3b0ea5ee16'), [], { now: NOW })).toBeUndefined()
    const r = read('39/7737088f0a')
    const m = migratingSessions(r).map((s) => ({
      ...s,
      metadata: { ...s.metadata, created_at: zeroSessionMetadata().created_at }
    }))
    const gen = migratedGenerationMetadata(m)
    expect(gen).toBeDefined()
    expect(formatGoTime(gen!.oldest_checkpoint_at)).toMatch(/Z$/)
  })
})

test('real Go-written session files of the fixtures re-encode byte for byte (older builds lacked model & co.)', () => {
  const { entries, blobs } = loadTree()
  let checked = 0
  for (const e of entries) {
    if (!/^[0-9a-f]{2}\/[0-9a-f]{10}\/\d+\/metadata\.json$/.test(e.path)) continue
    const b = blobs.get(e.oid)!
    const dec = decodeSessionMetadata(b)
    if (dec.error || dec.unknownKeys.length > 0) continue
    const orig = b.toString('utf8')
    let ours = encodeSessionMetadata(dec.value!).toString('utf8')
    if (!orig.includes('"model"'))
      ours = ours.replace('  "model": "",\n', '').replace(',\n  "model": ""\n}', '\n}')
    if (!orig.includes('"agent_removed"')) ours = ours.replace('    "agent_removed": 0,\n', '')
    if (!orig.includes('"total_lines_changed"'))
      ours = ours.replace('    "total_lines_changed": 0,\n', '')
    expect(ours).toBe(
      orig
        .replace(/\\u003c/g, '<')
        .replace(/\\u003e/g, '>')
        .replace(/\\u0026/g, '&')
    )
    checked++
  }
  expect(checked).toBeGreaterThanOrEqual(10)
})

test('write validation as the reference: blank or path-like session ids, unsafe tool-use ids', () => {
  const v = (sessionId: string, toolUseId = '') =>
    validateWriteEntry({ checkpointId: 'a3b2c4d5e6f7', sessionId, toolUseId })
  expect(v('abc-123')).toBeUndefined()
  expect(v('')).toMatch(/session ID cannot be empty/)
  expect(v(' \u00a0\u0085\t')).toMatch(/session ID cannot be empty/)
  expect(v('\ufeff')).toBeUndefined() // not a space for Go
  expect(v('a/b')).toMatch(/path separators/)
  expect(v('a\\b')).toMatch(/path separators/)
  expect(v('s', 'toolu_01-AB')).toBeUndefined()
  expect(v('s', 'toolu 1')).toMatch(/invalid tool use ID/)
})
