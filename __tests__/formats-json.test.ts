// Golden tests for the Go-compatible JSON layer: expected bytes written by hand from the specs'
// examples (v2-format.md §3.3, §4.2, §6.4; v1-format.md §6.2) and Go's encoding/json rules.
import { describe, expect, test } from '@jest/globals'
import {
  checkpointSummaryValue,
  decodeCheckpointSummary,
  decodeGenerationMetadata,
  decodeSessionMetadata,
  encodeGoJson,
  encodeGoJsonCompact,
  formatGoTime,
  generationMetadataValue,
  goFloat,
  goQuote,
  gv,
  parseRfc3339,
  sessionMetadataValue,
  toUtc,
  zeroCheckpointSummary,
  zeroSessionMetadata,
  compareGoTime,
  decodeUtf8Go,
  isZeroTime,
  GO_ZERO_TIME,
  type GoTime,
  type SessionMetadata
} from '../src/formats/json/index.js'
import { parseJsonDocument } from '../src/formats/json/parse.js'
import { encodeSessionMetadata } from '../src/formats/v2/metadata.js'

const t = (s: string): GoTime => {
  const v = parseRfc3339(s)
  if (!v) throw new Error(`bad time ${s}`)
  return v
}
const enc = (v: Parameters<typeof encodeGoJson>[0]) => encodeGoJson(v).toString('utf8')

describe('strings', () => {
  test('no HTML escaping, U+2028/U+2029 escaped, control characters as Go writes them', () => {
    expect(goQuote('<a href="x">&</a>')).toBe('"<a href=\\"x\\">&</a>"')
    expect(goQuote('a\u2028b\u2029c')).toBe('"a\\u2028b\\u2029c"')
    expect(goQuote('\b\f\n\r\t\u0000\u001f\u007f')).toBe('"\\b\\f\\n\\r\\t\\u0000\\u001f\u007f"')
    expect(goQuote('back\\slash')).toBe('"back\\\\slash"')
    expect(goQuote('é 日本 😀')).toBe('"é 日本 😀"')
  })
  test('lone surrogates become U+FFFD', () => {
    expect(goQuote('a\ud800b')).toBe('"a\ufffdb"')
    expect(goQuote('a\udc00')).toBe('"a\ufffd"')
    expect(goQuote('\ud83d\ude00')).toBe('"😀"')
  })
  test('decoding replaces invalid UTF-8 per byte and lone surrogate escapes, like Go', () => {
    // E2 82 41: Go gives two U+FFFD then A (TextDecoder would give one).
    expect(decodeUtf8Go(Buffer.from([0xe2, 0x82, 0x41]))).toBe('\ufffd\ufffdA')
    // ED A0 80 is an encoded surrogate: three U+FFFD.
    expect(decodeUtf8Go(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe('a\ufffd\ufffd\ufffd')
    const doc = Buffer.concat([
      Buffer.from('{"session_id":"x\\ud800y\\ud83d\\ude00\\udc00'),
      Buffer.from([0xff, 0xc3, 0xa9]),
      Buffer.from('","model":"\\u003c\\u2028"}')
    ])
    const m = decodeSessionMetadata(doc)
    expect(m.error).toBeUndefined()
    expect(m.value?.session_id).toBe('x\ufffdy😀\ufffd\ufffdé')
    expect(m.value?.model).toBe('<\u2028')
  })
  test('a string of any bytes (no escapes) parses to what Go decodes, in a Uint8Array or a Buffer', () => {
    // ASCII runs are sliced as latin1, runs with multi-byte UTF-8 as utf8: neither may differ
    // from Go's per-byte replacement of invalid sequences.
    const pieces = [
      [0x61],
      [0x7e],
      [0x20],
      [0xc3, 0xa9],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xff],
      [0xc3],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0x80]
    ]
    let seed = 7
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    for (let t = 0; t < 2000; t++) {
      const bytes: number[] = []
      for (let k = rand(12); k >= 0; k--) bytes.push(...pieces[rand(pieces.length)])
      const body = Buffer.from(bytes)
      const doc = Buffer.concat([Buffer.from('"'), body, Buffer.from('"')])
      const want = decodeUtf8Go(body)
      const node = parseJsonDocument(doc)
      expect(node.kind === 'string' && node.value).toBe(want)
      const plain = new Uint8Array(doc.length + 3).subarray(3)
      plain.set(doc)
      const fromPlain = parseJsonDocument(plain)
      expect(fromPlain.kind === 'string' && fromPlain.value).toBe(want)
    }
  })
})

