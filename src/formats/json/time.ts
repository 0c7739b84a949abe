// Go time.Time values as the checkpoint JSON carries them: RFC 3339 with up to nanosecond
// precision and a fixed offset. JavaScript Date keeps only milliseconds, so instants are kept as
// (unix seconds, nanoseconds) and the offset separately.

export interface GoTime {
  /** Unix seconds of the instant (UTC). */
  readonly unixSeconds: number
  /** Nanoseconds within the second, 0 … 999,999,999. */
  readonly nanos: number
  /** Offset from UTC in seconds of the zone the value is written in (0 → `Z`). */
  readonly offsetSeconds: number
}

const SECONDS_PER_DAY = 86400

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp + (mp < 10 ? 3 : -9)
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d]
}

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
}

/** Go's zero time, 0001-01-01T00:00:00Z. */
export const GO_ZERO_TIME: GoTime = {
  unixSeconds: daysFromCivil(1, 1, 1) * SECONDS_PER_DAY,
  nanos: 0,
  offsetSeconds: 0
}

export function isZeroTime(t: GoTime): boolean {
  return t.unixSeconds === GO_ZERO_TIME.unixSeconds && t.nanos === 0
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/

/**
 * Parses an RFC 3339 string the way Go's Time.UnmarshalJSON does (strict form: `T`, `Z` or
 * ±hh:mm, `.` fraction of any length truncated to nanoseconds, ranges checked).
 * Returns undefined when Go would reject it.
 */
export function parseRfc3339(s: string): GoTime | undefined {
  const m = RFC3339.exec(s)
  if (!m) return undefined
  const [year, month, day, hour, min, sec] = m.slice(1, 7).map(Number)
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year)) return undefined
  if (hour > 23 || min > 59 || sec > 59) return undefined
  const frac = m[7] ?? ''
  const nanos = frac === '' ? 0 : Number((frac + '00000000').slice(0, 9))
  let offsetSeconds = 0
  if (!m[8]) {
    const oh = Number(m[10])
    const om = Number(m[11])
    if (oh > 23 || om > 59) return undefined
    offsetSeconds = (m[9] === '-' ? -1 : 1) * (oh * 3600 + om * 60)
  }
  const local = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + min * 60 + sec
  return { unixSeconds: local - offsetSeconds, nanos, offsetSeconds }
}

/** The same instant in UTC (Go's t.UTC()). */
export function toUtc(t: GoTime): GoTime {
  return { unixSeconds: t.unixSeconds, nanos: t.nanos, offsetSeconds: 0 }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

/**
 * Formats like Go's Time.MarshalJSON (RFC3339Nano): fraction with trailing zeros removed,
 * none when zero; `Z` for a zero offset, else ±hh:mm.
 */
export function formatGoTime(t: GoTime): string {
  const local = t.unixSeconds + t.offsetSeconds
  const days = Math.floor(local / SECONDS_PER_DAY)
  let rem = local - days * SECONDS_PER_DAY
  const [y, mo, d] = civilFromDays(days)
  if (y < 0 || y > 9999)
    throw new RangeError(`Time.MarshalJSON: year outside of range [0,9999]: ${y}`)
  const h = Math.floor(rem / 3600)
  rem -= h * 3600
  const mi = Math.floor(rem / 60)
  const s = rem - mi * 60
  // Joined, not concatenated: `+` and template literals leave a tree of ~12 string pieces
  // (~600 bytes) where one flat string takes ~56, and the plan keeps one per checkpoint.
  const parts = [pad(y, 4), '-', pad(mo, 2), '-', pad(d, 2), 'T', pad(h, 2), ':', pad(mi, 2), ':']
  parts.push(pad(s, 2))
  if (t.nanos !== 0) parts.push('.', pad(t.nanos, 9).replace(/0+$/, ''))
  if (t.offsetSeconds === 0) parts.push('Z')
  else {
    const abs = Math.abs(t.offsetSeconds)
    parts.push(t.offsetSeconds < 0 ? '-' : '+', pad(Math.floor(abs / 3600), 2), ':')
    parts.push(pad(Math.floor((abs % 3600) / 60), 2))
  }
  return parts.join('')
}

/** Orders two instants at nanosecond precision (offsets do not matter). */
export function compareGoTime(a: GoTime, b: GoTime): number {
  if (a.unixSeconds !== b.unixSeconds) return a.unixSeconds < b.unixSeconds ? -1 : 1
  return a.nanos === b.nanos ? 0 : a.nanos < b.nanos ? -1 : 1
}

/** A GoTime from a JS millisecond clock reading (for "now"), in UTC. */
export function goTimeFromEpochNanos(epochNanos: bigint): GoTime {
  const sec = epochNanos / 1_000_000_000n
  let nanos = epochNanos - sec * 1_000_000_000n
  let s = sec
  if (nanos < 0n) {
    nanos += 1_000_000_000n
    s -= 1n
  }
  return { unixSeconds: Number(s), nanos: Number(nanos), offsetSeconds: 0 }
}
