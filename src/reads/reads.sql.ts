import type { Queryable } from '../store/db.js'
import { unreadCount } from './unread.sql.js'

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
 * Messages from others after `afterSeq`, not deleted: what the member has not read, counted
 * as every unread count is (unread.sql.ts).
 */
export async function countUnread(q: Queryable, conversationId: string, memberId: string, afterSeq: number): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `SELECT ${unreadCount({ conversationId: '$1::uuid', memberId: '$2::text', afterSeq: '$3::bigint' })}::int AS n`,
    [conversationId, memberId, afterSeq],
  )
  return rows[0].n
}

/**
 * Moves a member's delivered cursor forward to `seq`; answers the new value, or undefined when
 * it was already there. No conversation lock: delivery appends nothing to the log.
 */
export async function advanceDeliveredCursor(q: Queryable, conversationId: string, memberId: string, seq: number): Promise<number | undefined> {
  const rows = await q.query<{ last_delivered_seq: number }>(
    `UPDATE members SET last_delivered_seq = $3
      WHERE conversation_id = $1 AND member_id = $2 AND last_delivered_seq < $3 AND last_read_seq < $3
      RETURNING last_delivered_seq`,
    [conversationId, memberId, seq],
  )
  return rows[0]?.last_delivered_seq
}

/**
 * How far every member other than `viewerId` has received and read: a message of seq S is
 * read by all when S ≤ readUpTo, delivered to all when S ≤ deliveredUpTo, else only sent.
 * `deliveredCount` / `readCount` are per member cursors, for "read by 3 of 5" displays.
 */
export async function findReceipts(q: Queryable, conversationId: string, viewerId: string | null) {
  const rows = await q.query<{ delivered_up_to: number | null; read_up_to: number | null; others: number; cursors: { d: number; r: number }[] | null }>(
    `SELECT min(GREATEST(last_delivered_seq, last_read_seq)) AS delivered_up_to, min(last_read_seq) AS read_up_to,
            count(*)::int AS others,
            json_agg(json_build_object('d', GREATEST(last_delivered_seq, last_read_seq), 'r', last_read_seq)) AS cursors
       FROM members WHERE conversation_id = $1 AND ($2::text IS NULL OR member_id <> $2)`,
    [conversationId, viewerId],
  )
  return rows[0]
}
