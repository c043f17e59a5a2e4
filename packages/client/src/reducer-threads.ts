import type { Message } from './events.js'
import { UNREAD_CAP } from './reducer-rules.js'
import type { ConversationState } from './state.js'

/**
 * Threads in the reducer, mirroring the server exactly: the root summaries parley_send_batch
 * keeps (migration 0007) and the unread thread rule of src/reads/unread.sql.ts. A thread is
 * unread for the viewer when they follow it (`thread.lastReadSeq` not null) and its newest
 * reply that is not deleted is past their cursor. What the reducer cannot know — a thread
 * whose root is not loaded — it reports as `stale` (the counts), never guesses.
 */

/** The server keeps at most this many thread participants. */
export const THREAD_PARTICIPANTS_CAP = 10

/** A thread step: the conversation after it, and why its counts are no longer known, if they are not. */
export interface ThreadStep {
  entry: ConversationState
  stale?: string
}

/** Whether a loaded root's thread is unread for the viewer. */
export function threadUnread(m: Message | undefined): boolean {
  const t = m?.thread
  return !!t && t.lastReadSeq !== null && t.lastReplySeq !== null && t.lastReplySeq > t.lastReadSeq
}

/** `unreadThreadCount` moved by `delta` (−1, 0, +1), or a reason it cannot be known (the server caps it). */
function withCount(entry: ConversationState, delta: number): ThreadStep {
  const m = entry.conversation.membership
  if (!m || delta === 0) return { entry }
  if (delta < 0 && m.unreadThreadCount >= UNREAD_CAP) return { entry, stale: 'unread threads are counted up to the cap' }
  const membership = { ...m, unreadThreadCount: Math.min(UNREAD_CAP, m.unreadThreadCount + delta) }
  return { entry: { ...entry, conversation: { ...entry.conversation, membership } } }
}

function replaceMessage(entry: ConversationState, next: Message): ConversationState {
  return { ...entry, messages: entry.messages?.map((x) => (x.id === next.id ? next : x)) }
}

/**
 * A reply arrived (its message.created, already appended to the loaded messages). Its root's
 * summary grows as the server grows it; the viewer's thread cursor moves to their own reply,
 * or appears (at 0) when the viewer starts to follow: they wrote the root, or the root or this
 * reply mentions them. A member only: the server makes cursors for members.
 */
export function replyArrived(me: string, entry: ConversationState, reply: Message): ThreadStep {
  if (!reply.threadRootId || reply.kind === 'system') return { entry }
  const m = entry.conversation.membership
  const root = entry.messages?.find((x) => x.id === reply.threadRootId)
  if (!root) {
    // Every message is loaded and the root is not among them: it was hard-deleted, its thread counts for no one.
    if (!m || (entry.messages && entry.hasBefore === false)) return { entry }
    // One's own reply reads the thread: nothing changes unless the thread was unread, which needs the root.
    if (reply.senderId === me && m.unreadThreadCount === 0) return { entry }
    return { entry, stale: 'a reply in a thread whose root is not loaded' }
  }
  const t = root.thread
  let lastReadSeq = t?.lastReadSeq ?? null
  if (m) {
    if (reply.senderId === me) lastReadSeq = Math.max(lastReadSeq ?? 0, reply.seq)
    else if (lastReadSeq === null && (root.senderId === me || root.mentions.includes(me) || reply.mentions.includes(me))) lastReadSeq = 0
  }
  const participants = t?.participantIds ?? []
  const next: Message = {
    ...root,
    thread: {
      replyCount: (t?.replyCount ?? 0) + 1,
      lastReplyAt: reply.createdAt,
      lastReplySeq: reply.seq,
      participantIds:
        participants.includes(reply.senderId) || participants.length >= THREAD_PARTICIPANTS_CAP ? participants : [...participants, reply.senderId],
      lastReadSeq,
    },
  }
  return withCount(replaceMessage(entry, next), Number(threadUnread(next)) - Number(threadUnread(root)))
}

/**
 * A `message.updated`: the caller-free view, whose `thread.lastReadSeq` is null for everyone.
 * Answers the count after it (a deleted reply may have been the thread's last unread one), and
 * the loaded message's thread as it must be after the view is applied: the view's summary with
 * the viewer's own cursor kept (`keepThread` puts it back).
 */
export function messageUpdated(entry: ConversationState, view: Message): ThreadStep & { thread?: Message['thread'] } {
  const old = entry.messages?.find((x) => x.id === view.id)
  const m = entry.conversation.membership
  if (!old) {
    // A thread root not loaded: whether it was unread for the viewer is not known here.
    const unsure = !!view.thread && !!m && m.unreadThreadCount > 0
    return { entry, ...(unsure ? { stale: 'a thread whose root is not loaded changed' } : {}) }
  }
  const thread = view.thread && { ...view.thread, lastReadSeq: old.thread?.lastReadSeq ?? null }
  return { ...withCount(entry, Number(threadUnread({ ...old, thread })) - Number(threadUnread(old))), thread }
}

/** The loaded message `id` with its thread set to `thread` (after a caller-free view replaced it). */
export function keepThread(entry: ConversationState, id: string, thread: Message['thread'] | undefined): ConversationState {
  const msg = entry.messages?.find((x) => x.id === id)
  return msg && thread !== undefined ? replaceMessage(entry, { ...msg, thread }) : entry
}

/** `thread.read.updated` of the viewer: their cursor in that thread, and their count as the server computed it. */
export function threadReadUpdated(entry: ConversationState, data: { threadRootId: string; lastReadSeq: number; unreadThreadCount: number }): ConversationState {
  const m = entry.conversation.membership
  const root = entry.messages?.find((x) => x.id === data.threadRootId)
  let next = entry
  if (root?.thread && root.thread.lastReadSeq !== null && data.lastReadSeq > root.thread.lastReadSeq) {
    next = replaceMessage(next, { ...root, thread: { ...root.thread, lastReadSeq: data.lastReadSeq } })
  }
  if (!m) return next
  return { ...next, conversation: { ...next.conversation, membership: { ...m, unreadThreadCount: data.unreadThreadCount } } }
}

/**
 * A message was deleted. A hard-deleted root takes its thread out of the count (the server
 * counts threads of existing roots); a soft-deleted one keeps it, and its tombstone (a
 * caller-free view) keeps the viewer's cursor (`thread`, for `keepThread`). A hard-deleted
 * message that is not loaded may have been an unread thread's root.
 */
export function messageDeleted(entry: ConversationState, messageId: string, mode: 'soft' | 'hard'): ThreadStep & { thread?: Message['thread'] } {
  const m = entry.conversation.membership
  const old = entry.messages?.find((x) => x.id === messageId)
  if (mode !== 'hard') return { entry, ...(old?.thread ? { thread: old.thread } : {}) }
  if (old) return withCount(entry, -Number(threadUnread(old)))
  if (m && m.unreadThreadCount > 0 && entry.hasBefore !== false) return { entry, stale: 'a message that is not loaded was deleted: it may have been an unread thread’s root' }
  return { entry }
}
