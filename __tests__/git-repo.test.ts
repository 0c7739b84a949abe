import { describe, it, expect } from '@jest/globals'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GitRunner } from '../src/git/runner.js'
import { isFullOid, objectFormat, oidHexLength, zeroOid, zeroOidLike } from '../src/git/format.js'
import {
  checkGitVersion,
  configGet,
  gitCommonDir,
  gitDir,
  gitUserIdentity,
  initRepo,
  isShallow,
  objectStoreBytes,
  parseGitVersion,
  shallowCommits,
  unquoteCPath
} from '../src/git/repo.js'
import { updateRef } from '../src/git/refs.js'
import { commitTree, hashObject, mktree, newRepo, tempDir } from './git-helpers.js'

describe('repository queries', () => {
  it('checks the git version against the minimum', async () => {
    const git = await newRepo('repo')
    expect(parseGitVersion('git version 2.39.5')).toEqual([2, 39, 5])
    expect(parseGitVersion('git version 2.45.1.windows.1')).toEqual([2, 45, 1])
    expect(await checkGitVersion(git)).toMatch(/^\d+\.\d+\.\d+$/)
    await expect(checkGitVersion(git, '99.0.0')).rejects.toThrow(/too old.*>= 99\.0\.0/)
  })

  it('derives ids from the object format', async () => {
    const git = await newRepo('repo')
    expect(await objectFormat(git)).toBe('sha1')
    expect(zeroOid('sha1')).toBe('0'.repeat(40))
    expect(zeroOid('sha256')).toHaveLength(64)
    expect(oidHexLength('sha256')).toBe(64)
    expect(zeroOidLike('ab'.repeat(32))).toBe('0'.repeat(64))
    expect(isFullOid(await hashObject(git, 'x'))).toBe(true)
    const g256 = new GitRunner(tempDir('repo256'))
    await initRepo(g256, { objectFormat: 'sha256', bare: true })
    expect(await objectFormat(g256)).toBe('sha256')
    const blob = await hashObject(g256, 'x')
    expect(blob).toHaveLength(64)
    const tree = await mktree(g256, [`100644 blob ${blob}\tx`])
    await updateRef(g256, 'refs/t/x', await commitTree(g256, tree), null)
  })

  it('reads config by scope and resolves the git user identity (local over global)', async () => {
    const git = await newRepo('repo')
    const home = tempDir('home')
    const saved = { HOME: process.env.HOME, XDG: process.env.XDG_CONFIG_HOME }
    process.env.HOME = home
    process.env.XDG_CONFIG_HOME = join(home, '.config')
    try {
      expect(await gitUserIdentity(git)).toEqual({ name: 'Unknown', email: 'unknown@local' })
      writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Global Name\n\temail = g@x\n')
      expect(await gitUserIdentity(git)).toEqual({ name: 'Global Name', email: 'g@x' })
      await git.run(['config', '--local', 'user.name', 'Local Näme'])
      expect(await gitUserIdentity(git)).toEqual({ name: 'Local Näme', email: 'g@x' })
      // an empty local value falls back to global; of several values in a scope the last counts
      await git.run(['config', '--local', 'user.email', ''])
      expect(await gitUserIdentity(git)).toEqual({ name: 'Local Näme', email: 'g@x' })
      await git.run(['config', '--local', '--add', 'user.email', 'first@x'])
      await git.run(['config', '--local', '--add', 'user.email', 'last@x'])
      expect(await gitUserIdentity(git)).toEqual({ name: 'Local Näme', email: 'last@x' })
      // system config is not part of the identity (v2-format §3.4: local, then global)
      const system = join(home, 'system-gitconfig')
      writeFileSync(system, '[user]\n\tname = System Name\n')
      process.env.GIT_CONFIG_SYSTEM = system
      await git.run(['config', '--local', '--unset', 'user.name'])
      writeFileSync(join(home, '.gitconfig'), '[user]\n\temail = g@x\n')
      expect(await gitUserIdentity(git)).toEqual({ name: 'Unknown', email: 'last@x' })
      delete process.env.GIT_CONFIG_SYSTEM
      writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Global Name\n\temail = g@x\n')
      expect(await configGet(git, 'user.name', 'global')).toBe('Global Name')
      expect(await configGet(git, 'no.such')).toBeNull()
      expect(await configGet(git, 'gc.auto')).toBe('0') // env-scoped pair from the runner
      // every git process maps packs in bounded windows (memory independent of the pack size)
      expect(await configGet(git, 'core.packedGitLimit')).toBe('128m')
      expect(await configGet(git, 'core.packedGitWindowSize')).toBe('32m')
    } finally {
      delete process.env.GIT_CONFIG_SYSTEM
      process.env.HOME = saved.HOME
      if (saved.XDG === undefined) delete process.env.XDG_CONFIG_HOME
      else process.env.XDG_CONFIG_HOME = saved.XDG
    }
  })

  it('finds the git and common directories, and initializes bare repositories', async () => {
    const git = await newRepo('repo')
    expect(await gitDir(git)).toBe(join(git.repoDir, '.git'))
    expect(await gitCommonDir(git)).toBe(join(git.repoDir, '.git'))
    const bare = new GitRunner(join(tempDir('bare'), 'nested', 'remote.git'))
    await initRepo(bare, { bare: true })
    expect(existsSync(join(bare.repoDir, 'HEAD'))).toBe(true)
    expect(await gitCommonDir(bare)).toBe(bare.repoDir)
  })

  it('detects shallow repositories and lists the boundary', async () => {
    const src = await newRepo('src')
    const tree = await mktree(src, [`100644 blob ${await hashObject(src, 'x')}\tx`])
    const c1 = await commitTree(src, tree, [], 'one')
    const c2 = await commitTree(src, tree, [c1], 'two')
    await updateRef(src, 'refs/heads/main', c2)
    const clone = await newRepo('shallow')
    expect(await isShallow(clone)).toBe(false)
    expect(await shallowCommits(clone)).toEqual([])
    await clone.run(['fetch', '-q', '--depth=1', `file://${src.repoDir}`, 'refs/heads/main'])
    expect(await isShallow(clone)).toBe(true)
    expect(await shallowCommits(clone)).toEqual([c2])
  })
})

