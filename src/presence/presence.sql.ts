import type { Queryable } from '../store/db.js'

/**
 * The presence rule, in SQL: member row `m` of conversation `c` lets the conversation's other
 * members see that member's presence. Only dms and groups count (a 10,000-subscriber channel is
 * not a circle whose presence everyone follows), and only where the member has engaged: created
 * the conversation, sent a message in it, or moved their read cursor there. Being put in a group
 * or a dm by someone else is no relationship; acknowledging delivery is none either, since
 * clients do it by themselves.
 *
 * Sending moves the sender's read cursor to their message (parley_send_batch, migration 0002),
 * so "has sent" is `last_read_seq > 0` as well: the rule reads columns of rows the query has
 * already joined, with no look-up into messages and no column of its own.
 */
export const sharesPresence = (m: string, c: string) =>
  `(${c}.type IN ('dm', 'group') AND (${c}.created_by = ${m}.member_id OR ${m}.last_read_seq > 0))`

/** Which of `ids` `viewerId` may see the presence of: they share a conversation where the other engaged. */
export async function filterCoMembers(q: Queryable, viewerId: string, ids: string[]): Promise<Set<string>> {
  const rows = await q.query<{ member_id: string }>(
    `SELECT DISTINCT o.member_id FROM members mine
       JOIN conversations c ON c.id = mine.conversation_id
       JOIN members o ON o.conversation_id = mine.conversation_id AND ${sharesPresence('o', 'c')}
      WHERE mine.member_id = $1 AND o.member_id = ANY($2::text[])`,
    [viewerId, ids],
  )
  return new Set(rows.map((r) => r.member_id))
}