describe('numbers', () => {
  test('Go float64 formatting', () => {
    expect(goFloat(50)).toBe('50')
    expect(goFloat(66.66666666666667)).toBe('66.66666666666667')
    expect(goFloat(1e-7)).toBe('1e-7')
    expect(goFloat(1.5e-7)).toBe('1.5e-7')
    expect(goFloat(0.000001)).toBe('0.000001')
    expect(goFloat(1e21)).toBe('1e+21')
    expect(goFloat(123456789012345680000)).toBe('123456789012345680000')
    expect(goFloat(1e-100)).toBe('1e-100')
    expect(goFloat(0)).toBe('0')
    expect(goFloat(-0)).toBe('-0')
    expect(() => goFloat(NaN)).toThrow()
  })
})

describe('times', () => {
  test('fraction digits: trailing zeros removed, none when zero', () => {
    expect(formatGoTime(t('2026-05-18T10:20:30Z'))).toBe('2026-05-18T10:20:30Z')
    expect(formatGoTime(t('2026-05-18T10:20:30.000Z'))).toBe('2026-05-18T10:20:30Z')
    expect(formatGoTime(t('2026-05-18T10:20:30.120Z'))).toBe('2026-05-18T10:20:30.12Z')
    expect(formatGoTime(t('2026-02-09T01:40:49.844876Z'))).toBe('2026-02-09T01:40:49.844876Z')
    expect(formatGoTime(t('2026-05-03T17:45:12.123456789Z'))).toBe('2026-05-03T17:45:12.123456789Z')
    // More than 9 digits are truncated, as Go's parser does.
    expect(formatGoTime(t('2026-05-03T17:45:12.1234567891Z'))).toBe(
      '2026-05-03T17:45:12.123456789Z'
    )
  })
  test('offsets are kept unless converted to UTC; +00:00 is written Z', () => {
    const x = t('2026-01-19T09:14:03.123+11:00')
    expect(formatGoTime(x)).toBe('2026-01-19T09:14:03.123+11:00')
    expect(formatGoTime(toUtc(x))).toBe('2026-01-18T22:14:03.123Z')
    expect(formatGoTime(toUtc(t('2024-03-01T00:30:00.5-05:30')))).toBe('2024-03-01T06:00:00.5Z')
    expect(formatGoTime(toUtc(t('2024-02-29T23:59:59.999999999-00:01')))).toBe(
      '2024-03-01T00:00:59.999999999Z'
    )
    expect(formatGoTime(t('2026-01-01T00:00:00+00:00'))).toBe('2026-01-01T00:00:00Z')
  })
  test('zero time, nanosecond comparison, strict parsing', () => {
    expect(formatGoTime(GO_ZERO_TIME)).toBe('0001-01-01T00:00:00Z')
    expect(isZeroTime(t('0001-01-01T00:00:00Z'))).toBe(true)
    expect(isZeroTime(t('0001-01-01T01:00:00+01:00'))).toBe(true)
    expect(compareGoTime(t('2026-01-01T00:00:00.000000001Z'), t('2026-01-01T00:00:00Z'))).toBe(1)
    expect(compareGoTime(t('2026-01-01T01:00:00+01:00'), t('2026-01-01T00:00:00Z'))).toBe(0)
    for (const bad of [
      '2026-01-01 00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:00:00',
      '2026-01-01T00:00:00.Z',
      '2026-01-01T00:00:00+24:00',
      ''
    ]) {
      expect(parseRfc3339(bad)).toBeUndefined()
    }
  })
})

