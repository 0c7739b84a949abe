// Hash files of the checkpoint layouts: `sha256:` + 64 lowercase hex digits, no newline
// (71 bytes), always computed from the bytes (v1 content_hash.txt values can be wrong).

import { createHash } from 'node:crypto'

/** SHA-256 (lowercase hex) of the concatenation of `parts`, without concatenating them. */
export function sha256Hex(parts: Uint8Array | readonly Uint8Array[]): string {
  const h = createHash('sha256')
  if (parts instanceof Uint8Array) h.update(parts)
  else for (const p of parts) h.update(p)
  return h.digest('hex')
}

/** The content of a hash file (`transcript_hash.txt`, `raw_transcript_hash.txt`). */
export function hashFileContent(parts: Uint8Array | readonly Uint8Array[]): Buffer {
  return Buffer.from('sha256:' + sha256Hex(parts), 'latin1')
}

const HASH_FILE = /^sha256:[0-9a-f]{64}$/

/** Parses a hash file; undefined when it is not exactly `sha256:<64 lowercase hex>`. */
export function parseHashFile(content: Uint8Array): string | undefined {
  const s = Buffer.from(content).toString('latin1')
  return HASH_FILE.test(s) ? s.slice(7) : undefined
}
