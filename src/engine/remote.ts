// Remote side of a local run (migration.md §16 items 1-3): list the remote's v2 refs (archive
// numbering continues after them; they are the push leases), fetch them so that presence sees
// remote-only data, and push every ref the run wrote, atomically, with leases.
import type { GitRunner } from '../git/runner.js'
import { refMap } from '../git/refs.js'
import { archiveNumber, V2_PREFIX } from './v2state.js'
import { FatalMigrationError } from './migrate.js'
import { crashPoint } from './crash.js'
import type { PushSummary, RefChange } from './types.js'

const TMP = 'refs/entire-migrate/remote/'

/** `git ls-remote <remote> refs/entire/checkpoints/v2/*` → ref → oid. */
export async function remoteV2Refs(git: GitRunner, remote: string): Promise<Map<string, string>> {
  const r = await git.run(['ls-remote', '--refs', '--', remote, `${V2_PREFIX}*`])
  const out = new Map<string, string>()
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const [oid, ref] = line.split('\t')
    if (oid && ref) out.set(ref, oid)
  }
  return out
}

export function remoteArchiveNumbers(refs: Map<string, string>): number[] {
  return [...refs.keys()].map(archiveNumber).filter((n): n is number => n !== undefined)
}

async function isAncestor(git: GitRunner, a: string, b: string): Promise<boolean> {
  const r = await git.run(['merge-base', '--is-ancestor', a, b], { okCodes: [1] })
  return r.exitCode === 0
}

/**
 * Fetch the remote's v2 refs and its v1 branch (into refs/remotes/<remote>/…). A local v2 ref
 * that is missing or behind takes the remote value; one that is ahead stays; diverged ones are a
 * fatal error (the run would otherwise write on a base the remote does not have).
 */
export async function fetchRemote(
  git: GitRunner,
  remote: string,
  remoteRefs: Map<string, string>
): Promise<{ updated: string[]; objects: number }> {
  const specs = [
    `+${V2_PREFIX}*:${TMP}v2/*`,
    `+refs/heads/entire/checkpoints/v1:refs/remotes/${remote}/entire/checkpoints/v1`
  ]
  const r = await git.run(['fetch', '--no-tags', '--no-write-fetch-head', '--', remote, ...specs], {
    okCodes: [1, 128]
  })
  if (r.exitCode !== 0) {
    // The v1 branch may not exist on the remote: retry with v2 only before failing.
    const r2 = await git.run(
      ['fetch', '--no-tags', '--no-write-fetch-head', '--', remote, specs[0]],
      { okCodes: [128] }
    )
    if (r2.exitCode !== 0)
      throw new FatalMigrationError(
        `fetch of remote v2 refs from ${remote} failed: ${r2.stderr || r.stderr}`
      )
  }
  const local = await refMap(git, [V2_PREFIX])
  const fetched = await refMap(git, [TMP])
  const updated: string[] = []
  const lines: string[] = ['start']
  for (const [tmpRef, oid] of fetched) {
    const ref = V2_PREFIX + tmpRef.slice(`${TMP}v2/`.length)
    if (!remoteRefs.has(ref)) continue
    const mine = local.get(ref)
    if (mine === oid) continue
    if (mine === undefined || (await isAncestor(git, mine, oid))) {
      lines.push(`update ${ref} ${oid} ${mine ?? '0'.repeat(oid.length)}`)
      updated.push(ref)
    } else if (!(await isAncestor(git, oid, mine))) {
      throw new FatalMigrationError(
        `local ${ref} (${mine}) and ${remote}'s (${oid}) have diverged; reconcile them before migrating`
      )
    }
  }
  for (const tmpRef of fetched.keys()) lines.push(`delete ${tmpRef}`)
  lines.push('prepare', 'commit')
  if (lines.length > 3)
    await git.run(['update-ref', '--stdin'], { input: Buffer.from(lines.join('\n') + '\n') })
  return { updated, objects: fetched.size }
}

/**
 * v2 refs an earlier run wrote locally but never pushed (killed during its push, or run without
 * --push): absent on the remote, or strictly ahead of it. Never one that is behind or diverged.
 */
async function unpushedLocalRefs(
  git: GitRunner,
  changes: RefChange[],
  remoteRefs: Map<string, string>
): Promise<RefChange[]> {
  const moved = new Set(changes.map((c) => c.ref))
  const out: RefChange[] = []
  for (const [ref, oid] of await refMap(git, [V2_PREFIX])) {
    const theirs = remoteRefs.get(ref)
    if (moved.has(ref) || theirs === oid) continue
    // A remote value this clone lacks cannot be proven an ancestor: leave that ref alone.
    if (theirs === undefined || (await isAncestor(git, theirs, oid).catch(() => false)))
      out.push({ ref, old: theirs ?? null, new: oid })
  }
  return out
}

/** Push every ref the run moved, in one atomic push, each leased on the remote value known before the run. */
export async function pushRefs(
  git: GitRunner,
  remote: string,
  changes: RefChange[],
  remoteRefs: Map<string, string>
): Promise<PushSummary> {
  const args = ['push', '--porcelain', '--atomic', '--no-verify']
  const specs: string[] = []
  const pushed: RefChange[] = []
  for (const c of [...changes, ...(await unpushedLocalRefs(git, changes, remoteRefs))]) {
    const expected = remoteRefs.get(c.ref) ?? ''
    if (c.new === expected) continue
    args.push(`--force-with-lease=${c.ref}:${expected}`)
    specs.push(c.new === null ? `:${c.ref}` : `${c.new}:${c.ref}`)
    pushed.push({ ref: c.ref, old: expected || null, new: c.new })
  }
  if (specs.length === 0) return { remote, refs: [], ok: true, message: 'nothing to push' }
  crashPoint('during-push', `${specs.length} ref(s) to ${remote}`)
  const r = await git.run([...args, '--', remote, ...specs], { okCodes: [1, 128] })
  if (r.exitCode !== 0) {
    return {
      remote,
      refs: pushed,
      ok: false,
      message: pushFailure(r.stdout.toString('utf8'), r.stderr)
    }
  }
  return { remote, refs: pushed, ok: true }
}

/**
 * The refused refs from `git push --porcelain` (`!<TAB><src>:<dst><TAB><summary>`), else the end of
 * stderr: an atomic push refused by a lease otherwise only says "the remote end hung up".
 */
function pushFailure(stdout: string, stderr: string): string {
  const refused = stdout
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f.length >= 3 && f[0] === '!')
    .map((f) => `${f[1].slice(f[1].indexOf(':') + 1)} ${f[2]}`)
  if (refused.length > 0) {
    const lease = refused.some((x) => x.includes('(stale info)'))
      ? ' — the remote moved since this run read it (lease); fetch and rerun'
      : ''
    return `rejected: ${refused.join(', ')}${lease}`
  }
  return (stderr || stdout).trim().split('\n').slice(-3).join(' | ')
}
