// Which checkpoint store is primary (git-refs-format.md §4): reading the effective value and the
// one requested change, `checkpoints.primary.type = "git-refs"` in `.entire/settings.json`, made as
// a text edit so every other byte of the file stays as it is (§9 item 12).

export type PrimaryStore = 'git-branch' | 'git-refs'

export interface PrimaryResolution {
  primary: PrimaryStore
  /** Where the effective value comes from. */
  source: 'env' | 'settings.local.json' | 'settings.json' | 'default'
  /** Things that would hide a flip written to settings.json. */
  overrides: string[]
  /** A present but invalid block (an error upstream); reported, treated as git-branch. */
  problems: string[]
}

function blockOf(text: string | null): { present: boolean; type?: string; problem?: string } {
  if (text === null) return { present: false }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return { present: false } // unparsable file → git-branch (§4 defaults)
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { present: false }
  if (!Object.prototype.hasOwnProperty.call(doc, 'checkpoints')) return { present: false }
  const cp = (doc as Record<string, unknown>).checkpoints
  const primary = cp && typeof cp === 'object' ? (cp as Record<string, unknown>).primary : undefined
  const type =
    primary && typeof primary === 'object' ? (primary as Record<string, unknown>).type : undefined
  if (type !== 'git-branch' && type !== 'git-refs') {
    return {
      present: true,
      problem: `checkpoints.primary.type is ${JSON.stringify(type)} (expected "git-branch" or "git-refs")`
    }
  }
  return { present: true, type }
}

/** The effective primary store from the environment value and the two files' texts (null = absent). */
export function resolvePrimary(
  envPrimary: string | undefined,
  settingsJson: string | null,
  settingsLocalJson: string | null
): PrimaryResolution {
  const overrides: string[] = []
  const problems: string[] = []
  const local = blockOf(settingsLocalJson)
  const shared = blockOf(settingsJson)
  if (local.present)
    overrides.push(
      '.entire/settings.local.json has its own "checkpoints" block (it replaces the one in settings.json)'
    )
  if (envPrimary)
    overrides.push(
      `ENTIRE_CHECKPOINTS_PRIMARY=${envPrimary} is set (it replaces both settings files)`
    )
  if (envPrimary) {
    const p = envPrimary.trim()
    if (p === 'git-refs' || p === 'git-branch')
      return { primary: p, source: 'env', overrides, problems }
    problems.push(
      `ENTIRE_CHECKPOINTS_PRIMARY=${JSON.stringify(envPrimary)} is not git-branch or git-refs`
    )
    return { primary: 'git-branch', source: 'env', overrides, problems }
  }
  const eff = local.present ? local : shared
  const source = local.present
    ? 'settings.local.json'
    : shared.present
      ? 'settings.json'
      : 'default'
  if (eff.problem) problems.push(`${source}: ${eff.problem}`)
  return {
    primary: eff.type === 'git-refs' ? 'git-refs' : 'git-branch',
    source,
    overrides,
    problems
  }
}

// ---------------------------------------------------------------------------------------------
// Text edit of the top-level "checkpoints" member

interface Span {
  start: number
  end: number
}

class Scanner {
  i = 0
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i])) this.i++
  }
  str(): string {
    const start = this.i
    this.i++
    while (this.i < this.s.length && this.s[this.i] !== '"')
      this.i += this.s[this.i] === '\\' ? 2 : 1
    this.i++
    return JSON.parse(this.s.slice(start, this.i)) as string
  }
  skipValue(): void {
    this.ws()
    const c = this.s[this.i]
    if (c === '"') {
      this.str()
      return
    }
    if (c === '{' || c === '[') {
      let depth = 0
      while (this.i < this.s.length) {
        const d = this.s[this.i]
        if (d === '"') {
          this.str()
          continue
        }
        if (d === '{' || d === '[') depth++
        if (d === '}' || d === ']') depth--
        this.i++
        if (depth === 0) return
      }
      throw new Error('unterminated value')
    }
    while (this.i < this.s.length && !',}] \t\r\n'.includes(this.s[this.i])) this.i++
  }
}

/** Span of the value of the top-level key `key`, the position of the closing brace, and member count. */
function topLevel(
  text: string,
  key: string
): { value: Span | null; close: number; members: number; lastEnd: number } {
  const sc = new Scanner(text)
  sc.ws()
  if (text[sc.i] !== '{') throw new Error('the top level is not an object')
  sc.i++
  let value: Span | null = null
  let members = 0
  let lastEnd = sc.i
  for (;;) {
    sc.ws()
    if (text[sc.i] === '}') return { value, close: sc.i, members, lastEnd }
    if (text[sc.i] === ',') {
      sc.i++
      continue
    }
    const k = sc.str()
    sc.ws()
    sc.i++ // ':'
    sc.ws()
    const start = sc.i
    sc.skipValue()
    if (k === key) value = { start, end: sc.i }
    members++
    lastEnd = sc.i
  }
}

/**
 * `.entire/settings.json` text with `checkpoints.primary.type` set to "git-refs", keeping every other
 * byte: the existing checkpoints block (mirrors, config) is kept with only primary replaced; a
 * missing block is appended as the last member. `null` input = no file yet.
 */
export function withPrimaryGitRefs(text: string | null): string {
  if (text === null || text.trim() === '') {
    return '{\n  "checkpoints": {\n    "primary": {\n      "type": "git-refs"\n    }\n  }\n}\n'
  }
  JSON.parse(text) // refuse to edit a file that is not JSON
  const t = topLevel(text, 'checkpoints')
  if (t.value) {
    const current = JSON.parse(text.slice(t.value.start, t.value.end)) as unknown
    const block =
      current && typeof current === 'object' && !Array.isArray(current)
        ? { ...(current as Record<string, unknown>) }
        : {}
    const primary =
      block.primary && typeof block.primary === 'object'
        ? { ...(block.primary as Record<string, unknown>) }
        : {}
    primary.type = 'git-refs'
    block.primary = primary
    const indent = '  '
    const rendered = JSON.stringify(block, null, 2).replace(/\n/g, '\n' + indent)
    return text.slice(0, t.value.start) + rendered + text.slice(t.value.end)
  }
  const member = '"checkpoints": {\n    "primary": {\n      "type": "git-refs"\n    }\n  }'
  if (t.members === 0) return text.slice(0, t.close) + '\n  ' + member + '\n' + text.slice(t.close)
  return text.slice(0, t.lastEnd) + ',\n  ' + member + text.slice(t.lastEnd)
}
