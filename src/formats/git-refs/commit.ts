// Commit message, identity and date of a conversion commit (git-refs-format.md §2.2–§2.4, §10 item 3).
import type { Signature } from './objects.js'

/** The conversion commit message, exact, without a trailing newline (§2.3, §9 item 6). */
export function importMessage(id: string): string {
  return `Import checkpoint ${id} (migrated from git-branch)`
}

export interface Identity {
  name: string
  email: string
}

/** GetGitAuthorFromRepo's defaults when neither repository nor global config names the user. */
export const DEFAULT_IDENTITY: Identity = { name: 'Unknown', email: 'unknown@local' }

/** A config value as `git config --show-scope` reports it. */
export interface ScopedConfigValue {
  scope: string
  key: string
  value: string
}

/**
 * The identity upstream resolves: repository config over global config, each field separately,
 * then the defaults. System, worktree-less command-line and environment config do not count.
 * Explicit inputs win over all of it.
 */
export function resolveIdentity(
  config: ScopedConfigValue[],
  explicit: Partial<Identity> = {}
): Identity {
  const pick = (key: string): string => {
    for (const scope of ['local', 'global']) {
      // git lists values in file order; the last one of a scope is the effective one.
      const values = config.filter((c) => c.scope === scope && c.key.toLowerCase() === key)
      const v = values.length ? values[values.length - 1].value : ''
      if (v) return v
    }
    return ''
  }
  return {
    name: explicit.name || pick('user.name') || DEFAULT_IDENTITY.name,
    email: explicit.email || pick('user.email') || DEFAULT_IDENTITY.email
  }
}

/** Parse `git config --show-scope --get-regexp` output (`<scope>\t<key> <value>` lines). */
export function parseScopedConfig(text: string): ScopedConfigValue[] {
  const out: ScopedConfigValue[] = []
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t')
    if (tab < 0) continue
    const rest = line.slice(tab + 1)
    const sp = rest.indexOf(' ')
    out.push({
      scope: line.slice(0, tab),
      key: sp < 0 ? rest : rest.slice(0, sp),
      value: sp < 0 ? '' : rest.slice(sp + 1)
    })
  }
  return out
}

export class DateInputError extends Error {
  constructor(readonly input: string) {
    super(
      `invalid date ${JSON.stringify(input)}: expected "<unix seconds> <+hhmm|-hhmm>", "<unix seconds>" (UTC) or an ISO 8601 time with an offset such as 2026-07-02T09:46:40+02:00`
    )
    this.name = 'DateInputError'
  }
}

/** A fixed commit time: seconds since the epoch and the zone offset written next to it. */
export interface FixedDate {
  seconds: number
  offset: string
}

function offsetFromMinutes(min: number): string {
  const sign = min < 0 ? '-' : '+'
  const a = Math.abs(min)
  return `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`
}

/** Parse the `date` input (§10 item 3). */
export function parseDateInput(input: string): FixedDate {
  const s = input.trim()
  let m = /^@?(\d{1,12})(?:\s+([+-])(\d{2})(\d{2}))?$/.exec(s)
  if (m) {
    const offset = m[2] ? `${m[2]}${m[3]}${m[4]}` : '+0000'
    if (m[3] && (Number(m[3]) > 99 || Number(m[4]) > 59)) throw new DateInputError(input)
    return { seconds: Number(m[1]), offset }
  }
  m = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(Z|[+-]\d{2}:?\d{2})$/.exec(s)
  if (m) {
    const zone = m[2] === 'Z' ? '+00:00' : m[2].replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2')
    const ms = Date.parse(`${m[1].replace(' ', 'T')}${zone}`)
    if (Number.isNaN(ms)) throw new DateInputError(input)
    return { seconds: Math.floor(ms / 1000), offset: zone.replace(':', '') }
  }
  throw new DateInputError(input)
}

/** Now, in the process's local zone: what Go's time.Now() gives each CreateCommit call. */
export function nowDate(clock: () => number = Date.now): FixedDate {
  const ms = clock()
  return {
    seconds: Math.floor(ms / 1000),
    offset: offsetFromMinutes(-new Date(ms).getTimezoneOffset())
  }
}

/** The signature of one conversion commit: fixed date when given, else the clock at this commit. */
export function signatureFor(
  identity: Identity,
  date: FixedDate | null,
  clock: () => number = Date.now
): Signature {
  const d = date ?? nowDate(clock)
  return { name: identity.name, email: identity.email, seconds: d.seconds, offset: d.offset }
}

/** Identity values git would refuse or mangle in a header (`<`, `>`, newline). */
export function checkIdentity(identity: Identity): void {
  for (const [field, v] of [
    ['author-name', identity.name],
    ['author-email', identity.email]
  ] as const) {
    if (/[<>\n\r\0]/.test(v)) {
      throw new Error(
        `invalid ${field} ${JSON.stringify(v)}: must not contain '<', '>', NUL or a line break`
      )
    }
  }
}
