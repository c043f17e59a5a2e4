import type { Queryable } from '../store/db.js'
import type { ParticipantRow } from '../users/users.sql.js'
import { findVisibleParticipants } from '../users/users.sql.js'
import { invalid } from '../ops/errors.js'
import { MEMBER_COLUMNS, type MemberRow } from '../conversations/conversations.sql.js'

export interface NewMember {
  id: string
  role: 'admin' | 'member'
  canPost: boolean
}

/**
 * Adds members (those already in are left alone) and keeps member_count right. Returns the ids
 * actually added, in the given order. Runs inside the conversation's row lock.
 */
export async function insertMembers(q: Queryable, conversationId: string, members: NewMember[], joinedAt: string): Promise<string[]> {
  if (!members.length) return []
  const rows = await q.query<{ member_id: string }>(
    `INSERT INTO members (conversation_id, member_id, role, can_post, joined_at)
     SELECT $1, * , $5::timestamptz FROM unnest($2::text[], $3::text[], $4::boolean[])
     ON CONFLICT (conversation_id, member_id) DO NOTHING
     RETURNING member_id`,
    [conversationId, members.map((m) => m.id), members.map((m) => m.role), members.map((m) => m.canPost), joinedAt],
  )
  if (rows.length) await q.query('UPDATE conversations SET member_count = member_count + $2 WHERE id = $1', [conversationId, rows.length])
  const added = new Set(rows.map((r) => r.member_id))
  return members.map((m) => m.id).filter((id) => added.has(id))
}

/**
 * Loads the participants named in `ids` (an input field at `path`) and refuses, listing each
 * offender, ids that name nobody or a deactivated participant. An id hidden from `viewerId` by
 * the directory rule (null: nothing hidden) is refused exactly like one that names nobody.
 */
export async function loadActiveParticipants(q: Queryable, ids: string[], path: string, viewerId: string | null): Promise<ParticipantRow[]> {
  const found = new Map((await findVisibleParticipants(q, viewerId, ids)).map((p) => [p.id, p]))
  const errors = ids.flatMap((id, i) => {
    const p = found.get(id)
    if (!p) return [{ path: `${path}.${i}`, message: `${id} is not a known user or agent` }]
    if (p.deactivated_at) return [{ path: `${path}.${i}`, message: `${id} is deactivated` }]
    return []
  })
  if (errors.length) throw invalid(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors)
  return ids.map((id) => found.get(id)!)
}

/** A member row with the participant's kind, name and avatar: what a member view shows. */
export interface MemberDetailRow extends MemberRow {
  kind: 'user' | 'agent'
  name: string
  avatar_url: string | null
}

const MEMBER_DETAIL = `SELECT ${MEMBER_COLUMNS}, p.kind, p.name, p.avatar_url
   FROM members m JOIN participants p ON p.id = m.member_id`

/** The named members of a conversation (non-members are left out), oldest membership first. */
export async function findMemberDetails(q: Queryable, conversationId: string, memberIds: string[]): Promise<MemberDetailRow[]> {
  return q.query<MemberDetailRow>(
    `${MEMBER_DETAIL} WHERE m.conversation_id = $1 AND m.member_id = ANY($2::text[]) ORDER BY m.joined_at, m.member_id`,
    [conversationId, memberIds],
  )
}

/** Members keyset-paged on (joined_at, member_id), optionally of one role. */
export async function listMemberDetails(
  q: Queryable,
  conversationId: string,
  opts: { role?: 'admin' | 'member'; after?: [string, string]; limit: number },
): Promise<MemberDetailRow[]> {
  return q.query<MemberDetailRow>(
    `${MEMBER_DETAIL}
      WHERE m.conversation_id = $1
        AND ($2::text IS NULL OR m.role = $2)
        AND ($3::timestamptz IS NULL OR (m.joined_at, m.member_id) > ($3, $4::text))
      ORDER BY m.joined_at, m.member_id LIMIT $5`,
    [conversationId, opts.role ?? null, opts.after?.[0] ?? null, opts.after?.[1] ?? null, opts.limit],
  )
}

/**
 * Deletes memberships and keeps member_count right. Returns the ids actually removed, in the
 * given order. Runs inside the conversation's row lock.
 */
export async function deleteMembers(q: Queryable, conversationId: string, memberIds: string[]): Promise<string[]> {
  if (!memberIds.length) return []
  const rows = await q.query<{ member_id: string }>(
    'DELETE FROM members WHERE conversation_id = $1 AND member_id = ANY($2::text[]) RETURNING member_id',
    [conversationId, memberIds],
  )
  if (rows.length) await q.query('UPDATE conversations SET member_count = member_count - $2 WHERE id = $1', [conversationId, rows.length])
  const removed = new Set(rows.map((r) => r.member_id))
  return memberIds.filter((id) => removed.has(id))
}

/** Sets a member's role and posting right. Runs inside the conversation's row lock. */
export async function updateMemberRights(q: Queryable, conversationId: string, memberId: string, role: 'admin' | 'member', canPost: boolean): Promise<void> {
  await q.query('UPDATE members SET role = $3, can_post = $4 WHERE conversation_id = $1 AND member_id = $2', [conversationId, memberId, role, canPost])
}

/** The ids of a conversation's admins. */
export async function listAdminIds(q: Queryable, conversationId: string): Promise<string[]> {
  const rows = await q.query<{ member_id: string }>(
    "SELECT member_id FROM members WHERE conversation_id = $1 AND role = 'admin' ORDER BY member_id",
    [conversationId],
  )
  return rows.map((r) => r.member_id)
}

/**
 * Who becomes admin when the last one leaves: the longest-standing member, people before
 * agents (an agent is steered by an owner who may not be a member at all).
 */
export async function findSuccessorAdmin(q: Queryable, conversationId: string): Promise<MemberDetailRow | undefined> {
  const rows = await q.query<MemberDetailRow>(
    `${MEMBER_DETAIL} WHERE m.conversation_id = $1 ORDER BY (p.kind = 'agent'), m.joined_at, m.member_id LIMIT 1`,
    [conversationId],
  )
  return rows[0]
}

/** Takes the right to post from every non-admin member (a group becoming a channel). */
export async function revokePostingOfNonAdmins(q: Queryable, conversationId: string): Promise<number> {
  const rows = await q.query(
    "UPDATE members SET can_post = false WHERE conversation_id = $1 AND role <> 'admin' AND can_post RETURNING 1",
    [conversationId],
  )
  return rows.length
}

/** A member's private preferences, each already resolved to its new value. */
export interface PreferencesPatch {
  starred: boolean
  muteUntil: string | null
  notifyLevel: 'all' | 'mentions' | 'none'
}

/** Writes a member's preferences; undefined when the membership is gone. */
export async function updateMemberPreferences(q: Queryable, conversationId: string, memberId: string, p: PreferencesPatch): Promise<MemberRow | undefined> {
  const rows = await q.query<MemberRow>(
    `UPDATE members m SET starred = $3, mute_until = $4, notify_level = $5
      WHERE m.conversation_id = $1 AND m.member_id = $2
      RETURNING ${MEMBER_COLUMNS}`,
    [conversationId, memberId, p.starred, p.muteUntil, p.notifyLevel],
  )
  return rows[0]
}
