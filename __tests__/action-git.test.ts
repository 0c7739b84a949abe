// The action's prepare and push steps against real git: a bare "remote" built from the example
// v1 checkpoints, a shallow clone as actions/checkout leaves it, and a loopback HTTP server for
// what only HTTP shows (which Authorization header git sends, a 403 from a read-only token).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import { basicCredential } from '../src/git/remote.js'
import { checkPushAccess } from '../src/git/action-prep.js'
import { prepareRepository, v1TrackingRef } from '../src/action/prepare.js'
import {
  pushLeased,
  checkWriteAccess,
  PushPermissionError,
  LEASE_REJECTED_MESSAGE
} from '../src/action/push.js'
import { backoffMs, retryPolicy } from '../src/action/retry.js'
import { recordingLog } from '../src/action/log.js'

const ROOT = join(import.meta.dirname, '..')
const SENTINEL = 'ghs_SENTINEL_token_0123456789'
let home: string

function sh(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim()
}

function exampleRepo(opts: string[] = []): {
  base: string
  remote: string
  work: string
  v1: string
} {
  const base = mkdtempSync(join(tmpdir(), 'em-action-git-'))
  const out = execFileSync('node', [join(ROOT, 'scripts/example-repo.mjs'), base, ...opts], {
    encoding: 'utf8'
  })
  const r = JSON.parse(out) as { remote: string; work: string; v1: string }
  return { base, ...r }
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'em-home-'))
  writeFileSync(
    join(home, '.gitconfig'),
    '[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n'
  )
  process.env.HOME = home
  process.env.GIT_CONFIG_NOSYSTEM = '1'
})

describe('retry policy', () => {
  it('allows 3 retries with growing pauses', () => {
    const p = retryPolicy(
      recordingLog(),
      async () => undefined,
      () => 0
    )
    expect(p.attempts).toBe(4)
    expect([p.delayMs!(), p.delayMs!(), p.delayMs!()]).toEqual([10_000, 20_000, 30_000])
    expect(backoffMs(1, () => 1)).toBe(20_000)
  })
})

