import { describe, it, expect } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  buildCommits,
  classifyPorcelain,
  commitBytes,
  conversionObjects,
  buildPack,
  idKind,
  importMessage,
  normaliseRootMetadata,
  normaliseRootMetadataExact,
  objectId,
  parseCheckpointRef,
  parseDateInput,
  parseLsRemote,
  parsePorcelain,
  parseScopedConfig,
  planConversion,
  planPushBatches,
  nextPushSize,
  PushBatcher,
  pushRefspec,
  refNameFor,
  resolveIdentity,
  resolvePrimary,
  selectCheckpointDirs,
  treeBytes,
  withPrimaryGitRefs,
  type RefState
} from '../src/formats/git-refs/index.js'

const here = dirname(fileURLToPath(import.meta.url))
const fixture = (name: string) => readFileSync(join(here, 'fixtures/git-refs/worked-example', name))

describe('git-refs: ref naming (§1)', () => {
  it('shards by the last two characters for both id kinds', () => {
    expect(refNameFor('1dd678f9643b')).toBe('refs/entire/checkpoints/3b/1dd678f9643b')
    expect(refNameFor('01KX3C7BMTWA91N5D9E0V15CXG')).toBe(
      'refs/entire/checkpoints/XG/01KX3C7BMTWA91N5D9E0V15CXG'
    )
    expect(refNameFor('a3b2c1d0e9f8')).toBe('refs/entire/checkpoints/f8/a3b2c1d0e9f8')
  })

  it('refuses strings that are neither a 12-hex id nor a canonical ULID', () => {
    for (const bad of [
      'A3B2C1D0E9F8',
      'a3b2c1d0e9f',
      '01kx3c7bmtwa91n5d9e0v15cxg',
      '81KX3C7BMTWA91N5D9E0V15CXG',
      '01KX3C7BMTWA91N5D9E0V15CXI',
      'v2'
    ]) {
      expect(idKind(bad)).toBeNull()
      expect(() => refNameFor(bad)).toThrow(/not a checkpoint id/)
    }
  })

  it('recognises checkpoint refs by the reader rules, rejecting v2 refs', () => {
    expect(parseCheckpointRef('refs/entire/checkpoints/3b/1dd678f9643b')).toBe('1dd678f9643b')
    expect(parseCheckpointRef('refs/entire/checkpoints/v1.1')).toBeNull()
    expect(parseCheckpointRef('refs/entire/checkpoints/v2/main')).toBeNull()
    expect(parseCheckpointRef('refs/entire/checkpoints/v2/full/current')).toBeNull()
    expect(parseCheckpointRef('refs/entire/checkpoints/aa/1dd678f9643b')).toBeNull()
  })
})

