// Pure helpers of the verifier: instants at nanosecond precision, Go-like prompt split/join,
// raw JSON whitespace removal, schema projection, writer profiles, first-difference reporting.
import { describe, expect, it } from '@jest/globals'
import {
  compactRaw,
  formatInstant,
  GO_ZERO_TIME,
  parseInstant,
  project,
  TOKEN_USAGE
} from '../src/engine/verify/values.js'
import { normalisePrompt } from '../src/engine/verify/checkpoint.js'
import { firstDifference } from '../src/engine/verify/record.js'
import { writerProfile } from '../src/engine/verify/writers.js'
import { chunkIndex } from '../src/engine/verify/layout.js'
import { normaliseCliVersion } from '../src/engine/verify/compare.js'
import { forgetParsedDocs, parseDoc } from '../src/engine/verify/docs.js'

describe('instants', () => {
  it('compares offsets and sub-millisecond digits exactly', () => {
    expect(parseInstant('2026-01-01T11:00:00.000000001+01:00')).toBe(
      parseInstant('2026-01-01T10:00:00.000000001Z')
    )
    expect(
      parseInstant('2026-01-01T10:00:00.0000001Z')! - parseInstant('2026-01-01T10:00:00Z')!
    ).toBe(100n)
    expect(formatInstant(parseInstant('2026-02-09T02:40:49.8448760+01:00')!)).toBe(
      '2026-02-09T01:40:49.844876Z'
    )
    expect(formatInstant(GO_ZERO_TIME)).toBe('0001-01-01T00:00:00Z')
    expect(parseInstant('2026-01-01 10:00:00Z')).toBeUndefined()
  })
})

describe('prompts', () => {
  const p = (s: string) => normalisePrompt(Buffer.from(s)).toString()
  it('drops trailing separators only, splitting left to right like Go strings.Split', () => {
    expect(p('a\n\n---\n\nb')).toBe('a\n\n---\n\nb')
    expect(p('a\n\n---\n\n')).toBe('a')
    expect(p('a\n\n---\n\n\n\n---\n\n')).toBe('a')
    expect(p('\n\n---\n\n')).toBe('')
    expect(p('')).toBe('')
    // "a" SEP "---\n\n": the last piece is not empty, nothing is dropped.
    expect(p('a\n\n---\n\n---\n\n')).toBe('a\n\n---\n\n---\n\n')
    expect(p('\n\n---\n\nb')).toBe('\n\n---\n\nb')
  })
})

describe('values', () => {
  it('removes insignificant whitespace from raw JSON only outside strings', () => {
    expect(compactRaw('[ {"a" : "x y",\n "b": 1.0 } ]')).toBe('[{"a":"x y","b":1.0}]')
  })
  it('projects like the Go decoder: zero values, unknown keys reported', () => {
    const r = project(
      { input_tokens: 1, extra: 2, subagent_tokens: null },
      TOKEN_USAGE,
      'token_usage'
    )
    expect(r.value).toEqual({
      input_tokens: 1,
      cache_creation_tokens: 0,
      cache_read_tokens: 0,
      output_tokens: 0,
      api_call_count: 0,
      subagent_tokens: null
    })
    expect(r.unknown).toEqual(['token_usage.extra'])
    expect(project(null, TOKEN_USAGE).value).toBeNull()
  })
  it('names the first differing line', () => {
    expect(firstDifference(Buffer.from('a\nb\nc'), Buffer.from('a\nb\nc'))).toBeUndefined()
    expect(firstDifference(Buffer.from('a\nbX\nc'), Buffer.from('a\nbY\nc'))).toEqual({
      line: 2,
      offset: 3,
      left: 'bX',
      right: 'bY'
    })
    expect(firstDifference(Buffer.from('a\n'), Buffer.from('a\nmore'))).toMatchObject({
      line: 2,
      left: '',
      right: 'more'
    })
  })
  it('normalises cli_version in metadata and compact lines', () => {
    expect(
      normaliseCliVersion(
        Buffer.from('{"cli_version": "1.2"}\n{"v":1,"agent":"x","cli_version":"dev"}')
      ).toString()
    ).toBe('{"cli_version": "*"}\n{"v":1,"agent":"x","cli_version":"*"}')
  })
})

describe('writers and chunk names', () => {
  it('recognises older Go releases from cli_version', () => {
    expect(writerProfile('0.5.6').name).toBe('v0.5.6')
    expect(writerProfile('v0.5.5').name).toBe('v0.5.6')
    expect(writerProfile('0.6.1').name).toBe('v0.6.0/v0.6.1')
    expect(writerProfile('0.6.10').name).toBe('reference')
    expect(writerProfile('0.6.2-nightly.202605150717.11da3db0').name).toBe('reference')
    expect(writerProfile('dev').name).toBe('reference')
  })
  it('parses chunk suffixes like sscanf %3d', () => {
    expect(chunkIndex('001')).toBe(1)
    expect(chunkIndex('12x')).toBe(12)
    expect(chunkIndex('1000')).toBe(100)
    expect(chunkIndex('abc')).toBeUndefined()
  })
})

describe('parsed documents', () => {
  it('are memoised per blob until forgotten, then parsed again to an equal document', () => {
    const blob = Buffer.from('{"session_id":"s1","created_at":"2026-01-02T03:04:05Z"}')
    const first = parseDoc(blob)
    expect(parseDoc(blob)).toBe(first)
    forgetParsedDocs()
    const again = parseDoc(blob)
    expect(again).not.toBe(first)
    expect(again.value).toEqual(first.value)
    expect(again.value).toEqual({ session_id: 's1', created_at: '2026-01-02T03:04:05Z' })
  })
})
