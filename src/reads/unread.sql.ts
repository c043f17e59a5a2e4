/**
 * The one definition of what is unread, used by every query that counts it (conversation
 * views, sync's membership positions, mark-read's answer): messages of the conversation after
 * the member's read cursor, from someone else, not deleted — and, for mentions, naming the
 * member. Each count stops at UNREAD_CAP so a long-neglected conversation costs no more than
 * that to count. The SDK's reducer mirrors this rule (packages/client/src/reducer-rules.ts).
 */

/** How many unread messages (and mentions) are counted at most. */
export const UNREAD_CAP = 1000

/** SQL expressions, already in the calling query's scope, that name what to count for. */
export interface UnreadScope {
  conversationId: string
  memberId: string
  /** The read cursor: messages with a greater seq are unread. */
  afterSeq: string
}

/**
 * A scalar subquery: the member's unread messages (`mentions: true`: those mentioning them),
 * up to UNREAD_CAP. Its arguments are SQL (column references or `$n`), never values.
 */
export function unreadCount({ conversationId, memberId, afterSeq }: UnreadScope, opts: { mentions?: boolean } = {}): string {
  return `(SELECT count(*) FROM (
      SELECT 1 FROM messages x
       WHERE x.conversation_id = ${conversationId} AND x.seq > ${afterSeq} AND x.sender_id <> ${memberId} AND x.deleted_at IS NULL${
         opts.mentions ? `\n         AND ${memberId} = ANY (x.mentions)` : ''
       }
       LIMIT ${UNREAD_CAP}) counted)`
}

/** The unread counts of membership `m` (a `members` row in scope) in its conversation. */
export const MEMBER_UNREAD = unreadCount({ conversationId: 'm.conversation_id', memberId: 'm.member_id', afterSeq: 'm.last_read_seq' })
export const MEMBER_MENTIONS = unreadCount({ conversationId: 'm.conversation_id', memberId: 'm.member_id', afterSeq: 'm.last_read_seq' }, { mentions: true })
