import type { Message } from './events.js'
import type { ConversationState, Pin } from './state.js'

/**
 * Reactions and pins in the reducer. Reaction events carry who reacted, so the loaded
 * message's count moves by one and `me` follows the viewer's own reactions exactly. Pins are
 * kept twice: on the loaded message (`pinnedAt`, `pinnedBy`) and in the conversation's `pins`
 * list (newest pin first), which `message.pinned` and `message.unpinned` keep whole even for
 * messages that are not loaded (`message.pinned` also carries the message's view, for a pinned
 * bar). A conversation's `lastMessage` is a preview without reactions or pin: events leave
 * those alone there.
 */

export interface ReactionData {
  messageId: string
  emoji: string
  userId: string
}

export interface PinnedData {
  messageId: string
  pinnedBy: string | null
  pinnedAt: string
}

/** `reaction.added` (+1) or `reaction.removed` (−1) on the loaded message. */
export function reactionChanged(me: string, entry: ConversationState, r: ReactionData, delta: 1 | -1): ConversationState {
  if (!entry.messages?.some((x) => x.id === r.messageId)) return entry
  const messages = entry.messages.map((x) => (x.id === r.messageId ? withReaction(x, r.emoji, r.userId === me, delta) : x))
  return { ...entry, messages }
}

function withReaction(m: Message, emoji: string, mine: boolean, delta: 1 | -1): Message {
  const old = m.reactions[emoji]
  const count = (old?.count ?? 0) + delta
  // A new emoji goes last: the server orders a message's emoji by first use.
  const reactions = { ...m.reactions }
  if (count > 0) reactions[emoji] = { count, me: mine ? delta > 0 : (old?.me ?? false) }
  else delete reactions[emoji]
  return { ...m, reactions }
}

/** `message.pinned`: the loaded message and the pins list. */
export function messagePinned(entry: ConversationState, p: PinnedData): ConversationState {
  const pin: Pin = { messageId: p.messageId, pinnedAt: p.pinnedAt, pinnedBy: p.pinnedBy }
  const messages = entry.messages?.map((x) => (x.id === p.messageId ? { ...x, pinnedAt: p.pinnedAt, pinnedBy: p.pinnedBy } : x))
  const pins = entry.pins && [...entry.pins.filter((x) => x.messageId !== p.messageId), pin].sort(newestPinFirst)
  return { ...entry, ...(messages ? { messages } : {}), ...(pins ? { pins } : {}) }
}

/** `message.unpinned`. */
export function messageUnpinned(entry: ConversationState, messageId: string): ConversationState {
  const messages = entry.messages?.map((x) => (x.id === messageId && x.pinnedAt ? { ...x, pinnedAt: null, pinnedBy: null } : x))
  return withoutPin({ ...entry, ...(messages ? { messages } : {}) }, messageId)
}

/** The pins list without a message's pin (unpinned, or deleted: a delete takes the pin with it, without `message.unpinned`). */
export function withoutPin(entry: ConversationState, messageId: string): ConversationState {
  if (!entry.pins?.some((x) => x.messageId === messageId)) return entry
  return { ...entry, pins: entry.pins.filter((x) => x.messageId !== messageId) }
}

/**
 * What a `message.updated` view may not replace on a message the client holds: reactions (the
 * event's `me` is false for everyone; the counts are the same as the held ones, kept by reaction
 * events) and the pin.
 */
export function keptOnUpdate(held: Message): Pick<Message, 'reactions' | 'pinnedAt' | 'pinnedBy'> {
  return { reactions: held.reactions, pinnedAt: held.pinnedAt, pinnedBy: held.pinnedBy }
}

/** A tombstone serves no reactions and no pin. */
export const clearedOnDelete = (): Pick<Message, 'reactions' | 'pinnedAt' | 'pinnedBy'> => ({ reactions: {}, pinnedAt: null, pinnedBy: null })

/** list-pinned-messages' order: newest pin first, then message id descending. */
export const newestPinFirst = (a: Pin, b: Pin) =>
  a.pinnedAt === b.pinnedAt ? (a.messageId < b.messageId ? 1 : -1) : a.pinnedAt < b.pinnedAt ? 1 : -1
