// prompt.txt: prompts joined by "\n\n---\n\n" (v1-format.md §4.5, checkpoint/prompts.go).
// Works on bytes: the file is raw bytes that need not be valid UTF-8.

export const PROMPT_SEPARATOR = Buffer.from('\n\n---\n\n')

/** Go's SplitPromptContent: nothing for empty content; trailing empty items dropped. */
export function splitPrompts(content: Buffer): Buffer[] {
  if (content.length === 0) return []
  const out: Buffer[] = []
  let start = 0
  for (;;) {
    const i = content.indexOf(PROMPT_SEPARATOR, start)
    if (i < 0) {
      out.push(content.subarray(start))
      break
    }
    out.push(content.subarray(start, i))
    start = i + PROMPT_SEPARATOR.length
  }
  while (out.length > 0 && out[out.length - 1].length === 0) out.pop()
  return out
}

/** Go's JoinPrompts. */
export function joinPrompts(prompts: readonly Buffer[]): Buffer {
  const parts: Buffer[] = []
  prompts.forEach((p, i) => {
    if (i) parts.push(PROMPT_SEPARATOR)
    parts.push(p)
  })
  return Buffer.concat(parts)
}
