// Run-level check of the `/main` root (v2-format §2.3): only shard directories holding
// checkpoint directories. A root file, or a path outside `<2 hex>/<10 hex>/…`, belongs to no
// checkpoint: the per-checkpoint checks never see it, and Go readers ignore it.
import type { RunLevel } from './generations.js'
import type { Repo } from './model.js'
import type { Tally } from './record.js'

export function verifyMainLayout(repo: Repo, tally: Tally, out: RunLevel): void {
  if (repo.mainOid === null) return
  const extra = [...repo.mainTree.rootFiles.keys(), ...repo.mainTree.stray]
  tally.count('main.layout', extra.length === 0)
  if (extra.length === 0) return
  out.failures.push({
    check: 'main.layout',
    ref: repo.mainRef,
    file: extra[0],
    message: `${repo.mainRef}: entries outside the checkpoint layout`,
    expected: 'shard directories only',
    actual: extra.slice(0, 10).join(', ') + (extra.length > 10 ? ` (${extra.length} in all)` : '')
  })
}
