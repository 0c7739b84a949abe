// Reliability: a sentinel token never appears in logs, summaries, reports, git config or error
// messages — neither on the action's authenticated network path (token as environment-scoped
// config of one command) against a server that refuses it, nor from the CLI when the remote URL
// itself carries credentials, nor when the checkpoint data contains it.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import { basicCredential, fetch, lsRemote, push } from '../src/git/remote.js'
import { buildV1Repo, claudeTranscript, sessionMeta, tempDir } from './helpers/v1repo.js'
import { buildCli, startCli, type BuiltCli } from './reliability-cli.js'

/** The CLI must run asynchronously here: this process serves its HTTP requests. */
const runCli = (entry: string, args: string[]) => startCli(entry, args).done

const SENTINEL = 'ghp_SENTINELt0kenNEVERinLOGS0123456789ab'
const FORMS = [SENTINEL, basicCredential(SENTINEL), Buffer.from(SENTINEL).toString('base64')]

function leaks(text: string): string[] {
  return FORMS.filter((f) => text.includes(f))
}

describe('reliability: secrets stay out of every output', () => {
  let server: Server
  let base: string
  const seen: string[] = []
  let status = 401
  let cli: BuiltCli

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? ''))
      res.statusCode = status
      if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="test"')
      // A careless server that echoes the credential back must not make git print it either.
      res.end(`denied: ${String(req.headers.authorization ?? '')}\n`)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    cli = buildCli()
  })
  afterAll(async () => {
    cli?.cleanup()
    await new Promise((r) => server.close(r))
  })

  it('fetch, ls-remote and push with a refused token: errors, retry logs, debug logs and git config are clean', async () => {
    const { dir } = await buildV1Repo(tempDir(), [])
    const logs: string[] = []
    const git = new GitRunner(dir, { debug: (m) => logs.push(m) })
    const auth = { serverUrl: base, token: SENTINEL }
    const retry = { attempts: 2, delayMs: () => 0, log: (m: string) => logs.push(m) }
    const errors: string[] = []
    const capture = async (p: Promise<unknown>): Promise<void> => {
      try {
        await p
        errors.push('(no error)')
      } catch (e) {
        const err = e as Error
        errors.push(`${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err)}`)
      }
    }
    for (const code of [401, 500]) {
      status = code
      await capture(
        fetch(git, `${base}/repo.git`, ['refs/heads/*:refs/remotes/x/*'], { auth, retry })
      )
      await capture(lsRemote(git, `${base}/repo.git`, ['refs/*'], { auth, retry }))
      await capture(
        push(
          git,
          `${base}/repo.git`,
          [{ ref: 'refs/heads/x', newOid: '1'.repeat(40), expectedOld: null }],
          {
            auth,
            retry
          }
        )
      )
    }
    // The token was really sent (so the checks below mean something) …
    expect(seen.some((h) => h.replace(/^basic /i, '') === basicCredential(SENTINEL))).toBe(true)
    expect(errors.filter((e) => e === '(no error)')).toEqual([])
    // … and appears nowhere we print or persist.
    expect(leaks(errors.join('\n'))).toEqual([])
    expect(leaks(logs.join('\n'))).toEqual([])
    expect(leaks(readFileSync(join(dir, '.git', 'config'), 'utf8'))).toEqual([])
    const config = await git.text(['config', '--list', '--show-origin'])
    expect(leaks(config)).toEqual([])
  })

  it('the CLI with credentials in the remote URL and the token in checkpoint data: stdout, stderr and the JSON report are clean', async () => {
    status = 401
    const id = 'aa11bb22cc33'
    const { dir } = await buildV1Repo(tempDir(), [
      {
        id,
        sessions: [
          {
            transcript:
              claudeTranscript(1, 'secret') +
              JSON.stringify({
                type: 'user',
                message: { role: 'user', content: `my token is ${SENTINEL}` }
              }) +
              '\n',
            prompt: `use ${SENTINEL} to push`,
            metadata: sessionMeta(id, { session_id: 'sess-secret' })
          }
        ]
      }
    ])
    const git = new GitRunner(dir)
    await git.run([
      'remote',
      'add',
      'origin',
      `${base.replace('http://', `http://x-access-token:${SENTINEL}@`)}/repo.git`
    ])
    const json = join(tempDir(), 'report.json')
    const withPush = await runCli(cli.entry, ['migrate', '--repo', dir, '--push', '--json', json])
    expect(withPush.code).toBe(2)
    expect(withPush.stderr).toMatch(/^entire-migrate: /)
    expect(leaks(withPush.stdout + withPush.stderr)).toEqual([])
    const plain = await runCli(cli.entry, ['migrate', '--repo', dir, '--json', json])
    expect({ code: plain.code, stderr: plain.stderr }).toEqual({ code: 0, stderr: '' })
    expect(existsSync(json)).toBe(true)
    expect(leaks(plain.stdout + plain.stderr + readFileSync(json, 'utf8'))).toEqual([])
    const verify = await runCli(cli.entry, ['verify', '--repo', dir])
    expect(verify.code).toBe(0)
    expect(leaks(verify.stdout + verify.stderr)).toEqual([])
  })
})
