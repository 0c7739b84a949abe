// UTF-8 handling as Go does it: every byte that does not start a valid sequence becomes one
// U+FFFD (Go's utf8.DecodeRune consumes one byte on error). TextDecoder uses the WHATWG
// "maximal subpart" rule instead, which yields fewer U+FFFD for truncated sequences.

const REPLACEMENT = 0xfffd

/** Decodes one rune at `i`; returns [codePoint, size] with [0xFFFD, 1] for invalid input. */
export function decodeRune(bytes: Uint8Array, i: number, end = bytes.length): [number, number] {
  const b0 = bytes[i]
  if (b0 < 0x80) return [b0, 1]
  if (b0 < 0xc2 || b0 > 0xf4) return [REPLACEMENT, 1]
  const need = b0 < 0xe0 ? 1 : b0 < 0xf0 ? 2 : 3
  if (i + need >= end) return [REPLACEMENT, 1]
  const b1 = bytes[i + 1]
  let lo = 0x80
  let hi = 0xbf
  if (b0 === 0xe0) lo = 0xa0
  else if (b0 === 0xed) hi = 0x9f
  else if (b0 === 0xf0) lo = 0x90
  else if (b0 === 0xf4) hi = 0x8f
  if (b1 < lo || b1 > hi) return [REPLACEMENT, 1]
  if (need === 1) return [((b0 & 0x1f) << 6) | (b1 & 0x3f), 2]
  const b2 = bytes[i + 2]
  if (b2 < 0x80 || b2 > 0xbf) return [REPLACEMENT, 1]
  if (need === 2) return [((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f), 3]
  const b3 = bytes[i + 3]
  if (b3 < 0x80 || b3 > 0xbf) return [REPLACEMENT, 1]
  return [((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f), 4]
}

/** Decodes bytes to a JS string, replacing invalid UTF-8 exactly as Go does. */
export function decodeUtf8Go(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = ''
  let runStart = start
  let i = start
  // Fast path: runs of ASCII are sliced in one go.
  while (i < end) {
    if (bytes[i] < 0x80) {
      i++
      continue
    }
    const [cp, size] = decodeRune(bytes, i, end)
    if (cp === REPLACEMENT && size === 1) {
      out += Buffer.from(bytes.buffer, bytes.byteOffset + runStart, i - runStart).toString('utf8')
      out += '\ufffd'
      i += 1
      runStart = i
    } else {
      i += size
    }
  }
  if (runStart < end) {
    out += Buffer.from(bytes.buffer, bytes.byteOffset + runStart, end - runStart).toString('utf8')
  }
  return out
}

/** True when the bytes are valid UTF-8 (no replacement would happen). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  let i = 0
  while (i < bytes.length) {
    if (bytes[i] < 0x80) {
      i++
      continue
    }
    const [cp, size] = decodeRune(bytes, i)
    if (cp === REPLACEMENT && size === 1) return false
    i += size
  }
  return true
}

/** Replaces lone UTF-16 surrogates with U+FFFD (Go strings cannot hold them). */
export function replaceLoneSurrogates(s: string): string {
  // Fast check first: most strings have no surrogates at all.
  if (!/[\ud800-\udfff]/.test(s)) return s
  return s.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '\ufffd'
  )
}