describe('git-refs: worked example (§8), byte for byte', () => {
  const branchBlob = fixture('branch-metadata.json')
  const expected = fixture('normalised-metadata.json')

  it('the branch blob and subtree have the ids the spec gives', () => {
    expect(objectId('blob', branchBlob)).toBe('c97fe640230ff33e05e07b5cfda1cfe0538e0328')
    const tree = treeBytes([
      { mode: '100644', name: 'metadata.json', oid: objectId('blob', branchBlob) },
      { mode: '040000', name: '0', oid: 'ccb0ec5469f04b082e2e5b66df6704571af492a9' }
    ])
    expect(objectId('tree', tree)).toBe('e576c0296cb046af5f1bf5214e2d5aa79010e8f1')
  })

  it('normalises metadata.json to the spec bytes (blob 7f26b227…)', () => {
    const r = normaliseRootMetadata('a3b2c1d0e9f8', branchBlob)
    expect(r.changed).toBe(true)
    if (!r.changed) return
    expect(r.bytes.equals(expected)).toBe(true)
    expect(objectId('blob', r.bytes)).toBe('7f26b227c5cbca8bbba8c00936fd75fba9bee225')
    expect(r.removedCheckpointVersion).toBe(true)
    expect(r.strippedPaths).toBe(4)
  })

  it('plans target tree 3ac1f9ab… and orphan commit 78135109… with pinned identity and date', () => {
    const plan = planConversion({
      checkpoints: [
        {
          id: 'a3b2c1d0e9f8',
          tree: 'e576c0296cb046af5f1bf5214e2d5aa79010e8f1',
          entries: [
            { mode: '040000', name: '0', oid: 'ccb0ec5469f04b082e2e5b66df6704571af492a9' },
            { mode: '100644', name: 'metadata.json', oid: objectId('blob', branchBlob) }
          ]
        }
      ],
      metadata: new Map([['a3b2c1d0e9f8', branchBlob]]),
      refs: new Map()
    })
    expect(plan.counts).toMatchObject({ total: 1, create: 1, skip: 0 })
    const d = plan.decisions[0]
    expect(d.ref).toBe('refs/entire/checkpoints/f8/a3b2c1d0e9f8')
    expect(d.targetTree).toBe('3ac1f9abb71b37428b61be7a12f19c5ec5891c0d')
    expect(d.old).toBeNull()
    const identity = { name: 'Ada Lovelace', email: 'ada@example.com' }
    const [c] = buildCommits(plan.decisions, identity, parseDateInput('1783000000 +0200'))
    expect(c.bytes.toString('utf8')).toBe(
      'tree 3ac1f9abb71b37428b61be7a12f19c5ec5891c0d\n' +
        'author Ada Lovelace <ada@example.com> 1783000000 +0200\n' +
        'committer Ada Lovelace <ada@example.com> 1783000000 +0200\n' +
        '\n' +
        'Import checkpoint a3b2c1d0e9f8 (migrated from git-branch)'
    )
    expect(c.commit).toBe('78135109d5ba651149a665138a00abe7289ac44d')
    // R1 (subtree unchanged) would have given 521378dc… with the same header values.
    const r1 = commitBytes({
      tree: 'e576c0296cb046af5f1bf5214e2d5aa79010e8f1',
      parent: null,
      signature: { ...identity, seconds: 1783000000, offset: '+0200' },
      message: importMessage('a3b2c1d0e9f8')
    })
    expect(objectId('commit', r1)).toBe('521378dcf4e8ca8bdc2b31476840602fcdb2ca82')
  })

  it('rerun: the tip tree equals the target → skipped; a changed target stacks on the tip', () => {
    const cp = {
      id: 'a3b2c1d0e9f8',
      tree: 'e576c0296cb046af5f1bf5214e2d5aa79010e8f1',
      entries: [
        { mode: '040000', name: '0', oid: 'ccb0ec5469f04b082e2e5b66df6704571af492a9' },
        { mode: '100644', name: 'metadata.json', oid: objectId('blob', branchBlob) }
      ]
    }
    const ref = 'refs/entire/checkpoints/f8/a3b2c1d0e9f8'
    const state: RefState = {
      ref,
      tip: '78135109d5ba651149a665138a00abe7289ac44d',
      tipMissing: false,
      chain: [
        {
          commit: '78135109d5ba651149a665138a00abe7289ac44d',
          tree: '3ac1f9abb71b37428b61be7a12f19c5ec5891c0d',
          isImport: true
        }
      ]
    }
    const metadata = new Map([['a3b2c1d0e9f8', branchBlob]])
    const again = planConversion({ checkpoints: [cp], metadata, refs: new Map([[ref, state]]) })
    expect(again.decisions[0].action).toBe('skip')
    expect(buildCommits(again.decisions, { name: 'a', email: 'b' }, null)).toEqual([])
    const changed = {
      ...cp,
      tree: '1111111111111111111111111111111111111111',
      entries: [
        { mode: '040000', name: '0', oid: '2222222222222222222222222222222222222222' },
        cp.entries[1]
      ]
    }
    const next = planConversion({
      checkpoints: [changed],
      metadata,
      refs: new Map([[ref, state]])
    })
    expect(next.decisions[0]).toMatchObject({
      action: 'update',
      parent: '78135109d5ba651149a665138a00abe7289ac44d',
      old: '78135109d5ba651149a665138a00abe7289ac44d'
    })
  })
})

