import { describe, it, expect } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cliCompactWorkers } from '../src/engine/compactor.js'
import {
  parseSettings,
  InputError,
  INPUT_DEFAULTS,
  describeSettings,
  willPush,
  type SettingsEnv
} from '../src/settings.js'

const env: SettingsEnv = {
  workspace: '/home/runner/work/widgets/widgets',
  repository: 'acme/widgets',
  serverUrl: 'https://github.com',
  cwd: '/tmp',
  cores: 2
}

function reader(values: Record<string, string>) {
  return (name: string) => values[name] ?? ''
}

function errorOf(values: Record<string, string>, e: SettingsEnv = env): InputError {
  try {
    parseSettings(reader(values), e)
  } catch (err) {
    expect(err).toBeInstanceOf(InputError)
    return err as InputError
  }
  throw new Error('expected parseSettings to throw')
}

describe('parseSettings', () => {
  it('applies the action.yml defaults when nothing is set', () => {
    const s = parseSettings(reader({}), env)
    expect(s).toEqual({
      path: '/home/runner/work/widgets/widgets',
      repository: 'acme/widgets',
      serverUrl: 'https://github.com',
      token: '',
      remote: 'origin',
      dryRun: false,
      force: false,
      batchSize: 100,
      push: true,
      verify: true,
      failOnVerifyError: true,
      cliVersion: '0.6.2',
      referenceCompatible: false,
      comment: false,
      compactWorkers: 0
    })
    expect(willPush(s)).toBe(true)
  })

  it('compact-workers: auto leaves two cores to the main thread and git, or a number', () => {
    const workers = (value: string, cores: number) =>
      parseSettings(reader({ 'compact-workers': value }), { ...env, cores }).compactWorkers
    expect([1, 2, 3, 4, 16].map((c) => workers('auto', c))).toEqual([0, 0, 1, 2, 14])
    expect(workers('3', 2)).toBe(3)
    expect(workers('0', 16)).toBe(0)
    for (const bad of ['-1', '1.5', 'all', '65'])
      expect(errorOf({ 'compact-workers': bad }).message).toBe(
        `Invalid input 'compact-workers': expected auto or a whole number from 0 to 64, got ${JSON.stringify(bad)}`
      )
  })

  it('the CLI (migrate and verify) takes ENTIRE_MIGRATE_WORKERS, else the same default', () => {
    expect(cliCompactWorkers(undefined, 2)).toBe(0)
    expect(cliCompactWorkers(undefined, 8)).toBe(6)
    expect(cliCompactWorkers('3', 2)).toBe(3)
    expect(cliCompactWorkers('0', 8)).toBe(0)
    expect(cliCompactWorkers('auto', 8)).toBe(6)
    expect(cliCompactWorkers('64', 2)).toBe(64)
    // empty: unset
    expect(cliCompactWorkers('', 4)).toBe(2)
    // anything else is an error naming the variable, as the action's input is
    for (const bad of ['two', '65', '1000', '-1', '1.5', ' 2'])
      expect(() => cliCompactWorkers(bad, 4)).toThrow(
        `ENTIRE_MIGRATE_WORKERS: expected auto or a whole number from 0 to 64, got ${JSON.stringify(bad)}`
      )
  })

  it('reads every input as the runner passes it', () => {
    const s = parseSettings(
      reader({
        path: 'sub/../repo',
        repository: 'other/thing',
        token: 'ghs_abc',
        remote: 'upstream',
        'dry-run': 'TRUE',
        force: 'True',
        'batch-size': '7',
        push: 'false',
        verify: 'false',
        'fail-on-verify-error': 'false',
        'cli-version': '0.6.3-nightly.1',
        'reference-compatible': 'true',
        comment: 'true'
      }),
      { ...env, serverUrl: 'https://ghe.example.com/' }
    )
    expect(s.path).toBe('/home/runner/work/widgets/widgets/repo')
    expect(s.repository).toBe('other/thing')
    expect(s.serverUrl).toBe('https://ghe.example.com')
    expect(s.token).toBe('ghs_abc')
    expect(s.remote).toBe('upstream')
    expect([s.dryRun, s.force, s.push, s.verify, s.failOnVerifyError]).toEqual([
      true,
      true,
      false,
      false,
      false
    ])
    expect(s.batchSize).toBe(7)
    expect(s.cliVersion).toBe('0.6.3-nightly.1')
    expect(s.referenceCompatible).toBe(true)
    expect(s.comment).toBe(true)
    expect(willPush(s)).toBe(false)
  })

  it('never pushes in a dry run even with push: true', () => {
    expect(willPush(parseSettings(reader({ 'dry-run': 'true' }), env))).toBe(false)
  })

  it.each([
    [{ 'dry-run': 'yes' }, 'dry-run', 'expected true or false, got "yes"'],
    [{ force: '1' }, 'force', 'expected true or false'],
    [{ push: 'on' }, 'push', 'expected true or false'],
    [{ verify: 'tru' }, 'verify', 'expected true or false'],
    [{ 'fail-on-verify-error': 'no' }, 'fail-on-verify-error', 'expected true or false'],
    [{ 'reference-compatible': 'x' }, 'reference-compatible', 'expected true or false'],
    [{ comment: 'maybe' }, 'comment', 'expected true or false'],
    [{ 'batch-size': '0' }, 'batch-size', 'between 1 and 100000'],
    [{ 'batch-size': '100001' }, 'batch-size', 'between 1 and 100000'],
    [{ 'batch-size': '1.5' }, 'batch-size', 'whole number'],
    [{ 'batch-size': '-3' }, 'batch-size', 'whole number'],
    [{ 'batch-size': 'lots' }, 'batch-size', 'whole number'],
    [{ remote: '-upload-pack=evil' }, 'remote', 'not a valid git remote name'],
    [{ remote: 'has space' }, 'remote', 'not a valid git remote name'],
    [{ remote: 'a..b' }, 'remote', 'not a valid git remote name'],
    [{ repository: 'no-slash' }, 'repository', 'expected owner/name'],
    [{ repository: 'a/b/c' }, 'repository', 'expected owner/name'],
    [{ repository: '../x' }, 'repository', 'expected owner/name'],
    [{ 'cli-version': 'a b' }, 'cli-version', 'expected a version string'],
    [{ 'cli-version': '"quoted"' }, 'cli-version', 'expected a version string'],
    [{ token: 'abc\ndef' }, 'token', 'line break']
  ])('rejects %j naming the input', (values, input, text) => {
    const err = errorOf(values)
    expect(err.input).toBe(input)
    expect(err.message).toContain(`Invalid input '${input}'`)
    expect(err.message).toContain(text)
  })

  it('never echoes the token in an error', () => {
    const err = errorOf({ token: 'secret-value\n' })
    expect(err.message).not.toContain('secret-value')
  })

  it('fails clearly without a repository or workspace', () => {
    expect(errorOf({}, { ...env, repository: undefined }).input).toBe('repository')
    expect(errorOf({}, { ...env, workspace: undefined }).input).toBe('path')
    expect(errorOf({}, { ...env, serverUrl: 'not a url' }).input).toBe('GITHUB_SERVER_URL')
  })

  it('describes the settings without the token', () => {
    const s = parseSettings(reader({ token: 'ghs_SECRET' }), env)
    const text = JSON.stringify(describeSettings(s))
    expect(text).not.toContain('ghs_SECRET')
    expect(text).toContain('(set, masked)')
  })

  it('matches action.yml: every input has a description and the same default', () => {
    const yml = readFileSync(join(import.meta.dirname, '..', 'action.yml'), 'utf8')
    const inputs = yml.split('\noutputs:')[0].split('\ninputs:\n')[1]
    // name -> its indented lines, from the two-space keys of the inputs block
    const blocks = new Map<string, string>()
    let current = ''
    for (const line of inputs.split('\n')) {
      const key = /^ {2}([a-z-]+):$/.exec(line)
      if (key) blocks.set((current = key[1]), '')
      else if (current) blocks.set(current, `${blocks.get(current)}${line}\n`)
    }
    expect([...blocks.keys()].sort()).toEqual(Object.keys(INPUT_DEFAULTS).sort())
    for (const [name, block] of blocks) {
      expect(block).toMatch(/ {4}description: \S/)
      const def = / {4}default: (.*)/.exec(block)?.[1] ?? ''
      const expected = INPUT_DEFAULTS[name as keyof typeof INPUT_DEFAULTS]
      if (expected === '') expect(def).toMatch(/^(\$\{\{ github\.\w+ \}\}|'')$/)
      else expect(def.replace(/^'|'$/g, '')).toBe(expected)
    }
    for (const out of [
      'migrated',
      'skipped',
      'failed',
      'verified',
      'report',
      'main-ref-sha',
      'archives-created'
    ]) {
      expect(yml).toMatch(new RegExp(`\\n {2}${out}:\\n {4}description: \\S`))
    }
    expect(yml).toContain('using: node24')
  })
})