describe('prepareRepository', () => {
  it('fetches v1 and pins it after a shallow checkout with persisted credentials; the token never reaches config', async () => {
    const ex = exampleRepo()
    // what actions/checkout (persist-credentials: true) leaves in the repository config
    sh(ex.work, [
      'config',
      'http.https://github.com/.extraheader',
      'AUTHORIZATION: basic cGVyc2lzdGVk'
    ])
    expect(sh(ex.work, ['rev-parse', '--is-shallow-repository'])).toBe('true')
    const configBefore = readFileSync(join(ex.work, '.git/config'), 'utf8')
    const log = recordingLog()
    const git = new GitRunner(ex.work)
    const info = await prepareRepository(git, {
      remote: 'origin',
      repository: 'acme/widgets',
      auth: { serverUrl: 'https://github.com', token: SENTINEL },
      log
    })
    expect(info.initialised).toBe(false)
    expect(info.remoteAdded).toBe(false)
    expect(info.wasShallow).toBe(true)
    expect(info.unshallowed).toBe(false) // the v1 history is an orphan: not cut by the boundary
    expect(info.v1Commit).toBe(ex.v1)
    expect(info.v1Ref).toBe(v1TrackingRef('origin'))
    expect(info.baseline).toEqual([])
    // the whole v1 history is there, not just the tip
    expect(sh(ex.work, ['rev-list', '--count', v1TrackingRef('origin')])).toBe('6')
    expect(readFileSync(join(ex.work, '.git/config'), 'utf8')).toBe(configBefore)
    expect(configBefore).not.toContain(SENTINEL)
    expect(log.lines.join('\n')).not.toContain(SENTINEL)
  })

  it('unshallows when the checkpoint history meets the shallow boundary', async () => {
    const ex = exampleRepo()
    // a v1 branch that grew out of main's history: depth 1 cuts it
    const seed = join(ex.base, 'seed')
    sh(seed, ['checkout', '-q', '-b', 'tmp', 'main'])
    writeFileSync(join(seed, 'x.txt'), 'x')
    sh(seed, ['add', 'x.txt'])
    sh(seed, ['commit', '-qm', 'second'])
    sh(seed, ['push', '-q', ex.remote, 'tmp:refs/heads/entire/checkpoints/v1', '--force'])
    sh(seed, ['push', '-q', ex.remote, 'tmp:refs/heads/main', '--force'])
    const shallow = join(ex.base, 'shallow2')
    sh(ex.base, ['clone', '-q', '--depth', '1', '-b', 'main', `file://${ex.remote}`, shallow])
    const info = await prepareRepository(new GitRunner(shallow), {
      remote: 'origin',
      repository: 'acme/widgets',
      auth: { serverUrl: 'https://github.com', token: '' },
      log: recordingLog()
    })
    expect(info.wasShallow).toBe(true)
    expect(info.unshallowed).toBe(true)
    expect(sh(shallow, ['rev-list', '--count', v1TrackingRef('origin')])).toBe('2')
  })

  it('initialises a directory without checkout and adds the remote from the server URL', async () => {
    const ex = exampleRepo()
    // https://github.com/acme/widgets is redirected to the local bare remote for this test
    const h = mkdtempSync(join(tmpdir(), 'em-home-'))
    writeFileSync(
      join(h, '.gitconfig'),
      `[user]\n\tname = T\n\temail = t@e\n[url "file://${ex.base}/"]\n\tinsteadOf = https://github.com/acme/\n`
    )
    execFileSync('ln', ['-s', ex.remote, join(ex.base, 'widgets')])
    const saved = process.env.HOME
    process.env.HOME = h
    try {
      const dir = join(mkdtempSync(join(tmpdir(), 'em-nocheckout-')), 'repo')
      const info = await prepareRepository(new GitRunner(dir), {
        remote: 'origin',
        repository: 'acme/widgets',
        auth: { serverUrl: 'https://github.com', token: SENTINEL },
        log: recordingLog()
      })
      expect(info.initialised).toBe(true)
      expect(info.remoteAdded).toBe(true)
      expect(sh(dir, ['config', 'remote.origin.url'])).toBe('https://github.com/acme/widgets')
      expect(info.v1Commit).toBe(ex.v1)
      expect(readFileSync(join(dir, '.git/config'), 'utf8')).not.toContain(SENTINEL)
    } finally {
      process.env.HOME = saved
    }
  })

  it('fetches every checkpoint blob in one fetch in a partial clone (no lazy fetch per blob later)', async () => {
    const ex = exampleRepo()
    sh(ex.remote, ['config', 'uploadpack.allowFilter', 'true'])
    const partial = join(ex.base, 'partial')
    sh(ex.base, [
      'clone',
      '-q',
      '--filter=blob:none',
      '--no-checkout',
      '-b',
      'main',
      `file://${ex.remote}`,
      partial
    ])
    const missing = (ref: string) =>
      sh(partial, ['rev-list', '--objects', '--missing=print', ref])
        .split('\n')
        .filter((l) => l.startsWith('?')).length
    // what a plain fetch of the branch leaves out in a partial clone
    sh(partial, ['fetch', '-q', 'origin', 'refs/heads/entire/checkpoints/v1:refs/probe'])
    expect(missing('refs/probe')).toBeGreaterThan(0)
    const log = recordingLog()
    const info = await prepareRepository(new GitRunner(partial), {
      remote: 'origin',
      repository: 'acme/widgets',
      auth: { serverUrl: 'https://github.com', token: '' },
      log
    })
    expect(info.v1Commit).toBe(ex.v1)
    expect(missing(v1TrackingRef('origin'))).toBe(0)
    expect(log.lines.join('\n')).toContain(
      'partial clone: fetching the checkpoint refs with every blob'
    )
  })

  it('keeps local v2 refs that differ from the remote under a backup ref before resetting them', async () => {
    const ex = exampleRepo()
    const tree = sh(ex.work, ['rev-parse', 'HEAD^{tree}'])
    const onRemote = sh(ex.work, ['commit-tree', tree, '-m', 'remote main'])
    sh(ex.work, ['push', '-q', 'origin', `${onRemote}:refs/entire/checkpoints/v2/main`])
    // an earlier, unpushed run: /main moved locally, an archive exists only here
    const localMain = sh(ex.work, ['commit-tree', tree, '-p', onRemote, '-m', 'local main'])
    const localArchive = sh(ex.work, ['commit-tree', tree, '-m', 'local archive'])
    sh(ex.work, ['update-ref', 'refs/entire/checkpoints/v2/main', localMain])
    sh(ex.work, ['update-ref', 'refs/entire/checkpoints/v2/full/0000000000001', localArchive])
    const log = recordingLog()
    const info = await prepareRepository(new GitRunner(ex.work), {
      remote: 'origin',
      repository: 'acme/widgets',
      auth: { serverUrl: 'https://github.com', token: '' },
      log,
      now: () => new Date('2026-11-25T21:15:00.123Z')
    })
    const backup = 'refs/entire-migrate/backup/20261125T211500Z/'
    expect(info.backedUp).toEqual([
      {
        ref: 'refs/entire/checkpoints/v2/full/0000000000001',
        oid: localArchive,
        backup: `${backup}full/0000000000001`
      },
      { ref: 'refs/entire/checkpoints/v2/main', oid: localMain, backup: `${backup}main` }
    ])
    // reset to the remote's state…
    expect(sh(ex.work, ['rev-parse', 'refs/entire/checkpoints/v2/main'])).toBe(onRemote)
    expect(
      sh(ex.work, ['for-each-ref', '--format=%(refname)', 'refs/entire/checkpoints/v2/full/'])
    ).toBe('')
    expect(info.baseline).toEqual([{ ref: 'refs/entire/checkpoints/v2/main', oid: onRemote }])
    // …and nothing lost
    expect(sh(ex.work, ['rev-parse', `${backup}main`])).toBe(localMain)
    expect(sh(ex.work, ['rev-parse', `${backup}full/0000000000001`])).toBe(localArchive)
    expect(log.lines.join('\n')).toContain(`kept under ${backup}`)
  })
})

