#!/usr/bin/env node
// Generates src/formats/redact/rules.generated.ts (the betterleaks rule pack as data),
// src/formats/redact/assets.generated.ts (word list and cl100k_base BPE ranks, gzip+base64) and
// __tests__/fixtures/redact/upstream-examples.json (the rules' true/false positives) from an
// extracted betterleaks source tree at the version the reference pins.
//
// Usage: node scripts/gen-redact-rules.mjs <betterleaks-tree> <version> <commit>
//   e.g. git --git-dir <mirror> archive v1.2.0 | tar -x -C /tmp/bl
//        node scripts/gen-redact-rules.mjs /tmp/bl v1.2.0 296fee33358904c47d094fa6716347b223b2c13f
//        npx prettier --write src/formats/redact/*.generated.ts
//
// Inputs read: config/betterleaks.toml (the default config the detector embeds), LICENSE,
// words/words.txt.gz, detect/assets/cl100k_base.tiktoken.gz, cmd/generate/config/rules/*.go.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { anchorFor, translateRe2 } from './gen-redact-rules.re2.mjs'

const [upstream, version, commit] = process.argv.slice(2)
if (!upstream || !version || !commit) {
  console.error('usage: gen-redact-rules.mjs <betterleaks-tree> <version> <commit>')
  process.exit(2)
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outDir = path.join(root, 'src/formats/redact')
const fixturesDir = path.join(root, '__tests__/fixtures/redact')

// ---------------------------------------------------------------------------------------------
// TOML: the subset betterleaks.toml uses (tables of arrays, strings of all four kinds, ints,
// floats, booleans, arrays of those).

function parseToml(text) {
  const rootObj = {}
  let cur = rootObj
  let i = 0
  const ws = () => {
    for (;;) {
      while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++
      if (text[i] === '#') {
        while (i < text.length && text[i] !== '\n') i++
        continue
      }
      return
    }
  }
  const wsNl = () => {
    for (;;) {
      ws()
      if (text[i] === '\n') {
        i++
        continue
      }
      return
    }
  }
  function basicEscape() {
    const c = text[i++]
    const m = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' }
    if (c in m) return m[c]
    if (c === 'u' || c === 'U') {
      const n = c === 'u' ? 4 : 8
      const v = String.fromCodePoint(parseInt(text.slice(i, i + n), 16))
      i += n
      return v
    }
    throw new Error(`bad TOML escape \\${c}`)
  }
  function value() {
    if (text.startsWith("'''", i)) {
      i += 3
      if (text[i] === '\n') i++
      const end = text.indexOf("'''", i)
      const v = text.slice(i, end)
      i = end + 3
      return v
    }
    if (text.startsWith('"""', i)) {
      i += 3
      if (text[i] === '\n') i++
      let v = ''
      while (!text.startsWith('"""', i)) {
        if (text[i] === '\\') {
          i++
          if (text[i] === '\n') {
            while (/\s/.test(text[i])) i++
            continue
          }
          v += basicEscape()
        } else v += text[i++]
      }
      i += 3
      return v
    }
    if (text[i] === "'") {
      const end = text.indexOf("'", i + 1)
      const v = text.slice(i + 1, end)
      i = end + 1
      return v
    }
    if (text[i] === '"') {
      i++
      let v = ''
      while (text[i] !== '"') {
        if (text[i] === '\\') {
          i++
          v += basicEscape()
        } else v += text[i++]
      }
      i++
      return v
    }
    if (text[i] === '[') {
      i++
      const arr = []
      for (;;) {
        wsNl()
        if (text[i] === ']') {
          i++
          return arr
        }
        arr.push(value())
        wsNl()
        if (text[i] === ',') i++
      }
    }
    const m = /^(true|false|[+-]?\d+(\.\d+)?)/.exec(text.slice(i, i + 40))
    if (!m) throw new Error(`bad TOML value at ${i}: ${text.slice(i, i + 30)}`)
    i += m[0].length
    if (m[0] === 'true') return true
    if (m[0] === 'false') return false
    return Number(m[0])
  }
  while (i < text.length) {
    wsNl()
    if (i >= text.length) break
    if (text.startsWith('[[', i)) {
      const end = text.indexOf(']]', i)
      const keys = text
        .slice(i + 2, end)
        .trim()
        .split('.')
      i = end + 2
      let obj = rootObj
      for (let k = 0; k < keys.length - 1; k++) {
        const a = obj[keys[k]]
        obj = Array.isArray(a) ? a[a.length - 1] : a
      }
      const last = keys[keys.length - 1]
      obj[last] ??= []
      cur = {}
      obj[last].push(cur)
      continue
    }
    if (text[i] === '[') throw new Error('plain tables are not used by betterleaks.toml')
    const m = /^([A-Za-z0-9_-]+)\s*=\s*/.exec(text.slice(i, i + 100))
    if (!m) throw new Error(`bad TOML key at ${i}: ${text.slice(i, i + 30)}`)
    i += m[0].length
    cur[m[1]] = value()
  }
  return rootObj
}

// ---------------------------------------------------------------------------------------------
// CEL: the subset the pack's filters use. Output is a small AST the runtime evaluates:
//   {or:[..]} {and:[..]} {entropyLe:{target, max}} {matchesAny:{target, re}}
//   {containsAny:{target, terms}} {failsTokenEfficiency:{target}} {const: bool}
// target: {finding:'secret'|'match'|'line'} or {attr:'path', default:''}.

function tokenizeCel(src) {
  const toks = []
  let i = 0
  while (i < src.length) {
    const c = src[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (src.startsWith('r"""', i) || src.startsWith("r'''", i)) {
      const q = src.slice(i + 1, i + 4)
      const end = src.indexOf(q, i + 4)
      toks.push({ t: 'str', v: src.slice(i + 4, end) })
      i = end + 3
      continue
    }
    if ((c === 'r' || c === 'R') && (src[i + 1] === '"' || src[i + 1] === "'")) {
      const q = src[i + 1]
      const end = src.indexOf(q, i + 2)
      toks.push({ t: 'str', v: src.slice(i + 2, end) })
      i = end + 1
      continue
    }
    if (c === '"' || c === "'") {
      let j = i + 1
      let v = ''
      while (src[j] !== c) {
        if (src[j] === '\\') {
          const e = src[j + 1]
          const simple = {
            n: '\n',
            r: '\r',
            t: '\t',
            '\\': '\\',
            '"': '"',
            "'": "'",
            '`': '`',
            '?': '?',
            a: '\x07',
            b: '\b',
            f: '\f',
            v: '\v'
          }
          if (e in simple) {
            v += simple[e]
            j += 2
          } else if (e === 'x' || e === 'X') {
            v += String.fromCharCode(parseInt(src.slice(j + 2, j + 4), 16))
            j += 4
          } else if (e === 'u') {
            v += String.fromCodePoint(parseInt(src.slice(j + 2, j + 6), 16))
            j += 6
          } else if (e === 'U') {
            v += String.fromCodePoint(parseInt(src.slice(j + 2, j + 10), 16))
            j += 10
          } else throw new Error(`CEL escape \\${e}`)
        } else v += src[j++]
      }
      toks.push({ t: 'str', v })
      i = j + 1
      continue
    }
    const two = src.slice(i, i + 2)
    if (['||', '&&', '<=', '>=', '==', '!='].includes(two)) {
      toks.push({ t: two })
      i += 2
      continue
    }
    if ('()[],.?!<>'.includes(c)) {
      toks.push({ t: c })
      i++
      continue
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i))
    if (num) {
      toks.push({ t: 'num', v: Number(num[0]) })
      i += num[0].length
      continue
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))
    if (id) {
      toks.push({ t: 'id', v: id[0] })
      i += id[0].length
      continue
    }
    throw new Error(`CEL token at ${src.slice(i, i + 20)}`)
  }
  return toks
}

