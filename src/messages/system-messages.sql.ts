import type { Queryable } from '../store/db.js'
import { MESSAGE_COLUMNS, type MessageRow } from './messages.sql.js'

/** The display names of the given participants: id → name (unknown ids are left out). */
export async function findParticipantNames(q: Queryable, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map()
  const rows = await q.query<{ id: string; name: string }>('SELECT id, name FROM participants WHERE id = ANY ($1::text[])', [ids])
  return new Map(rows.map((r) => [r.id, r.name]))
}

export interface NewSystemMessage {
  conversationId: string
  seq: number
  id: string
  content: string
  system: NonNullable<MessageRow['system']>
  at: string
}

/**
 * Inserts a system message at `seq` and makes it the conversation's last message. Runs inside
 * the conversation's row lock; the caller appends its `message.created` at that same seq.
 */
export async function insertSystemMessage(q: Queryable, m: NewSystemMessage): Promise<MessageRow> {
  const rows = await q.query<MessageRow>(
    `INSERT INTO messages (conversation_id, seq, id, sender_id, sender_kind, kind, content, system, created_at)
     VALUES ($1, $2, $3, 'system', 'system', 'system', $4, $5::jsonb, $6)
     RETURNING ${MESSAGE_COLUMNS}`,
    [m.conversationId, m.seq, m.id, m.content, JSON.stringify(m.system), m.at],
  )
  await q.query('UPDATE conversations SET last_message_seq = $2, last_activity_at = $3 WHERE id = $1', [m.conversationId, m.seq, m.at])
  return rows[0]
}