describe('layout, omitempty, nil vs empty', () => {
  test('2-space indent, one-line empty containers, trailing newline', () => {
    const v = gv.obj([
      ['a', gv.arr([])],
      ['b', gv.obj([])],
      ['c', gv.null],
      ['d', gv.arr([gv.int(1), gv.obj([['e', gv.bool(false)]])])]
    ])
    expect(enc(v)).toBe(
      '{\n  "a": [],\n  "b": {},\n  "c": null,\n  "d": [\n    1,\n    {\n      "e": false\n    }\n  ]\n}\n'
    )
    expect(encodeGoJsonCompact(v).toString()).toBe('{"a":[],"b":{},"c":null,"d":[1,{"e":false}]}')
  })

  test('zero session metadata: only the never-omitted keys, files_touched null', () => {
    expect(encodeSessionMetadata(zeroSessionMetadata()).toString()).toBe(
      '{\n  "checkpoint_id": "",\n  "session_id": "",\n  "strategy": "",\n  "created_at": "0001-01-01T00:00:00Z",\n  "checkpoints_count": 0,\n  "files_touched": null,\n  "model": ""\n}\n'
    )
  })

  test('empty-but-set slices and all-zero objects are kept', () => {
    const m: SessionMetadata = {
      ...zeroSessionMetadata(),
      files_touched: [],
      session_metrics: { duration_ms: 0, turn_count: 0, context_tokens: 0, context_window_size: 0 },
      token_usage: {
        input_tokens: 0,
        cache_creation_tokens: 0,
        cache_read_tokens: 0,
        output_tokens: 0,
        api_call_count: 0,
        subagent_tokens: null
      },
      summary: {
        intent: '',
        outcome: '',
        learnings: { repo: null, code: [], workflow: [] },
        friction: null,
        open_items: []
      },
      review_skills: [],
      prompt_attributions: Buffer.alloc(0)
    }
    expect(enc(sessionMetadataValue(m))).toBe(
      '{\n  "checkpoint_id": "",\n  "session_id": "",\n  "strategy": "",\n  "created_at": "0001-01-01T00:00:00Z",\n  "checkpoints_count": 0,\n  "files_touched": [],\n  "model": "",\n' +
        '  "token_usage": {\n    "input_tokens": 0,\n    "cache_creation_tokens": 0,\n    "cache_read_tokens": 0,\n    "output_tokens": 0,\n    "api_call_count": 0\n  },\n' +
        '  "session_metrics": {},\n' +
        '  "summary": {\n    "intent": "",\n    "outcome": "",\n    "learnings": {\n      "repo": null,\n      "code": [],\n      "workflow": []\n    },\n    "friction": null,\n    "open_items": []\n  }\n}\n'
    )
  })

  test('zero summary: sessions null, no omitted keys', () => {
    expect(enc(checkpointSummaryValue(zeroCheckpointSummary()))).toBe(
      '{\n  "checkpoint_id": "",\n  "strategy": "",\n  "checkpoints_count": 0,\n  "files_touched": null,\n  "sessions": null\n}\n'
    )
  })
})

describe('raw JSON (prompt_attributions) is re-indented token by token', () => {
  test('number spelling, escapes, key order and duplicates kept', () => {
    const raw = Buffer.from(
      '[ {"checkpoint_number":1.0,"b":"\\u003c&\\n","b":2,"nested":{"z":[ ],"a":{}} ,"e":1E+2},\n\t3 ]'
    )
    const v = gv.obj([['prompt_attributions', gv.raw(raw)]])
    expect(enc(v)).toBe(
      '{\n  "prompt_attributions": [\n    {\n      "checkpoint_number": 1.0,\n      "b": "\\u003c&\\n",\n      "b": 2,\n      "nested": {\n        "z": [],\n        "a": {}\n      },\n      "e": 1E+2\n    },\n    3\n  ]\n}\n'
    )
  })
  test('a stored null stays null; invalid raw JSON is an encoding error', () => {
    const m = decodeSessionMetadata(Buffer.from('{"prompt_attributions": null}'))
    expect(m.value?.prompt_attributions?.toString()).toBe('null')
    expect(encodeSessionMetadata(m.value as SessionMetadata).toString()).toContain(
      '"prompt_attributions": null\n'
    )
    expect(() => enc(gv.obj([['x', gv.raw(Buffer.from('{'))]]))).toThrow(/RawMessage/)
  })
  test('bytes inside raw strings are copied verbatim, invalid UTF-8 included', () => {
    const raw = Buffer.concat([Buffer.from('["'), Buffer.from([0xff]), Buffer.from('\u2028"]')])
    const out = encodeGoJson(gv.obj([['p', gv.raw(raw)]]))
    expect(
      out.includes(Buffer.concat([Buffer.from('"'), Buffer.from([0xff]), Buffer.from('\u2028"')]))
    ).toBe(true)
  })
})

