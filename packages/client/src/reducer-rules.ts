import type { Conversation, Message } from './events.js'
import type { ConversationState, Member, Rights } from './state.js'

export type { Rights } from './state.js'

/**
 * The server's rules the reducer mirrors, kept apart so each can be compared with the server
 * code it copies: who may post (postingVerdict in src/conversations/posting-rule.ts) and what is
 * unread (the unread and mention counts of src/reads/unread.sql.ts).
 */

/** The server counts unread messages and mentions up to this many. */
export const UNREAD_CAP = 1000

type PostingInputs = Pick<Conversation, 'type' | 'settings' | 'archivedAt'>

/**
 * Effective `canPost`: nobody in an archived conversation; admins and dm members always; group
 * members unless locked; channel members by their stored right — undefined when that is not known.
 */
export function canPostIn(conv: PostingInputs, role: 'admin' | 'member', right: boolean | undefined): boolean | undefined {
  if (conv.archivedAt) return false
  if (role === 'admin' || conv.type === 'dm') return true
  if (conv.type === 'group') return !conv.settings.locked
  return right
}

/**
 * Records a stored right where an effective `canPost` reveals it: a non-admin of a channel
 * that is not archived. Elsewhere the effective value says nothing about the stored one.
 */
export function learnRight(rights: Rights, conv: PostingInputs, id: string, role: 'admin' | 'member', canPost: boolean): void {
  if (conv.type === 'channel' && !conv.archivedAt && role === 'member') rights[id] = canPost
}

/** The members list with one member's read cursor moved forward (never back). */
export function withMemberCursor(members: Member[], userId: string, seq: number): Member[] {
  return members.map((m) => (m.userId === userId && seq > m.lastReadSeq ? { ...m, lastReadSeq: seq } : m))
}

/**
 * Unread and mention counts after `lastReadSeq`, as the server computes them: messages from
 * others, not deleted, after the cursor, each count capped at 1000. Answers undefined when the
 * loaded messages cannot tell: the loaded window must reach the newest message and either start
 * at or before the cursor or have nothing older (`hasBefore: false`).
 */
export function recount(me: string, entry: ConversationState, lastReadSeq: number): { unreadCount: number; mentionCount: number } | undefined {
  const newest = entry.conversation.lastMessage?.seq ?? 0
  if (lastReadSeq >= newest) return { unreadCount: 0, mentionCount: 0 }
  const loaded = entry.messages
  if (!loaded?.length || loaded[loaded.length - 1].seq !== newest) return undefined
  if (entry.hasBefore !== false && loaded[0].seq > lastReadSeq) return undefined
  const unread = loaded.filter((x: Message) => x.seq > lastReadSeq && x.senderId !== me && !x.deletedAt)
  return {
    unreadCount: Math.min(UNREAD_CAP, unread.length),
    mentionCount: Math.min(UNREAD_CAP, unread.filter((x) => x.mentions.includes(me)).length),
  }
}
