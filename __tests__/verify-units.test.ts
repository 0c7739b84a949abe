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
import { chunkIndex, TreeListing } from '../src/engine/verify/layout.js'
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

describe('tree listings', () => {
  const rec = (path: string, oid = 'a'.repeat(40), size = '12') =>
    `100644 blob ${oid} ${size.padStart(7)}\t${path}\0`
  it('groups records by checkpoint and decodes a checkpoint only when asked', () => {
    const text = Buffer.from(
      rec('aa/bbbbbbbbbb/0/full.jsonl', 'b'.repeat(40), '300') +
        rec('aa/bbbbbbbbbb/0/metadata.json') +
        rec('aa/bbbbbbbbbb/metadata.json') +
        rec('aa/cccccccccc/tasks/t1/checkpoint.json') +
        rec('generation.json') +
        rec('aa/notanid/x') +
        rec('ab/0123456789') +
        rec('zz/ééééé/0/x')
    )
    const t = TreeListing.parse(text)
    expect([...t.ids()]).toEqual(['aabbbbbbbbbb', 'aacccccccccc'])
    expect(t.size).toBe(2)
    expect([...t.rootFiles.keys()]).toEqual(['generation.json'])
    expect(t.stray).toEqual(['aa/notanid/x', 'ab/0123456789', 'zz/ééééé/0/x'])
    const cp = t.checkpoint('aabbbbbbbbbb')!
    expect(cp.dir).toBe('aa/bbbbbbbbbb')
    expect([...cp.files.keys()]).toEqual(['metadata.json'])
    expect(cp.slots.get('0')?.files.get('full.jsonl')).toEqual({
      mode: '100644',
      type: 'blob',
      oid: 'b'.repeat(40),
      size: 300
    })
    expect([...t.checkpoint('aacccccccccc')!.slots.get('tasks')!.files.keys()]).toEqual([
      't1/checkpoint.json'
    ])
    expect(t.checkpoint('aadddddddddd')).toBeUndefined()
    expect(t.checkpoint('aabbbbbbbbbb')).not.toBe(cp) // decoded again: nothing is kept
  })

  it('joins records of one checkpoint that are not next to each other', () => {
    const t = TreeListing.parse(
      Buffer.from(rec('aa/bbbbbbbbbb/0/x') + rec('README') + rec('aa/bbbbbbbbbb/1/y'))
    )
    expect([...t.checkpoint('aabbbbbbbbbb')!.slots.keys()]).toEqual(['0', '1'])
    expect(TreeListing.EMPTY.size).toBe(0)
  })
})