describe('spec examples, byte for byte', () => {
  test('v2-format.md §4.2 checkpoint summary', () => {
    const expected =
      '{\n  "cli_version": "0.6.2",\n  "checkpoint_id": "a3b2c4d5e6f7",\n  "strategy": "manual-commit",\n  "branch": "main",\n  "checkpoints_count": 3,\n  "files_touched": [\n    "src/a.ts"\n  ],\n  "sessions": [\n    {\n      "metadata": "/a3/b2c4d5e6f7/0/metadata.json",\n      "transcript": "/a3/b2c4d5e6f7/0/transcript.jsonl",\n      "content_hash": "/a3/b2c4d5e6f7/0/transcript_hash.txt",\n      "prompt": "/a3/b2c4d5e6f7/0/prompt.txt"\n    }\n  ],\n  "token_usage": {\n    "input_tokens": 12,\n    "cache_creation_tokens": 0,\n    "cache_read_tokens": 900,\n    "output_tokens": 40,\n    "api_call_count": 2\n  }\n}\n'
    const dec = decodeCheckpointSummary(Buffer.from(expected))
    expect(dec.error).toBeUndefined()
    expect(dec.value?.sessions?.[0].content_hash).toBe('/a3/b2c4d5e6f7/0/transcript_hash.txt')
    expect(enc(checkpointSummaryValue(dec.value!))).toBe(expected)
    // Built from values, not from the decoded document.
    const built = {
      ...zeroCheckpointSummary(),
      cli_version: '0.6.2',
      checkpoint_id: 'a3b2c4d5e6f7',
      strategy: 'manual-commit',
      branch: 'main',
      checkpoints_count: 3,
      files_touched: ['src/a.ts'],
      sessions: [
        {
          metadata: '/a3/b2c4d5e6f7/0/metadata.json',
          transcript: '/a3/b2c4d5e6f7/0/transcript.jsonl',
          content_hash: '/a3/b2c4d5e6f7/0/transcript_hash.txt',
          prompt: '/a3/b2c4d5e6f7/0/prompt.txt'
        }
      ],
      token_usage: {
        input_tokens: 12,
        cache_creation_tokens: 0,
        cache_read_tokens: 900,
        output_tokens: 40,
        api_call_count: 2,
        subagent_tokens: null
      }
    }
    expect(enc(checkpointSummaryValue(built))).toBe(expected)
  })

  test('v1-format.md §6.2 session metadata (a Go v0.5.6 file) re-encodes to the same bytes', () => {
    const expected =
      '{\n  "cli_version": "0.5.6",\n  "checkpoint_id": "a3b2c4d5e6f7",\n  "session_id": "0b8e6c1e-2f4a-4d7b-9c3e-5a1f2d3e4b6c",\n  "strategy": "manual-commit",\n  "created_at": "2026-04-27T20:22:19.34893Z",\n  "branch": "feature/refactor",\n  "checkpoints_count": 1,\n  "files_touched": [\n    "src/app.ts"\n  ],\n  "agent": "Claude Code",\n  "model": "claude-opus-4-7",\n  "turn_id": "4c2d9e1f7a3b",\n  "token_usage": {\n    "input_tokens": 180,\n    "cache_creation_tokens": 702114,\n    "cache_read_tokens": 11930277,\n    "output_tokens": 45017,\n    "api_call_count": 139\n  },\n  "session_metrics": {\n    "turn_count": 9\n  },\n  "initial_attribution": {\n    "calculated_at": "2026-04-27T20:22:19.334605Z",\n    "agent_lines": 0,\n    "agent_removed": 0,\n    "human_added": 0,\n    "human_modified": 1,\n    "human_removed": 1,\n    "total_committed": 0,\n    "total_lines_changed": 2,\n    "agent_percentage": 0,\n    "metric_version": 2\n  },\n  "prompt_attributions": [\n    {\n      "checkpoint_number": 2,\n      "user_lines_added": 0,\n      "user_lines_removed": 0,\n      "agent_lines_added": 0,\n      "agent_lines_removed": 0\n    }\n  ]\n}\n'
    const dec = decodeSessionMetadata(Buffer.from(expected))
    expect(dec.error).toBeUndefined()
    expect(dec.unknownKeys).toEqual([])
    expect(dec.value?.session_metrics).toEqual({
      duration_ms: 0,
      turn_count: 9,
      context_tokens: 0,
      context_window_size: 0
    })
    expect(encodeSessionMetadata(dec.value!).toString()).toBe(expected)
  })

  test('v2-format.md §6.4 generation.json', () => {
    const expected =
      '{\n  "oldest_checkpoint_at": "2026-05-01T09:00:00.5Z",\n  "newest_checkpoint_at": "2026-05-03T17:45:12.123456789Z"\n}\n'
    const g = decodeGenerationMetadata(Buffer.from(expected))
    expect(g.error).toBeUndefined()
    expect(enc(generationMetadataValue(g.value!))).toBe(expected)
  })

  test('attribution with a float percentage and a kept offset', () => {
    const m = decodeSessionMetadata(
      Buffer.from(
        '{"initial_attribution":{"calculated_at":"2026-01-19T09:14:03.1+11:00","agent_percentage":66.66666666666667,"agent_lines":2}}'
      )
    )
    expect(encodeSessionMetadata(m.value!).toString()).toContain(
      '  "initial_attribution": {\n    "calculated_at": "2026-01-19T09:14:03.1+11:00",\n    "agent_lines": 2,\n    "agent_removed": 0,\n    "human_added": 0,\n    "human_modified": 0,\n    "human_removed": 0,\n    "total_committed": 0,\n    "total_lines_changed": 0,\n    "agent_percentage": 66.66666666666667\n  }\n'
    )
    const tiny = decodeSessionMetadata(
      Buffer.from('{"initial_attribution":{"agent_percentage":1e-7}}')
    )
    expect(encodeSessionMetadata(tiny.value!).toString()).toContain('"agent_percentage": 1e-7\n')
  })
})