function parseCel(src, translateList) {
  const toks = tokenizeCel(src)
  let k = 0
  const peek = () => toks[k]
  const eat = (t) => {
    const tok = toks[k]
    if (!tok || tok.t !== t) throw new Error(`CEL: expected ${t} at token ${k} in ${src}`)
    k++
    return tok
  }
  function parseOr() {
    const parts = [parseAnd()]
    while (peek()?.t === '||') {
      k++
      parts.push(parseAnd())
    }
    return parts.length === 1 ? parts[0] : { or: parts }
  }
  function parseAnd() {
    const parts = [parseCmp()]
    while (peek()?.t === '&&') {
      k++
      parts.push(parseCmp())
    }
    return parts.length === 1 ? parts[0] : { and: parts }
  }
  function parseCmp() {
    const left = parsePrimary()
    if (peek()?.t === '<=') {
      k++
      const n = eat('num').v
      if (!left.entropy) throw new Error('CEL: <= only supported on entropy()')
      return { entropyLe: { target: left.entropy, max: n } }
    }
    return left
  }
  function parseTarget() {
    const id = eat('id').v
    if (id === 'finding') {
      eat('[')
      const key = eat('str').v
      eat(']')
      return { finding: key }
    }
    if (id === 'attributes') {
      eat('[')
      eat('?')
      const key = eat('str').v
      eat(']')
      eat('.')
      if (eat('id').v !== 'orValue') throw new Error('CEL: expected orValue')
      eat('(')
      const def = eat('str').v
      eat(')')
      return { attr: key, default: def }
    }
    throw new Error(`CEL: unknown target ${id}`)
  }
  function parseStrList() {
    eat('[')
    const items = []
    while (peek().t !== ']') {
      items.push(eat('str').v)
      if (peek().t === ',') k++
    }
    eat(']')
    return items
  }
  function parsePrimary() {
    const tok = peek()
    if (tok.t === '(') {
      k++
      const e = parseOr()
      eat(')')
      return e
    }
    const fn = eat('id').v
    eat('(')
    let node
    if (fn === 'entropy') node = { entropy: parseTarget() }
    else if (fn === 'failsTokenEfficiency')
      node = { failsTokenEfficiency: { target: parseTarget() } }
    else if (fn === 'matchesAny') {
      const target = parseTarget()
      eat(',')
      node = { matchesAny: { target, ...translateList(parseStrList()) } }
    } else if (fn === 'containsAny') {
      const target = parseTarget()
      eat(',')
      // containsAny lowercases the subject (Unicode) and matches the terms as given.
      node = { containsAny: { target, terms: parseStrList() } }
    } else throw new Error(`CEL: unsupported function ${fn}`)
    eat(')')
    return node
  }
  const e = parseOr()
  if (k !== toks.length) throw new Error(`CEL: trailing tokens in ${src}`)
  return e
}

