/**
 * What a search query asks for, from the user's text: words for full-text search (stemmed by
 * the configured language; the last word may also be the beginning of a word), and runs of
 * scripts written without spaces (Chinese, Japanese, Thai…) matched as substrings. User text
 * never reaches `to_tsquery` as syntax: each word is quoted as one operand, so `&`, `|`, `!`,
 * `:` or `(` in a query are text, never operators.
 */

/**
 * Characters of scripts written without spaces between words: CJK radicals and ideographs
 * (with their extensions and compatibility forms), hiragana, katakana (full and half width),
 * the Japanese iteration and prolonged-sound marks, Thai, Lao, Khmer and Myanmar. The same class
 * is the predicate of the trigram index (ensureSearchIndexes in search.sql.ts).
 */
export const UNSPACED_CLASS =
  '[\\u0E00-\\u0EFF\\u1000-\\u109F\\u1780-\\u17FF\\u2E80-\\u2FDF\\u3005-\\u3007\\u3021-\\u3029\\u3031-\\u3035\\u3040-\\u30FF' +
  '\\u31C0-\\u31FF\\u3400-\\u4DBF\\u4E00-\\u9FFF\\uF900-\\uFAFF\\uFF66-\\uFF9F\\U00020000-\\U0003FFFF]'

/** The same class for JavaScript (`u` flag). */
const UNSPACED_RUN = new RegExp(UNSPACED_CLASS.replace(/\\U000([0-9A-F]{5})/g, '\\u{$1}') + '+', 'gu')

/** Words shorter than this (in characters) match whole, never as a prefix: "a" or "de" would match much of the log. */
export const MIN_PREFIX_LENGTH = 3

/** Most words and substrings a query may hold; more is refused rather than silently cut. */
export const MAX_TERMS = 16

export interface ParsedQuery {
  /** The `to_tsquery` input of the words that match by stem only: quoted, joined by `&`; '' when none. */
  words: string
  /**
   * The last word, quoted, when it is long enough to be typed-so-far: it matches by stem, or as
   * the beginning of a word as typed (unstemmed); null otherwise (it is then among `words`).
   */
  prefix: string | null
  /** Substrings every match must contain (runs of unspaced scripts), longest first. */
  substrings: string[]
  /** How many words and substrings the query holds. */
  terms: number
}

/** Quotes one word as a `to_tsquery` operand: inside single quotes, `'` and `\` are escaped. */
function quoteOperand(word: string): string {
  return `'${word.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

/**
 * Splits the user's query. Words are what white space separates, with the unspaced runs taken
 * out (each of those is a substring of its own). A word of only punctuation is kept: the
 * language's parser drops it, like a stop word.
 */
export function parseQuery(text: string): ParsedQuery {
  const words: string[] = []
  const substrings: string[] = []
  for (const chunk of text.normalize('NFC').split(/\s+/u)) {
    if (!chunk) continue
    for (const run of chunk.match(UNSPACED_RUN) ?? []) substrings.push(run)
    // Control characters are never part of a word (a NUL cannot even reach PostgreSQL).
    for (const rest of chunk.replace(UNSPACED_RUN, ' ').replace(/\p{Cc}/gu, ' ').split(' ')) if (rest) words.push(rest)
  }
  const unique = [...new Set(substrings)].sort((a, b) => b.length - a.length)
  const last = words.length && [...words[words.length - 1]].length >= MIN_PREFIX_LENGTH ? words[words.length - 1] : null
  const exact = last === null ? words : words.slice(0, -1)
  return { words: exact.map(quoteOperand).join(' & '), prefix: last === null ? null : quoteOperand(last), substrings: unique, terms: words.length + unique.length }
}
