// Byte-level helpers. The reference works on Go strings (bytes); we work on JS strings. Invalid
// UTF-8 is carried through as lone surrogates U+DC80..U+DCFF, one per invalid byte (the
// "surrogateescape" convention): valid UTF-8 never decodes to a surrogate, so the mapping is
// reversible, and like Go's U+FFFD-per-byte view these code points are neither letters, digits,
// word characters nor whitespace to the regexes.

const fatal = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/** Decodes bytes, mapping each byte of an invalid sequence to U+DC80+byte (like Go's per-byte RuneError). */
export function decodeBytes(b: Uint8Array): string {
  try {
    return fatal.decode(b)
  } catch {
    return decodeLossless(b)
  }
}

function decodeLossless(b: Uint8Array): string {
  let out = ''
  let i = 0
  while (i < b.length) {
    const c = b[i]
    if (c < 0x80) {
      out += String.fromCharCode(c)
      i++
      continue
    }
    // Go's utf8.DecodeRune acceptance rules: shortest form, no surrogates, <= U+10FFFF.
    let need = 0
    let cp = 0
    let lo = 0x80
    let hi = 0xbf
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1
      cp = c & 0x1f
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2
      cp = c & 0x0f
      if (c === 0xe0) lo = 0xa0
      if (c === 0xed) hi = 0x9f
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3
      cp = c & 0x07
      if (c === 0xf0) lo = 0x90
      if (c === 0xf4) hi = 0x8f
    }
    let ok = need > 0 && i + need < b.length
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const d = b[i + k]
        const l = k === 1 ? lo : 0x80
        const h = k === 1 ? hi : 0xbf
        if (d === undefined || d < l || d > h) {
          ok = false
          break
        }
        cp = (cp << 6) | (d & 0x3f)
      }
    }
    if (ok) {
      out += String.fromCodePoint(cp)
      i += need + 1
    } else {
      out += String.fromCharCode(0xdc00 + c)
      i++
    }
  }
  return out
}

/** Inverse of decodeBytes. */
export function encodeString(s: string): Uint8Array {
  if (!hasEscapedBytes(s)) return encoder.encode(s)
  const parts: number[] = []
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i)
    if (u >= 0xdc80 && u <= 0xdcff && !(i > 0 && isHighSurrogate(s.charCodeAt(i - 1)))) {
      parts.push(u - 0xdc00)
      continue
    }
    const cp = s.codePointAt(i)!
    if (cp > 0xffff) i++
    for (const byte of encoder.encode(String.fromCodePoint(cp))) parts.push(byte)
  }
  return Uint8Array.from(parts)
}

function isHighSurrogate(u: number): boolean {
  return u >= 0xd800 && u <= 0xdbff
}

function hasEscapedBytes(s: string): boolean {
  return /[\udc80-\udcff]/.test(s)
}

/** UTF-8 bytes of s, with escaped bytes restored. */
export function bytesOf(s: string): Uint8Array {
  return encodeString(s)
}

/** Length in bytes as Go's len(string) would report it. */
export function byteLength(s: string): number {
  // Fast path: ASCII.
  let ascii = true
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      ascii = false
      break
    }
  }
  return ascii ? s.length : encodeString(s).length
}

/** Shannon entropy over the byte distribution (betterleaks' CEL entropy(), the reference's own). */
export function byteEntropy(s: string): number {
  const b = bytesOf(s)
  if (b.length === 0) return 0
  const freq = new Array<number>(256).fill(0)
  for (const x of b) freq[x]++
  const n = b.length
  let h = 0
  for (const f of freq) {
    if (f > 0) {
      const p = f / n
      h -= p * Math.log2(p)
    }
  }
  return h
}
