import type { Queryable } from '../store/db.js'
import type { MessageRow } from '../messages/messages.sql.js'
import { MEMBER_MENTIONS, MEMBER_UNREAD, MEMBER_UNREAD_THREADS } from '../reads/unread.sql.js'

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
  last_delivered_seq: number
  starred: boolean
  mute_until: Date | null
  notify_level: 'all' | 'mentions' | 'none'
  joined_at: Date
}

/** A conversation row joined with the caller's membership and last message, as DETAIL selects it. */
export interface ConversationListRow extends ConversationRow {
  member?: MemberRow | null
  unread_count?: number | null
  mention_count?: number | null
  unread_thread_count?: number | null
  last_message?: MessageRow | null
  participants?: string[] | null
}

export const CONVERSATION_COLUMNS =
  'c.id, c.type, c.name, c.description, c.visibility, c.external_ref, c.metadata, c.max_members, c.locked, c.dm_key, ' +
  'c.agent_id, c.created_by, c.member_count, c.last_seq, c.last_message_seq, c.last_activity_at, c.archived_at, c.created_at, c.updated_at'

export const MEMBER_COLUMNS =
  'm.conversation_id, m.member_id, m.role, m.can_post, m.last_read_seq, m.last_delivered_seq, m.starred, m.mute_until, m.notify_level, m.joined_at'

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

/**
 * The columns of a conversation as the caller sees it: the row, the caller's membership `m`
 * (NULL when not a member), unread count, last message and, for dms, the two participants.
 * Expects `c` (conversations) and `m` (members, possibly NULL) in the FROM clause.
 */
export const DETAIL = `${CONVERSATION_COLUMNS},
  CASE WHEN m.member_id IS NULL THEN NULL ELSE to_jsonb(m) END AS member,
  CASE WHEN m.member_id IS NULL THEN NULL ELSE ${MEMBER_UNREAD} END AS unread_count,
  CASE WHEN m.member_id IS NULL THEN NULL ELSE ${MEMBER_MENTIONS} END AS mention_count,
  CASE WHEN m.member_id IS NULL THEN NULL ELSE ${MEMBER_UNREAD_THREADS} END AS unread_thread_count,
  (SELECT to_jsonb(lm) FROM messages lm WHERE lm.conversation_id = c.id AND lm.seq = c.last_message_seq) AS last_message,
  CASE WHEN c.type = 'dm' THEN
    (SELECT array_agg(d.member_id ORDER BY d.member_id) FROM members d WHERE d.conversation_id = c.id) END AS participants`


/** One conversation with `viewerId`'s membership (if any). */
export async function findConversationDetail(q: Queryable, id: string, viewerId: string | null): Promise<ConversationListRow | undefined> {
  const rows = await q.query<ConversationListRow>(
    `SELECT ${DETAIL} FROM conversations c
       LEFT JOIN members m ON m.conversation_id = c.id AND m.member_id = $2
      WHERE c.id = $1`,
    [id, viewerId],
  )
  return rows[0]
}

export interface ConversationFilters {
  type?: ConversationType
  archived?: boolean
  starred?: boolean
  externalRef?: string
  agentId?: string
}

const FILTERS = `
   AND ($2::text IS NULL OR c.type = $2)
   AND ($3::boolean IS NULL OR (c.archived_at IS NOT NULL) = $3)
   AND ($4::boolean IS NULL OR m.starred = $4)
   AND ($5::text IS NULL OR c.external_ref = $5)
   AND ($6::text IS NULL OR c.agent_id = $6
        OR EXISTS (SELECT 1 FROM members am WHERE am.conversation_id = c.id AND am.member_id = $6))
   AND ($7::timestamptz IS NULL OR (c.last_activity_at, c.id) < ($7, $8::uuid))
 ORDER BY c.last_activity_at DESC, c.id DESC
 LIMIT $9`

function filterParams(f: ConversationFilters, after: [string, string] | undefined, limit: number) {
  return [f.type ?? null, f.archived ?? null, f.starred ?? null, f.externalRef ?? null, f.agentId ?? null, after?.[0] ?? null, after?.[1] ?? null, limit]
}

