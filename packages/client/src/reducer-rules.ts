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
 * others, not deleted, not system messages, after the cursor (`isUnread`), mentions as
 * `mentionsMe` says, each count capped at 1000. Answers undefined when the loaded messages
 * cannot tell: the loaded window must reach the newest message and either start at or before
 * the cursor or have nothing older (`hasBefore: false`).
 */
export function recount(me: string, entry: ConversationState, lastReadSeq: number): { unreadCount: number; mentionCount: number } | undefined {
  const newest = entry.conversation.lastMessage?.seq ?? 0
  if (lastReadSeq >= newest) return { unreadCount: 0, mentionCount: 0 }
  const loaded = entry.messages
  if (!loaded?.length || loaded[loaded.length - 1].seq !== newest) return undefined
  if (entry.hasBefore !== false && loaded[0].seq > lastReadSeq) return undefined
  const unread = loaded.filter((x: Message) => isUnread(me, x, lastReadSeq))
  const level = entry.conversation.membership?.preferences.notifyLevel ?? 'all'
  return {
    unreadCount: Math.min(UNREAD_CAP, unread.length),
    mentionCount: Math.min(UNREAD_CAP, unread.filter((x) => mentionsMe(me, x, level)).length),
  }
}

/** Whether a message is unread for `me` with the read cursor at `lastReadSeq`: after it, from someone else, not deleted, not a system message. */
export function isUnread(me: string, x: Pick<Message, 'seq' | 'senderId' | 'deletedAt' | 'kind'>, lastReadSeq: number): boolean {
  return x.seq > lastReadSeq && x.senderId !== me && !x.deletedAt && x.kind !== 'system'
}

/**
 * Whether an unread message counts among `me`'s mentions: it names them or everyone (`@all` /
 * `@here`), and their notify level is not `none` (which mutes mentions too).
 */
export function mentionsMe(me: string, x: Pick<Message, 'mentions' | 'wildcardMention'>, notifyLevel: NotifyLevel): boolean {
  return notifyLevel !== 'none' && (!!x.wildcardMention || x.mentions.includes(me))
}

type NotifyLevel = NonNullable<Conversation['membership']>['preferences']['notifyLevel']

/**
 * A count the server caps at UNREAD_CAP, moved by `delta`; undefined when that cannot be known
 * (a count at the cap going down may stay there).
 */
export function shiftCount(shown: number, delta: number): number | undefined {
  if (delta === 0) return shown
  if (shown >= UNREAD_CAP) return delta > 0 ? UNREAD_CAP : undefined
  return Math.max(0, Math.min(UNREAD_CAP, shown + delta))
}
