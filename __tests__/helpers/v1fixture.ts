// A v1 fixture with the shapes the migration must handle: several sessions, a missing session
// directory, a metadata-only session, task trees (checkpoint and session level), agents Claude
// Code / Codex / Gemini CLI, a session without agent, a cumulative session whose raw start hits
// the offset cache, a zero created_at, and a checkpoint with no migratable session.
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { claudeTranscript, sessionMeta, type V1CheckpointSpec } from './v1repo.js'

const here = dirname(fileURLToPath(import.meta.url))
const inputs = join(here, '..', 'fixtures', 'compact', 'inputs')

export const IDS = {
  twoSessions: 'a1a1a1a1a1a1',
  gaps: 'b2b2b2b2b2b2',
  codex: 'c3c3c3c3c3c3',
  gemini: 'd4d4d4d4d4d4',
  cumulative: 'e5e5e5e5e5e5',
  noAgent: 'f6f6f6f6f6f6',
  nothing: '0707070707aa',
  zeroTime: '08080808bbbb'
}

export function v1Fixture(): V1CheckpointSpec[] {
  const codex = readFileSync(join(inputs, 'codex', 'codex_full.jsonl'))
  const gemini = readFileSync(join(inputs, 'gemini', 'gemini_full.jsonl'))
  const s0 = claudeTranscript(2, 's0')
  const s0more = s0 + claudeTranscript(2, 's0', 2)
  return [
    {
      id: IDS.twoSessions,
      sessions: [
        {
          transcript: s0,
          prompt: 'first prompt\n\n---\n\nsecond prompt\n\n---\n\n',
          metadata: sessionMeta(IDS.twoSessions, {
            session_id: 'sess-main',
            created_at: '2026-01-01T10:00:00.123456789+01:00',
            token_usage: {
              input_tokens: 1,
              cache_creation_tokens: 2,
              cache_read_tokens: 3,
              output_tokens: 4,
              api_call_count: 5
            },
            transcript_lines_at_start: 0,
            prompt_attributions: [{ checkpoint_number: 1, user_lines_added: 2 }]
          }),
          contentHash: 'sha256:' + '0'.repeat(64)
        },
        {
          transcript: claudeTranscript(1, 'task'),
          metadata: sessionMeta(IDS.twoSessions, {
            session_id: 'sess-task',
            created_at: '2026-01-01T09:30:00Z',
            is_task: true,
            tool_use_id: 'toolu_01',
            files_touched: ['src/b.ts', 'src/a.ts']
          }),
          files: { 'tasks/toolu_01/checkpoint.json': '{"session_id": "sess-task"}' }
        }
      ],
      summaryExtra: {
        combined_attribution: {
          calculated_at: '2026-01-01T10:00:00+02:00',
          agent_lines: 1,
          agent_removed: 0,
          human_added: 0,
          human_modified: 0,
          human_removed: 0,
          total_committed: 1,
          total_lines_changed: 1,
          agent_percentage: 100
        }
      },
      files: {
        'tasks/toolu_01/checkpoint.json': '{"root": true}',
        'tasks/toolu_01/agent-1.jsonl': { data: '{"a":1}\n', mode: '100755' }
      }
    },
    {
      id: IDS.gaps,
      sessions: [
        null,
        { metadata: sessionMeta(IDS.gaps, { session_id: 'sess-empty' }), prompt: 'no transcript' },
        {
          transcript: claudeTranscript(1, 'g'),
          metadata: sessionMeta(IDS.gaps, {
            session_id: 'sess-g',
            created_at: '2026-01-02T00:00:00Z'
          })
        }
      ]
    },
    {
      id: IDS.codex,
      sessions: [
        {
          transcript: codex,
          metadata: sessionMeta(IDS.codex, {
            session_id: 'sess-codex',
            agent: 'Codex',
            created_at: '2026-01-03T00:00:00Z'
          })
        }
      ]
    },
    {
      id: IDS.gemini,
      sessions: [
        {
          transcript: gemini,
          metadata: sessionMeta(IDS.gemini, {
            session_id: 'sess-gemini',
            agent: 'Gemini CLI',
            created_at: '2026-01-04T00:00:00Z'
          })
        }
      ]
    },
    {
      id: IDS.cumulative,
      sessions: [
        {
          transcript: s0more,
          metadata: sessionMeta(IDS.cumulative, {
            session_id: 'sess-main',
            created_at: '2026-01-05T00:00:00Z',
            checkpoint_transcript_start: 4,
            transcript_lines_at_start: 4
          })
        }
      ]
    },
    {
      id: IDS.noAgent,
      sessions: [
        {
          transcript: claudeTranscript(1, 'na'),
          metadata: sessionMeta(IDS.noAgent, {
            session_id: 'sess-na',
            agent: undefined,
            created_at: '2026-01-06T00:00:00Z'
          })
        }
      ]
    },
    {
      id: IDS.nothing,
      sessions: [{ metadata: sessionMeta(IDS.nothing, { created_at: '2026-01-07T00:00:00Z' }) }]
    },
    {
      id: IDS.zeroTime,
      sessions: [
        {
          transcript: claudeTranscript(1, 'z'),
          metadata: sessionMeta(IDS.zeroTime, { session_id: 'sess-z', created_at: undefined })
        }
      ]
    }
  ]
}
