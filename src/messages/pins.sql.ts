import type { Queryable } from '../store/db.js'
import { MESSAGE_COLUMNS, type MessageRow } from './messages.sql.js'

/**
 * Pins: at most one `message_pins` row per message. Writes run inside the conversation's row
 * lock, which is what keeps the per-conversation cap exact under concurrent pins.
 */

export interface PinRow {
  message_id: string
  pinned_by: string | null
  pinned_at: Date
}

export interface NewPin {
  messageId: string
  conversationId: string
  /** Null for the server key. */
  pinnedBy: string | null
  at: string
}

/** Pins a message; false when it was pinned already. */
export async function insertPin(q: Queryable, p: NewPin): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO message_pins (message_id, conversation_id, pinned_by, pinned_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (message_id) DO NOTHING RETURNING 1`,
    [p.messageId, p.conversationId, p.pinnedBy, p.at],
  )
  return rows.length > 0
}

/** Unpins a message; answers the pin that was removed, or undefined when there was none. */
export async function deletePin(q: Queryable, messageId: string): Promise<PinRow | undefined> {
  return (await q.query<PinRow>('DELETE FROM message_pins WHERE message_id = $1 RETURNING message_id, pinned_by, pinned_at', [messageId]))[0]
}

/**
 * Removes a message's pin, announcing nothing: for delete-message, in its transaction (a
 * client drops a deleted message's pin on `message.deleted`).
 */
export async function deletePinOfMessage(q: Queryable, messageId: string): Promise<void> {
  await deletePin(q, messageId)
}

export async function countPins(q: Queryable, conversationId: string): Promise<number> {
  return (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM message_pins WHERE conversation_id = $1', [conversationId]))[0].n
}

/** The pins among a page of messages, in one query. */
export async function findPins(q: Queryable, messageIds: string[]): Promise<PinRow[]> {
  return q.query<PinRow>('SELECT message_id, pinned_by, pinned_at FROM message_pins WHERE message_id = ANY($1::uuid[])', [messageIds])
}

/** A message row with its pin's position, as listPinnedMessages reads it. */
export type PinnedMessageRow = MessageRow & { pin_pinned_at: Date; pin_message_id: string }

/**
 * A page of a conversation's pinned messages, newest pin first, keyset-paged on
 * (pinned_at, message_id) descending.
 */
export async function listPinnedMessages(
  q: Queryable,
  conversationId: string,
  after: [string, string] | undefined,
  limit: number,
): Promise<PinnedMessageRow[]> {
  return q.query<PinnedMessageRow>(
    `SELECT ${MESSAGE_COLUMNS}, p.pin_pinned_at, p.pin_message_id
       FROM (SELECT message_id AS pin_message_id, pinned_at AS pin_pinned_at FROM message_pins
              WHERE conversation_id = $1
                AND ($2::timestamptz IS NULL OR (pinned_at, message_id) < ($2, $3::uuid))
              ORDER BY pinned_at DESC, message_id DESC LIMIT $4) p
       JOIN messages ON messages.id = p.pin_message_id
      ORDER BY p.pin_pinned_at DESC, p.pin_message_id DESC`,
    [conversationId, after?.[0] ?? null, after?.[1] ?? null, limit],
  )
}
