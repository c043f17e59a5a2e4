import type { Queryable } from '../store/db.js'
import type { ParticipantRow } from '../users/users.sql.js'
import { findParticipants } from '../users/users.sql.js'
import { invalid } from '../ops/errors.js'

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
 * offender, ids that name nobody or a deactivated participant.
 */
export async function loadActiveParticipants(q: Queryable, ids: string[], path: string): Promise<ParticipantRow[]> {
  const found = new Map((await findParticipants(q, ids)).map((p) => [p.id, p]))
  const errors = ids.flatMap((id, i) => {
    const p = found.get(id)
    if (!p) return [{ path: `${path}.${i}`, message: `${id} is not a known user or agent` }]
    if (p.deactivated_at) return [{ path: `${path}.${i}`, message: `${id} is deactivated` }]
    return []
  })
  if (errors.length) throw invalid(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors)
  return ids.map((id) => found.get(id)!)
}
