// Small pure HTML helpers for the job summary. core.summary escapes nothing, so every value that
// comes from data goes through escapeHtml here; the shapes match what core.summary's builders emit.

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** A table cell: plain text (escaped), or pre-rendered HTML, optionally right-aligned or a header. */
export type Cell =
  | string
  | number
  | { text?: string; html?: string; header?: boolean; right?: boolean; colspan?: number }

function cellHtml(c: Cell): string {
  if (typeof c === 'number') return `<td align="right">${escapeHtml(String(c))}</td>`
  if (typeof c === 'string') return `<td>${escapeHtml(c)}</td>`
  const tag = c.header ? 'th' : 'td'
  const attrs =
    (c.right ? ' align="right"' : '') +
    (c.colspan && c.colspan > 1 ? ` colspan="${c.colspan}"` : '')
  const body = c.html ?? escapeHtml(c.text ?? '')
  return `<${tag}${attrs}>${body}</${tag}>`
}

/** `<table>` with one header row (strings are escaped) and body rows. */
export function table(header: string[], rows: Cell[][]): string {
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`
  const body = rows.map((r) => `<tr>${r.map(cellHtml).join('')}</tr>`).join('\n')
  return `<table>\n${head}\n${body}${body ? '\n' : ''}</table>`
}

/** `<details>`; the label is escaped, the body is HTML. */
export function details(label: string, bodyHtml: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${escapeHtml(label)}</summary>\n\n${bodyHtml}\n\n</details>`
}

export function code(text: string): string {
  return `<code>${escapeHtml(text)}</code>`
}

export function codeBlock(text: string, lang = 'text'): string {
  return `<pre lang="${escapeHtml(lang)}"><code>${escapeHtml(text)}</code></pre>`
}

/** Seconds with one decimal, e.g. 1234 → "1.2 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

/** Megabytes (10^6) with one decimal, two below 0.1 MB so small runs do not read as zero. */
export function megabytes(bytes: number): string {
  const mb = bytes / 1e6
  return `${mb >= 0.1 || mb === 0 ? mb.toFixed(1) : mb.toFixed(2)} MB`
}

export function percent(part: number, whole: number): string {
  if (whole <= 0) return '–'
  return `${((100 * part) / whole).toFixed(1)} %`
}

export function shortId(oid: string | null | undefined, len = 12): string {
  return oid ? oid.slice(0, len) : '(none)'
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
