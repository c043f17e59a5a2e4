import type { Message } from './events.js'
import { isUnread, mentionsMe, recount, shiftCount } from './reducer-rules.js'
import { clearedOnDelete, keptOnUpdate } from './reducer-reactions.js'
import type { ConversationState } from './state.js'

/**
 * Edits and deletes in the reducer. `message.updated` carries the whole view after the change;
 * `message.deleted` carries the deleted message's seq and, when soft, its tombstone view, or,
 * when hard and it was the conversation's last message, the new last one. The viewer's unread
 * and mention counts move exactly as the server's rule (reducer-rules.ts) says: by one when the
 * message is held, by a recount of the loaded window otherwise, and are named stale when
 * neither can tell.
 */

/** `message.deleted`'s payload. */
export interface DeletedData {
  messageId: string
  seq: number
  mode: 'soft' | 'hard'
  deletedBy: string | null
  reason?: string
  /** Soft: the tombstone as it now reads (caller-free). */
  message?: Message
  /** Hard, when the message was the conversation's last: the new last message (null: none left). */
  lastMessage?: Message | null
}

/** The conversation after the event, and what the events could not bring, if anything. */
export interface EditStep {
  entry: ConversationState
  stale?: { what: 'messages' | 'counts'; why: string }
}

/**
 * `message.updated`: the view replaces the held message and the conversation's last message,
 * keeping what a caller-free view cannot carry (the viewer's own reactions, the pin: keptOnUpdate).
 */
export function messageEdited(me: string, entry: ConversationState, view: Message): EditStep {
  if (typeof view?.id !== 'string' || typeof view.seq !== 'number') return { entry, stale: { what: 'messages', why: 'message.updated without a message view' } }
  const held = entry.messages?.find((x) => x.id === view.id)
  const last = entry.conversation.lastMessage
  const replace = (x: Message): Message => ({ ...x, ...view, ...keptOnUpdate(x) })
  const messages = held && entry.messages!.map((x) => (x.id === view.id ? replace(x) : x))
  const conversation = last?.id === view.id ? { ...entry.conversation, lastMessage: replace(last) } : entry.conversation
  const next = { ...entry, conversation, ...(messages ? { messages } : {}) }
  return withCounts(me, next, view.seq, held ?? (last?.id === view.id ? last : undefined), view)
}

/**
 * `message.deleted`: soft, the held message becomes the tombstone (the viewer's thread cursor
 * kept); hard, it leaves the loaded messages and, if it was the last message, the conversation
 * shows the new last one.
 */
export function messageRemoved(me: string, entry: ConversationState, d: DeletedData): EditStep {
  const held = entry.messages?.find((x) => x.id === d.messageId)
  const last = entry.conversation.lastMessage
  const before = held ?? (last?.id === d.messageId ? last : undefined)
  let conversation = entry.conversation
  let messages = entry.messages
  if (d.mode === 'soft') {
    const tomb = d.message
    if (!tomb) return { entry, stale: { what: 'messages', why: 'message.deleted without the tombstone' } }
    const thread = (x: Message): Message['thread'] => (tomb.thread && x.thread ? { ...tomb.thread, lastReadSeq: x.thread.lastReadSeq } : tomb.thread)
    messages = messages?.map((x) => (x.id === d.messageId ? { ...tomb, ...clearedOnDelete(), thread: thread(x) } : x))
    if (last?.id === d.messageId) conversation = { ...conversation, lastMessage: tomb }
    return withCounts(me, { ...entry, conversation, ...(messages ? { messages } : {}) }, d.seq, before, tomb)
  }
  messages = messages?.filter((x) => x.id !== d.messageId)
  if (d.lastMessage !== undefined) conversation = { ...conversation, lastMessage: d.lastMessage }
  return withCounts(me, { ...entry, conversation, ...(messages ? { messages } : {}) }, d.seq, before, undefined)
}

/**
 * The viewer's counts after message `seq` changed from `before` (undefined: not held) to
 * `after` (undefined: removed). `entry` is the conversation after the change.
 */
function withCounts(me: string, entry: ConversationState, seq: number, before: Message | undefined, after: Message | undefined): EditStep {
  const m = entry.conversation.membership
  if (!m || seq <= m.lastReadSeq) return { entry }
  const unread = (x: Message | undefined) => !!x && isUnread(me, x, m.lastReadSeq)
  const mention = (x: Message | undefined) => unread(x) && mentionsMe(me, x!, m.preferences.notifyLevel)
  if (before) {
    const unreadCount = shiftCount(m.unreadCount, Number(unread(after)) - Number(unread(before)))
    const mentionCount = shiftCount(m.mentionCount, Number(mention(after)) - Number(mention(before)))
    if (unreadCount !== undefined && mentionCount !== undefined) return { entry: withMembership(entry, { unreadCount, mentionCount }) }
  } else {
    // Not held. One's own messages never count; a delete cannot lower counts that are zero.
    if (after && (after.senderId === me || after.kind === 'system')) return { entry }
    if ((!after || after.deletedAt) && m.unreadCount === 0) return { entry }
  }
  const counts = recount(me, entry, m.lastReadSeq)
  return counts ? { entry: withMembership(entry, counts) } : { entry, stale: { what: 'counts', why: 'an unread message that is not loaded changed' } }
}

function withMembership(entry: ConversationState, counts: { unreadCount: number; mentionCount: number }): ConversationState {
  const m = entry.conversation.membership!
  return { ...entry, conversation: { ...entry.conversation, membership: { ...m, ...counts } } }
}