// ---------------------------------------------------------------------------------------------
// Rule examples from cmd/generate/config/rules/*.go: only values the generator can evaluate
// without running Go (string literals, concatenations of them, GenerateSampleSecret(s) with
// literal arguments). Randomly generated samples (secrets.NewSecret) are counted as skipped.

function goSampleTemplates() {
  // Mirrors utils.GenerateSampleSecrets templates (values only; order irrelevant).
  return [
    '{i}Token="{s}"',
    '{i}Token = "{s}"',
    '{i}Token={s}',
    '{i}Token = {s}',
    '{\n    "{i}_token": "{s}"\n}',
    '{"config.ini": "{I}_TOKEN={s}\\nBACKUP_ENABLED=true"}',
    '<{i}Token>\n    {s}\n</{i}Token>',
    '{i}_token: {s}',
    "{i}_token: '{s}'",
    '{i}_token: "{s}"',
    'string {i}Token = "{s}";',
    'var {i}Token string = "{s}"',
    '{i}Token := "{s}"',
    '{i}Token := `{s}`',
    'String {i}Token = "{s}";',
    'var {i}Token = "{s}"',
    '${i}Token .= "{s}"',
    "{i}Token = '{s}'",
    '{i}Token = "{s}"',
    'System.setProperty("{I}_TOKEN", "{s}")',
    '  "{i}Token" => "{s}"',
    '{I}_TOKEN = "{s}"',
    '{I}_TOKEN := "{s}"',
    '{I}_TOKEN ::= "{s}"',
    '{I}_TOKEN :::= "{s}"',
    '{I}_TOKEN ?= "{s}"'
  ]
}

