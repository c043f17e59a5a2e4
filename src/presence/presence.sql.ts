import type { Queryable } from '../store/db.js'

/**
 * Which of `ids` share a dm or a group with `viewerId` (whose presence they may see). Channels
 * do not count: a 10,000-subscriber channel is not a circle whose presence everyone follows.
 */
export async function filterCoMembers(q: Queryable, viewerId: string, ids: string[]): Promise<Set<string>> {
  const rows = await q.query<{ member_id: string }>(
    `SELECT DISTINCT o.member_id FROM members mine
       JOIN conversations c ON c.id = mine.conversation_id AND c.type IN ('dm', 'group')
       JOIN members o ON o.conversation_id = mine.conversation_id
      WHERE mine.member_id = $1 AND o.member_id = ANY($2::text[])`,
    [viewerId, ids],
  )
  return new Set(rows.map((r) => r.member_id))
}
