// The bad-input matrix of the reliability suite: v1 checkpoints with one defect each (plus stray
// entries in the shard tree), built into ONE v1 branch next to healthy checkpoints, so one run
// proves that each defect stays local to its checkpoint.
import {
  claudeTranscript,
  sessionMeta,
  type FileSpec,
  type V1CheckpointSpec
} from './helpers/v1repo.js'

export interface BadCase {
  /** What is wrong, as the report of the suite names it. */
  name: string
  spec: V1CheckpointSpec
  /** Expected outcome of the checkpoint. */
  status: 'migrated' | 'failed' | 'skipped'
  /** For failures: reason code and the v1 file the message must name (relative to the checkpoint dir). */
  reason?: string
  file?: string
  /** Large inputs run in their own test file (time budget). */
  large?: boolean
}

/** Case n's checkpoint id: 12 hex digits, distinct shards. */
export function caseId(n: number): string {
  return (n + 16).toString(16).padStart(2, '0') + 'c0ffee' + n.toString(16).padStart(4, '0')
}

const MiB = 1024 * 1024

function session(id: string, fields: Record<string, unknown> = {}, transcript?: string | Buffer) {
  return {
    transcript: transcript ?? claudeTranscript(1, id),
    metadata: sessionMeta(id, { session_id: `sess-${id}`, ...fields })
  }
}

/** A Claude transcript of about `bytes` bytes: user/assistant turns of ~32 KiB each. */
export function bigTranscript(bytes: number): Buffer {
  const text = 'lorem ipsum dolor sit amet '.repeat(1200)
  const lines: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const ts = `2026-01-01T00:${String(i % 60).padStart(2, '0')}:00.000Z`
    const pair =
      JSON.stringify({
        type: 'user',
        uuid: `big-u${i}`,
        timestamp: ts,
        message: { role: 'user', content: `question ${i} ${text}` }
      }) +
      '\n' +
      JSON.stringify({
        type: 'assistant',
        uuid: `big-a${i}`,
        timestamp: ts,
        message: {
          id: `msg_big_${i}`,
          role: 'assistant',
          content: [{ type: 'text', text: `answer ${i} ${text}` }],
          usage: { input_tokens: 10, output_tokens: 5 }
        }
      }) +
      '\n'
    lines.push(pair)
    size += pair.length
  }
  return Buffer.from(lines.join(''))
}

/** One Claude user line whose content string makes it `bytes` long. */
export function longLine(bytes: number): Buffer {
  const head =
    '{"type":"user","uuid":"long","timestamp":"2026-01-01T00:00:00.000Z","message":{"role":"user","content":"'
  const tail = '"}}\n'
  return Buffer.from(head + 'x'.repeat(bytes - head.length - tail.length) + tail)
}