function fillTemplate(t, id, s) {
  return t.replace(/\{i\}|\{I\}|\{s\}/g, (m) =>
    m === '{i}' ? id : m === '{I}' ? id.toUpperCase() : s
  )
}

// Go expression evaluator for the subset above. Returns {values:[...]} or null.
function evalGoExpr(src) {
  let i = 0
  const skip = () => {
    for (;;) {
      while (i < src.length && /\s/.test(src[i])) i++
      if (src.startsWith('//', i)) {
        while (i < src.length && src[i] !== '\n') i++
        continue
      }
      return
    }
  }
  function str() {
    skip()
    if (src[i] === '`') {
      const end = src.indexOf('`', i + 1)
      const v = src.slice(i + 1, end)
      i = end + 1
      return v
    }
    if (src[i] === '"') {
      let j = i + 1
      let v = ''
      while (src[j] !== '"') {
        if (src[j] === '\\') {
          const e = src[j + 1]
          const simple = {
            n: '\n',
            r: '\r',
            t: '\t',
            '\\': '\\',
            '"': '"',
            "'": "'",
            a: '\x07',
            b: '\b',
            f: '\f',
            v: '\v'
          }
          if (e in simple) {
            v += simple[e]
            j += 2
          } else if (e === 'x') {
            v += String.fromCharCode(parseInt(src.slice(j + 2, j + 4), 16))
            j += 4
          } else if (e === 'u') {
            v += String.fromCodePoint(parseInt(src.slice(j + 2, j + 6), 16))
            j += 6
          } else return null
        } else v += src[j++]
      }
      i = j + 1
      return v
    }
    return null
  }
  function concat() {
    let v = str()
    if (v === null) return null
    for (;;) {
      skip()
      if (src[i] !== '+') return v
      i++
      const w = str()
      if (w === null) return null
      v += w
    }
  }
  function one() {
    skip()
    const call = /^utils\.(GenerateSampleSecrets?)\(/.exec(src.slice(i))
    if (call) {
      i += call[0].length
      const id = concat()
      skip()
      if (id === null || src[i] !== ',') return null
      i++
      const s = concat()
      skip()
      if (s === null || src[i] !== ')') return null
      i++
      if (call[1] === 'GenerateSampleSecret') return [`${id}_api_token = "${s}"`]
      return goSampleTemplates().map((t) => fillTemplate(t, id, s))
    }
    const v = concat()
    return v === null ? null : [v]
  }
  const v = one()
  skip()
  if (v === null || i !== src.length) return null
  return v
}

// Splits the body of a Go composite literal `{ a, b, c }` at top-level commas.
function splitTopLevel(body) {
  const parts = []
  let depth = 0
  let cur = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c === '`') {
      const end = body.indexOf('`', i + 1)
      cur += body.slice(i, end + 1)
      i = end
      continue
    }
    if (c === '"' || c === "'") {
      let j = i + 1
      while (body[j] !== c) j += body[j] === '\\' ? 2 : 1
      cur += body.slice(i, j + 1)
      i = j
      continue
    }
    if (body.startsWith('//', i)) {
      const end = body.indexOf('\n', i)
      i = end < 0 ? body.length : end
      continue
    }
    if ('([{'.includes(c)) depth++
    if (')]}'.includes(c)) depth--
    if (c === ',' && depth === 0) {
      parts.push(cur)
      cur = ''
      continue
    }
    cur += c
  }
  if (cur.trim()) parts.push(cur)
  return parts.map((p) => p.trim()).filter(Boolean)
}

// Finds the matching close brace/paren for the opener at `start`.
function matchClose(s, start) {
  const open = s[start]
  const close = open === '{' ? '}' : ')'
  let depth = 0
  for (let i = start; i < s.length; i++) {
    const c = s[i]
    if (c === '`') {
      i = s.indexOf('`', i + 1)
      if (i < 0) return -1
      continue
    }
    if (c === '"' || c === "'") {
      let j = i + 1
      while (s[j] !== c) j += s[j] === '\\' ? 2 : 1
      i = j
      continue
    }
    if (s.startsWith('//', i)) {
      i = s.indexOf('\n', i)
      if (i < 0) return -1
      continue
    }
    if (c === open) depth++
    if (c === close && --depth === 0) return i
  }
  return -1
}

