import { describe, it, expect } from '@jest/globals'
import { GitError, GitRunner } from '../src/git/runner.js'
import { tempDir } from './git-helpers.js'

describe('runner stdin', () => {
  it('reports a git that exits before reading a large input as a GitError (no EPIPE crash)', async () => {
    const git = new GitRunner(tempDir('epipe'))
    await git.run(['init', '-q'])
    const input = Buffer.concat([Buffer.from('bogus\n'), Buffer.alloc(30_000_000, 'a')])
    const err = await git.run(['fast-import', '--quiet'], { input }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GitError)
    expect((err as GitError).stderr).toMatch(/Unsupported command: bogus/)
  })
})
