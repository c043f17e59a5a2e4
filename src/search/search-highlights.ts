/**
 * Highlights: short plain-text snippets of a match's content with every match wrapped in
 * `«` and `»` (docs/api.md "Search"). Plain text on purpose: a client that never renders HTML
 * shows them as they are, and one that does must escape them like any other text.
 * Words are marked by PostgreSQL's `ts_headline` (it knows the stems); substrings of unspaced
 * scripts are marked here.
 */

export const MARK_START = '«'
export const MARK_END = '»'
/** Separates `ts_headline` fragments; taken out of the content before, so it never appears in it. */
export const FRAGMENT_SEPARATOR = '\u001f'

/** Most snippets per message. */
const MAX_SNIPPETS = 3
/** Characters of context on each side of a substring match. */
const CONTEXT = 24

/** `ts_headline` options: up to three fragments of 8–24 words, separated by FRAGMENT_SEPARATOR. */
export const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, MinWords=8, MaxWords=24, ShortWord=2, MaxFragments=${MAX_SNIPPETS}, FragmentDelimiter=${FRAGMENT_SEPARATOR}`

/**
 * The highlights of one message: `ts_headline`'s fragments (when the query has words) with the
 * substrings marked in them, plus a snippet around the first occurrence of each substring that
 * no fragment shows.
 */
export function highlightsOf(content: string, headline: string | null, substrings: string[]): string[] {
  const snippets = headline === null ? [] : headline.split(FRAGMENT_SEPARATOR).map((s) => s.trim()).filter(Boolean)
  const marked = snippets.map((s) => markSubstrings(s, substrings))
  const missing = substrings.filter((sub) => !snippets.some((s) => s.includes(sub)))
  for (const window of windowsAround(content, missing)) {
    if (marked.length >= MAX_SNIPPETS) break
    marked.push(markSubstrings(window, substrings))
  }
  return marked
}

/** Wraps each occurrence of the substrings (longest first) in marks, never inside a marked span. */
export function markSubstrings(text: string, substrings: string[]): string {
  if (!substrings.length) return text
  const chars = [...text]
  const taken = new Array<boolean>(chars.length).fill(false)
  // Already marked (by ts_headline) spans are off limits.
  let depth = 0
  chars.forEach((c, i) => {
    if (c === MARK_START) depth++
    if (depth > 0) taken[i] = true
    if (c === MARK_END && depth > 0) depth--
  })
  const starts = new Map<number, number>()
  for (const sub of [...substrings].sort((a, b) => b.length - a.length)) {
    const s = [...sub]
    for (let i = 0; i + s.length <= chars.length; i++) {
      let hit = true
      for (let k = 0; k < s.length && hit; k++) hit = !taken[i + k] && chars[i + k] === s[k]
      if (!hit) continue
      for (let k = 0; k < s.length; k++) taken[i + k] = true
      starts.set(i, s.length)
      i += s.length - 1
    }
  }
  let out = ''
  for (let i = 0; i < chars.length; i++) {
    const len = starts.get(i)
    if (len === undefined) {
      out += chars[i]
      continue
    }
    out += MARK_START + chars.slice(i, i + len).join('') + MARK_END
    i += len - 1
  }
  return out
}

/** A window of context around the first occurrence of each substring, overlapping windows merged. */
function windowsAround(content: string, substrings: string[]): string[] {
  const chars = [...content]
  const ranges: [number, number][] = []
  for (const sub of substrings) {
    const s = [...sub]
    const at = indexOfChars(chars, s)
    if (at < 0) continue
    ranges.push([Math.max(0, at - CONTEXT), Math.min(chars.length, at + s.length + CONTEXT)])
  }
  ranges.sort((a, b) => a[0] - b[0])
  const merged: [number, number][] = []
  for (const r of ranges) {
    const last = merged[merged.length - 1]
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1])
    else merged.push([...r])
  }
  return merged.map(([a, b]) => (a > 0 ? '…' : '') + chars.slice(a, b).join('').trim() + (b < chars.length ? '…' : ''))
}

function indexOfChars(chars: string[], sub: string[]): number {
  outer: for (let i = 0; i + sub.length <= chars.length; i++) {
    for (let k = 0; k < sub.length; k++) if (chars[i + k] !== sub[k]) continue outer
    return i
  }
  return -1
}
