// The verifier's bulk reader and byte scanners: cat-file --batch bodies of every size (empty,
// small, several pipe reads long) come back byte-exact, missing ids are absent; cli_version values
// of compact lines read from bytes equal the multiline-regexp reading of the decoded text.
import { describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { initRepo } from './helpers/v1repo.js'
import { readBlobs } from '../src/engine/verify/git-read.js'
import { compactLineVersions } from '../src/engine/verify/checkpoint.js'

describe('readBlobs', () => {
  it('returns every body byte-exact, whatever its size; missing ids are absent', async () => {
    const git = await initRepo()
    const bodies = [
      Buffer.alloc(0),
      Buffer.from('x'),
      Buffer.from('line\n'),
      randomBytes(64 * 1024 - 1),
      randomBytes(64 * 1024),
      randomBytes(3 * 1024 * 1024 + 17)
    ]
    const oids: string[] = []
    for (const b of bodies)
      oids.push((await git.text(['hash-object', '-w', '--stdin'], { input: b })).trim())
    const missing = '0123456789012345678901234567890123456789'
    const got = await readBlobs(git, [...oids, missing, oids[1]])
    expect(got.size).toBe(bodies.length)
    bodies.forEach((b, i) => expect(got.get(oids[i])?.equals(b)).toBe(true))
    expect(got.has(missing)).toBe(false)
  })
})

describe('compactLineVersions', () => {
  const regexpReading = (b: Buffer): Set<string> => {
    const out = new Set<string>()
    for (const m of b
      .toString('utf8')
      .matchAll(/^\{"v":1,"agent":(?:"(?:[^"\\]|\\.)*"),"cli_version":("(?:[^"\\]|\\.)*")/gm))
      out.add(JSON.parse(m[1]) as string)
    return out
  }
  const line = (agent: string, version: string) =>
    `{"v":1,"agent":${agent},"cli_version":${version},"type":"user"}`

  it('agrees with the regexp on ordinary, escaped and odd inputs', () => {
    const cases = [
      [line('"Claude Code"', '"0.6.2"'), line('"Claude Code"', '"0.6.2"')].join('\n') + '\n',
      [line('"a\\"b"', '"1\\u00e9"'), line('"x"', '"2"')].join('\n'),
      // Not at a line start, CR and U+2028 line starts, a backslash before a newline.
      `junk ${line('"a"', '"3"')}\r${line('"b"', '"4"')}\u2028${line('"c"', '"5"')}`,
      `${line('"a\\', '"6"')}\n${line('"ok"', '"7"')}`,
      `{"v":1,"agent":"é\\é","cli_version":"8"}\n{"v":1,"agent":"unterminated`
    ]
    for (const c of cases) {
      const b = Buffer.from(c)
      expect([...compactLineVersions(b)].sort()).toEqual([...regexpReading(b)].sort())
    }
    expect([...compactLineVersions(Buffer.from(cases[2]))].sort()).toEqual(['4', '5'])
  })
})
