import type { Queryable } from '../store/db.js'
import { MESSAGE_COLUMNS, type MessageRow } from './messages.sql.js'

/**
 * Deletes (migration 0005). Every write here runs inside the conversation's row lock, after the
 * caller re-read the message under it: a delete and an edit of the same message never
 * interleave, so whichever commits second sees the first.
 */

/**
 * Turns a message into its tombstone, in place (same seq): the text, mentions, metadata and
 * edit time are erased from the row, not hidden; `deleted_at` is set. Answers the tombstone.
 */
export async function tombstoneMessage(q: Queryable, id: string, at: string): Promise<MessageRow> {
  const rows = await q.query<MessageRow>(
    `UPDATE messages SET content = '', mentions = '{}', wildcard_mention = NULL, metadata = NULL, edited_at = NULL, deleted_at = $2
      WHERE id = $1 RETURNING ${MESSAGE_COLUMNS}`,
    [id, at],
  )
  return rows[0]
}

/** Removes a message's row. */
export async function removeMessage(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM messages WHERE id = $1', [id])
}

/**
 * Redacts the log like the row, so a replay (sync) never serves deleted content: the message's
 * `message.created` (at its seq) and every event that carries its view (index
 * events_message_refs, migration 0005: its `message.updated` and `message.pinned`, a hard
 * `message.deleted` that made it the last message, conversation views whose last message it
 * was) lose the text, mentions and metadata and carry `deletedAt`. Their other fields stay as
 * they were when each event was appended.
 */
export async function redactMessageEvents(q: Queryable, conversationId: string, seq: number, messageId: string, deletedAt: string): Promise<void> {
  await q.query(
    `UPDATE events e
        SET data = CASE
              WHEN e.type IN ('message.created', 'message.updated') THEN e.data || r.fields
              WHEN e.type = 'message.pinned' THEN jsonb_set(e.data, '{message}', (e.data->'message') || r.fields)
              WHEN e.type = 'message.deleted' THEN jsonb_set(e.data, '{lastMessage}', (e.data->'lastMessage') || r.fields)
              ELSE jsonb_set(e.data, '{conversation,lastMessage}', (e.data->'conversation'->'lastMessage') || r.fields)
            END
       FROM (SELECT jsonb_build_object('content', '', 'mentions', '[]'::jsonb, 'wildcardMention', NULL, 'metadata', NULL,
                                       'editedAt', NULL, 'deletedAt', $4::text) AS fields) r
      WHERE e.conversation_id = $1
        AND e.seq IN (SELECT $2::bigint
                      UNION ALL
                      SELECT u.seq FROM events u
                       WHERE u.conversation_id = $1 AND parley_event_message_ref(u.type, u.data) = $3::text)
        AND (CASE WHEN e.type = 'message.created' THEN e.data->>'id' ELSE parley_event_message_ref(e.type, e.data) END) = $3::text`,
    [conversationId, seq, messageId, deletedAt],
  )
}

/**
 * After the conversation's last message was removed: points `last_message_seq` at the newest
 * message left (NULL when none), and answers that message.
 */
export async function retreatLastMessage(q: Queryable, conversationId: string): Promise<MessageRow | null> {
  const newest = (await q.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 1`, [conversationId]))[0]
  await q.query('UPDATE conversations SET last_message_seq = $2 WHERE id = $1', [conversationId, newest?.seq ?? null])
  return newest ?? null
}

export interface ModerationEntry {
  conversationId: string
  messageId: string
  seq: number
  authorId: string
  /** Null: the server key. */
  deletedBy: string | null
  reason: string | null
  mode: 'soft' | 'hard'
  at: string
}

/** Records a delete of someone else's message. Never the text. */
export async function insertModeration(q: Queryable, m: ModerationEntry): Promise<void> {
  await q.query(
    `INSERT INTO message_moderation (conversation_id, message_id, seq, author_id, deleted_by, reason, mode, deleted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [m.conversationId, m.messageId, m.seq, m.authorId, m.deletedBy, m.reason, m.mode, m.at],
  )
}

export interface ModerationRow {
  id: number
  message_id: string
  seq: number
  author_id: string
  deleted_by: string | null
  reason: string | null
  mode: 'soft' | 'hard'
  deleted_at: Date
}

/** A page of a conversation's moderation log, newest first, before entry `before` (exclusive). */
export async function listModeration(q: Queryable, conversationId: string, before: number | null, limit: number): Promise<ModerationRow[]> {
  return q.query<ModerationRow>(
    `SELECT id, message_id, seq, author_id, deleted_by, reason, mode, deleted_at FROM message_moderation
      WHERE conversation_id = $1 AND ($2::bigint IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [conversationId, before, limit],
  )
}
