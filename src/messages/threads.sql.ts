import type { Queryable, Tx } from '../store/db.js'
import { appendEvent, type SeqCursor } from '../events/event-log.sql.js'
import type { EventData } from '../events/event-types.js'
import { unreadThreadCount } from '../reads/unread.sql.js'
import { MESSAGE_COLUMNS, type MessageRow } from './messages.sql.js'

/**
 * Threads: the replies of a root (`thread_root_id`), the root's summary (`reply_count`,
 * `last_reply_at`, `last_reply_seq`, `thread_participants`) and the followers' read cursors
 * (`thread_reads`). Replies are written by the send batch (migration 0007), which also keeps
 * summaries and cursors; what is here reads them, moves a cursor, and recomputes a summary
 * after a reply is deleted.
 */

/** Newest `limit` replies of the thread with seq < `before` (or the newest), newest first. */
export async function listRepliesBefore(q: Queryable, rootId: string, before: number | null, limit: number): Promise<MessageRow[]> {
  return q.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
      WHERE thread_root_id = $1 AND ($2::bigint IS NULL OR seq < $2)
      ORDER BY seq DESC LIMIT $3`,
    [rootId, before, limit],
  )
}

/** Oldest `limit` replies of the thread with seq > `after`, oldest first. */
export async function listRepliesAfter(q: Queryable, rootId: string, after: number, limit: number): Promise<MessageRow[]> {
  return q.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
      WHERE thread_root_id = $1 AND seq > $2
      ORDER BY seq LIMIT $3`,
    [rootId, after, limit],
  )
}

/** Whether the thread has a reply with seq < `seq` (`before: true`) or > `seq`. */
export async function hasReplyBeyond(q: Queryable, rootId: string, seq: number, before: boolean): Promise<boolean> {
  const rows = await q.query(
    `SELECT 1 FROM messages WHERE thread_root_id = $1 AND ${before ? 'seq < $2' : 'seq > $2'} LIMIT 1`,
    [rootId, seq],
  )
  return rows.length > 0
}

/** The viewer's cursors in the given threads they follow: root id → last read seq. */
export async function findThreadCursors(q: Queryable, memberId: string, rootIds: string[]): Promise<Map<string, number>> {
  if (!rootIds.length) return new Map()
  const rows = await q.query<{ root_id: string; last_read_seq: number }>(
    'SELECT root_id, last_read_seq FROM thread_reads WHERE root_id = ANY ($1::uuid[]) AND member_id = $2',
    [rootIds, memberId],
  )
  return new Map(rows.map((r) => [r.root_id, r.last_read_seq]))
}

/** A member's cursor in one thread; undefined when they do not follow it. */
export async function findThreadCursor(q: Queryable, conversationId: string, memberId: string, rootId: string): Promise<number | undefined> {
  const rows = await q.query<{ last_read_seq: number }>(
    'SELECT last_read_seq FROM thread_reads WHERE conversation_id = $1 AND member_id = $2 AND root_id = $3',
    [conversationId, memberId, rootId],
  )
  return rows[0]?.last_read_seq
}

/** Moves a follower's thread cursor forward, never back. Runs inside the conversation's row lock. */
export async function advanceThreadCursor(q: Queryable, conversationId: string, memberId: string, rootId: string, seq: number): Promise<void> {
  await q.query(
    `UPDATE thread_reads SET last_read_seq = GREATEST(last_read_seq, $4)
      WHERE conversation_id = $1 AND member_id = $2 AND root_id = $3`,
    [conversationId, memberId, rootId, seq],
  )
}

/** How many threads of the conversation are unread for the member (the rule of unread.sql.ts). */
export async function countUnreadThreads(q: Queryable, conversationId: string, memberId: string): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `SELECT ${unreadThreadCount({ conversationId: '$1::uuid', memberId: '$2::text' })}::int AS n`,
    [conversationId, memberId],
  )
  return rows[0].n
}

/**
 * Recomputes a root's thread summary from its replies that are not deleted, and appends a
 * `message.updated` of the root (its caller-free view) — for delete-message, after it deleted
 * (soft or hard) a reply of this root. A thread left without replies keeps its summary
 * (`replyCount: 0`, no last reply: unread for nobody) and its followers. Does nothing when the
 * root itself is gone (hard-deleted). Runs inside the conversation's row lock (`conv` is the
 * locked conversation's seq cursor, advanced by the event); `actorId` is who deleted (null:
 * the server key).
 */
export async function refreshThreadRoot(tx: Tx, conv: SeqCursor, rootId: string, actorId: string | null = null): Promise<void> {
  const rows = await tx.query<{ view: EventData<'message.updated'> }>(
    `WITH live AS (
       SELECT seq, sender_id, created_at FROM messages WHERE thread_root_id = $1 AND deleted_at IS NULL
     )
     UPDATE messages r
        SET reply_count = (SELECT count(*) FROM live),
            last_reply_at = (SELECT max(created_at) FROM live),
            last_reply_seq = (SELECT max(seq) FROM live),
            thread_participants = ARRAY(SELECT sender_id FROM live GROUP BY sender_id ORDER BY min(seq) LIMIT 10)
      WHERE r.id = $1 AND r.conversation_id = $2
      RETURNING parley_message_view(r) AS view`,
    [rootId, conv.id],
  )
  if (!rows.length) return
  await appendEvent(tx, conv, { type: 'message.updated', actorId, data: rows[0].view })
}
