#!/usr/bin/env node
// Transcribes the reference's redact.String test cases (entireio/cli@afef3455:redact/redact_test.go)
// into __tests__/fixtures/redact/reference-string-cases.json: {name, input, want} for exact cases,
// {name, input, contains} for "REDACTED somewhere" cases, and idempotence inputs.
//
// Usage: git --git-dir <cli mirror> show afef3455:redact/redact_test.go > /tmp/redact_test.go
//        node scripts/gen-redact-rules.golden.mjs /tmp/redact_test.go

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const src = fs.readFileSync(process.argv[2], 'utf8')
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// Constants of the test file the cases refer to.
const consts = {}
function goString(s, i) {
  if (s[i] === '`') {
    const end = s.indexOf('`', i + 1)
    return [s.slice(i + 1, end), end + 1]
  }
  if (s[i] !== '"') return null
  let j = i + 1
  let v = ''
  while (s[j] !== '"') {
    if (s[j] === '\\') {
      const e = s[j + 1]
      const m = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"' }
      if (e in m) {
        v += m[e]
        j += 2
        continue
      }
      if (e === 'x') {
        v += String.fromCharCode(parseInt(s.slice(j + 2, j + 4), 16))
        j += 4
        continue
      }
      throw new Error('escape ' + e)
    }
    v += s[j++]
  }
  return [v, j + 1]
}
// expr := term ('+' term)* ; term := string | identifier
function goExpr(s, i) {
  let v = ''
  for (;;) {
    while (/[ \t\n]/.test(s[i])) i++
    const str = goString(s, i)
    if (str) {
      v += str[0]
      i = str[1]
    } else {
      const id = /^[A-Za-z_]\w*/.exec(s.slice(i))
      if (!id || !(id[0] in consts)) return null
      v += consts[id[0]]
      i += id[0].length
    }
    const rest = /^[ \t]*\+[ \t\n]*/.exec(s.slice(i))
    if (!rest) return [v, i]
    i += rest[0].length
  }
}

consts.highEntropySecret = goExpr(src, src.indexOf('"', src.indexOf('const highEntropySecret')))[0]
const keyPayload = goString(src, src.indexOf('`', src.indexOf('var fakeOpenSSHPrivateKey')))[0]
const marker = (k) => '-----' + k + ' OPENSSH PRIVATE KEY-----'
consts.fakeOpenSSHPrivateKey = [marker('BEGIN'), keyPayload, marker('END')].join('\n')

const cases = []
const funcs = src.split(/\nfunc /).slice(1)
for (const fn of funcs) {
  const name = /^(\w+)/.exec(fn)[1]
  if (!name.startsWith('TestString_')) continue
  // {name: ..., input: ..., want: ...} struct literals.
  const re = /name:\s*/g
  let m
  while ((m = re.exec(fn))) {
    const n = goExpr(fn, m.index + m[0].length)
    if (!n) continue
    const inputAt = fn.indexOf('input:', n[1])
    const nextName = fn.indexOf('name:', n[1])
    if (inputAt < 0 || (nextName >= 0 && inputAt > nextName)) continue
    const input = goExpr(fn, inputAt + 6)
    const wantAt = fn.indexOf('want:', input[1])
    const closeAt = fn.indexOf('},', input[1])
    if (wantAt >= 0 && (closeAt < 0 || wantAt < closeAt)) {
      const want = goExpr(fn, wantAt + 5)
      cases.push({ test: name, name: n[0], input: input[0], want: want[0] })
    } else {
      cases.push({ test: name, name: n[0], input: input[0], contains: 'REDACTED' })
    }
  }
  // input := ... ; want := ... single-case tests.
  const single = /input := (?!range)/.exec(fn)
  if (single && !/name:/.test(fn)) {
    const input = goExpr(fn, single.index + single[0].length)
    const w = /want := /.exec(fn)
    cases.push({ test: name, name, input: input[0], want: goExpr(fn, w.index + w[0].length)[0] })
  }
}
const idem = []
const idemFn = funcs.find((f) => f.startsWith('TestString_RedactionIsIdempotent'))
const body = idemFn.slice(idemFn.indexOf('inputs := []string{') + 19, idemFn.indexOf('\n\t}\n'))
for (const line of body
  .split('\n')
  .map((l) => l.trim().replace(/,$/, ''))
  .filter(Boolean)) {
  idem.push(goExpr(line, 0)[0])
}
const out = path.join(root, '__tests__/fixtures/redact/reference-string-cases.json')
fs.writeFileSync(
  out,
  JSON.stringify(
    { source: 'entireio/cli@afef3455:redact/redact_test.go', cases, idempotent: idem },
    null,
    1
  ) + '\n'
)
console.log(`${cases.length} cases, ${idem.length} idempotence inputs`)