export function badCases(): BadCase[] {
  const cases: Array<Omit<BadCase, 'spec'> & { build: (id: string) => V1CheckpointSpec }> = [
    // Checkpoint summary metadata.json
    {
      name: 'summary is not JSON',
      status: 'failed',
      reason: 'bad-summary',
      file: 'metadata.json',
      build: (id) => ({ id, sessions: [session(id)], summary: '{"checkpoint_id": ' })
    },
    {
      name: 'summary is a JSON array',
      status: 'failed',
      reason: 'bad-summary',
      file: 'metadata.json',
      build: (id) => ({ id, sessions: [session(id)], summary: '[1, 2]\n' })
    },
    {
      name: 'summary sessions is a string',
      status: 'failed',
      reason: 'bad-summary',
      file: 'metadata.json',
      build: (id) => ({ id, sessions: [session(id)], summaryExtra: { sessions: 'nope' } })
    },
    {
      name: 'summary absent, session folders present',
      status: 'failed',
      reason: 'missing-summary',
      file: 'metadata.json',
      build: (id) => ({ id, sessions: [session(id)], summary: null })
    },
    {
      name: 'summary is empty',
      status: 'failed',
      reason: 'bad-summary',
      file: 'metadata.json',
      build: (id) => ({ id, sessions: [session(id)], summary: '' })
    },
    // Session metadata.json
    {
      name: 'session metadata is not JSON',
      status: 'failed',
      reason: 'invalid-session-id',
      file: '0/metadata.json',
      build: (id) => ({
        id,
        sessions: [{ transcript: claudeTranscript(1, id), metadata: '{"session_id": "x",' }]
      })
    },
    {
      name: 'session metadata is a JSON string',
      status: 'failed',
      reason: 'invalid-session-id',
      file: '0/metadata.json',
      build: (id) => ({
        id,
        sessions: [{ transcript: claudeTranscript(1, id), metadata: '"hello"\n' }]
      })
    },
    {
      name: 'session metadata absent next to a transcript',
      status: 'failed',
      reason: 'invalid-session-id',
      file: '0/metadata.json',
      build: (id) => ({ id, sessions: [{ transcript: claudeTranscript(1, id), metadata: null }] })
    },
    // Session and tool-use ids
    {
      name: 'session id with /',
      status: 'failed',
      reason: 'invalid-session-id',
      file: '0/metadata.json',
      build: (id) => ({ id, sessions: [session(id, { session_id: 'a/b' })] })
    },
    {
      name: 'session id with \\',
      status: 'failed',
      reason: 'invalid-session-id',
      file: '0/metadata.json',
      build: (id) => ({ id, sessions: [session(id, { session_id: 'a\\b' })] })
    },
    {
      name: 'blank session id',
      status: 'failed',
      reason: 'invalid-session-id',
      file: '0/metadata.json',
      build: (id) => ({ id, sessions: [session(id, { session_id: '   ' })] })
    },
    {
      name: 'empty session id',
      status: 'failed',
      reason: 'invalid-session-id',
      file: '0/metadata.json',
      build: (id) => ({ id, sessions: [session(id, { session_id: '' })] })
    },
    {
      name: 'tool_use_id with a path',
      status: 'failed',
      reason: 'invalid-tool-use-id',
      file: '0/metadata.json',
      build: (id) => ({ id, sessions: [session(id, { is_task: true, tool_use_id: '../../etc' })] })
    },
    {
      name: 'tool_use_id with a space',
      status: 'failed',
      reason: 'invalid-tool-use-id',
      file: '0/metadata.json',
      build: (id) => ({ id, sessions: [session(id, { is_task: true, tool_use_id: 'toolu 1' })] })
    },
    // Transcripts
    {
      name: 'no full.jsonl (metadata only)',
      status: 'skipped',
      build: (id) => ({
        id,
        sessions: [{ metadata: sessionMeta(id, { session_id: `sess-${id}` }) }]
      })
    },
    {
      name: 'empty full.jsonl',
      status: 'skipped',
      build: (id) => ({ id, sessions: [session(id, {}, '')] })
    },
    {
      name: 'chunk files with a gap (.001 missing)',
      status: 'migrated',
      build: (id) => ({
        id,
        sessions: [{ ...session(id), files: { 'full.jsonl.002': claudeTranscript(1, 'gap', 5) } }]
      })
    },
    {
      name: 'chunk file with a non-numeric suffix',
      status: 'migrated',
      build: (id) => ({
        id,
        sessions: [{ ...session(id), files: { 'full.jsonl.abc': claudeTranscript(1, 'abc', 5) } }]
      })
    },
    {
      name: 'transcript lines that are not JSON',
      status: 'migrated',
      build: (id) => ({ id, sessions: [session(id, {}, 'hello world\nnot json at all\n')] })
    },
    {
      name: 'glued JSON objects on one line',
      status: 'migrated',
      build: (id) => ({
        id,
        sessions: [session(id, {}, claudeTranscript(1, id).replace('\n', '') + '\n')]
      })
    },
    {
      name: 'invalid UTF-8 in the transcript',
      status: 'migrated',
      build: (id) => ({
        id,
        sessions: [
          session(
            id,
            {},
            Buffer.concat([
              Buffer.from(claudeTranscript(1, id)),
              Buffer.from([0xff, 0xfe, 0x80, 0x0a])
            ])
          )
        ]
      })
    },
    {
      name: 'NUL bytes in transcript lines',
      status: 'migrated',
      build: (id) => ({
        id,
        sessions: [
          session(id, {}, claudeTranscript(1, id).replace('question', 'q\u0000\u0000') + '\u0000\n')
        ]
      })
    },
    {
      name: 'transcript without a final newline, CRLF line ends',
      status: 'migrated',
      build: (id) => ({
        id,
        sessions: [session(id, {}, claudeTranscript(2, id).replace(/\n/g, '\r\n').trimEnd())]
      })
    },
    {
      name: '60 MiB transcript',
      status: 'migrated',
      large: true,
      build: (id) => ({ id, sessions: [session(id, {}, bigTranscript(60 * MiB))] })
    },
    {
      name: 'a single 12 MiB line',
      status: 'migrated',
      large: true,
      build: (id) => ({
        id,
        sessions: [
          session(id, {}, Buffer.concat([Buffer.from(claudeTranscript(1, id)), longLine(12 * MiB)]))
        ]
      })
    },
    // Summary vs folders
    {
      name: 'summary lists more sessions than folders',
      status: 'migrated',
      build: (id) => ({ id, sessions: [session(id), null, null] })
    },
    {
      name: 'summary lists fewer sessions than folders',
      status: 'migrated',
      build: (id) => {
        const extra: Record<string, FileSpec> = {
          '1/metadata.json': JSON.stringify(sessionMeta(id, { session_id: 'sess-extra' })),
          '1/full.jsonl': claudeTranscript(1, 'extra')
        }
        return { id, sessions: [session(id)], files: extra }
      }
    },
    {
      name: 'repeated session ids',
      status: 'migrated',
      build: (id) => ({
        id,
        sessions: [
          session(id, { session_id: 'same' }),
          session(id, { session_id: 'same' }, claudeTranscript(2, 'two'))
        ]
      })
    },
    {
      name: 'zero created_at',
      status: 'migrated',
      build: (id) => ({ id, sessions: [session(id, { created_at: '0001-01-01T00:00:00Z' })] })
    },
    {
      name: 'absent created_at',
      status: 'migrated',
      build: (id) => ({ id, sessions: [session(id, { created_at: undefined })] })
    },
    {
      name: 'unknown agent',
      status: 'migrated',
      build: (id) => ({ id, sessions: [session(id, { agent: 'Frobnicator 9000' })] })
    },
    {
      name: 'huge files_touched (100k paths)',
      status: 'migrated',
      large: true,
      build: (id) => ({
        id,
        sessions: [
          session(id, {
            files_touched: Array.from({ length: 100_000 }, (_, i) => `src/dir${i % 97}/file${i}.ts`)
          })
        ]
      })
    },
    {
      name: 'summary sessions entry is null',
      status: 'migrated',
      build: (id) => ({ id, sessions: [session(id)], summaryExtra: { sessions: [null] } })
    },
    {
      name: 'non-numeric session folder next to a good one',
      status: 'migrated',
      build: (id) => ({
        id,
        sessions: [{ ...session(id) }],
        files: { 'abc/metadata.json': '{}', 'abc/full.jsonl': 'x\n' }
      })
    },
    {
      // Go's decoder stops at the bad time: every later field would be written blank.
      name: 'session created_at of the wrong type',
      status: 'failed',
      reason: 'bad-session',
      file: '0/metadata.json',
      build: (id) => ({ id, sessions: [session(id, { created_at: 12345 })] })
    }
  ]
  return cases.map((c, i) => {
    const { build, ...rest } = c
    return { ...rest, spec: build(caseId(i)) }
  })
}

/** Stray files and folders in the shard tree (not checkpoints; skipped by the listing). */
export const STRAY_FILES: Record<string, FileSpec> = {
  'README.md': 'not a checkpoint\n',
  'ab/stray.txt': 'a file at shard level\n',
  'abc/0123456789/metadata.json': '{}',
  'zz/notahexid!/metadata.json': '{}',
  'AB/CDEF01234567/metadata.json': '{}',
  'cd/0123/metadata.json': '{}'
}
