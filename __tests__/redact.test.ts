import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import {
  redactPromptBytes,
  redactString,
  redactSummary,
  summaryChanges
} from '../src/formats/redact/index.js'

interface RefCase {
  test: string
  name: string
  input: string
  want?: string
  contains?: string
}
const golden = JSON.parse(
  readFileSync(new URL('./fixtures/redact/reference-string-cases.json', import.meta.url), 'utf8')
) as { cases: RefCase[]; idempotent: string[] }

describe('reference redact.String cases (afef3455 redact_test.go)', () => {
  test.each(golden.cases.map((c) => [`${c.test}: ${c.name}`, c] as const))('%s', (_n, c) => {
    const got = redactString(c.input)
    if (c.want !== undefined) expect(got).toBe(c.want)
    else expect(got).toContain(c.contains)
  })
  test.each(golden.idempotent.map((s) => [s]))('idempotent: %s', (s) => {
    const once = redactString(s)
    expect(redactString(once)).toBe(once)
  })
})

const highEntropy = 'sk-ant-api03-xK9mZ2vL8nQ5rT1wY4bC7dF0gH3jE6pA'

describe('layers', () => {
  test('entropy: token of >= 10 chars with entropy > 4.5', () => {
    expect(redactString(`a ${highEntropy} b`)).toBe('a REDACTED b')
    // 10 distinct characters have entropy log2(10) = 3.32: kept.
    expect(redactString('abcdefghij')).toBe('abcdefghij')
  })
  test('entropy: / splits tokens so paths survive', () => {
    const p = '/home/user/projects/entire-migrate/src/formats/redact/index.ts'
    expect(redactString(p)).toBe(p)
  })
  test('entropy: escape guard skips the letter after a backslash', () => {
    // "\n" + secret: the n is not consumed, so the backslash stays a valid escape.
    const s = `x\\n${highEntropy}`
    expect(redactString(s)).toBe('x\\nREDACTED')
    // After an unknown escape letter the token is taken whole.
    expect(redactString(`x\\q${highEntropy}`)).toBe('x\\REDACTED')
  })
  test('entropy: guard makes a too-short remainder skip', () => {
    // "\\n" + 9 chars: 10-char match starts at 'n', guard trims to 9 < 10 -> not a candidate.
    expect(redactString('\\nAb3Xy9Qz1W')).toBe('\\nAb3Xy9Qz1W')
  })
  test('betterleaks: vendor pattern below the entropy threshold', () => {
    // Entropy about 3.8: under the entropy layer's 4.5, over the github-pat rule's 3.0 floor.
    const tok = 'ghp_' + 'abcdefghijkl'.repeat(3)
    expect(redactString(`token ${tok} end`)).toBe('token REDACTED end')
  })
  test('betterleaks: every occurrence of a found secret is replaced', () => {
    expect(redactString('key=AKIAYRWQG5EJLPZLBYNP then AKIAYRWQG5EJLPZLBYNP')).toBe(
      'key=REDACTED then REDACTED'
    )
  })
  test('betterleaks: allow comment on the line suppresses the rule finding', () => {
    expect(redactString('key=AKIAYRWQG5EJLPZLBYNP # gitleaks:allow')).toBe(
      'key=AKIAYRWQG5EJLPZLBYNP # gitleaks:allow'
    )
  })
  test('betterleaks: required rule (aws access key needs a secret key nearby)', () => {
    // Alone, an AKIA id is not reported by aws-access-token, and its entropy is low.
    expect(redactString('AKIAYRWQG5EJLPZLBYNP')).toBe('AKIAYRWQG5EJLPZLBYNP')
  })
  test('betterleaks: generic rule drops natural-language values (token efficiency)', () => {
    expect(redactString('password = "correcthorsebatterystaple"')).toBe(
      'password = "correcthorsebatterystaple"'
    )
  })
  test('credentialed URI', () => {
    expect(redactString('see https://bob:pw@h.example/x ok')).toBe('see REDACTED ok')
  })
  test('connection strings need host, user and a non-placeholder password', () => {
    expect(redactString('host=h user=u password=p1')).toBe('REDACTED')
    expect(redactString('host=h user=u password=changeme')).toBe('host=h user=u password=changeme')
    expect(redactString('host=h port=1 password=p1')).toBe('host=h port=1 password=p1')
  })
  test('connection strings: trailing punctuation is not redacted', () => {
    expect(redactString('use host=h user=u password=p1.')).toBe('use REDACTED.')
  })
  test('credential key/value', () => {
    expect(redactString('export PGPASSWORD=abc; next')).toBe('export PGPASSWORD=REDACTED; next')
    expect(redactString('mydbpassword=abc')).toBe('mydbpassword=abc')
  })
  test('overlapping regions merge into one REDACTED', () => {
    // The credential value `x sk-…` and the entropy token `sk-…` overlap.
    expect(redactString(`DB_PASSWORD="x ${highEntropy}"`)).toBe('DB_PASSWORD="REDACTED"')
    // `=` and `_` are token characters: the whole assignment is one high-entropy token.
    expect(redactString(`DB_PASSWORD=${highEntropy}`)).toBe('REDACTED')
  })
  test('no secrets: same string', () => {
    const s = 'Please refactor the migration engine to batch writes.\n\n---\n\nThanks!'
    expect(redactString(s)).toBe(s)
  })
})