describe('git-refs: metadata normalisation (§3.3)', () => {
  const id = 'a3b2c1d0e9f8'
  const norm = (text: string) => {
    const r = normaliseRootMetadata(id, Buffer.from(text, 'utf8'))
    // Whichever path took it, the exact path (src/formats/json) gives the same bytes.
    const exact = normaliseRootMetadataExact(id, Buffer.from(text, 'utf8'))
    expect(exact.changed ? exact.bytes.toString('utf8') : null).toBe(
      r.changed ? r.bytes.toString('utf8') : null
    )
    return r.changed ? r.bytes.toString('utf8') : null
  }

  it('keeps the original blob when nothing changes, whatever its key order', () => {
    expect(
      norm('{"z":1,"a":{"y":2,"b":3},"sessions":[{"metadata":"/0/metadata.json"}]}')
    ).toBeNull()
  })

  it('takes keys that JavaScript objects reorder or treat specially through the exact path', () => {
    expect(norm('{"checkpoint_version":1,"10":1,"9":2,"__proto__":{"b":1,"a":2},"-1":3}')).toBe(
      '{\n  "-1": 3,\n  "10": 1,\n  "9": 2,\n  "__proto__": {\n    "a": 2,\n    "b": 1\n  }\n}\n'
    )
  })

  it('strips the prefix once, only from string members of session objects', () => {
    const out = norm(
      JSON.stringify({
        sessions: [
          {
            metadata: '/a3/b2c1d0e9f8/a3/b2c1d0e9f8/0/metadata.json',
            context: '/a3/b2c1d0e9f8/0/context.md',
            prompt: '',
            nested: { p: '/a3/b2c1d0e9f8/0/x' },
            n: 3,
            other: '/a3/b2c1d0e9f8x/0/y'
          },
          '/a3/b2c1d0e9f8/0/not-an-object'
        ],
        top: '/a3/b2c1d0e9f8/0/top'
      })
    )
    expect(out).toBe(
      '{\n  "sessions": [\n    {\n      "context": "/0/context.md",\n' +
        '      "metadata": "/a3/b2c1d0e9f8/0/metadata.json",\n      "n": 3,\n' +
        '      "nested": {\n        "p": "/a3/b2c1d0e9f8/0/x"\n      },\n' +
        '      "other": "/a3/b2c1d0e9f8x/0/y",\n      "prompt": ""\n    },\n' +
        '    "/a3/b2c1d0e9f8/0/not-an-object"\n  ],\n  "top": "/a3/b2c1d0e9f8/0/top"\n}\n'
    )
  })

  it('removes checkpoint_version of any value and re-encodes as Go does', () => {
    const out = norm(
      '{"checkpoint_version":null,"f":1.5e-7,"g":1e21,"h":123456789012345678901,"i":-0,' +
        '"j":0.1,"k":"<a&b>\\u2028\\u2029\\u0001\\b\\f\\n\\r\\t\\"\\\\/","e":{},"d":[],"k2":100,' +
        '"x":"\\ud800","y":"\\ud83d\\ude00","a":2,"a":3}'
    )
    expect(out).toBe(
      '{\n  "a": 3,\n  "d": [],\n  "e": {},\n  "f": 1.5e-7,\n  "g": 1e+21,\n' +
        '  "h": 123456789012345680000,\n  "i": -0,\n  "j": 0.1,\n' +
        '  "k": "<a&b>\\u2028\\u2029\\u0001\\b\\f\\n\\r\\t\\"\\\\/",\n  "k2": 100,\n' +
        '  "x": "\ufffd",\n  "y": "\u{1F600}"\n}\n'
    )
  })

  it('replaces each invalid UTF-8 byte by U+FFFD and sorts keys by UTF-8 bytes', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"checkpoint_version":"x","s":"a'),
      Buffer.from([0xe2, 0x82, 0x41, 0xff]),
      Buffer.from('","\uff61":1,"\u{10000}":2}')
    ])
    const r = normaliseRootMetadata(id, bytes)
    expect(r.changed).toBe(true)
    if (!r.changed) return
    // U+FF61 (EF BD A1) sorts before U+10000 (F0 90 80 80) in bytes, after it in UTF-16.
    expect(r.bytes.toString('utf8')).toBe(
      '{\n  "s": "a\ufffd\ufffdA\ufffd",\n  "\uff61": 1,\n  "\u{10000}": 2\n}\n'
    )
  })

  it('fails naming the checkpoint and file for invalid JSON, trailing data, non-objects', () => {
    for (const bad of ['{"a":', '{} {}', '[1]', '{"a":1e400}', '{"a":"\u0001"}', '\ufeff{}']) {
      expect(() => normaliseRootMetadata(id, Buffer.from(bad, 'utf8'))).toThrow(
        /checkpoint a3b2c1d0e9f8: a3\/b2c1d0e9f8\/metadata.json cannot be decoded/
      )
      expect(() => normaliseRootMetadataExact(id, Buffer.from(bad, 'utf8'))).toThrow(
        /checkpoint a3b2c1d0e9f8: a3\/b2c1d0e9f8\/metadata.json cannot be decoded/
      )
    }
  })

  it('round-trips decoding: equal values after the two rules (property over random documents)', () => {
    let seed = 7
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const strs = ['', 'a', 'é', '/a3/b2c1d0e9f8/0/x', '\u2028', 'z\u0000', '😀']
    const gen = (depth: number): unknown => {
      switch (rnd(depth > 2 ? 4 : 6)) {
        case 0:
          return strs[rnd(strs.length)]
        case 1:
          return rnd(1000) - 500 + (rnd(2) ? 0.25 : 0)
        case 2:
          return rnd(2) === 1
        case 3:
          return null
        case 4:
          return Array.from({ length: rnd(3) }, () => gen(depth + 1))
        default:
          return Object.fromEntries(
            Array.from({ length: rnd(4) }, (_, k) => [strs[rnd(strs.length)] + k, gen(depth + 1)])
          )
      }
    }
    for (let n = 0; n < 200; n++) {
      const doc = { checkpoint_version: 'branch-v1', v: gen(0) }
      const r = normaliseRootMetadata(id, Buffer.from(JSON.stringify(doc)))
      expect(r.changed).toBe(true)
      if (!r.changed) continue
      expect(JSON.parse(r.bytes.toString('utf8'))).toEqual({ v: doc.v })
      // Normalising the normalised document again (with a checkpoint_version to remove) is a fixed point.
      const again = normaliseRootMetadataExact(
        id,
        Buffer.from('{"checkpoint_version":1,' + r.bytes.toString('utf8').slice(1))
      )
      expect(again.changed && again.bytes.equals(r.bytes)).toBe(true)
      // The native fast path and the exact path (src/formats/json) agree byte for byte.
      const raw = Buffer.from(JSON.stringify(doc))
      const exact = normaliseRootMetadataExact(id, raw)
      expect(exact.changed && exact.bytes.equals(r.bytes)).toBe(true)
    }
  })
})