/** The member's conversations, most recent activity first, keyset-paged on (last_activity_at, id). */
export async function listConversationsOfMember(q: Queryable, memberId: string, f: ConversationFilters, after: [string, string] | undefined, limit: number) {
  return q.query<ConversationListRow>(
    `SELECT ${DETAIL} FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.member_id = $1 ${FILTERS}`,
    [memberId, ...filterParams(f, after, limit)],
  )
}

/** Every conversation (server key), same filters and order; `starred` does not apply. */
export async function listAllConversations(q: Queryable, f: ConversationFilters, after: [string, string] | undefined, limit: number) {
  return q.query<ConversationListRow>(
    `SELECT ${DETAIL} FROM conversations c LEFT JOIN members m ON false
      WHERE $1::text IS NULL ${FILTERS}`,
    [null, ...filterParams({ ...f, starred: undefined }, after, limit)],
  )
}

export interface NewConversation {
  id: string
  type: ConversationType
  name: string | null
  description: string | null
  visibility: 'public' | 'private'
  externalRef: string | null
  metadata: Record<string, unknown>
  maxMembers: number
  locked: boolean
  dmKey: string | null
  agentId: string | null
  createdBy: string | null
  at: string
}

/** Inserts a conversation; for a dm whose key exists already, inserts nothing and returns undefined. */
export async function insertConversation(q: Queryable, c: NewConversation): Promise<ConversationRow | undefined> {
  const rows = await q.query<ConversationRow>(
    `INSERT INTO conversations (id, type, name, description, visibility, external_ref, metadata, max_members, locked,
                                dm_key, agent_id, created_by, last_activity_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $13, $13)
     ON CONFLICT (dm_key) DO NOTHING
     RETURNING ${CONVERSATION_COLUMNS.replaceAll('c.', '')}`,
    [c.id, c.type, c.name, c.description, c.visibility, c.externalRef, JSON.stringify(c.metadata), c.maxMembers, c.locked, c.dmKey, c.agentId, c.createdBy, c.at],
  )
  return rows[0]
}

export async function findConversationIdByDmKey(q: Queryable, dmKey: string): Promise<string | undefined> {
  return (await q.query<{ id: string }>('SELECT id FROM conversations WHERE dm_key = $1', [dmKey]))[0]?.id
}

/** The settings update-conversation may change, each already resolved to its new value. */
export interface ConversationSettingsPatch {
  name: string | null
  description: string | null
  visibility: 'public' | 'private'
  metadata: Record<string, unknown>
  maxMembers: number
  locked: boolean
}

/** Writes a conversation's settings. Runs inside the conversation's row lock. */
export async function updateConversationSettings(q: Queryable, id: string, p: ConversationSettingsPatch, at: string): Promise<void> {
  await q.query(
    `UPDATE conversations
        SET name = $2, description = $3, visibility = $4, metadata = $5::jsonb, max_members = $6, locked = $7, updated_at = $8
      WHERE id = $1`,
    [id, p.name, p.description, p.visibility, JSON.stringify(p.metadata), p.maxMembers, p.locked, at],
  )
}

/** Archives (`archivedAt` a time) or unarchives (null). Runs inside the conversation's row lock. */
export async function setConversationArchived(q: Queryable, id: string, archivedAt: string | null, at: string): Promise<void> {
  await q.query('UPDATE conversations SET archived_at = $2, updated_at = $3 WHERE id = $1', [id, archivedAt, at])
}

/**
 * Turns a group into a private channel (`locked` does not apply to channels). Runs inside the
 * conversation's row lock; the members' posting rights are the caller's business.
 */
export async function convertGroupToChannel(q: Queryable, id: string, maxMembers: number, at: string): Promise<void> {
  await q.query(
    `UPDATE conversations SET type = 'channel', visibility = 'private', locked = false, max_members = $2, updated_at = $3
      WHERE id = $1 AND type = 'group'`,
    [id, maxMembers, at],
  )
}
