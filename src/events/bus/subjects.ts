/**
 * Subject rules shared by every Bus implementation, so that a subject the in-memory bus
 * accepts is one NATS accepts, and a pattern matches the same subjects on both.
 *
 * A subject is one or more dot-separated tokens: `conv.c_123`, `presence.u_9`. A token is
 * non-empty and holds no whitespace. In a subscription a token may be a wildcard, exactly as
 * in NATS:
 *
 * - `*` matches exactly one token: `conv.*` matches `conv.a`, not `conv` nor `conv.a.b`.
 * - `>` matches one or more tokens and must be the last token: `conv.>` matches `conv.a`
 *   and `conv.a.b`, not `conv`.
 *
 * Published subjects hold no wildcard. A token that merely contains `*` or `>` (`a*b`) is
 * refused everywhere: NATS would take it literally, which is never what was meant.
 */

const WHITESPACE = /\s/

/** Why `subject` is not a valid subject (pattern when `pattern`), or undefined when it is. */
export function subjectProblem(subject: string, pattern: boolean): string | undefined {
  if (typeof subject !== 'string' || subject === '') return 'is empty'
  if (WHITESPACE.test(subject)) return 'contains whitespace'
  const tokens = subject.split('.')
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (t === '') return 'has an empty token'
    if (t === '*' || t === '>') {
      if (!pattern) return `has the wildcard ${t} (publish to a literal subject)`
      if (t === '>' && i !== tokens.length - 1) return 'has > before its last token'
    } else if (t.includes('*') || t.includes('>')) return `has a token ${JSON.stringify(t)} that mixes a wildcard with text`
  }
  return undefined
}

/** Throws a TypeError for a subject (or subscription pattern) that breaks the rules above. */
export function checkSubject(subject: string, pattern: boolean): void {
  const problem = subjectProblem(subject, pattern)
  if (problem) throw new TypeError(`bus subject ${JSON.stringify(subject)} ${problem}`)
}

/** True for a subscription pattern holding `*` or `>`. Precondition: `checkSubject(pattern, true)`. */
export function hasWildcard(pattern: string): boolean {
  // Validated tokens hold `*` or `>` only as whole tokens.
  return pattern.includes('*') || pattern.includes('>')
}

/**
 * Whether the literal `subject` matches `pattern` under NATS rules. Preconditions: both
 * passed `checkSubject` (subject as literal, pattern as pattern).
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.')
  const s = subject.split('.')
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i
    if (i >= s.length) return false
    if (p[i] !== '*' && p[i] !== s[i]) return false
  }
  return p.length === s.length
}

/**
 * Normalises a subject prefix: '' stays '' (no prefix); otherwise it must be literal tokens
 * and gets a trailing dot (`parley` → `parley.`).
 */
export function normalizePrefix(prefix: string): string {
  if (prefix === '') return ''
  const bare = prefix.endsWith('.') ? prefix.slice(0, -1) : prefix
  checkSubject(bare, false)
  return bare + '.'
}

const SAFE_TOKEN = /^[A-Za-z0-9_-]+$/

/**
 * Turns any id into one subject token. Ids made of `A-Z a-z 0-9 _ -` (UUIDs, our own ids)
 * pass unchanged; anything else (an app's user id may hold `.`, `*`, spaces, …) becomes `~`
 * and its UTF-8 in base64url. `~` never starts a passed-through id, so distinct ids give
 * distinct tokens.
 *
 * @example subjectToken('0190f…-7a1b') === '0190f…-7a1b'; subjectToken('ann.lee') === '~YW5uLmxlZQ'
 */
export function subjectToken(id: string): string {
  return SAFE_TOKEN.test(id) ? id : '~' + Buffer.from(id, 'utf8').toString('base64url')
}
