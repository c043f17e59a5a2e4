/**
 * A structural diff for test failures: every path where two JSON-like values differ, so a
 * failing verifyAction says `conversations.<id>.conversation.membership.unreadCount` rather
 * than dumping two whole states.
 */

export interface Difference {
  path: string
  expected: unknown
  actual: unknown
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Differences between `expected` and `actual`; at most `limit` of them, depth first. */
export function diff(expected: unknown, actual: unknown, path = '', out: Difference[] = [], limit = 20): Difference[] {
  if (out.length >= limit) return out
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length)
    for (let i = 0; i < n; i++) {
      if (i >= expected.length || i >= actual.length) {
        out.push({ path: `${path}[${i}]`, expected: expected[i], actual: actual[i] })
        continue
      }
      diff(expected[i], actual[i], `${path}[${i}]`, out, limit)
    }
    return out
  }
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()
    for (const k of keys) {
      const p = path ? `${path}.${k}` : k
      if (!(k in expected) || !(k in actual)) out.push({ path: p, expected: expected[k], actual: actual[k] })
      else diff(expected[k], actual[k], p, out, limit)
    }
    return out
  }
  if (!Object.is(expected, actual)) out.push({ path: path || '(root)', expected, actual })
  return out
}

const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v)?.slice(0, 300))

/** One line per difference. */
export function formatDiff(ds: Difference[], expectedLabel: string, actualLabel: string): string {
  return ds.map((d) => `  ${d.path}\n    ${expectedLabel}: ${show(d.expected)}\n    ${actualLabel}: ${show(d.actual)}`).join('\n')
}