describe('Go decoding semantics', () => {
  test('syntax errors fill nothing; glued objects are a syntax error', () => {
    for (const bad of [
      '{"session_id":"a"}{"session_id":"b"}',
      '{"session_id":"a",}',
      '',
      '{"a":"\u0001"}'
    ]) {
      const r = decodeSessionMetadata(Buffer.from(bad))
      expect(r.error?.kind).toBe('syntax')
      expect(r.value).toBeUndefined()
    }
  })
  test('wrong types skip the field and decoding continues, first error reported', () => {
    const r = decodeSessionMetadata(
      Buffer.from(
        '{"checkpoints_count":"3","session_id":"s","files_touched":["a",1,null,"b"],"is_task":1,"model":"m","agent":{"x":1}}'
      )
    )
    expect(r.error?.kind).toBe('type')
    expect(r.error?.path).toBe('checkpoints_count')
    expect(r.value?.checkpoints_count).toBe(0)
    expect(r.value?.session_id).toBe('s')
    expect(r.value?.files_touched).toEqual(['a', '', '', 'b'])
    expect(r.value?.model).toBe('m')
    expect(r.value?.agent).toBe('')
    expect(decodeSessionMetadata(Buffer.from('{"checkpoints_count":1.5}')).error?.kind).toBe('type')
    expect(decodeSessionMetadata(Buffer.from('{"checkpoints_count":1e2}')).error?.kind).toBe('type')
    expect(
      decodeSessionMetadata(Buffer.from('{"checkpoints_count":9223372036854775808}')).error?.kind
    ).toBe('type')
  })
  test('a bad checkpoint id or time stops decoding at that key', () => {
    const r = decodeSessionMetadata(
      Buffer.from('{"session_id":"s","checkpoint_id":"ABC","model":"m"}')
    )
    expect(r.error?.kind).toBe('stopped')
    expect(r.value?.session_id).toBe('s')
    expect(r.value?.model).toBe('')
    const r2 = decodeSessionMetadata(Buffer.from('{"model":"m","created_at":"","agent":"a"}'))
    expect(r2.error?.kind).toBe('stopped')
    expect(r2.value?.model).toBe('m')
    expect(r2.value?.agent).toBe('')
    // Go reads the time between the quotes without unescaping it.
    expect(
      decodeSessionMetadata(Buffer.from('{"created_at":"2026-01-01T00:00:00\\u005a"}')).error?.kind
    ).toBe('stopped')
    expect(decodeSessionMetadata(Buffer.from('{"checkpoint_id":""}')).error).toBeUndefined()
    expect(
      decodeSessionMetadata(Buffer.from('{"checkpoint_id":null,"created_at":null}')).error
    ).toBeUndefined()
  })
  test('case-insensitive keys, last duplicate wins, null semantics, unknown keys recorded', () => {
    const r = decodeSessionMetadata(
      Buffer.from(
        '{"Session_ID":"a","session_id":"b","MODEL":"x","files_touched":["f"],"files_touched":null,"token_usage":{"input_tokens":1},"token_usage":{"output_tokens":2},"steps_count":3,"token_usage":{"foo":1},"agent":null}'
      )
    )
    expect(r.error).toBeUndefined()
    expect(r.value?.session_id).toBe('b')
    expect(r.value?.model).toBe('x')
    expect(r.value?.files_touched).toBeNull()
    // A repeated object key decodes into the same struct (Go reuses the pointer).
    expect(r.value?.token_usage).toMatchObject({ input_tokens: 1, output_tokens: 2 })
    expect(r.unknownKeys).toEqual(['steps_count', 'token_usage.foo'])
  })
})

