// The CLI runs a first or forced migration, and a verification, of a large repository (or any,
// with ENTIRE_MIGRATE_MALLOC_TUNING=on) in a second process with the allocator tuning
// (src/launch/); a rerun stays in the process started. Seen from outside: the
// PID that reaches the engine's hold point, and that process's environment.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { buildV1Repo, tempDir } from './helpers/v1repo.js'
import { v1Fixture } from './helpers/v1fixture.js'
import { buildCli, runCli, startCli, waitFor, type BuiltCli } from './reliability-cli.js'
import { MALLOC_TUNABLES, TUNING_SWITCH } from '../src/launch/tuning.js'

const describeLinux = process.platform === 'linux' ? describe : describe.skip
const TUNING_ON = { [TUNING_SWITCH]: 'on', GLIBC_TUNABLES: '' }

/** Run `args` held after planning: the PID that got there, its GLIBC_TUNABLES, the result. */
async function heldRun(cli: BuiltCli, args: string[], env: Record<string, string> = TUNING_ON) {
  const hold = join(tempDir(), 'hold')
  const run = startCli(cli.entry, args, {
    ...env,
    ENTIRE_MIGRATE_HOLD_AT: 'after-plan',
    ENTIRE_MIGRATE_HOLD_FILE: hold
  })
  await Promise.race([waitFor(hold), run.done.then((r) => Promise.reject(new Error(r.stderr)))])
  const pid = Number(readFileSync(hold, 'utf8').split(' ')[0])
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
  const tunables = environ.find((v) => v.startsWith('GLIBC_TUNABLES='))?.slice(15) ?? ''
  rmSync(hold)
  const result = await run.done
  return { started: run.pid, pid, tunables, result }
}

describeLinux('CLI: the allocator tuning', () => {
  let cli: BuiltCli
  const ours = MALLOC_TUNABLES.map(([n, v]) => `${n}=${v}`).join(':')

  beforeAll(() => {
    cli = buildCli()
  })
  afterAll(() => cli?.cleanup())

  it('a first migration runs in a tuned child; the rerun in the process started; --force tuned again', async () => {
    const { dir } = await buildV1Repo(tempDir(), v1Fixture())
    const first = await heldRun(cli, ['migrate', '--repo', dir, '--no-verify'])
    expect(first.result.code).toBe(0)
    expect(first.pid).not.toBe(first.started)
    // (glibc shortens the copy /proc shows once it has read it; the process has them all)
    expect(first.tunables).toContain(ours.split(':')[0])
    // The summary reaches the caller through the shared streams.
    expect(first.result.stdout).toMatch(/Migration complete: \d+ migrated/)

    const rerun = await heldRun(cli, ['migrate', '--repo', dir, '--no-verify'])
    expect(rerun.result.code).toBe(0)
    expect(rerun.pid).toBe(rerun.started)
    expect(rerun.tunables).toBe('')

    const forced = await heldRun(cli, ['migrate', '--repo', dir, '--no-verify', '--force'])
    expect(forced.result.code).toBe(0)
    expect(forced.pid).not.toBe(forced.started)
  })

  it('auto on a small repository, off, or with the tunables already set: a first migration stays in its process', async () => {
    for (const env of [
      { [TUNING_SWITCH]: '', GLIBC_TUNABLES: '' },
      { [TUNING_SWITCH]: 'auto', GLIBC_TUNABLES: '' },
      { [TUNING_SWITCH]: 'off', GLIBC_TUNABLES: '' },
      { [TUNING_SWITCH]: 'on', GLIBC_TUNABLES: ours }
    ]) {
      const { dir } = await buildV1Repo(tempDir(), v1Fixture())
      const r = await heldRun(cli, ['migrate', '--repo', dir, '--no-verify'], env)
      expect(r.pid).toBe(r.started)
      expect(r.result.code).toBe(0)
    }
  })

  it('the exit code and output of the tuned child are the CLI’s', async () => {
    const { dir } = await buildV1Repo(tempDir(), v1Fixture())
    const r = runCli(cli.entry, ['verify', '--repo', dir], TUNING_ON)
    // Nothing migrated yet: verification fails, exit 1, its report on stdout.
    expect(r.code).toBe(1)
    expect(r.stdout.length).toBeGreaterThan(0)
    const m = runCli(cli.entry, ['migrate', '--repo', dir], TUNING_ON)
    expect(m.code).toBe(0)
    expect(runCli(cli.entry, ['verify', '--repo', dir], TUNING_ON).code).toBe(0)
  })

  it('an unknown switch value is an error that names it', () => {
    const r = runCli(cli.entry, ['migrate', '--repo', '.'], { [TUNING_SWITCH]: 'yes' })
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`entire-migrate: ${TUNING_SWITCH}: expected auto, on or off, got "yes"\n`)
  })
})
