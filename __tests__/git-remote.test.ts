import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import { resolveRef, updateRef } from '../src/git/refs.js'
import {
  authConfigPairs,
  authHeaderValue,
  basicCredential,
  fetch,
  lsRemote,
  parsePushPorcelain,
  push,
  PushRejectedError,
  RemoteError
} from '../src/git/remote.js'
import { commitTree, hashObject, mktree, newRepo, tempDir } from './git-helpers.js'

const noWait = { sleep: async () => undefined }

const byRef = <T extends { ref: string }>(rs: T[]): T[] =>
  [...rs].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))

async function commits(git: GitRunner, n: number): Promise<string[]> {
  const tree = await mktree(git, [`100644 blob ${await hashObject(git, 'x')}\tx`])
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(await commitTree(git, tree, out.slice(-1), `c${i}`))
  return out
}

describe('auth config', () => {
  it('resets the header for the server origin, sets ours, and empties credential.helper', () => {
    const header = `AUTHORIZATION: basic ${Buffer.from('x-access-token:tok').toString('base64')}`
    expect(authHeaderValue('tok')).toBe(header)
    expect(basicCredential('tok')).toBe(Buffer.from('x-access-token:tok').toString('base64'))
    expect(authConfigPairs('https://github.com', 'tok')).toEqual([
      ['http.https://github.com/.extraheader', ''],
      ['http.https://github.com/.extraheader', header],
      ['credential.helper', '']
    ])
    expect(authConfigPairs('https://ghes.example.com:8443/some/path', 'tok')[0][0]).toBe(
      'http.https://ghes.example.com:8443/.extraheader'
    )
    expect(authConfigPairs('https://github.com', '')).toEqual([])
  })
})

describe('porcelain push output', () => {
  it('parses the proven formats per ref', () => {
    const stdout = [
      'To /tmp/remote.git',
      ' \taaa:refs/entire/checkpoints/v2/main\tb0957f4..30594d0',
      '+\tbbb:refs/a\t3cbc6e6...269f2dc (forced update)',
      '*\tccc:refs/b\t[new reference]',
      '=\tddd:refs/c\t[up to date]',
      '-\t:refs/d\t[deleted]',
      '!\teee:refs/e\t[rejected] (stale info)',
      '!\tfff:refs/f\t[rejected] (atomic push failed)',
      '!\tggg:refs/pull/1/head\t[remote rejected] (deny updating a hidden ref)',
      '!\thhh:refs/h\t[rejected] (non-fast-forward)',
      'Done',
      ''
    ].join('\n')
    const r = parsePushPorcelain(stdout)
    expect(r.map((x) => [x.ref, x.flag, x.status, x.reason])).toEqual([
      ['refs/entire/checkpoints/v2/main', ' ', 'ok', null],
      ['refs/a', '+', 'ok', 'forced update'],
      ['refs/b', '*', 'ok', null],
      ['refs/c', '=', 'ok', null],
      ['refs/d', '-', 'ok', null],
      ['refs/e', '!', 'lease', 'stale info'],
      ['refs/f', '!', 'collateral', 'atomic push failed'],
      ['refs/pull/1/head', '!', 'remote-rejected', 'deny updating a hidden ref'],
      ['refs/h', '!', 'other-rejected', 'non-fast-forward']
    ])
    expect(r[0]).toMatchObject({ from: 'aaa', summary: 'b0957f4..30594d0' })
    expect(r[4].from).toBe('')
    expect(r[7].summary).toBe('[remote rejected]')
  })
})

