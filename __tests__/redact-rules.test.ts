import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { RULE_PACK } from '../src/formats/redact/rules.generated.js'
import { detectSecrets, detectWithSingleRule } from '../src/formats/redact/detector.js'

interface Examples {
  tps: string[]
  fps: string[]
  skipped: number
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/redact/upstream-examples.json', import.meta.url), 'utf8')
) as { upstream: { version: string; commit: string }; examples: Record<string, Examples> }

describe('generated rule pack', () => {
  test('comes from the betterleaks version the reference pins', () => {
    expect(RULE_PACK.upstream.version).toBe('v1.2.0')
    expect(fixture.upstream.commit).toBe(RULE_PACK.upstream.commit)
  })
  test('every rule with a regex translated and compiles with the u flag', () => {
    expect(RULE_PACK.untranslatable).toEqual([])
    expect(RULE_PACK.rules.length).toBeGreaterThan(260)
    for (const r of RULE_PACK.rules) {
      if (r.re2 === null) continue
      expect(r.regex).not.toBeNull()
      expect(() => new RegExp(r.regex!, 'u')).not.toThrow()
    }
  })
})

const withExamples = RULE_PACK.rules.filter(
  (r) => r.path === null && r.regex !== null && fixture.examples[r.id]
)

describe('upstream examples, one rule at a time', () => {
  test.each(withExamples.map((r) => [r.id]))('%s', (id) => {
    const ex = fixture.examples[id]
    const missed = ex.tps.filter((tp) => detectWithSingleRule(tp, id).length === 0)
    const flagged = ex.fps.filter((fp) => detectWithSingleRule(fp, id).length > 0)
    expect({ missed, flagged }).toEqual({ missed: [], flagged: [] })
  })
})

describe('detector', () => {
  test('a plain sentence yields nothing', () => {
    expect(detectSecrets('The quick brown fox jumps over the lazy dog.')).toEqual([])
  })
})
