import { describe, it, expect } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitRunner, GitError } from '../src/git/runner.js'
import { collectGarbage } from '../src/engine/heap.js'

describe('GitRunner', () => {
  it('runs git and returns stdout; failures carry argv, exit code and stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-runner-'))
    const git = new GitRunner(dir)
    await git.run(['init', '-q'])
    expect(await git.text(['rev-parse', '--is-inside-work-tree'])).toBe('true')
    const err = await git.run(['rev-parse', '--verify', 'nope']).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GitError)
    expect((err as GitError).exitCode).toBe(128)
    expect((err as GitError).args).toEqual(['rev-parse', '--verify', 'nope'])
  })

  it('never puts a registered secret in an error message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-runner-'))
    const git = new GitRunner(dir)
    git.addSecret('s3cr3t-token')
    await git.run(['init', '-q'])
    const err = (await git
      .run(['rev-parse', '--verify', 's3cr3t-token'])
      .catch((e: unknown) => e)) as GitError
    expect(err.message).not.toContain('s3cr3t-token')
  })

  it('keeps nothing of a stdout listener once git is done', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-runner-'))
    const git = new GitRunner(dir)
    await git.run(['init', '-q'])
    // What a caller's listener reaches (a plan's whole listing, say) must be collectable as soon
    // as the run resolves: exec's closed pipe outlives it until a later collection.
    let held: WeakRef<object> | undefined
    const listen = async (): Promise<void> => {
      const state = { chunks: [] as Buffer[], ballast: new Array(1000).fill('x') }
      held = new WeakRef(state)
      await git.run(['rev-parse', '--git-dir'], { onStdout: (b) => state.chunks.push(b) })
      expect(Buffer.concat(state.chunks).toString()).toBe('.git\n')
    }
    await listen()
    expect(collectGarbage()).toBe(true)
    expect(held!.deref()).toBeUndefined()
  })
})