test('a non-UTC created_at is kept by the decoder (conversion is the writer’s job)', () => {
  const m = decodeSessionMetadata(Buffer.from('{"created_at":"2025-12-01T10:00:00.123456+01:00"}'))
  expect(formatGoTime(m.value!.created_at)).toBe('2025-12-01T10:00:00.123456+01:00')
  expect(formatGoTime(toUtc(m.value!.created_at))).toBe('2025-12-01T09:00:00.123456Z')
})

describe('properties (seeded random inputs)', () => {
  // A small deterministic PRNG so failures reproduce.
  let seed = 12345
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]
  const randomString = () => {
    const pool = [
      'a',
      'Z',
      ' ',
      '"',
      '\\',
      '\n',
      '\t',
      '\u0000',
      '\u001f',
      '\u007f',
      '<',
      '>',
      '&',
      'é',
      '日',
      '😀',
      '\u2028',
      '\u2029',
      '\ud800',
      '\udc00',
      '\ufffd'
    ]
    let s = ''
    const n = Math.floor(rnd() * 12)
    for (let i = 0; i < n; i++) s += pick(pool)
    return s
  }
  const randomValue = (depth: number): unknown => {
    const r = rnd()
    if (depth > 3 || r < 0.3)
      return pick([0, -1, 1.5, 66.66666666666667, 1e-7, 1e21, true, false, null, 'x'])
    if (r < 0.5) return randomString().replace(/[\ud800-\udfff\u2028\u2029]/g, '')
    if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(depth + 1))
    return Object.fromEntries(
      Array.from({ length: Math.floor(rnd() * 4) }, (_, i) => [
        `k${i}${randomString().replace(/[\ud800-\udfff]/g, '')}`,
        randomValue(depth + 1)
      ])
    )
  }

  test('strings: Go quoting equals JSON.stringify except U+2028/U+2029 and lone surrogates', () => {
    for (let i = 0; i < 2000; i++) {
      const s = randomString()
      const expected = JSON.stringify(
        s.replace(
          /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
          '\ufffd'
        )
      )
        .replace(/\u2028/g, '\\u2028')
        .replace(/\u2029/g, '\\u2029')
      expect(goQuote(s)).toBe(expected)
      // And the encoded bytes decode back (through our Go-compatible parser) to the Go string.
      const dec = decodeSessionMetadata(Buffer.from(`{"model":${goQuote(s)}}`))
      expect(dec.value?.model).toBe(JSON.parse(expected))
    }
  })

  test('raw JSON re-indentation equals JSON.stringify(value, null, 2) of the same tokens', () => {
    for (let i = 0; i < 500; i++) {
      const v = randomValue(0)
      const raw = Buffer.from(JSON.stringify(v))
      expect(enc(gv.obj([['p', gv.raw(raw)]]))).toBe(JSON.stringify({ p: v }, null, 2) + '\n')
    }
  })
})

test('nesting: up to the Go limit of 10000 levels parses, deeper is a syntax error, never a crash', () => {
  const doc = (depth: number) => Buffer.from('{"x":' + '['.repeat(depth) + ']'.repeat(depth) + '}')
  expect(decodeSessionMetadata(doc(9999)).error).toBeUndefined() // 1 object + 9999 arrays
  expect(decodeSessionMetadata(doc(10000)).error?.message).toMatch(/exceeded max depth/)
  expect(decodeSessionMetadata(doc(200000)).error?.kind).toBe('syntax')
})
