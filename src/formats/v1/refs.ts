// Which ref holds the v1 store (v1-format.md §1.1, getSessionsBranchTree in the reference).

export const V1_BRANCH = 'entire/checkpoints/v1'
export const V1_LOCAL_REF = `refs/heads/${V1_BRANCH}`

export function v1RemoteRef(remote: string): string {
  return `refs/remotes/${remote}/${V1_BRANCH}`
}

export type V1RefChoice =
  | { kind: 'local'; ref: string }
  | { kind: 'remote'; ref: string; remote: string }
  | { kind: 'none'; consulted: string[] }

/**
 * Chooses the v1 source ref from the refs that exist: the local branch, else the branch of
 * `remote` (the reference consults only `origin`). None → nothing to migrate, not an error.
 * The caller resolves the choice to one commit once and pins it for the whole run.
 */
export function chooseV1SourceRef(existingRefs: Iterable<string>, remote = 'origin'): V1RefChoice {
  const refs = new Set(existingRefs)
  if (refs.has(V1_LOCAL_REF)) return { kind: 'local', ref: V1_LOCAL_REF }
  const remoteRef = v1RemoteRef(remote)
  if (refs.has(remoteRef)) return { kind: 'remote', ref: remoteRef, remote }
  return { kind: 'none', consulted: [V1_LOCAL_REF, remoteRef] }
}
