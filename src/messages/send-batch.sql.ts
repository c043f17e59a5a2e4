import type { Queryable } from '../store/db.js'
import type { StoredEvent } from '../events/event-types.js'
import type { MessageRow } from './messages.sql.js'

export interface BatchConversation {
  id: string
  type: 'dm' | 'group' | 'channel'
  locked: boolean
  archived_at: Date | null
  last_seq: number
}

/** Locks every conversation of the batch, in id order so that concurrent batches cannot deadlock. */
export async function lockBatchConversations(q: Queryable, ids: string[]): Promise<BatchConversation[]> {
  return q.query<BatchConversation>(
    `SELECT id, type, locked, archived_at, last_seq FROM conversations
      WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [ids],
  )
}

export interface PosterRow {
  conversation_id: string
  member_id: string
  role: 'admin' | 'member'
  can_post: boolean
}

/**
 * In one round trip, after the conversations are locked: the senders' memberships, and the
 * messages that senders already sent with the batch's clientMsgIds (idempotent retries).
 * Must be its own statement after the lock, so that it sees membership changes committed
 * while the batch waited for the lock.
 */
export async function findPostersAndRetries(
  q: Queryable,
  pairs: { conversationId: string; senderId: string }[],
  keys: { conversationId: string; senderId: string; clientMsgId: string }[],
): Promise<{ posters: PosterRow[]; retries: MessageRow[] }> {
  // `= ANY` on each column is a superset of the wanted pairs (callers match exact keys); it
  // lets the planner probe the primary key and the clientMsgId index directly.
  const rows = await q.query<{ posters: PosterRow[]; retries: MessageRow[] }>(
    `SELECT
       (SELECT coalesce(json_agg(json_build_object('conversation_id', conversation_id, 'member_id', member_id,
                                                   'role', role, 'can_post', can_post)), '[]')
          FROM members
         WHERE conversation_id = ANY($1::uuid[]) AND member_id = ANY($2::text[])) AS posters,
       (SELECT coalesce(json_agg(to_jsonb(m)), '[]')
          FROM messages m
         WHERE cardinality($5::text[]) > 0
           AND conversation_id = ANY($3::uuid[]) AND sender_id = ANY($4::text[]) AND client_msg_id = ANY($5::text[])) AS retries`,
    [
      [...new Set(pairs.map((p) => p.conversationId))],
      [...new Set(pairs.map((p) => p.senderId))],
      [...new Set(keys.map((k) => k.conversationId))],
      [...new Set(keys.map((k) => k.senderId))],
      [...new Set(keys.map((k) => k.clientMsgId))],
    ],
  )
  return rows[0]
}

export interface BatchWrite {
  messages: MessageRow[]
  events: StoredEvent[]
  /** Per conversation: its new last seq, last message seq, and the activity time. */
  conversations: { id: string; lastSeq: number; lastMessageSeq: number; at: string }[]
  /** Per (conversation, sender): the sender has read up to their own newest message. */
  readCursors: { conversationId: string; memberId: string; seq: number }[]
  /** Per thread root: how many replies this batch adds. */
  threads: { rootId: string; replies: number; at: string }[]
}

/**
 * Writes a whole batch in one statement: messages, their events, the conversations' seq and
 * activity, the senders' read cursors and thread summaries. One round trip per batch is what
 * lets many concurrent sends share a transaction cheaply.
 */
export async function writeBatch(q: Queryable, w: BatchWrite): Promise<void> {
  const m = w.messages
  await q.query(
    `WITH msg AS (
       INSERT INTO messages (conversation_id, seq, id, sender_id, sender_kind, kind, content, client_msg_id,
                             reply_to_id, thread_root_id, forward_of, created_at)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::uuid[], $10::uuid[], $11::text[]::jsonb[], $12::timestamptz[])
       RETURNING 1
     ), ev AS (
       INSERT INTO events (conversation_id, seq, type, actor_id, data, created_at)
       SELECT * FROM unnest($13::uuid[], $14::bigint[], $15::text[], $16::text[], $17::text[]::jsonb[], $18::timestamptz[])
       RETURNING 1
     ), conv AS (
       UPDATE conversations c
          SET last_seq = v.last_seq, last_message_seq = v.msg_seq, last_activity_at = v.at
         FROM unnest($19::uuid[], $20::bigint[], $21::bigint[], $22::timestamptz[]) AS v(id, last_seq, msg_seq, at)
        WHERE c.id = v.id
       RETURNING 1
     ), rd AS (
       UPDATE members mb SET last_read_seq = GREATEST(mb.last_read_seq, v.seq)
         FROM unnest($23::uuid[], $24::text[], $25::bigint[]) AS v(cid, mid, seq)
        WHERE mb.conversation_id = v.cid AND mb.member_id = v.mid
       RETURNING 1
     ), th AS (
       UPDATE messages r SET reply_count = r.reply_count + v.n, last_reply_at = GREATEST(r.last_reply_at, v.at)
         FROM unnest($26::uuid[], $27::int[], $28::timestamptz[]) AS v(id, n, at)
        WHERE r.id = v.id
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM msg) AS messages, (SELECT count(*) FROM ev) AS events`,
    [
      m.map((r) => r.conversation_id),
      m.map((r) => r.seq),
      m.map((r) => r.id),
      m.map((r) => r.sender_id),
      m.map((r) => r.sender_kind),
      m.map((r) => r.kind),
      m.map((r) => r.content),
      m.map((r) => r.client_msg_id),
      m.map((r) => r.reply_to_id),
      m.map((r) => r.thread_root_id),
      m.map((r) => (r.forward_of ? JSON.stringify(r.forward_of) : null)),
      m.map((r) => r.created_at),
      w.events.map((e) => e.conversationId),
      w.events.map((e) => e.seq),
      w.events.map((e) => e.type),
      w.events.map((e) => e.actorId),
      w.events.map((e) => JSON.stringify(e.data)),
      w.events.map((e) => e.createdAt),
      w.conversations.map((c) => c.id),
      w.conversations.map((c) => c.lastSeq),
      w.conversations.map((c) => c.lastMessageSeq),
      w.conversations.map((c) => c.at),
      w.readCursors.map((r) => r.conversationId),
      w.readCursors.map((r) => r.memberId),
      w.readCursors.map((r) => r.seq),
      w.threads.map((t) => t.rootId),
      w.threads.map((t) => t.replies),
      w.threads.map((t) => t.at),
    ],
  )
}
