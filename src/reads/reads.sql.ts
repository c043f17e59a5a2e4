import type { Queryable } from '../store/db.js'

/**
 * Moves a member's read cursor forward, never back. Runs inside the conversation's row lock:
 * the send queue locks the conversation before it touches member rows, and so must we.
 */
export async function advanceReadCursor(q: Queryable, conversationId: string, memberId: string, seq: number): Promise<void> {
  await q.query(
    'UPDATE members SET last_read_seq = GREATEST(last_read_seq, $3) WHERE conversation_id = $1 AND member_id = $2',
    [conversationId, memberId, seq],
  )
}

/**
 * Messages from others after `afterSeq`, not deleted: what the member has not read. Counted up
 * to 1000, like the unread counts of conversation views.
 */
export async function countUnread(q: Queryable, conversationId: string, memberId: string, afterSeq: number): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM messages x
        WHERE x.conversation_id = $1 AND x.seq > $3 AND x.sender_id <> $2 AND x.deleted_at IS NULL
        LIMIT 1000) unread`,
    [conversationId, memberId, afterSeq],
  )
  return rows[0].n
}
