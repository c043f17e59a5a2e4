/**
 * The one definition of what is unread, used by every query that counts it (conversation
 * views, sync's membership positions, mark-read's answer): messages of the conversation after
 * the member's read cursor, from someone else, not deleted — and, for mentions, naming the
 * member or everyone (`@all` / `@here`), unless the member's notify level is `none`, which
 * mutes mentions too (docs/api.md, "Edits, deletes and mentions"). Each count stops at
 * UNREAD_CAP so a long-neglected conversation costs no more than that to count. System
 * messages (member joined, conversation renamed…) are never unread. The SDK's reducer mirrors
 * this rule (packages/client/src/reducer-rules.ts).
 *
 * Threads have their own unread rule, `unreadThreadCount` below.
 */

/** How many unread messages (and mentions) are counted at most. */
export const UNREAD_CAP = 1000

/** SQL expressions, already in the calling query's scope, that name what to count for. */
export interface UnreadScope {
  conversationId: string
  memberId: string
  /** The read cursor: messages with a greater seq are unread. */
  afterSeq: string
  /** The member's notify level (`all` | `mentions` | `none`); needed to count mentions. */
  notifyLevel?: string
}

/**
 * A scalar subquery: the member's unread messages (`mentions: true`: those mentioning them),
 * up to UNREAD_CAP. Its arguments are SQL (column references or `$n`), never values.
 */
export function unreadCount({ conversationId, memberId, afterSeq, notifyLevel }: UnreadScope, opts: { mentions?: boolean } = {}): string {
  if (opts.mentions && !notifyLevel) throw new Error('counting mentions needs the member’s notify level')
  return `(SELECT count(*) FROM (
      SELECT 1 FROM messages x
       WHERE x.conversation_id = ${conversationId} AND x.seq > ${afterSeq} AND x.sender_id <> ${memberId} AND x.deleted_at IS NULL
         AND x.kind <> 'system'${
         opts.mentions ? `\n         AND ${notifyLevel} <> 'none' AND (x.wildcard_mention IS NOT NULL OR ${memberId} = ANY (x.mentions))` : ''
       }
       LIMIT ${UNREAD_CAP}) counted)`
}

/** The unread counts of membership `m` (a `members` row in scope) in its conversation. */
export const MEMBER_UNREAD = unreadCount({ conversationId: 'm.conversation_id', memberId: 'm.member_id', afterSeq: 'm.last_read_seq' })
export const MEMBER_MENTIONS = unreadCount(
  { conversationId: 'm.conversation_id', memberId: 'm.member_id', afterSeq: 'm.last_read_seq', notifyLevel: 'm.notify_level' },
  { mentions: true },
)

/**
 * A scalar subquery: how many threads of the conversation are unread for the member, up to
 * UNREAD_CAP. A thread is unread when the member follows it (a `thread_reads` row: they wrote
 * the root or a reply, or were mentioned in one, docs/api.md "Threads and system messages")
 * and its root's newest reply that is not deleted (`last_reply_seq`) is past their thread
 * cursor. One's own replies move one's cursor to them, so only replies from others make a
 * thread unread. A hard-deleted root takes its thread out of the count. Mirrored by the SDK's
 * reducer (packages/client/src/reducer-threads.ts).
 */
export function unreadThreadCount({ conversationId, memberId }: Pick<UnreadScope, 'conversationId' | 'memberId'>): string {
  return `(SELECT count(*) FROM (
      SELECT 1 FROM thread_reads t JOIN messages r ON r.id = t.root_id
       WHERE t.conversation_id = ${conversationId} AND t.member_id = ${memberId} AND r.last_reply_seq > t.last_read_seq
       LIMIT ${UNREAD_CAP}) counted)`
}

/** The unread thread count of membership `m` (a `members` row in scope). */
export const MEMBER_UNREAD_THREADS = unreadThreadCount({ conversationId: 'm.conversation_id', memberId: 'm.member_id' })
