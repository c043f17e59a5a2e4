import type { Queryable } from '../store/db.js'

export type ConversationType = 'dm' | 'group' | 'channel'

export interface ConversationRow {
  id: string
  type: ConversationType
  name: string | null
  description: string | null
  visibility: 'public' | 'private'
  external_ref: string | null
  metadata: Record<string, unknown>
  max_members: number
  locked: boolean
  dm_key: string | null
  agent_id: string | null
  created_by: string | null
  member_count: number
  last_seq: number
  last_message_seq: number | null
  last_activity_at: Date
  archived_at: Date | null
  created_at: Date
  updated_at: Date
}

export interface MemberRow {
  conversation_id: string
  member_id: string
  role: 'admin' | 'member'
  can_post: boolean
  last_read_seq: number
  starred: boolean
  mute_until: Date | null
  notify_level: 'all' | 'mentions' | 'none'
  joined_at: Date
}

export const CONVERSATION_COLUMNS =
  'c.id, c.type, c.name, c.description, c.visibility, c.external_ref, c.metadata, c.max_members, c.locked, c.dm_key, ' +
  'c.agent_id, c.created_by, c.member_count, c.last_seq, c.last_message_seq, c.last_activity_at, c.archived_at, c.created_at, c.updated_at'

export const MEMBER_COLUMNS =
  'm.conversation_id, m.member_id, m.role, m.can_post, m.last_read_seq, m.starred, m.mute_until, m.notify_level, m.joined_at'

export async function findConversation(q: Queryable, id: string): Promise<ConversationRow | undefined> {
  return (await q.query<ConversationRow>(`SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = $1`, [id]))[0]
}

/**
 * Takes the conversation's row lock for the rest of the transaction. Every write that appends
 * to a conversation's log takes this lock first (and only this one conversation lock, or
 * several in id order), so seqs are gapless and commit-ordered and there is no deadlock.
 */
export async function lockConversation(q: Queryable, id: string): Promise<ConversationRow | undefined> {
  return (await q.query<ConversationRow>(`SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = $1 FOR UPDATE`, [id]))[0]
}

export async function findMember(q: Queryable, conversationId: string, memberId: string): Promise<MemberRow | undefined> {
  return (
    await q.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM members m WHERE m.conversation_id = $1 AND m.member_id = $2`, [
      conversationId,
      memberId,
    ])
  )[0]
}

/** Whether `ownerId` owns an agent that is a member of the conversation (the owner view). */
export async function ownsAgentMember(q: Queryable, conversationId: string, ownerId: string): Promise<boolean> {
  const rows = await q.query(
    `SELECT 1 FROM members m JOIN participants p ON p.id = m.member_id
      WHERE m.conversation_id = $1 AND p.owner_id = $2 LIMIT 1`,
    [conversationId, ownerId],
  )
  return rows.length > 0
}
