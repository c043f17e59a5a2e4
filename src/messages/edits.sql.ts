import type { Queryable } from '../store/db.js'
import { MESSAGE_COLUMNS, type MessageRow } from './messages.sql.js'

/**
 * Edits: a message row holds its current version; `message_edits` holds the versions it
 * replaced (migration 0005). Every write here runs inside the conversation's row lock, which
 * is what makes version numbers gapless and in commit order under concurrent edits.
 */

export interface NewVersion {
  content: string
  mentions: string[]
  wildcardMention: MessageRow['wildcard_mention']
  metadata: MessageRow['metadata']
}

/**
 * Replaces a message's version: stores the current one in its history as the next version,
 * then writes the new one with `edited_at`. Answers the row after the edit.
 */
export async function editMessage(q: Queryable, id: string, next: NewVersion, editorId: string, at: string): Promise<MessageRow> {
  await q.query(
    `INSERT INTO message_edits (message_id, version, content, mentions, wildcard_mention, edited_at, editor_id)
     SELECT m.id, coalesce((SELECT max(e.version) FROM message_edits e WHERE e.message_id = m.id), 0) + 1,
            m.content, m.mentions, m.wildcard_mention, $2::timestamptz, $3::text
       FROM messages m WHERE m.id = $1`,
    [id, at, editorId],
  )
  const rows = await q.query<MessageRow>(
    `UPDATE messages SET content = $2, mentions = $3::text[], wildcard_mention = $4, metadata = $5::jsonb, edited_at = $6
      WHERE id = $1 RETURNING ${MESSAGE_COLUMNS}`,
    [id, next.content, next.mentions, next.wildcardMention, next.metadata === null ? null : JSON.stringify(next.metadata), at],
  )
  return rows[0]
}

export interface EditRow {
  version: number
  content: string
  edited_at: Date
}

/** A page of a message's earlier versions, oldest first, after version `after`. */
export async function listEdits(q: Queryable, messageId: string, after: number, limit: number): Promise<EditRow[]> {
  return q.query<EditRow>(
    `SELECT version, content, edited_at FROM message_edits
      WHERE message_id = $1 AND version > $2 ORDER BY version LIMIT $3`,
    [messageId, after, limit],
  )
}

/** Forgets a message's earlier versions (a delete serves no edit history, and keeps none). */
export async function deleteEditsOfMessage(q: Queryable, messageId: string): Promise<void> {
  await q.query('DELETE FROM message_edits WHERE message_id = $1', [messageId])
}
