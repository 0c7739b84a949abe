// Byte targets of the migration-reference converter (fixtures/compact/v062 = the shared
// compact-v062 set; inputs of the generated tables in fixtures/compact/inputs).
import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  compact,
  compactWithOffset,
  compactWithOffsets,
  isCodexFormat,
  isCodexSystemContent,
  isDroidFormat,
  isGeminiDoc,
  isPiFormat,
  singleDocument,
  stripIdeContextTags
} from '../src/formats/compact/index.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, 'fixtures', 'compact')
const v062 = join(root, 'v062')

function lines(b: Buffer): number {
  let n = 0
  for (const c of b) if (c === 0x0a) n++
  return n
}

function bytesOf(r: ReturnType<typeof compact>): Buffer | 'error' {
  if (r.kind === 'error') return 'error'
  return r.kind === 'empty' ? Buffer.alloc(0) : r.bytes
}

/**
 * The one-pass migration offset (compactWithOffset), and generation D's boundary from the two
 * conversions of spec §14.
 */
function offsets(
  input: Buffer,
  agent: string,
  cli: string,
  k: number,
  full = bytesOf(compact(input, { agent, cliVersion: cli })),
  scoped = bytesOf(compact(input, { agent, cliVersion: cli, startLine: k }))
) {
  const one = compactWithOffset(input, { agent, cliVersion: cli, offsetStart: k })
  let boundary = 0
  if (k > 0 && full !== 'error') {
    if (scoped === 'error' || scoped.length === 0) boundary = lines(full)
    else boundary = Math.max(0, lines(full) - lines(scoped))
  }
  return { one, boundary }
}

interface Row {
  start_line: number
  boundary: number
  migration_offset: number
  delta_lines: number
  delta_sha256: string
}

describe('generated outputs and start-line tables', () => {
  for (const agent of readdirSync(v062)) {
    const gen = join(v062, agent, 'generated')
    if (!existsSync(gen)) continue
    for (const f of readdirSync(gen).filter((x) => x.endsWith('.boundaries.json'))) {
      const table = JSON.parse(readFileSync(join(gen, f), 'utf8'))
      const input = readFileSync(join(root, 'inputs', agent, basename(table.input)))
      const opts = { agent: table.agent, cliVersion: table.cli_version }
      it(`${agent}/${f.replace('.boundaries.json', '.out.jsonl')}`, () => {
        const want = readFileSync(join(gen, f.replace('.boundaries.json', '.out.jsonl')))
        const got = compact(input, opts)
        expect(got.kind).toBe('output')
        expect(bytesOf(got)).toEqual(want)
        if (got.kind === 'output') expect(got.lines).toBe(table.full_lines)
      })
      it(`${agent}/${f} (${table.rows.length} rows)`, () => {
        const fails: string[] = []
        const full = bytesOf(compact(input, opts))
        const rows = table.rows as Row[]
        // the one-pass offsets of every row, from one parse
        const many = compactWithOffsets(
          input,
          opts,
          rows.map((r) => r.start_line)
        )
        expect(many.kind).toBe('output')
        const oneOffsets = 'offsets' in many ? many.offsets : []
        rows.forEach((row, j) => {
          const k = row.start_line
          const scoped = bytesOf(compact(input, { ...opts, startLine: k }))
          expect(scoped).not.toBe('error')
          const b = scoped as Buffer
          const sha = createHash('sha256').update(b).digest('hex')
          let boundary = 0
          if (k > 0 && full !== 'error') {
            boundary = b.length === 0 ? lines(full) : Math.max(0, lines(full) - lines(b))
          }
          const got = {
            delta_lines: lines(b),
            delta_sha256: sha,
            boundary,
            migration_offset: oneOffsets[j]
          }
          const want = {
            delta_lines: row.delta_lines,
            delta_sha256: row.delta_sha256,
            boundary: row.boundary,
            migration_offset: row.migration_offset
          }
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            fails.push(`k=${k} got ${JSON.stringify(got)} want ${JSON.stringify(want)}`)
          }
        })
        expect(fails).toEqual([])
      })
    }
  }
})

function caseDirs(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (!statSync(p).isDirectory()) continue
    if (existsSync(join(p, 'case.json'))) out.push(p)
    else out.push(...caseDirs(p))
  }
  return out
}

function inputOf(dir: string): Buffer {
  const f = readdirSync(dir).find((x) => x.startsWith('input.'))!
  return readFileSync(join(dir, f))
}