describe('pushLeased', () => {
  async function v2Setup() {
    const ex = exampleRepo()
    const git = new GitRunner(ex.work)
    const info = await prepareRepository(git, {
      remote: 'origin',
      repository: 'acme/widgets',
      auth: { serverUrl: 'https://github.com', token: '' },
      log: recordingLog()
    })
    // two commits to push as v2 refs (any objects do for the push mechanics)
    const tree = sh(ex.work, ['rev-parse', `${info.v1Commit}^{tree}`])
    const c1 = sh(ex.work, ['commit-tree', tree, '-m', 'v2 main'])
    const c2 = sh(ex.work, ['commit-tree', tree, '-m', 'v2 archive'])
    return { ex, git, c1, c2 }
  }
  const opts = (log = recordingLog()) => ({
    remote: 'origin',
    repository: 'acme/widgets',
    auth: { serverUrl: 'https://github.com', token: '' },
    log,
    sleep: async () => undefined
  })

  it('creates new refs with create-only leases, then is idempotent', async () => {
    const { ex, git, c1, c2 } = await v2Setup()
    const updates = [
      { ref: 'refs/entire/checkpoints/v2/main', newOid: c1, expected: null },
      { ref: 'refs/entire/checkpoints/v2/full/0000000000001', newOid: c2, expected: null }
    ]
    const r = await pushLeased(git, updates, opts())
    expect(r.ok).toBe(true)
    expect(r.refs.map((x) => x.status)).toEqual(['created', 'created'])
    expect(sh(ex.remote, ['rev-parse', 'refs/entire/checkpoints/v2/main'])).toBe(c1)
    const again = await pushLeased(
      git,
      updates.map((u) => ({ ...u, expected: u.newOid })),
      opts()
    )
    expect(again.ok).toBe(true)
    expect(again.refs.map((x) => x.status)).toEqual(['up-to-date', 'up-to-date'])
  })

  it('rejects atomically when the remote moved, reports the remote state, and never retries', async () => {
    const { ex, git, c1, c2 } = await v2Setup()
    // someone else creates /main between our fetch and our push
    const other = sh(ex.remote, [
      'commit-tree',
      sh(ex.remote, ['rev-parse', 'main^{tree}']),
      '-m',
      'theirs'
    ])
    sh(ex.remote, ['update-ref', 'refs/entire/checkpoints/v2/main', other])
    const log = recordingLog()
    let pushes = 0
    const r = await pushLeased(
      git,
      [
        { ref: 'refs/entire/checkpoints/v2/main', newOid: c1, expected: null },
        { ref: 'refs/entire/checkpoints/v2/full/0000000000001', newOid: c2, expected: null }
      ],
      { ...opts(log), sleep: async () => void pushes++ }
    )
    expect(pushes).toBe(0)
    expect(r.ok).toBe(false)
    expect(r.rejected).toBe(true)
    expect(r.message).toBe(LEASE_REJECTED_MESSAGE)
    expect(r.refs.map((x) => [x.status, x.remoteNow])).toEqual([
      ['lease', other],
      ['collateral', null]
    ])
    // nothing was applied
    expect(
      sh(ex.remote, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/entire/'])
    ).toBe(`refs/entire/checkpoints/v2/main ${other}`)
  })

  it('retries a transport failure and gives up with a message', async () => {
    const { git, c1 } = await v2Setup()
    sh(git.repoDir, ['remote', 'add', 'dead', 'http://127.0.0.1:9/nothing.git'])
    const log = recordingLog()
    const r = await pushLeased(
      git,
      [{ ref: 'refs/entire/checkpoints/v2/main', newOid: c1, expected: null }],
      { ...opts(log), remote: 'dead' }
    )
    expect(r.ok).toBe(false)
    expect(r.rejected).toBe(false)
    expect(r.attempts).toBe(4)
    expect(r.message).toMatch(
      /^push failed after 4 attempt\(s\): .*(Failed to connect|Couldn't connect)/
    )
    expect(log.lines.filter((l) => l.startsWith('git push failed')).length).toBe(3)
  })
})

describe('over HTTP', () => {
  let server: Server
  let port = 0
  const seen: Array<string | string[] | undefined> = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization)
      res.statusCode = 403
      res.end('denied')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    port = (server.address() as { port: number }).port
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('sends exactly our header even with a persisted one, and a 403 fails early naming contents: write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-http-'))
    mkdirSync(dir, { recursive: true })
    sh(dir, ['init', '-q'])
    const url = `http://127.0.0.1:${port}`
    sh(dir, ['config', `http.${url}/.extraheader`, 'AUTHORIZATION: basic cGVyc2lzdGVk'])
    sh(dir, ['remote', 'add', 'origin', `${url}/acme/widgets`])
    const blob = sh(dir, ['commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', 'x'])
    const git = new GitRunner(dir)
    git.addSecret(SENTINEL)
    git.addSecret(basicCredential(SENTINEL))
    seen.length = 0
    const err = await checkWriteAccess(git, blob, {
      remote: 'origin',
      repository: 'acme/widgets',
      auth: { serverUrl: url, token: SENTINEL },
      log: recordingLog(),
      sleep: async () => undefined
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PushPermissionError)
    expect((err as Error).message).toContain('permissions: contents: write')
    expect((err as Error).message).not.toContain(SENTINEL)
    expect(seen.length).toBeGreaterThan(0)
    for (const h of seen) expect(h).toBe(`basic ${basicCredential(SENTINEL)}`)
    expect(readFileSync(join(dir, '.git/config'), 'utf8')).not.toContain(SENTINEL)
    // the real push with a 403 fails the same way, not as a retried transport failure
    let sleeps = 0
    const pushErr = await pushLeased(
      git,
      [{ ref: 'refs/entire/checkpoints/v2/main', newOid: blob, expected: null }],
      {
        remote: 'origin',
        repository: 'acme/widgets',
        auth: { serverUrl: url, token: SENTINEL },
        log: recordingLog(),
        sleep: async () => void sleeps++
      }
    ).catch((e: unknown) => e)
    expect(pushErr).toBeInstanceOf(PushPermissionError)
    expect(sleeps).toBe(0)
    const check = await checkPushAccess(git, 'origin', blob)
    expect(check.ok).toBe(false)
  })
})