describe('objectStoreBytes', () => {
  it('counts loose objects and packs', async () => {
    const git = await newRepo('em-store-')
    expect(await objectStoreBytes(git)).toBe(0)
    await hashObject(git, 'x'.repeat(100_000) + Math.random())
    const loose = await objectStoreBytes(git)
    expect(loose).toBeGreaterThan(0)
    await git.run(['repack', '-a', '-d', '-q'])
    expect(await objectStoreBytes(git)).toBeGreaterThan(0)
  })

  it('counts the packs of the stores a clone borrows from (alternates)', async () => {
    // A path with a space and a non-ASCII letter: git prints it C-quoted.
    const src = new GitRunner(join(tempDir('em-store-alt-'), 'source é'))
    await initRepo(src)
    const blob = await hashObject(src, 'y'.repeat(200_000) + Math.random())
    const tree = await mktree(src, [`100644 blob ${blob}\tbig`])
    await updateRef(src, 'refs/heads/main', await commitTree(src, tree, [], 'one'))
    await src.run(['repack', '-a', '-d', '-q'])
    const own = await objectStoreBytes(src)
    const dir = join(tempDir('em-store-alt-'), 'clone')
    await src.run(['clone', '-q', '--shared', src.repoDir, dir])
    expect(await new GitRunner(dir).text(['count-objects', '-v'])).toMatch(/^alternate: "/m)
    const clone = new GitRunner(dir)
    const borrowed = await objectStoreBytes(clone)
    expect(borrowed).toBeGreaterThanOrEqual(own)
    expect(borrowed).toBeLessThan(own + 64 * 1024)
  })

  it("reads git's C-quoted paths", () => {
    expect(unquoteCPath('/plain/path')).toBe('/plain/path')
    expect(unquoteCPath('"/a b/\\303\\251\\t\\"q\\\\"')).toBe('/a b/\u00e9\t"q\\')
  })
})
