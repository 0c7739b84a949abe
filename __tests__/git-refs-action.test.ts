import { describe, it, expect } from '@jest/globals'
import { GitRunner } from '../src/git/runner.js'
import type { MigrateSettings } from '../src/engine/types.js'
import {
  parseRefsInputs,
  refsActionReport,
  refsSummaryMarkdown,
  runRefsAction
} from '../src/engine/targets/refs/action.js'
import { buildV1Repo, claudeTranscript, tempDir, V1_REF } from './helpers/v1repo.js'

const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''

describe('git-refs target: action inputs and summary', () => {
  it('parses target, make-primary, identity and date, naming the bad input', () => {
    expect(parseRefsInputs(reader({}))).toEqual({
      target: 'v2',
      makePrimary: false,
      authorName: undefined,
      authorEmail: undefined,
      date: null
    })
    expect(
      parseRefsInputs(
        reader({
          target: 'refs',
          'make-primary': 'true',
          'author-name': 'Ada Lovelace',
          'author-email': 'ada@example.com',
          date: '1783000000 +0200'
        })
      )
    ).toEqual({
      target: 'refs',
      makePrimary: true,
      authorName: 'Ada Lovelace',
      authorEmail: 'ada@example.com',
      date: { seconds: 1783000000, offset: '+0200' }
    })
    expect(() => parseRefsInputs(reader({ target: 'v3' }))).toThrow("Invalid input 'target'")
    expect(() => parseRefsInputs(reader({ 'make-primary': 'yes' }))).toThrow(
      "Invalid input 'make-primary'"
    )
    expect(() => parseRefsInputs(reader({ date: 'tomorrow' }))).toThrow("Invalid input 'date'")
    expect(() => parseRefsInputs(reader({ 'author-email': '<x>' }))).toThrow(
      "Invalid input 'author-email'"
    )
  })

  it('runs against a prepared repository (v1 at the tracking ref) and renders every ref that did not land', async () => {
    const source = await buildV1Repo(
      undefined,
      ['a3b2c1d0e9f8', '1dd678f9643b'].map((id) => ({
        id,
        sessions: [{ transcript: claudeTranscript(1, id), prompt: 'p' }]
      }))
    )
    const remoteDir = tempDir('em-remote-')
    await source.git.run(['clone', '-q', '--bare', source.dir, remoteDir])
    const hook = `${remoteDir}/hooks/update`
    const { writeFileSync, chmodSync } = await import('node:fs')
    writeFileSync(hook, '#!/bin/sh\ncase "$1" in *9643b) exit 1;; esac\n')
    chmodSync(hook, 0o755)
    // The action's prepare step leaves the v1 branch at refs/remotes/origin/…
    const git = new GitRunner(tempDir('em-work-'))
    await git.run(['init', '-q'])
    await git.run(['remote', 'add', 'origin', remoteDir])
    await git.run(['fetch', '-q', 'origin', `${V1_REF}:refs/remotes/origin/entire/checkpoints/v1`])
    const settings: MigrateSettings = {
      repo: git.repoDir,
      remote: 'origin',
      batchSize: 100,
      cliVersion: '0.6.2',
      referenceCompatible: false,
      force: false,
      dryRun: false,
      verify: true,
      now: new Date(),
      knownRemoteArchives: [],
      v1Ref: 'refs/remotes/origin/entire/checkpoints/v1'
    }
    const r = await runRefsAction(git, settings, parseRefsInputs(reader({ target: 'refs' })), {
      push: true
    })
    expect(r.write.counts).toMatchObject({ total: 2, migrated: 2 })
    expect(r.fetch?.remoteRefs).toBe(0)
    expect(r.push?.landed).toBe(1)
    const md = refsSummaryMarkdown(r)
    expect(md).toContain('## ❌ Entire checkpoints → per-checkpoint refs')
    expect(md).toContain(
      '| `refs/entire/checkpoints/3b/1dd678f9643b` | remote-rejected | [remote rejected] (hook declined) |'
    )
    expect(md).toContain('Not visible to Entire yet')
    const sections = refsActionReport(r)
    expect(sections.equivalence?.ok).toBe(true)
    expect(sections.push).toMatchObject({ ok: false, attempted: true })
    expect(sections.push?.refs.map((x) => [x.ref, x.status])).toEqual([
      ['refs/entire/checkpoints/3b/1dd678f9643b', 'remote-rejected'],
      ['refs/entire/checkpoints/f8/a3b2c1d0e9f8', 'created']
    ])
  })
})
