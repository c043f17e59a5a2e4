import type { Tx } from '../store/db.js'
import type { Actor } from '../ops/actor.js'
import { iso } from '../lib/time.js'
import { appendEvents } from '../events/event-log.sql.js'
import type { EventData, NewEvent } from '../events/event-types.js'
import { mayPost } from '../conversations/posting-rule.js'
import type { ConversationRow } from '../conversations/conversations.sql.js'
import { actorIdOf, eventConversationView, findEventConversation } from '../conversations/conversation-writes.js'
import type { Conversation } from '../conversations/conversations.schemas.js'
import type { Member } from './members.schemas.js'
import { findMemberDetails, type MemberDetailRow } from './members.sql.js'

/** A member as the API shows it; `canPost` is effective in `conv` as it is now. */
export function toMemberView(conv: ConversationRow, m: MemberDetailRow): Member {
  return {
    userId: m.member_id,
    kind: m.kind,
    name: m.name,
    avatarUrl: m.avatar_url,
    role: m.role,
    canPost: mayPost(conv, m),
    joinedAt: iso(m.joined_at)!,
    lastReadSeq: m.last_read_seq,
  }
}

/** Views of the named members, in the order given (non-members are left out). */
export async function loadMemberViews(q: Tx, conv: ConversationRow, ids: string[]): Promise<Member[]> {
  const byId = new Map((await findMemberDetails(q, conv.id, ids)).map((m) => [m.member_id, m]))
  return ids.flatMap((id) => (byId.has(id) ? [toMemberView(conv, byId.get(id)!)] : []))
}

/**
 * Member events, as every member receives them:
 * - `member.added` `{ member, by, conversation }` (the view as of the event, no membership)
 * - `member.removed` `{ memberId, by, reason: 'left' | 'removed' }`
 * - `member.updated` `{ member, changes }` (`changes` holds only what changed, new values)
 * `by` is the actor's id, null for the server key.
 */
export const memberAdded = (actor: Actor, member: Member, conversation: Conversation): NewEvent => ({
  type: 'member.added',
  actorId: actorIdOf(actor),
  data: { member, by: actorIdOf(actor), conversation },
})

/**
 * `member.added` for each of `members`, just added (in this order) to `conv` as it was locked
 * before: each carries the conversation as of its own event, so the member it brings in
 * builds the conversation from it (seq and member count included).
 */
export async function memberAddedEvents(tx: Tx, actor: Actor, conv: ConversationRow, members: Member[]): Promise<NewEvent[]> {
  if (!members.length) return []
  const detail = await findEventConversation(tx, conv.id)
  return members.map((m, i) => memberAdded(actor, m, eventConversationView(detail, conv.last_seq + i + 1, conv.member_count + i + 1)))
}

export const memberRemoved = (actor: Actor, memberId: string, reason: 'left' | 'removed'): NewEvent => ({
  type: 'member.removed',
  actorId: actorIdOf(actor),
  data: { memberId, by: actorIdOf(actor), reason },
})

export const memberUpdated = (actor: Actor, member: Member, changes: EventData<'member.updated'>['changes']): NewEvent => ({
  type: 'member.updated',
  actorId: actorIdOf(actor),
  data: { member, changes },
})

/** Appends member events to the conversation's log. Runs inside the conversation's row lock. */
export async function appendMemberEvents(tx: Tx, conv: ConversationRow, events: NewEvent[]): Promise<void> {
  const cursor = { id: conv.id, lastSeq: conv.last_seq }
  await appendEvents(tx, cursor, events)
  conv.last_seq = cursor.lastSeq
}
