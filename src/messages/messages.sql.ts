import type { Queryable } from '../store/db.js'
import { iso } from '../lib/time.js'
import type { Message } from './messages.schemas.js'

export interface MessageRow {
  conversation_id: string
  seq: number
  id: string
  sender_id: string
  sender_kind: 'user' | 'agent'
  kind: 'text' | 'notice'
  content: string
  client_msg_id: string | null
  reply_to_id: string | null
  thread_root_id: string | null
  forward_of: Message['forwardOf']
  mentions: string[]
  reply_count: number
  last_reply_at: Date | string | null
  created_at: Date | string
  edited_at: Date | string | null
  deleted_at: Date | string | null
}

export const MESSAGE_COLUMNS =
  'conversation_id, seq, id, sender_id, sender_kind, kind, content, client_msg_id, reply_to_id, thread_root_id, ' +
  'forward_of, mentions, reply_count, last_reply_at, created_at, edited_at, deleted_at'

export function toMessageView(r: MessageRow): Message {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    seq: r.seq,
    senderId: r.sender_id,
    senderKind: r.sender_kind,
    kind: r.kind,
    content: r.deleted_at ? '' : r.content,
    clientMsgId: r.client_msg_id,
    createdAt: iso(r.created_at)!,
    editedAt: iso(r.edited_at) ?? null,
    deletedAt: iso(r.deleted_at) ?? null,
    replyToId: r.reply_to_id,
    threadRootId: r.thread_root_id,
    forwardOf: r.forward_of,
    mentions: r.mentions ?? [],
    reactions: {},
    attachments: [],
    linkPreviews: [],
    thread: r.reply_count > 0 ? { replyCount: r.reply_count, lastReplyAt: iso(r.last_reply_at) ?? null } : null,
  }
}

export async function findMessageById(q: Queryable, id: string): Promise<MessageRow | undefined> {
  return (await q.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [id]))[0]
}

/** Newest `limit` messages with seq < `before` (or the newest overall), newest first. */
export async function listMessagesBefore(q: Queryable, conversationId: string, before: number | null, limit: number) {
  return q.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
      WHERE conversation_id = $1 AND ($2::bigint IS NULL OR seq < $2)
      ORDER BY seq DESC LIMIT $3`,
    [conversationId, before, limit],
  )
}

/** Oldest `limit` messages with seq ≥ `from`, oldest first. */
export async function listMessagesFrom(q: Queryable, conversationId: string, from: number, limit: number) {
  return q.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
      WHERE conversation_id = $1 AND seq >= $2
      ORDER BY seq LIMIT $3`,
    [conversationId, from, limit],
  )
}

export async function hasMessageBefore(q: Queryable, conversationId: string, seq: number): Promise<boolean> {
  const rows = await q.query('SELECT 1 FROM messages WHERE conversation_id = $1 AND seq < $2 LIMIT 1', [conversationId, seq])
  return rows.length > 0
}
