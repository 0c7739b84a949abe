// The one content change of the branch→refs conversion: the checkpoint's root metadata.json
// without `checkpoint_version` and with session paths made root-relative (git-refs-format.md §3.3).
import { decodeGo, encodeGoIndented, isGoObject, GoJsonError, type GoValue } from './gojson.js'
import { v1DirFor } from './ids.js'

export type NormaliseResult =
  /** Nothing to change: the original blob is kept byte for byte (§3.3 step 5). */
  | { changed: false }
  | {
      changed: true
      bytes: Buffer
      /** What changed, for reports: `checkpoint_version` removed, number of session strings stripped. */
      removedCheckpointVersion: boolean
      strippedPaths: number
    }

export class MetadataDecodeError extends Error {
  constructor(
    readonly checkpointId: string,
    readonly file: string,
    readonly reason: string
  ) {
    super(`checkpoint ${checkpointId}: ${file} cannot be decoded: ${reason}`)
    this.name = 'MetadataDecodeError'
  }
}

/** Normalise the root metadata.json of checkpoint `id`. Throws MetadataDecodeError naming the file. */
export function normaliseRootMetadata(id: string, original: Uint8Array): NormaliseResult {
  const file = `${v1DirFor(id)}/metadata.json`
  let doc: GoValue
  try {
    doc = decodeGo(original)
  } catch (e) {
    if (e instanceof GoJsonError) throw new MetadataDecodeError(id, file, e.message)
    throw e
  }
  if (!isGoObject(doc)) {
    throw new MetadataDecodeError(id, file, 'the top-level value is not an object')
  }
  const removedCheckpointVersion = doc.delete('checkpoint_version')
  const prefix = '/' + v1DirFor(id)
  let strippedPaths = 0
  const sessions = doc.get('sessions')
  if (Array.isArray(sessions)) {
    for (const session of sessions) {
      if (!isGoObject(session)) continue
      for (const [key, value] of session) {
        // Stripped once; a legacy path that repeats the prefix keeps its second copy.
        if (typeof value === 'string' && value.startsWith(prefix) && value[prefix.length] === '/') {
          session.set(key, value.slice(prefix.length))
          strippedPaths++
        }
      }
    }
  }
  if (!removedCheckpointVersion && strippedPaths === 0) return { changed: false }
  return { changed: true, bytes: encodeGoIndented(doc), removedCheckpointVersion, strippedPaths }
}
