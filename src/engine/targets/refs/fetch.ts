// Bring the remote's checkpoint refs into the local namespace before converting, without ever
// moving a local ref backwards or sideways (git-refs-format.md §5.3): non-forced refspecs, one
// fetch; refs git refuses to update are reported, not forced.
import type { GitRunner } from '../../../git/runner.js'
import { lsRemoteText, fetchRefspecs } from '../../../git/refs-push.js'
import {
  parseCheckpointRef,
  parseLsRemote,
  isCheckpointId
} from '../../../formats/git-refs/index.js'
import type { PushAuth } from './push.js'
import { listCheckpointRefs } from './read.js'

export interface FetchReport {
  remoteRefs: number
  fetched: number
  rejected: string[]
  summary: string
}

export async function fetchCheckpointRefs(
  git: GitRunner,
  remote: string,
  auth: PushAuth = {}
): Promise<FetchReport> {
  const listed = parseLsRemote(await lsRemoteText(git, remote, ['refs/entire/checkpoints/*'], auth))
  const refs = [...listed.keys()].filter((r) => {
    const leaf = parseCheckpointRef(r)
    return leaf !== null && isCheckpointId(leaf)
  })
  if (refs.length === 0)
    return { remoteRefs: 0, fetched: 0, rejected: [], summary: `no checkpoint refs on ${remote}` }
  await fetchRefspecs(
    git,
    remote,
    refs.map((ref) => `${ref}:${ref}`),
    auth
  )
  // Exact, whatever git printed: a ref that is not at the remote's value was refused.
  const local = await listCheckpointRefs(git)
  const rejected = refs.filter((ref) => local.get(ref) !== listed.get(ref))
  return {
    remoteRefs: refs.length,
    fetched: refs.length - rejected.length,
    rejected,
    summary: `${refs.length} checkpoint ref(s) on ${remote}; ${rejected.length} local ref(s) diverge and were left as they are${rejected.length ? ` (${rejected.slice(0, 5).join(', ')}${rejected.length > 5 ? ', …' : ''})` : ''}`
  }
}
