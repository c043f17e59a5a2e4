import type { Queryable } from '../store/db.js'
import { sharesPresence } from '../presence/presence.sql.js'
import { MEMBER_MENTIONS, MEMBER_UNREAD, MEMBER_UNREAD_THREADS } from '../reads/unread.sql.js'

export interface MembershipPosition {
  conversation_id: string
  type: 'dm' | 'group' | 'channel'
  last_seq: number
  last_read_seq: number
  unread_count: number
  mention_count: number
  unread_thread_count: number
  /** Whether the other members may see this member's presence through this conversation (sharesPresence). */
  shares_presence: boolean
}

/**
 * Every conversation the participant is in, with its last seq, the participant's unread count
 * and whether their presence shows there.
 */
export async function listMembershipPositions(q: Queryable, memberId: string): Promise<MembershipPosition[]> {
  return q.query<MembershipPosition>(
    `SELECT m.conversation_id, c.type, c.last_seq, m.last_read_seq, ${sharesPresence('m', 'c')} AS shares_presence,
            ${MEMBER_UNREAD} AS unread_count,
            ${MEMBER_MENTIONS} AS mention_count,
            ${MEMBER_UNREAD_THREADS} AS unread_thread_count
       FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.member_id = $1`,
    [memberId],
  )
}

/**
 * For conversations the participant named but is no longer in: the seq of the event that
 * removed them after the position they gave (the last event they are entitled to).
 */
export async function findRemovals(q: Queryable, memberId: string, since: { conversationId: string; seq: number }[]) {
  if (!since.length) return []
  return q.query<{ conversation_id: string; seq: number }>(
    `SELECT e.conversation_id, max(e.seq) AS seq
       FROM events e
       JOIN unnest($2::uuid[], $3::bigint[]) AS s(conversation_id, seq) ON s.conversation_id = e.conversation_id
      WHERE e.seq > s.seq AND e.type = 'member.removed' AND e.data->>'memberId' = $1
      GROUP BY e.conversation_id`,
    [memberId, since.map((s) => s.conversationId), since.map((s) => s.seq)],
  )
}