function extractExamples(rulesDir) {
  const byRule = {}
  for (const file of fs
    .readdirSync(rulesDir)
    .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))) {
    const text = fs.readFileSync(path.join(rulesDir, file), 'utf8')
    const funcs = text.split(/\nfunc /).slice(1)
    for (const fn of funcs) {
      const ids = [...fn.matchAll(/RuleID:\s*"([^"]+)"/g)].map((m) => m[1])
      if (ids.length !== 1) continue
      // Rules validated with paths are inert without a path (DetectString has none).
      if (/ValidateWithPaths/.test(fn)) continue
      const ex = (byRule[ids[0]] ??= { tps: [], fps: [], skipped: 0 })
      const re =
        /\b(tps|fps)\s*(:?=)\s*(append\(\s*(tps|fps)\s*,|\[\]string\s*\{|utils\.GenerateSampleSecrets\()/g
      let m
      while ((m = re.exec(fn))) {
        const kind = m[1]
        const opener = m.index + m[0].length - 1 - (m[3].startsWith('append') ? m[3].length - 7 : 0)
        const close = matchClose(fn, opener)
        if (close < 0) continue
        re.lastIndex = close
        let elems
        if (m[3].startsWith('utils.GenerateSampleSecrets')) {
          elems = ['utils.GenerateSampleSecrets(' + fn.slice(opener + 1, close) + ')']
        } else if (m[3].startsWith('append')) {
          // append(tps, a, b...) : drop the first argument.
          elems = splitTopLevel(fn.slice(opener + 1, close)).slice(1)
          elems = elems.map((e) => e.replace(/\.\.\.$/, ''))
        } else elems = splitTopLevel(fn.slice(opener + 1, close))
        for (const e of elems) {
          const vals = evalGoExpr(e)
          if (vals) ex[kind].push(...vals)
          else ex.skipped++
        }
      }
    }
  }
  return byRule
}

// ---------------------------------------------------------------------------------------------

const tomlText = fs.readFileSync(path.join(upstream, 'config/betterleaks.toml'), 'utf8')
const cfg = parseToml(tomlText)

const untranslatable = []
function translateOrRecord(where, src) {
  try {
    return { source: translateRe2(src) }
  } catch (e) {
    untranslatable.push({ where, regex: src, reason: e.message })
    return { source: null }
  }
}
function translateList(where) {
  return (patterns) => {
    const joined = patterns.map((p) => `(?:${p})`).join('|')
    const t = translateOrRecord(where, joined)
    return { re: t.source, re2: patterns }
  }
}

// Mirrors config.TranslateLegacyFilters: rule filter = allowlist parts || entropy || user filter.
function ruleFilterSource(r) {
  const parts = []
  for (const a of r.allowlists ?? []) {
    const sub = []
    if (a.paths?.length) sub.push({ kind: 'paths', list: a.paths })
    if (a.regexes?.length)
      sub.push({ kind: 'regexes', list: a.regexes, target: a.regexTarget || 'secret' })
    if (a.stopwords?.length) sub.push({ kind: 'stopwords', list: a.stopwords })
    if (a.commits?.length) throw new Error(`${r.id}: commit allowlists are not supported`)
    const nodes = sub.map((s) => {
      if (s.kind === 'paths')
        return {
          matchesAny: { target: { attr: 'path', default: '' }, ...translateList(r.id)(s.list) }
        }
      if (s.kind === 'regexes')
        return { matchesAny: { target: { finding: s.target }, ...translateList(r.id)(s.list) } }
      return { containsAny: { target: { finding: 'secret' }, terms: s.list } }
    })
    if (!nodes.length) continue
    const cond = (a.condition || 'OR').toUpperCase()
    if (cond === 'AND') parts.push(nodes.length === 1 ? nodes[0] : { and: nodes })
    else parts.push(...nodes)
  }
  if (r.entropy) parts.push({ entropyLe: { target: { finding: 'secret' }, max: r.entropy } })
  if (r.tokenEfficiency) parts.push({ failsTokenEfficiency: { target: { finding: 'secret' } } })
  if (r.filter) parts.push(parseCel(r.filter, translateList(r.id)))
  if (!parts.length) return null
  return parts.length === 1 ? parts[0] : { or: parts }
}

const known = new Set([
  'id',
  'description',
  'regex',
  'keywords',
  'filter',
  'validate',
  'path',
  'secretGroup',
  'entropy',
  'skipReport',
  'required',
  'allowlists',
  'tokenEfficiency',
  'tags'
])
const rules = []
for (const r of cfg.rules) {
  for (const k of Object.keys(r))
    if (!known.has(k)) throw new Error(`${r.id}: unsupported key ${k}`)
  const regex = r.regex ? translateOrRecord(r.id, r.regex) : { source: null }
  rules.push({
    id: r.id,
    re2: r.regex ?? null,
    regex: regex.source,
    anchor: regex.source ? anchorFor(r.regex) : null,
    secretGroup: r.secretGroup ?? 0,
    keywords: [...new Set((r.keywords ?? []).map((k) => k.toLowerCase()))],
    path: r.path ?? null,
    skipReport: !!r.skipReport,
    required: (r.required ?? []).map((q) => ({
      id: q.id,
      withinLines: q.withinLines ?? null,
      withinColumns: q.withinColumns ?? null
    })),
    filter: ruleFilterSource(r)
  })
}
if (cfg.prefilter === undefined) throw new Error('expected a global prefilter')
const globalFilter = cfg.filter ? parseCel(cfg.filter, translateList('global filter')) : null

// The reference's own patterns (entireio/cli@afef3455:redact/redact.go), RE2 sources, translated
// with the same translator so that (?i), \b and \s keep Go's meaning.
const DB_KEY =
  '(?:db|database|pg|postgres|postgresql|mysql|mariadb|redis|mongo|mongodb|sqlserver|mssql|jdbc)(?:[_-]+[a-z0-9]+)*[_-]*(?:password|passwd|pwd)'
const REFERENCE_RE2 = {
  secret: '[A-Za-z0-9+_=-]{10,}',
  credentialedURI:
    '(?i)\\b[a-z][a-z0-9+.-]{1,31}://[^\\s/?#@"\'`<>:]*:[^\\s/?#@"\'`<>]+@[^\\s"\'`<>]+',
  jdbc: '(?i)\\bjdbc:[^\\s"\'<>`]+',
  databaseURL: '(?i)\\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|redis)://[^\\s"\'<>`]+',
  keywordDSN:
    '(?i)\\b[a-z_][a-z0-9_]*=(?:"[^"]*"|\'[^\']*\'|[^\\s"\']+)(?:\\s+[a-z_][a-z0-9_]*=(?:"[^"]*"|\'[^\']*\'|[^\\s"\']+)){2,}',
  semicolonConn:
    '(?i)\\b[a-z][a-z0-9 _-]*=(?:\\{[^}]*\\}|"[^"]*"|\'[^\']*\'|[^=;"\'\\s]+)(?:;[a-z][a-z0-9 _-]*=(?:\\{[^}]*\\}|"[^"]*"|\'[^\']*\'|[^=;"\'\\s]+)){2,}',
  credentialValue: '(?i)(?:^|[^A-Za-z0-9])(' + DB_KEY + ')\\s*=\\s*("[^"]*"|\'[^\']*\'|[^\\s,;&]+)',
  keywordHost: '(?i)(?:^|\\s)host=',
  keywordUser: '(?i)(?:^|\\s)user=',
  semicolonServer:
    '(?i)(?:^|;)\\s*(?:server|data source|datasource|addr|address|network address)\\s*=',
  semicolonUser: '(?i)(?:^|;)\\s*(?:user id|userid|user|uid)\\s*=',
  passwordAssignment: '(?i)(?:^|[?&;\\s])(?:password|pwd)=("[^"]*"|\'[^\']*\'|[^&;\\s"\']+)',
  bracketedPlaceholderInterior: '^[a-z][a-z_-]*$'
}
const referenceRegexes = {}
const referenceAnchors = {}
for (const [k, v] of Object.entries(REFERENCE_RE2)) {
  referenceRegexes[k] = translateRe2(v)
  referenceAnchors[k] = anchorFor(v)
}

const licence = fs.readFileSync(path.join(upstream, 'LICENSE'), 'utf8')
fs.writeFileSync(
  path.join(outDir, 'LICENSE-rules'),
  `The rule pack in rules.generated.ts and the word list in assets.generated.ts are derived from\n` +
    `betterleaks ${version} (https://github.com/betterleaks/betterleaks, commit ${commit}):\n` +
    `config/betterleaks.toml and words/words.txt.gz, under this licence:\n\n${licence}\n` +
    `The cl100k_base BPE ranks in assets.generated.ts come from the same tree\n` +
    `(detect/assets/cl100k_base.tiktoken.gz), published by OpenAI with tiktoken (MIT licence).\n`
)

const header =
  `// GENERATED by scripts/gen-redact-rules.mjs — do not edit.\n` +
  `// Source: github.com/betterleaks/betterleaks ${version} (commit ${commit}), the version\n` +
  `// entireio/cli@afef3455 pins in go.mod; config/betterleaks.toml. Licence: MIT, see LICENSE-rules.\n` +
  `// Regexes are translated from RE2 to JavaScript (flag 'u'); \`re2\` keeps the original.\n`

const pack = {
  upstream: { repo: 'github.com/betterleaks/betterleaks', version, commit, licence: 'MIT' },
  globalFilter,
  rules,
  untranslatable
}
fs.writeFileSync(
  path.join(outDir, 'rules.generated.ts'),
  header +
    `import type { RulePack } from './rule-types.js'\n` +
    `import type { Anchor } from './scan.js'\n\n` +
    `export const RULE_PACK: RulePack = ${JSON.stringify(pack, null, 1)}\n\n` +
    `/** The reference redactor's own patterns (redact.go), RE2 sources translated the same way. */\n` +
    `export const REFERENCE_REGEXES = ${JSON.stringify(referenceRegexes, null, 1)} as const\n\n` +
    `/** Anchors of the reference patterns (see scan.ts), null where none exists. */\n` +
    `export const REFERENCE_ANCHORS: Record<keyof typeof REFERENCE_REGEXES, Anchor | null> = ${JSON.stringify(referenceAnchors, null, 1)}\n`
)

const b64 = (f) => fs.readFileSync(path.join(upstream, f)).toString('base64')
fs.writeFileSync(
  path.join(outDir, 'assets.generated.ts'),
  `// GENERATED by scripts/gen-redact-rules.mjs — do not edit.\n` +
    `// Source: github.com/betterleaks/betterleaks ${version} (commit ${commit}); see LICENSE-rules.\n` +
    `// Both are gzip files, base64-encoded, decoded lazily on first use.\n\n` +
    `/** words/words.txt.gz: the dictionary used by the token-efficiency filter. */\n` +
    `export const WORDS_GZ_B64 = '${b64('words/words.txt.gz')}'\n\n` +
    `/** detect/assets/cl100k_base.tiktoken.gz: "<base64 token> <rank>" lines. */\n` +
    `export const CL100K_GZ_B64 = '${b64('detect/assets/cl100k_base.tiktoken.gz')}'\n`
)

const examples = extractExamples(path.join(upstream, 'cmd/generate/config/rules'))
fs.mkdirSync(fixturesDir, { recursive: true })
fs.writeFileSync(
  path.join(fixturesDir, 'upstream-examples.json'),
  JSON.stringify({ upstream: pack.upstream, examples }, null, 1) + '\n'
)

const nEx = Object.values(examples).reduce((a, e) => a + e.tps.length + e.fps.length, 0)
console.log(
  `anchored: ${rules.filter((r) => r.anchor).length} rules; reference: ${JSON.stringify(referenceAnchors)}`
)
for (const r of rules) if (r.regex && !r.anchor) console.log(`  no anchor: ${r.id}`)
console.log(
  `rules: ${rules.length} (${rules.filter((r) => r.re2 && r.regex).length} regexes translated, ` +
    `${untranslatable.length} untranslatable); examples: ${nEx} for ${Object.keys(examples).length} rules`
)
for (const u of untranslatable) console.log(`  untranslatable ${u.where}: ${u.reason}`)
