import type { Queryable } from '../store/db.js'

/** Which of `ids` share at least one conversation with `viewerId` (whose presence they may see). */
export async function filterCoMembers(q: Queryable, viewerId: string, ids: string[]): Promise<Set<string>> {
  const rows = await q.query<{ member_id: string }>(
    `SELECT DISTINCT o.member_id FROM members mine
       JOIN members o ON o.conversation_id = mine.conversation_id
      WHERE mine.member_id = $1 AND o.member_id = ANY($2::text[])`,
    [viewerId, ids],
  )
  return new Set(rows.map((r) => r.member_id))
}
