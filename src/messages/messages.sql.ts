import type { Queryable } from '../store/db.js'
import { iso } from '../lib/time.js'
import type { Message } from './messages.schemas.js'

export interface MessageRow {
  conversation_id: string
  seq: number
  id: string
  sender_id: string
  sender_kind: 'user' | 'agent' | 'system'
  kind: 'text' | 'notice' | 'system'
  content: string
  client_msg_id: string | null
  reply_to_id: string | null
  thread_root_id: string | null
  forward_of: Message['forwardOf']
  mentions: string[]
  wildcard_mention: 'all' | 'here' | null
  metadata: Record<string, unknown> | null
  reply_count: number
  last_reply_at: Date | string | null
  has_thread: boolean
  last_reply_seq: number | null
  thread_participants: string[]
  system: Message['system']
  created_at: Date | string
  edited_at: Date | string | null
  deleted_at: Date | string | null
}

export const MESSAGE_COLUMNS =
  'conversation_id, seq, id, sender_id, sender_kind, kind, content, client_msg_id, reply_to_id, thread_root_id, ' +
  'forward_of, mentions, wildcard_mention, metadata, has_thread, reply_count, last_reply_at, last_reply_seq, thread_participants, system, ' +
  'created_at, edited_at, deleted_at'

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
    wildcardMention: r.wildcard_mention ?? null,
    metadata: r.metadata ?? null,
    reactions: {},
    // Reactions and pin live in their own tables: messageViewsFor fills them in.
    pinnedAt: null,
    pinnedBy: null,
    attachments: [],
    linkPreviews: [],
    // The caller's own thread cursor (lastReadSeq) is filled in by messageViewsFor.
    thread: r.has_thread
      ? {
          replyCount: r.reply_count,
          lastReplyAt: iso(r.last_reply_at) ?? null,
          lastReplySeq: r.last_reply_seq ?? null,
          participantIds: r.thread_participants ?? [],
          lastReadSeq: null,
        }
      : null,
    system: r.system ?? null,
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
