// Redaction over the real v1 corpus bundle (when present): which prompt.txt files and summaries
// the reference's redactor would change, and how long that takes. Skips when the bundle is absent.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import { lsTree } from '../src/git/tree.js'
import { readObjects } from '../src/git/objects.js'
import {
  redactPromptBytes,
  redactString,
  redactSummary,
  summaryChanges,
  type SummaryText
} from '../src/formats/redact/index.js'

const bundle =
  process.env.ENTIRE_CORPUS ??
  resolve(process.cwd(), '..', 'shared', 'corpus', 'entireio-cli-v1.bundle')
const present = existsSync(bundle)
const V1 = 'refs/heads/entire/checkpoints/v1'
const SESSION_FILE = /^[0-9a-f]{2}\/[0-9a-f]{10}\/\d+\/(prompt\.txt|metadata\.json)$/
const SEP = '\n\n---\n\n'

// checkpoint.SplitPromptContent + JoinPrompts, as the reference migration applies them.
function splitJoin(b: Buffer): Buffer {
  const parts = b.toString('latin1').split(SEP)
  while (parts.length && parts[parts.length - 1] === '') parts.pop()
  return Buffer.from(parts.join(SEP), 'latin1')
}

;(present ? describe : describe.skip)('redaction on the corpus bundle', () => {
  const prompts = new Map<string, Buffer>()
  const summaries = new Map<string, SummaryText>()
  let dir = ''
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-redact-corpus-'))
    const git = new GitRunner(dir)
    await git.run(['init', '--bare', '-q'])
    await git.run(['fetch', '-q', bundle, `${V1}:${V1}`])
    const entries = (await lsTree(git, V1, { recursive: true })).filter((e) =>
      SESSION_FILE.test(e.path)
    )
    const pathsByOid = new Map<string, string[]>()
    for (const e of entries) pathsByOid.set(e.oid, [...(pathsByOid.get(e.oid) ?? []), e.path])
    await readObjects(git, [...pathsByOid.keys()], (o) => {
      if (o.missing) return
      for (const p of pathsByOid.get(o.oid)!) {
        if (p.endsWith('/prompt.txt')) prompts.set(p, o.content)
        else {
          const meta = JSON.parse(o.content.toString('utf8')) as { summary?: SummaryText | null }
          if (meta.summary) summaries.set(p, meta.summary)
        }
      }
    })
  }, 120_000)

  test('prompts and summaries the redactor changes (counts, timing)', () => {
    const t0 = process.cpuUsage()
    const w0 = performance.now()
    const changed: string[] = []
    let bytes = 0
    for (const [path, content] of prompts) {
      const joined = splitJoin(content)
      bytes += joined.length
      const out = redactPromptBytes(joined)
      if (out !== joined) {
        changed.push(path)
        // Idempotent on what it produced.
        expect(Buffer.from(redactPromptBytes(out))).toEqual(Buffer.from(out))
      }
    }
    const cpu = process.cpuUsage(t0)
    const wall = performance.now() - w0
    const changedSummaries = [...summaries].filter(([, s]) => summaryChanges(s)).map(([p]) => p)
    for (const p of changedSummaries) {
      const once = redactSummary(summaries.get(p)!)
      expect(redactSummary(once)).toEqual(once)
    }
    console.log(
      `redaction on corpus: ${prompts.size} prompt.txt (${(bytes / 1e6).toFixed(1)} MB), ` +
        `${changed.length} changed [${changed.join(', ')}]; ${summaries.size} summaries, ` +
        `${changedSummaries.length} changed; prompts took ${wall.toFixed(0)} ms wall, ` +
        `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`
    )
    // Measured on the bundle: two prompts hold secrets the reference would remove; no summary does.
    expect(prompts.size).toBe(671)
    expect(changed).toEqual(['89/7eb280e769/20/prompt.txt', 'cc/ad8c8a2043/0/prompt.txt'])
    expect(changedSummaries).toEqual([])
  })

  test('every prompt is valid UTF-8 and a changed one only gains REDACTED', () => {
    let invalid = 0
    for (const content of prompts.values()) {
      const joined = splitJoin(content)
      if (!joined.equals(Buffer.from(joined.toString('utf8'), 'utf8'))) invalid++
      const out = Buffer.from(redactPromptBytes(joined))
      if (out.equals(joined)) continue
      expect(redactString(out.toString('utf8'))).toContain('REDACTED')
    }
    // No prompt of the bundle is invalid UTF-8 (unit tests cover that path).
    expect(invalid).toBe(0)
  })
})
