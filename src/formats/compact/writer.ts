// Output lines (compact-transcript.md §2): a record object with the key order v, agent,
// cli_version, type, ts, id, input_tokens, output_tokens, content, then '\n'.
import { Out, compareUtf8, encodeString, encodedString, transcodeBody } from './json.js'

/** A text to write: a JS string, or the body (between the quotes) of a JSON string in b. */
export type Text = string | { b: Buffer; s: number; e: number }

export function writeText(o: Out, t: Text): void {
  if (typeof t === 'string') encodeString(o, t)
  else transcodeBody(o, t.b, t.s, t.e)
}

export function isEmptyText(t: Text): boolean {
  return typeof t === 'string' ? t === '' : t.s >= t.e
}

export type Tokens = number | bigint

/** A table object: key → compacted value bytes, written with keys in UTF-8 order (§3.4). */
export type Table = Map<string, Uint8Array>

export const NULL_BYTES: Buffer = Buffer.from('null')

const keyCache = new Map<string, Buffer>()
function encodedKey(k: string): Buffer {
  let b = keyCache.get(k)
  if (b === undefined) {
    b = encodedString(k)
    if (keyCache.size < 4096) keyCache.set(k, b)
  }
  return b
}

export function writeTable(o: Out, t: Table): void {
  const keys = [...t.keys()]
  if (keys.length > 1) keys.sort(compareUtf8)
  o.byte(0x7b)
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) o.byte(0x2c)
    o.bytes(encodedKey(keys[i]))
    o.byte(0x3a)
    o.bytes(t.get(keys[i])!)
  }
  o.byte(0x7d)
}

/** A table as bytes. */
export function tableBytes(t: Table): Buffer {
  const o = new Out(256)
  writeTable(o, t)
  return o.take()
}

export const TYPE_TEXT: Buffer = Buffer.from('"text"')
export const TYPE_TOOL_USE: Buffer = Buffer.from('"tool_use"')

/** The tool result record {"output","status","file"?,"matchCount"?} (§2.4). */
export function toolResultBytes(
  output: Text,
  isError: boolean,
  file?: { filePath: string; numLines: Tokens },
  matchCount: Tokens = 0
): Buffer {
  const o = new Out((typeof output === 'string' ? output.length : output.e - output.s) + 64)
  o.ascii('{"output":')
  writeText(o, output)
  o.ascii(isError ? ',"status":"error"' : ',"status":"success"')
  if (file !== undefined) {
    o.ascii(',"file":{"filePath":')
    encodeString(o, file.filePath)
    if (file.numLines !== 0 && file.numLines !== 0n) o.ascii(',"numLines":' + String(file.numLines))
    o.byte(0x7d)
  }
  if (matchCount !== 0 && matchCount !== 0n) o.ascii(',"matchCount":' + String(matchCount))
  o.byte(0x7d)
  return o.view()
}

/** Writes output lines; with `counting` it only counts them. */
export class LineWriter {
  readonly out: Out
  lines = 0
  /** The bytes every line starts with (agent and CLI version). */
  readonly prefix: Buffer
  constructor(
    agent: string,
    cliVersion: string,
    readonly counting = false
  ) {
    const o = new Out(128)
    o.ascii('{"v":1,"agent":')
    encodeString(o, agent)
    o.ascii(',"cli_version":')
    encodeString(o, cliVersion)
    o.ascii(',"type":')
    this.prefix = o.take()
    this.out = new Out(counting ? 16 : 1 << 16)
  }

  /** Starts a line up to (excluding) "content"; the caller writes the content then calls end(). */
  begin(
    type: 'user' | 'assistant',
    ts: Uint8Array | undefined,
    id = '',
    inTok: Tokens = 0,
    outTok: Tokens = 0
  ): void {
    const o = this.out
    o.bytes(this.prefix)
    o.ascii(type === 'user' ? '"user"' : '"assistant"')
    if (ts !== undefined) {
      o.ascii(',"ts":')
      o.bytes(ts)
    }
    if (id !== '') {
      o.ascii(',"id":')
      encodeString(o, id)
    }
    if (inTok !== 0 && inTok !== 0n) o.ascii(',"input_tokens":' + String(inTok))
    if (outTok !== 0 && outTok !== 0n) o.ascii(',"output_tokens":' + String(outTok))
    o.ascii(',"content":')
  }

  end(): void {
    this.out.ascii('}\n')
    this.lines++
  }
}
