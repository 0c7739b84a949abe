// Object-id format facts. Never hard-code 40 hex digits or the 40-zero id: derive them here.
import type { GitRunner } from './runner.js'

export type ObjectFormat = 'sha1' | 'sha256'

export function oidByteLength(format: ObjectFormat): number {
  return format === 'sha256' ? 32 : 20
}

export function oidHexLength(format: ObjectFormat): number {
  return oidByteLength(format) * 2
}

/** The all-zero id of the format (git's "does not exist" value in ref updates). */
export function zeroOid(format: ObjectFormat): string {
  return '0'.repeat(oidHexLength(format))
}

/** The all-zero id with the same length as `oid` (its format is implied by its length). */
export function zeroOidLike(oid: string): string {
  return '0'.repeat(oid.length)
}

export function isZeroOid(oid: string): boolean {
  return /^0+$/.test(oid)
}

/** A full lowercase hex object id of either format. */
export function isFullOid(s: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(s)
}

/** `git rev-parse --show-object-format` of the repository. */
export async function objectFormat(git: GitRunner): Promise<ObjectFormat> {
  const f = await git.text(['rev-parse', '--show-object-format'])
  if (f !== 'sha1' && f !== 'sha256') throw new Error(`unsupported git object format: ${f}`)
  return f
}
