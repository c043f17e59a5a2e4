import type { Queryable, Tx } from '../store/db.js'
import type { Actor } from '../ops/actor.js'
import { appendEvent } from '../events/event-log.sql.js'
import type { EventData } from '../events/event-types.js'
import type { Conversation } from './conversations.schemas.js'
import { findConversationDetail, type ConversationListRow, type ConversationRow } from './conversations.sql.js'
import { toConversationView } from './conversations.view.js'

/**
 * Helpers shared by the writes on a conversation (update, archive, convert, membership):
 * who the event names as actor, how the answer looks, and the `conversation.updated` event.
 */

/** The id an event records as its actor: the participant, or null for the server key. */
export const actorIdOf = (actor: Actor): string | null => (actor.kind === 'server' ? null : actor.id)

/**
 * The conversation as the caller sees it now, with their membership. Inside a write, pass the
 * transaction so the answer is exactly what commits.
 */
export async function conversationViewFor(q: Queryable, actor: Actor, id: string): Promise<Conversation> {
  const viewerId = actorIdOf(actor)
  const detail = (await findConversationDetail(q, id, viewerId))!
  return toConversationView(detail, viewerId === null ? 'server' : detail.member ? 'member' : 'public')
}

/**
 * Appends `conversation.updated` `{ changes, conversation }`: `changes` holds only what
 * changed, with the new values and the field names of the conversation view (`name`,
 * `settings: { maxMembers }`, `archivedAt`, …); `conversation` is the whole view after the
 * change (no membership: the event goes to every member). Runs inside the conversation's row
 * lock, after the row was written. Advances `conv.last_seq`.
 */
/**
 * The conversation as events carry it: the whole view with no membership (an event goes to
 * every member), as of the event at `seq`. `memberCount` is the count as of that event, for a
 * batch whose events each add one member (the row already holds the count after all of them).
 */
export function eventConversationView(detail: ConversationListRow, seq: number, memberCount = detail.member_count): Conversation {
  return toConversationView({ ...detail, last_seq: seq, member_count: memberCount }, 'member')
}

/** The detail row `eventConversationView` takes: the conversation with nobody's membership. */
export async function findEventConversation(q: Queryable, id: string): Promise<ConversationListRow> {
  return (await findConversationDetail(q, id, null))!
}

export async function appendConversationUpdated(
  tx: Tx,
  conv: ConversationRow,
  actor: Actor,
  changes: EventData<'conversation.updated'>['changes'],
): Promise<void> {
  const cursor = { id: conv.id, lastSeq: conv.last_seq }
  const conversation = eventConversationView(await findEventConversation(tx, conv.id), cursor.lastSeq + 1)
  await appendEvent(tx, cursor, { type: 'conversation.updated', actorId: actorIdOf(actor), data: { changes, conversation } })
  conv.last_seq = cursor.lastSeq
}