describe('idempotence', () => {
  const inputs = [
    `token ghp_${'x'.repeat(36)} and ${highEntropy}`,
    'postgres://u:p@h/db?password=x host=a user=b password=c',
    'DB_PASSWORD="hunter2" PGPASSWORD=abc',
    `{"k":"${highEntropy}","t":"glpat-${'A1b2C3d4E5f6G7h8I9j0'}"}`
  ]
  test.each(inputs.map((s) => [s]))('redact(redact(x)) == redact(x): %s', (s) => {
    const once = redactString(s)
    expect(once).not.toBe(s)
    expect(redactString(once)).toBe(once)
  })
})

describe('bytes and invalid UTF-8', () => {
  test('unchanged input returns the same object', () => {
    const b = new TextEncoder().encode('nothing to see here')
    expect(redactPromptBytes(b)).toBe(b)
  })
  test('invalid bytes outside a secret are kept verbatim', () => {
    const enc = new TextEncoder()
    const b = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      enc.encode(` ${highEntropy} `),
      Buffer.from([0xe2, 0x82]),
      enc.encode(' é ok')
    ])
    const out = Buffer.from(redactPromptBytes(b))
    expect(out).toEqual(
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        enc.encode(' REDACTED '),
        Buffer.from([0xe2, 0x82]),
        enc.encode(' é ok')
      ])
    )
  })
  test('an invalid byte ends a token like any non-token character', () => {
    const b = Buffer.concat([Buffer.from(highEntropy), Buffer.from([0x80]), Buffer.from('tail')])
    expect(Buffer.from(redactPromptBytes(b))).toEqual(
      Buffer.concat([Buffer.from('REDACTED'), Buffer.from([0x80]), Buffer.from('tail')])
    )
  })
  test('surrogate-range encodings (ED A0 80) are invalid bytes, not a code point', () => {
    const b = Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x62])
    expect(Buffer.from(redactPromptBytes(b))).toEqual(b)
  })
})

describe('summary', () => {
  test('text fields are redacted, structure kept', () => {
    const s = {
      intent: `use ${highEntropy}`,
      outcome: 'fine',
      friction: ['DB_PASSWORD=abc'],
      open_items: [],
      learnings: {
        repo: ['x'],
        workflow: null,
        code: [{ path: 'a/b.ts', line: 3, end_line: 4, finding: `t ${highEntropy}` }]
      }
    }
    const r = redactSummary(s)
    expect(r).toEqual({
      intent: 'use REDACTED',
      outcome: 'fine',
      friction: ['DB_PASSWORD=REDACTED'],
      open_items: [],
      learnings: {
        repo: ['x'],
        workflow: null,
        code: [{ path: 'a/b.ts', line: 3, end_line: 4, finding: 't REDACTED' }]
      }
    })
    expect(s.intent).toBe(`use ${highEntropy}`)
    expect(summaryChanges(s)).toBe(true)
    expect(summaryChanges(r)).toBe(false)
  })
})

describe('token efficiency filter (generic-api-key)', () => {
  test('cl100k_base token counts match tiktoken', async () => {
    const { countTokens } = await import('../src/formats/redact/token-efficiency.js')
    expect(countTokens('hello world')).toBe(2)
    expect(countTokens('tiktoken is great!')).toBe(6)
    expect(countTokens('')).toBe(0)
  })
  test('dictionary search as words.HasMatchInList (upstream search_test cases)', async () => {
    const { hasDictionaryWord } = await import('../src/formats/redact/token-efficiency.js')
    expect(hasDictionaryWord('', 3)).toBe(false)
    expect(hasDictionaryWord('ab', 3)).toBe(false)
    expect(hasDictionaryWord('xyzabc', 3)).toBe(false)
    expect(hasDictionaryWord('pass', 3)).toBe(true)
    expect(hasDictionaryWord('xxwordxx', 3)).toBe(true)
    expect(hasDictionaryWord('PassWord', 5)).toBe(true)
  })
  test('natural-language values fail, random ones pass', async () => {
    const { failsTokenEfficiency } = await import('../src/formats/redact/token-efficiency.js')
    expect(failsTokenEfficiency('thisisnotasecretvalue')).toBe(true)
    expect(failsTokenEfficiency('xq7Zt9Lw2Kp4Rv8Ny3Bm')).toBe(false)
  })
})
