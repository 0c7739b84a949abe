// The JSONL converter skips validating lines it can tell are dropped (certainlyDropped): that
// must only ever say "dropped" for lines the full path would drop too, whatever the line holds.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { certainlyDropped, lineEntry } from '../src/formats/compact/jsonl.js'
import { Rng, mutate } from './compact-mutations.js'

const here = dirname(fileURLToPath(import.meta.url))
const inputs = join(here, 'fixtures', 'compact', 'inputs')

const CRAFTED = [
  '{"type":"progress","data":{"type":"user","message":{"role":"user","content":"x"}}}',
  '{"type":"progress","type":"user","message":{"role":"user","content":"hi"}}',
  '{"type":"user","type":"progress","message":{"role":"user","content":"hi"}}',
  '{"typ\\u0065":"user","type":"progress","message":{"content":"hi"}}',
  '{"type":"progress","typ\\u0065":"user","message":{"content":"hi"}}',
  '{"type":"pro\\u0067ress","message":{"content":"hi"}}',
  '{"type":"us\\u0065r","message":{"content":"hi"}}',
  '{"type":"","role":"user","message":{"content":"hi"}}',
  '{"type":null,"role":"assistant","message":{"id":"m","content":[]}}',
  '{"type":7,"role":"user","message":{"content":"hi"}}',
  '{"role":"user","message":{"content":"hi"}}',
  '{"type":"system","content":"a \\"quoted\\" \\\\ text","x":["]","}",{"type":"user"}]}',
  '{"type":"progress"} trailing',
  '{"type":"progress",',
  '{"type" : "human" , "message":{"content":"hi"}}',
  '{"type":"assistant","message":{"id":"a","content":[{"type":"text","text":"t"}]}}',
  '{"a":{"type":"x"},"b":"\\\\","type":"queue-operation"}',
  '{"a":"\\\\\\"","type":"user","message":{"content":"q"}}',
  '{"type":"file-history-snapshot","snapshot":{}}'
]

function lines(): Buffer[] {
  const out: Buffer[] = CRAFTED.map((l) => Buffer.from(l))
  const rng = new Rng(99)
  for (const dir of ['claude', 'droid', 'copilot', 'codex']) {
    for (const f of ['claude_full.jsonl', 'claude_full2.jsonl', `${dir}_full.jsonl`]) {
      let content: Buffer
      try {
        content = readFileSync(join(inputs, dir, f))
      } catch {
        continue
      }
      for (const l of content.toString('latin1').split('\n')) {
        if (!l.startsWith('{')) continue
        const b = Buffer.from(l, 'latin1')
        out.push(b)
        for (let k = 0; k < 6; k++) out.push(mutate(b, rng))
      }
    }
  }
  for (const l of CRAFTED) for (let k = 0; k < 200; k++) out.push(mutate(Buffer.from(l), rng))
  return out.filter((b) => b.length > 0 && b[0] === 0x7b && !b.includes(0x0a))
}

describe('compact: lines dropped without validation', () => {
  it('says "dropped" only for lines that give no entry', () => {
    let dropped = 0
    let kept = 0
    for (const b of lines()) {
      let t = b.length
      while (t > 0 && (b[t - 1] === 0x20 || b[t - 1] === 0x0d || b[t - 1] === 0x09)) t--
      // the full path: validate, then read the line
      const entries = lineEntry(b, 0, t, false, 0) === null ? [] : [1]
      if (certainlyDropped(b, 0, t)) {
        dropped++
        expect({ line: b.toString('latin1'), entries: entries.length }).toEqual({
          line: b.toString('latin1'),
          entries: 0
        })
      } else if (entries.length > 0) kept++
    }
    // the check is exercised both ways
    expect(dropped).toBeGreaterThan(100)
    expect(kept).toBeGreaterThan(100)
  })

  it('drops progress and snapshot records, keeps user and assistant ones', () => {
    const at = (s: string): boolean => certainlyDropped(Buffer.from(s), 0, Buffer.byteLength(s))
    expect(at(CRAFTED[0])).toBe(true)
    expect(at(CRAFTED[1])).toBe(false) // the last "type" is user
    expect(at(CRAFTED[2])).toBe(false) // the first "type" says user: not worth a scan
    expect(at(CRAFTED[3])).toBe(false) // an escaped key might be "type"
    expect(at(CRAFTED[7])).toBe(false) // empty type: the role decides
    expect(at(CRAFTED[11])).toBe(true)
    expect(at(CRAFTED[14])).toBe(false)
    expect(at(CRAFTED[16])).toBe(true)
    expect(at(CRAFTED[17])).toBe(false)
  })
})
