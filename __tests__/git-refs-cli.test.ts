import { describe, it, expect } from '@jest/globals'
import { GitRunner } from '../src/git/runner.js'
import { runRefsMigrateCommand, selectsRefsTarget } from '../src/engine/targets/refs/cli.js'
import { main } from '../src/cli.js'
import {
  buildV1Repo,
  claudeTranscript,
  initRepo,
  refsUnder,
  tempDir,
  V1_REF
} from './helpers/v1repo.js'

function io() {
  let out = ''
  let err = ''
  return {
    io: {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) }
    },
    out: () => out,
    err: () => err
  }
}

const cps = ['a3b2c1d0e9f8', '1dd678f9643b'].map((id) => ({
  id,
  sessions: [{ transcript: claudeTranscript(1, id), prompt: 'p' }],
  summaryExtra: { checkpoint_version: 'branch-v1' }
}))

describe('entire-migrate migrate --target refs', () => {
  it('recognises the target flag', () => {
    expect(selectsRefsTarget(['--repo', 'x', '--target', 'refs'])).toBe(true)
    expect(selectsRefsTarget(['--target=refs'])).toBe(true)
    expect(selectsRefsTarget(['--target', 'v2'])).toBe(false)
  })

  it('converts, pushes, and a fresh clone that fetches the refs finds nothing to do', async () => {
    const repo = await buildV1Repo(undefined, cps)
    const remoteDir = tempDir('em-remote-')
    await new GitRunner(remoteDir).run(['init', '-q', '--bare'])
    await repo.git.run(['remote', 'add', 'origin', remoteDir])
    await repo.git.run(['push', '-q', 'origin', `${V1_REF}:${V1_REF}`])
    const a = io()
    const code = await runRefsMigrateCommand(
      [
        '--target',
        'refs',
        '--repo',
        repo.dir,
        '--push',
        '--author-name',
        'Ada',
        '--author-email',
        'ada@example.com',
        '--date',
        '1783000000 +0200'
      ],
      a.io
    )
    expect(a.err()).toBe('')
    expect(code).toBe(0)
    expect(a.out()).toContain('Migrated 2 checkpoint(s) to refs (0 already up to date, 2 total)')
    expect(a.out()).toContain(
      'Push: 2 pushed and confirmed by ls-remote, 0 already on origin, 0 did not land'
    )
    expect(a.out()).toContain('Verify: ok')
    expect(a.out()).toMatch(/^push\s+\d+ ms/m)

    // Another machine: only the v1 branch locally, converted refs on the remote.
    const other = await initRepo()
    await other.run(['remote', 'add', 'origin', remoteDir])
    await other.run(['fetch', '-q', 'origin', `${V1_REF}:${V1_REF}`])
    const b = io()
    expect(
      await runRefsMigrateCommand(
        ['--target', 'refs', '--repo', other.repoDir, '--fetch', '--push'],
        b.io
      )
    ).toBe(0)
    expect(b.out()).toContain('Fetch: 2 checkpoint ref(s) on origin; 0 local ref(s) diverge')
    expect(b.out()).toContain('Migrated 0 checkpoint(s) to refs (2 already up to date, 2 total)')
    expect(b.out()).toContain('0 pushed and confirmed by ls-remote, 2 already on origin')
    expect(await refsUnder(other, 'refs/entire/checkpoints/')).toEqual(
      await refsUnder(repo.git, 'refs/entire/checkpoints/')
    )
  })

  it('rejects bad options with exit 2 and a message naming them', async () => {
    const a = io()
    expect(await runRefsMigrateCommand(['--target', 'refs', '--date', 'soon'], a.io)).toBe(2)
    expect(a.err()).toContain('invalid date "soon"')
    const b = io()
    expect(await runRefsMigrateCommand(['--target', 'refs', '--author-name', 'a<b'], b.io)).toBe(2)
    expect(b.err()).toContain('invalid author-name')
    const c = io()
    expect(await runRefsMigrateCommand(['--target', 'refs', '--dry-run', '--push'], c.io)).toBe(2)
  })
  it('is reached from the CLI entry (entire-migrate migrate --target refs) and v2 stays the default', async () => {
    const repo = await buildV1Repo(undefined, cps)
    const a = io()
    expect(await main(['migrate', '--repo', repo.dir, '--target', 'refs', '--dry-run'], a.io)).toBe(
      0
    )
    expect(a.out()).toContain(
      'Would migrate 2 checkpoint(s) to refs (0 already up to date, 2 total)'
    )
    const b = io()
    expect(await main(['migrate', '--target', 'refs', '--help'], b.io)).toBe(0)
    expect(b.out()).toContain('Usage: entire-migrate migrate --target refs')
    const c = io()
    expect(await main(['migrate', '--repo', repo.dir, '--target', 'v3'], c.io)).toBe(2)
    expect(c.err()).toContain('--target must be v2 or refs')
  })
})
