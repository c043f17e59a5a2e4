import { encodeCursor } from './cursor.js'

/**
 * A keyset page from `limit + 1` rows read in page order: the first `limit` as views, and a
 * cursor at the last of them when the extra row shows there is more.
 */
export function keysetPage<R, V>(rows: R[], limit: number, view: (r: R) => V, position: (last: R) => (string | number | undefined)[]) {
  const page = rows.slice(0, limit)
  const hasMore = rows.length > limit
  return {
    data: page.map(view),
    page: { hasMore, ...(hasMore ? { nextCursor: encodeCursor(position(page[page.length - 1])) } : {}) },
  }
}