describe('fetch, ls-remote and push against a local bare remote', () => {
  let remote: GitRunner
  let local: GitRunner
  let c: string[]
  beforeAll(async () => {
    remote = await newRepo('remote', true)
    local = await newRepo('local')
    c = await commits(local, 4)
  })

  it('pushes with create-only leases, lists, fetches, and updates with a held lease', async () => {
    const created = await push(local, remote.repoDir, [
      { ref: 'refs/entire/checkpoints/v2/main', newOid: c[0], expectedOld: null },
      { ref: 'refs/entire/checkpoints/v2/full/current', newOid: c[1], expectedOld: '' }
    ])
    expect(byRef(created).map((r) => [r.ref, r.flag, r.summary, r.status])).toEqual([
      ['refs/entire/checkpoints/v2/full/current', '*', '[new reference]', 'ok'],
      ['refs/entire/checkpoints/v2/main', '*', '[new reference]', 'ok']
    ])
    expect(await lsRemote(local, remote.repoDir, ['refs/entire/checkpoints/*'])).toEqual([
      { oid: c[1], ref: 'refs/entire/checkpoints/v2/full/current' },
      { oid: c[0], ref: 'refs/entire/checkpoints/v2/main' }
    ])
    expect(await lsRemote(local, remote.repoDir, ['refs/nothing/*'])).toEqual([])

    const other = await newRepo('other')
    await fetch(other, remote.repoDir, [
      '+refs/entire/checkpoints/v2/*:refs/entire/checkpoints/v2/*'
    ])
    expect(await resolveRef(other, 'refs/entire/checkpoints/v2/main')).toBe(c[0])

    const updated = await push(local, remote.repoDir, [
      { ref: 'refs/entire/checkpoints/v2/main', newOid: c[2], expectedOld: c[0] },
      { ref: 'refs/entire/checkpoints/v2/full/current', newOid: c[0], expectedOld: c[1] }
    ])
    expect(byRef(updated).map((r) => [r.ref, r.flag, r.reason])).toEqual([
      ['refs/entire/checkpoints/v2/full/current', '+', 'forced update'],
      ['refs/entire/checkpoints/v2/main', ' ', null]
    ])
    const again = await push(local, remote.repoDir, [
      { ref: 'refs/entire/checkpoints/v2/main', newOid: c[2], expectedOld: c[2] }
    ])
    expect(again.map((r) => [r.flag, r.summary])).toEqual([['=', '[up to date]']])
  })

  it('rejects the whole atomic push when the remote ref moved, leaving the remote unchanged', async () => {
    await push(local, remote.repoDir, [{ ref: 'refs/lease/main', newOid: c[0], expectedOld: null }])
    // another writer moves it
    await push(local, remote.repoDir, [{ ref: 'refs/lease/main', newOid: c[1], expectedOld: c[0] }])
    let sleeps = 0
    const err = await push(
      local,
      remote.repoDir,
      [
        { ref: 'refs/lease/main', newOid: c[2], expectedOld: c[0] },
        { ref: 'refs/lease/archive', newOid: c[3], expectedOld: null }
      ],
      { retry: { sleep: async () => void sleeps++ } }
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PushRejectedError)
    const results = (err as PushRejectedError).results
    expect(byRef(results).map((r) => [r.ref, r.status, r.reason])).toEqual([
      ['refs/lease/archive', 'collateral', 'atomic push failed'],
      ['refs/lease/main', 'lease', 'stale info']
    ])
    expect((err as Error).message).toMatch(/refs\/lease\/main.*stale info/)
    expect(sleeps).toBe(0)
    expect(await lsRemote(local, remote.repoDir, ['refs/lease/*'])).toEqual([
      { oid: c[1], ref: 'refs/lease/main' }
    ])
    // create-only lease on an existing ref is rejected too
    await expect(
      push(local, remote.repoDir, [{ ref: 'refs/lease/main', newOid: c[3], expectedOld: null }])
    ).rejects.toBeInstanceOf(PushRejectedError)
  })

  it('deletes with a lease', async () => {
    await push(local, remote.repoDir, [{ ref: 'refs/del/x', newOid: c[0], expectedOld: null }])
    const r = await push(local, remote.repoDir, [
      { ref: 'refs/del/x', newOid: null, expectedOld: c[0] }
    ])
    expect(r.map((x) => [x.flag, x.from, x.summary])).toEqual([['-', '', '[deleted]']])
    expect(await lsRemote(local, remote.repoDir, ['refs/del/*'])).toEqual([])
  })

  it('fetches with depth into a shallow repository and unshallows it', async () => {
    await updateRef(local, 'refs/heads/deep', c[3])
    const shallow = await newRepo('shallow')
    await fetch(shallow, local.repoDir, ['refs/heads/deep:refs/heads/deep'], { depth: 1 })
    expect(await shallow.text(['rev-list', '--count', 'refs/heads/deep'])).toBe('1')
    await fetch(shallow, local.repoDir, ['refs/heads/deep:refs/heads/deep'], { unshallow: true })
    expect(await shallow.text(['rev-list', '--count', 'refs/heads/deep'])).toBe('4')
    const err = await fetch(shallow, local.repoDir, ['refs/heads/deep'], {
      unshallow: true,
      retry: { sleep: () => Promise.reject(new Error('must not retry')) }
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RemoteError)
    expect((err as RemoteError).kind).toBe('other')
  })

  it('retries transport failures three times, then fails with a transport error', async () => {
    const delays: number[] = []
    const logs: string[] = []
    const missing = join(tempDir('gone'), 'nope.git')
    const err = await lsRemote(local, missing, ['refs/*'], {
      retry: { sleep: async (ms) => void delays.push(ms), log: (m) => void logs.push(m) }
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RemoteError)
    expect(err).toMatchObject({ kind: 'transport', attempts: 3, exitCode: 128 })
    expect(delays).toHaveLength(2)
    for (const d of delays) expect(d >= 10_000 && d < 20_000).toBe(true)
    expect(logs[0]).toMatch(/attempt 1\/3/)
    const pushErr = await push(
      local,
      missing,
      [{ ref: 'refs/x', newOid: c[0], expectedOld: null }],
      { retry: { ...noWait, attempts: 2 } }
    ).catch((e: unknown) => e)
    expect(pushErr).toMatchObject({ kind: 'transport', attempts: 2 })
    await expect(
      fetch(local, remote.repoDir, ['refs/heads/absent:refs/x'], { retry: noWait })
    ).rejects.toMatchObject({ kind: 'other', attempts: 1 })
  })
})

describe('auth over HTTP', () => {
  let server: Server
  let url: string
  const seen: string[][] = []
  let status = 401
  beforeAll(async () => {
    server = createServer((req, res) => {
      const auth: string[] = []
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i].toLowerCase() === 'authorization') auth.push(req.rawHeaders[i + 1])
      }
      seen.push(auth)
      res.statusCode = status
      if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="test"')
      res.end('no')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((r) => server.close(r))
  })

  it('sends exactly our header (replacing a persisted one), keeps the token out of argv and errors, and does not retry auth failures', async () => {
    const token = 'ghs_s3cretTOKEN123'
    const argv: string[] = []
    const git = new GitRunner(tempDir('auth'), { debug: (m) => void argv.push(m) })
    await git.run(['init', '-q'])
    await git.run(['config', `http.${url}/.extraheader`, 'AUTHORIZATION: basic PERSISTED'])
    for (const s of [401, 403]) {
      status = s
      seen.length = 0
      let sleeps = 0
      const err = await lsRemote(git, `${url}/owner/repo.git`, ['refs/entire/*'], {
        auth: { serverUrl: url, token },
        retry: { sleep: async () => void sleeps++ }
      }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(RemoteError)
      expect((err as RemoteError).kind).toBe('auth')
      expect(sleeps).toBe(0)
      expect(seen.length).toBeGreaterThan(0)
      for (const headers of seen) expect(headers).toEqual([`basic ${basicCredential(token)}`])
      const message = (err as Error).message
      expect(message).not.toContain(token)
      expect(message).not.toContain(basicCredential(token))
      expect(message).toMatch(/contents: write/)
    }
    expect(argv.join('\n')).not.toContain(token)
    expect(argv.join('\n')).not.toContain(basicCredential(token))
    // the token was never persisted
    expect(await git.text(['config', '--local', '--list'])).not.toContain(basicCredential(token))
  })

  it('sends no header without a token', async () => {
    status = 403
    seen.length = 0
    const git = new GitRunner(tempDir('noauth'))
    await git.run(['init', '-q'])
    await expect(
      lsRemote(git, `${url}/r.git`, [], { auth: { serverUrl: url, token: '' }, retry: noWait })
    ).rejects.toMatchObject({ kind: 'auth' })
    expect(seen.every((h) => h.length === 0)).toBe(true)
  })
})
