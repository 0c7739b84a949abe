// The parts of Go's net/url that the reference's database-URL check depends on: whether
// url.Parse succeeds with a non-empty scheme and host, and url.Values from the raw query.

import { decodeBytes, encodeString } from './utf8.js'

const HEX = /^[0-9A-Fa-f]{2}$/

/** Go's unescape validity: every '%' is followed by two hex digits. */
function validEscapes(s: string): boolean {
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
    if (!HEX.test(s.slice(i + 1, i + 3))) return false
  }
  return true
}

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port)
}

const USERINFO_OK = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/
// encodeHost: ASCII that is neither alphanumeric, unreserved, nor one of the allowed sub-delims
// makes url.Parse fail.
const HOST_BAD = /[^A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%\u0080-\u{10ffff}]/u

function validHost(host: string): boolean {
  let h = host
  if (h.startsWith('[')) {
    const close = h.lastIndexOf(']')
    if (close < 0) return false
    if (!validOptionalPort(h.slice(close + 1))) return false
    h = h.slice(1, close)
  } else {
    const colon = h.lastIndexOf(':')
    if (colon >= 0 && !validOptionalPort(h.slice(colon))) return false
  }
  if (!validEscapes(h)) return false
  // Go rejects %-escapes below 0x80 in a host except %25.
  for (let i = h.indexOf('%'); i >= 0; i = h.indexOf('%', i + 1)) {
    if (parseInt(h[i + 1], 16) < 8 && h.slice(i, i + 3) !== '%25') return false
  }
  return !HOST_BAD.test(h)
}

function hasControlByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

export interface GoUrl {
  scheme: string
  host: string
  rawQuery: string
}

/** url.Parse for inputs shaped like "<scheme>://...". Returns null where Go returns an error. */
export function parseUrl(raw: string): GoUrl | null {
  if (raw === '' || hasControlByte(raw)) return null
  const hash = raw.indexOf('#')
  let rest = raw
  if (hash >= 0) {
    if (!validEscapes(raw.slice(hash + 1))) return null
    rest = raw.slice(0, hash)
  }
  const sm = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest)
  if (!sm) {
    if (rest.startsWith(':')) return null
    return { scheme: '', host: '', rawQuery: '' }
  }
  const scheme = sm[1].toLowerCase()
  rest = rest.slice(sm[0].length)
  let rawQuery = ''
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    rest = rest.slice(0, -1)
  } else {
    const q = rest.indexOf('?')
    if (q >= 0) {
      rawQuery = rest.slice(q + 1)
      rest = rest.slice(0, q)
    }
  }
  if (!rest.startsWith('/')) return { scheme, host: '', rawQuery }
  let host = ''
  if (rest.startsWith('//')) {
    rest = rest.slice(2)
    const slash = rest.indexOf('/')
    const authority = slash >= 0 ? rest.slice(0, slash) : rest
    rest = slash >= 0 ? rest.slice(slash) : ''
    const at = authority.lastIndexOf('@')
    host = at >= 0 ? authority.slice(at + 1) : authority
    if (at >= 0) {
      const userinfo = authority.slice(0, at)
      if (!USERINFO_OK.test(userinfo) || !validEscapes(userinfo)) return null
    }
    if (!validHost(host)) return null
  }
  if (!validEscapes(rest)) return null
  return { scheme, host, rawQuery }
}

function queryUnescape(s: string): string | null {
  if (!validEscapes(s)) return null
  const bytes: number[] = []
  let plain = ''
  const flush = (): void => {
    for (const b of encodeString(plain)) bytes.push(b)
    plain = ''
  }
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '%') {
      flush()
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16))
      i += 2
    } else if (c === '+') {
      flush()
      bytes.push(0x20)
    } else plain += c
  }
  flush()
  return decodeBytes(Uint8Array.from(bytes))
}

/** url.ParseQuery, keeping the pairs Go keeps (pairs with ';' or bad escapes are dropped). */
export function parseQuery(q: string): [string, string][] {
  const out: [string, string][] = []
  for (const pair of q.split('&')) {
    if (pair === '' || pair.includes(';')) continue
    const eq = pair.indexOf('=')
    const k = queryUnescape(eq >= 0 ? pair.slice(0, eq) : pair)
    const v = queryUnescape(eq >= 0 ? pair.slice(eq + 1) : '')
    if (k === null || v === null) continue
    out.push([k, v])
  }
  return out
}