describe.each(['inline', 'edge'])('%s cases', (kind) => {
  for (const dir of caseDirs(join(v062, kind))) {
    const name = dir.slice(v062.length + 1)
    it(`${name}`, () => {
      const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'))
      const input = inputOf(dir)
      const agent: string = c.options.agent
      const cliVersion: string = c.options.cli_version
      const k: number = c.options.start_line
      if (c.expected_error !== undefined) {
        const r = compact(input, { agent, cliVersion, startLine: k })
        expect(r.kind).toBe('error')
        return
      }
      const want = readFileSync(join(dir, 'expected.jsonl'))
      if (c.call === 'Boundary') {
        // expected.jsonl is the full conversion; the offsets are for start line k
        expect(bytesOf(compact(input, { agent, cliVersion }))).toEqual(want)
        const { one, boundary } = offsets(input, agent, cliVersion, k)
        expect(boundary).toBe(c.expected_boundary)
        expect(one.offset ?? 0).toBe(c.expected_migration_offset)
        return
      }
      const r = compact(input, { agent, cliVersion, startLine: k })
      expect(r.kind).toBe(want.length === 0 ? 'empty' : 'output')
      expect(bytesOf(r)).toEqual(want)
      if (c.boundary_call !== undefined) {
        const full = readFileSync(join(dir, c.boundary_call.expected_full_file))
        expect(bytesOf(compact(input, { agent, cliVersion }))).toEqual(full)
        const { one, boundary } = offsets(input, agent, cliVersion, k)
        expect(boundary).toBe(c.boundary_call.expected_boundary)
        expect(one.offset).toBe(c.boundary_call.expected_migration_offset)
      }
    })
  }
})

describe('format detection predicates (inline/detect.json)', () => {
  const table = JSON.parse(readFileSync(join(v062, 'inline', 'detect.json'), 'utf8'))
  const fns: Record<string, (b: Buffer) => boolean> = {
    isCodexFormat: (b) => isCodexFormat([b]),
    isDroidFormat: (b) => isDroidFormat([b]),
    isGeminiFormat: (b) => isGeminiDoc(singleDocument([b])),
    isPiFormat: (b) => isPiFormat([b])
  }
  for (const c of table.cases) {
    it(`${c.test} → ${c.expected}`, () => {
      expect(fns[c.function](Buffer.from(c.input, 'utf8'))).toBe(c.expected)
    })
  }
})

describe('helper tables', () => {
  const strip = JSON.parse(
    readFileSync(join(v062, 'helpers', 'strip_ide_context_tags.json'), 'utf8')
  )
  for (const c of strip.cases) {
    it(`StripIDEContextTags: ${c.name}`, () => {
      expect(stripIdeContextTags(c.input)).toBe(c.expected)
    })
  }
  const codex = JSON.parse(readFileSync(join(v062, 'helpers', 'codex_system_content.json'), 'utf8'))
  for (const c of codex.cases) {
    it(`codex filter: ${c.name}`, () => {
      expect(isCodexSystemContent(c.input)).toBe(c.expected)
    })
  }
})

describe('input as pieces', () => {
  // pieces split anywhere (mid-line, mid-character) give the same result as one buffer
  const inputs: [string, Buffer, string][] = []
  for (const agent of readdirSync(v062)) {
    const gen = join(v062, agent, 'generated')
    if (!existsSync(gen)) continue
    for (const f of readdirSync(gen).filter((x) => x.endsWith('.boundaries.json'))) {
      const table = JSON.parse(readFileSync(join(gen, f), 'utf8'))
      inputs.push([
        f,
        readFileSync(join(root, 'inputs', agent, basename(table.input))),
        table.agent
      ])
    }
  }
  for (const dir of caseDirs(join(v062, 'edge'))) {
    const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'))
    inputs.push([basename(dir), inputOf(dir), c.options.agent])
  }
  let seed = 7
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  for (const [name, input, agent] of inputs) {
    it(`${name}`, () => {
      const whole = compactWithOffset(input, { agent, cliVersion: 'x', offsetStart: 2 })
      for (let round = 0; round < 3; round++) {
        const cuts = [...new Set(Array.from({ length: 1 + rand(6) }, () => rand(input.length + 1)))]
        cuts.sort((a, b) => a - b)
        const pieces: Buffer[] = []
        let prev = 0
        for (const cut of [...cuts, input.length]) {
          pieces.push(input.subarray(prev, cut))
          prev = cut
        }
        expect(compactWithOffset(pieces, { agent, cliVersion: 'x', offsetStart: 2 })).toEqual(whole)
      }
    })
  }
})