describe('git-refs: walk, dates, identity, settings, push parsing', () => {
  it('selects two-character bucket trees and valid ids only, in walk order', () => {
    const ids = selectCheckpointDirs(
      [
        { name: '00', mode: '040000' },
        { name: 'generation.json', mode: '100644' },
        { name: 'a3', mode: '040000' },
        { name: 'abc', mode: '040000' }
      ],
      (b) =>
        b === '00'
          ? [
              { name: '0000000001', mode: '040000' },
              { name: 'ZZ', mode: '040000' }
            ]
          : [
              { name: 'b2c1d0e9f8', mode: '040000' },
              { name: 'b2c1d0e9f9', mode: '100644' }
            ]
    )
    expect(ids).toEqual(['000000000001', 'a3b2c1d0e9f8'])
  })

  it('parses the date input forms', () => {
    expect(parseDateInput('1783000000 +0200')).toEqual({ seconds: 1783000000, offset: '+0200' })
    expect(parseDateInput('1783000000')).toEqual({ seconds: 1783000000, offset: '+0000' })
    expect(parseDateInput('2026-07-02T09:46:40+02:00')).toEqual({
      seconds: 1782978400,
      offset: '+0200'
    })
    expect(() => parseDateInput('yesterday')).toThrow(/invalid date/)
  })

  it('resolves identity: explicit, then repository, then global, then Unknown/unknown@local', () => {
    const cfg = parseScopedConfig(
      'global\tuser.name Global Name\nglobal\tuser.email g@x\nlocal\tuser.name Local Name\nsystem\tuser.email s@x\n'
    )
    expect(resolveIdentity(cfg)).toEqual({ name: 'Local Name', email: 'g@x' })
    expect(resolveIdentity(cfg, { email: 'e@x' })).toEqual({ name: 'Local Name', email: 'e@x' })
    expect(resolveIdentity([])).toEqual({ name: 'Unknown', email: 'unknown@local' })
  })

  it('flips only the checkpoints block and reads the effective primary', () => {
    const original = '{\n  "enabled": true,\n  "strategy": "manual-commit"\n}\n'
    const flipped = withPrimaryGitRefs(original)
    expect(flipped).toBe(
      '{\n  "enabled": true,\n  "strategy": "manual-commit",\n  "checkpoints": {\n    "primary": {\n      "type": "git-refs"\n    }\n  }\n}\n'
    )
    const withBlock =
      '{"a":1,   "checkpoints": {"primary": {"type": "git-branch"}, "mirrors": [{"type": "git-refs"}]}, "z": [1,2]}'
    const f2 = withPrimaryGitRefs(withBlock)
    expect(f2.startsWith('{"a":1,   "checkpoints": ')).toBe(true)
    expect(f2.endsWith(', "z": [1,2]}')).toBe(true)
    expect(JSON.parse(f2)).toEqual({
      a: 1,
      checkpoints: { primary: { type: 'git-refs' }, mirrors: [{ type: 'git-refs' }] },
      z: [1, 2]
    })
    expect(resolvePrimary(undefined, f2, null)).toMatchObject({
      primary: 'git-refs',
      source: 'settings.json'
    })
    const hidden = resolvePrimary(
      undefined,
      f2,
      '{"checkpoints":{"primary":{"type":"git-branch"}}}'
    )
    expect(hidden.primary).toBe('git-branch')
    expect(hidden.overrides[0]).toMatch(/settings.local.json/)
    expect(resolvePrimary('git-refs', null, null)).toMatchObject({
      primary: 'git-refs',
      source: 'env'
    })
    expect(resolvePrimary(undefined, 'not json', null).primary).toBe('git-branch')
  })

  it('builds fast-forward-only refspecs and classifies porcelain results per ref', () => {
    expect(pushRefspec('refs/entire/checkpoints/f8/a3b2c1d0e9f8')).toBe(
      'refs/entire/checkpoints/f8/a3b2c1d0e9f8:refs/entire/checkpoints/f8/a3b2c1d0e9f8'
    )
    expect(() => pushRefspec('+refs/x')).toThrow()
    const lines = parsePorcelain(
      'To /tmp/remote.git\n' +
        '*\trefs/a/1:refs/a/1\t[new reference]\n' +
        ' \trefs/a/2:refs/a/2\tabc..def\n' +
        '!\trefs/a/3:refs/a/3\t[rejected] (fetch first)\n' +
        '!\trefs/a/4:refs/a/4\t[remote rejected] (hook declined)\n' +
        '!\trefs/a/5:refs/a/5\t[remote rejected] (push declined due to repository rule violations)\n' +
        '=\trefs/a/6:refs/a/6\t[up to date]\n' +
        'Done\n'
    )
    expect(lines.map((l) => [l.to, classifyPorcelain(l).status])).toEqual([
      ['refs/a/1', 'ok'],
      ['refs/a/2', 'ok'],
      ['refs/a/3', 'rejected'],
      ['refs/a/4', 'remote-rejected'],
      ['refs/a/5', 'ruleset'],
      ['refs/a/6', 'ok']
    ])
    expect(
      parseLsRemote('0123456789012345678901234567890123456789\trefs/a/1\n').get('refs/a/1')
    ).toBe('0123456789012345678901234567890123456789')
  })

  it('plans pushes as shard patterns that exclude every other local ref, explicit refspecs for oversized shards', () => {
    const p = (shard: string, leaf: string) => `refs/entire/checkpoints/${shard}/${leaf}`
    const todo = [
      p('3b', '1dd678f9643b'),
      p('3b', '2dd678f9643b'),
      p('f8', 'a3b2c1d0e9f8'),
      p('XG', '01KX3C7BMTWA91N5D9E0V15CXG')
    ]
    const local = [
      ...todo,
      p('3b', '3dd678f9643b'),
      'refs/entire/checkpoints/3b/x/y',
      p('aa', '0000000000aa')
    ]
    const planned = planPushBatches(todo, local, 3)
    expect(planned).toEqual([
      {
        refspecs: [
          'refs/entire/checkpoints/3b/*:refs/entire/checkpoints/3b/*',
          '^refs/entire/checkpoints/3b/3dd678f9643b',
          '^refs/entire/checkpoints/3b/x/y',
          'refs/entire/checkpoints/XG/*:refs/entire/checkpoints/XG/*'
        ],
        refs: [
          p('3b', '1dd678f9643b'),
          p('3b', '2dd678f9643b'),
          p('XG', '01KX3C7BMTWA91N5D9E0V15CXG')
        ]
      },
      {
        refspecs: ['refs/entire/checkpoints/f8/*:refs/entire/checkpoints/f8/*'],
        refs: [p('f8', 'a3b2c1d0e9f8')]
      }
    ])
    const one = planPushBatches(todo, local, 1)
    expect(one.map((b) => b.refs.length)).toEqual([1, 1, 1, 1])
    expect(one.filter((b) => b.refspecs[0].includes('*'))).toHaveLength(2)
    expect(one.flatMap((b) => b.refspecs).some((r) => r.startsWith('+'))).toBe(false)
  })

  it('hands out pushes of a size chosen per push, and gives a failed push back first', () => {
    const p = (shard: string, leaf: string) => `refs/entire/checkpoints/${shard}/${leaf}`
    const todo = ['00', '01', '02', '03'].flatMap((s) => [
      p(s, `aaaaaaaaaa${s}`),
      p(s, `bbbbbbbbbb${s}`)
    ])
    const b = new PushBatcher(todo, todo)
    const first = b.next(2)
    expect(first?.refs).toEqual([p('00', 'aaaaaaaaaa00'), p('00', 'bbbbbbbbbb00')])
    const second = b.next(4)
    expect(second?.refspecs).toEqual([
      'refs/entire/checkpoints/01/*:refs/entire/checkpoints/01/*',
      'refs/entire/checkpoints/02/*:refs/entire/checkpoints/02/*'
    ])
    b.putBack(second as NonNullable<typeof second>)
    expect(b.remaining).toBe(6)
    // A smaller push now: the shard-01 pattern again, then the rest.
    expect(b.next(3)?.refs).toEqual([p('01', 'aaaaaaaaaa01'), p('01', 'bbbbbbbbbb01')])
    expect(b.next(1)?.refspecs).toEqual([`${p('02', 'aaaaaaaaaa02')}:${p('02', 'aaaaaaaaaa02')}`])
    expect(b.next(100)?.refs).toHaveLength(3)
    expect(b.next(100)).toBeNull()
  })

  it('grows the push size while the remote answers fast, shrinks it when slow or failed', () => {
    const limits = { start: 200, max: 2000 }
    expect(nextPushSize(200, { answered: true, ms: 500 }, limits)).toBe(400)
    expect(nextPushSize(1600, { answered: true, ms: 500 }, limits)).toBe(2000)
    expect(nextPushSize(800, { answered: true, ms: 15_000 }, limits)).toBe(800)
    expect(nextPushSize(800, { answered: true, ms: 45_000 }, limits)).toBe(400)
    expect(nextPushSize(300, { answered: true, ms: 45_000 }, limits)).toBe(200)
    expect(nextPushSize(2000, { answered: false, ms: 100 }, limits)).toBe(200)
    // A fixed size (start = max) never moves.
    expect(nextPushSize(50, { answered: true, ms: 1 }, { start: 50, max: 50 })).toBe(50)
  })

  it('packs the new blob, tree and commit of the worked example under the spec ids, each once', () => {
    const plan = planConversion({
      checkpoints: [
        {
          id: 'a3b2c1d0e9f8',
          tree: 'e576c0296cb046af5f1bf5214e2d5aa79010e8f1',
          entries: [
            { mode: '040000', name: '0', oid: 'ccb0ec5469f04b082e2e5b66df6704571af492a9' },
            {
              mode: '100644',
              name: 'metadata.json',
              oid: 'c97fe640230ff33e05e07b5cfda1cfe0538e0328'
            }
          ]
        }
      ],
      metadata: new Map([['a3b2c1d0e9f8', fixture('branch-metadata.json')]]),
      refs: new Map()
    })
    const commits = buildCommits(
      plan.decisions,
      { name: 'Ada Lovelace', email: 'ada@example.com' },
      { seconds: 1783000000, offset: '+0200' }
    )
    const objects = conversionObjects([...commits, ...commits])
    expect(objects.map((o) => [o.type, objectId(o.type, o.body).slice(0, 8)])).toEqual([
      ['blob', '7f26b227'],
      ['tree', '3ac1f9ab'],
      ['commit', '78135109']
    ])
    const pack = buildPack(objects)
    expect(pack.subarray(0, 12).toString('hex')).toBe('5041434b0000000200000003')
  })
})
