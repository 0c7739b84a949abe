// Shared setup for the git layer tests: temp repositories and objects written by plain git.
import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import { initRepo } from '../src/git/repo.js'

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `em-${prefix}-`))
}

export async function newRepo(prefix: string, bare = false): Promise<GitRunner> {
  const git = new GitRunner(tempDir(prefix))
  await initRepo(git, { bare })
  return git
}

/** SHA-1 blob id computed in-process (independent of the code under test). */
export function blobOid(content: Buffer | string): string {
  const body = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8')
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${body.length}\0`), body]))
    .digest('hex')
}

/** Write blobs with one raw `git fast-import` (plain git, not our writer); returns their ids. */
export async function writeBlobsRaw(git: GitRunner, blobs: Buffer[]): Promise<string[]> {
  const parts: Buffer[] = []
  for (const b of blobs) {
    parts.push(Buffer.from(`blob\ndata ${b.length}\n`), b, Buffer.from('\n'))
  }
  await git.run(['fast-import', '--quiet'], { input: Buffer.concat(parts) })
  return blobs.map(blobOid)
}

/** Write one blob with `git hash-object -w --stdin`. */
export async function hashObject(git: GitRunner, content: Buffer | string): Promise<string> {
  const input = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8')
  return git.text(['hash-object', '-w', '--stdin'], { input })
}

/** Build a tree with `git mktree` from ls-tree-style lines (plain git, not our writer). */
export async function mktree(git: GitRunner, lines: string[]): Promise<string> {
  return git.text(['mktree', '-z'], {
    input: Buffer.from(lines.map((l) => `${l}\0`).join(''), 'utf8')
  })
}

/** Commit a tree with `git commit-tree` and a fixed identity. */
export async function commitTree(
  git: GitRunner,
  tree: string,
  parents: string[] = [],
  message = 'm'
): Promise<string> {
  const env = {
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@e',
    GIT_AUTHOR_DATE: '1700000000 +0000',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@e',
    GIT_COMMITTER_DATE: '1700000000 +0000'
  }
  const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message]
  return git.text(args, { env })
}
