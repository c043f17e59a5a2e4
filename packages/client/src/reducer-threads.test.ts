import { describe, expect, it } from 'vitest'
import { applyEvent, applyEvents, initialState, type ClientState, type ReducibleEvent } from './reducer.js'
import type { Conversation, Message } from './events.js'

const T = '2025-01-01T00:00:00.000Z'
const membership = { role: 'member' as const, canPost: true, lastReadSeq: 0, unreadCount: 0, mentionCount: 0, unreadThreadCount: 0, joinedAt: T, preferences: { starred: false, muteUntil: null, notifyLevel: 'all' as const } }
const conv = (over: Partial<Conversation['membership'] & object> = {}): Conversation => ({
  id: 'c1', type: 'group', name: 'g', description: null, visibility: 'private', externalRef: null, metadata: {},
  settings: { maxMembers: 100, locked: false }, agentId: null, createdBy: 'me', memberCount: 2, lastSeq: 2,
  lastActivityAt: T, archivedAt: null, createdAt: T, updatedAt: T, lastMessage: null, access: 'member',
  membership: { ...membership, ...over },
})
const msg = (seq: number, senderId: string, over: Partial<Message> = {}): Message =>
  ({
    id: `m${seq}`, conversationId: 'c1', seq, senderId, senderKind: 'user', kind: 'text', content: `#${seq}`, clientMsgId: null,
    createdAt: `2025-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`, editedAt: null, deletedAt: null, replyToId: null,
    threadRootId: null, forwardOf: null, mentions: [], wildcardMention: null, metadata: null, reactions: {}, pinnedAt: null, pinnedBy: null,
    attachments: [], linkPreviews: [], thread: null, system: null, ...over,
  }) as Message
const reply = (seq: number, senderId: string, over: Partial<Message> = {}) => msg(seq, senderId, { replyToId: 'm2', threadRootId: 'm2', ...over })
const ev = (seq: number, event: string, data: unknown): ReducibleEvent => ({ event, conversationId: 'c1', seq, actorId: null, createdAt: T, data })
const summary = (over: Partial<NonNullable<Message['thread']>> = {}) => ({ replyCount: 1, lastReplyAt: T, lastReplySeq: 3, participantIds: ['bo'], lastReadSeq: null, ...over })

function state(root: Message, over: Partial<Conversation['membership'] & object> = {}, hasBefore = false): ClientState {
  return initialState('me', [{ conversation: conv(over), messages: { data: [root], page: { hasBefore } } }])
}
const c1 = (s: ClientState) => s.conversations.c1
const rootOf = (s: ClientState) => c1(s).messages!.find((m) => m.id === 'm2')!

describe('reducer: threads', () => {
  it('a reply from someone else in a thread I wrote: the summary grows, the thread becomes unread once', () => {
    let s = applyEvent(state(msg(2, 'me')), ev(3, 'message.created', reply(3, 'bo')))
    expect(rootOf(s).thread).toEqual({ replyCount: 1, lastReplyAt: msg(3, 'bo').createdAt, lastReplySeq: 3, participantIds: ['bo'], lastReadSeq: 0 })
    expect(c1(s).conversation.membership!.unreadThreadCount).toBe(1)
    // The root's message.updated (caller-free: lastReadSeq null) keeps my cursor; a second reply counts no more.
    s = applyEvents(s, [ev(4, 'message.updated', { ...msg(2, 'me'), thread: summary() }), ev(5, 'message.created', reply(5, 'cy'))])
    expect(rootOf(s).thread).toMatchObject({ replyCount: 2, participantIds: ['bo', 'cy'], lastReadSeq: 0, lastReplySeq: 5 })
    expect(c1(s).conversation.membership!.unreadThreadCount).toBe(1)
    // My own reply reads the thread.
    s = applyEvent(s, ev(6, 'message.created', reply(6, 'me')))
    expect([rootOf(s).thread!.lastReadSeq, c1(s).conversation.membership!.unreadThreadCount]).toEqual([6, 0])
    expect(s.stale).toEqual([])
  })

  it('follows when mentioned in the root or the reply, not otherwise; keeps at most 10 participants', () => {
    const notMine = applyEvent(state(msg(2, 'bo')), ev(3, 'message.created', reply(3, 'cy')))
    expect([rootOf(notMine).thread!.lastReadSeq, c1(notMine).conversation.membership!.unreadThreadCount]).toEqual([null, 0])
    const mentioned = applyEvent(state(msg(2, 'bo')), ev(3, 'message.created', reply(3, 'cy', { mentions: ['me'] })))
    expect(c1(mentioned).conversation.membership!.unreadThreadCount).toBe(1)
    const inRoot = applyEvent(state(msg(2, 'bo', { mentions: ['me'] })), ev(3, 'message.created', reply(3, 'cy')))
    expect(c1(inRoot).conversation.membership!.unreadThreadCount).toBe(1)
    const ten = Array.from({ length: 10 }, (_, i) => `p${i}`)
    const full = applyEvent(state(msg(2, 'bo', { thread: summary({ participantIds: ten, replyCount: 10 }) })), ev(3, 'message.created', reply(3, 'zz')))
    expect(rootOf(full).thread!.participantIds).toEqual(ten)
  })

  it('thread.read.updated of mine sets my cursor and the count it carries; others’ change nothing of mine', () => {
    const s = state(msg(2, 'me', { thread: summary({ lastReadSeq: 0 }) }), { unreadThreadCount: 1 })
    const read = applyEvent(s, ev(4, 'thread.read.updated', { userId: 'me', threadRootId: 'm2', lastReadSeq: 3, unreadThreadCount: 0 }))
    expect([rootOf(read).thread!.lastReadSeq, c1(read).conversation.membership!.unreadThreadCount]).toEqual([3, 0])
    const theirs = applyEvent(s, ev(4, 'thread.read.updated', { userId: 'bo', threadRootId: 'm2', lastReadSeq: 3, unreadThreadCount: 0 }))
    expect([rootOf(theirs).thread!.lastReadSeq, c1(theirs).conversation.membership!.unreadThreadCount]).toEqual([0, 1])
  })

  it('a deleted reply that was the last unread one reads the thread (through the root’s message.updated)', () => {
    const s = state(msg(2, 'me', { thread: summary({ lastReadSeq: 0 }) }), { unreadThreadCount: 1 })
    const after = applyEvent(s, ev(4, 'message.updated', { ...msg(2, 'me'), thread: summary({ replyCount: 0, lastReplyAt: null, lastReplySeq: null, participantIds: [] }) }))
    expect([rootOf(after).thread!.lastReadSeq, c1(after).conversation.membership!.unreadThreadCount]).toEqual([0, 0])
  })

  it('a hard-deleted unread root leaves the count; a soft-deleted one stays', () => {
    const s = state(msg(2, 'me', { thread: summary({ lastReadSeq: 0 }) }), { unreadThreadCount: 1 })
    expect(c1(applyEvent(s, ev(4, 'message.deleted', { messageId: 'm2', mode: 'hard', deletedBy: 'me' }))).conversation.membership!.unreadThreadCount).toBe(0)
    expect(c1(applyEvent(s, ev(4, 'message.deleted', { messageId: 'm2', mode: 'soft', deletedBy: 'me' }))).conversation.membership!.unreadThreadCount).toBe(1)
  })

  it('a root that is not loaded: counts named stale, never guessed', () => {
    const older = state(msg(2, 'x'), { unreadThreadCount: 1 }, true)
    const other = (over: Partial<Message> = {}) => reply(3, 'bo', { threadRootId: 'm1', replyToId: 'm1', ...over })
    expect(applyEvent(older, ev(3, 'message.created', other())).stale).toEqual([{ conversationId: 'c1', what: 'counts', why: expect.any(String) }])
    // My reply cannot make a thread unread: with nothing unread, nothing changes.
    const none = state(msg(2, 'x'), { unreadThreadCount: 0 }, true)
    expect(applyEvent(none, ev(3, 'message.created', other({ senderId: 'me' }))).stale).toEqual([])
    // Everything is loaded and the root is not there: it was hard-deleted, its thread counts for no one.
    const all = state(msg(2, 'x'), { unreadThreadCount: 1 }, false)
    expect(applyEvent(all, ev(3, 'message.created', other())).stale).toEqual([])
    // The cap: from 1000 down is not known.
    const capped = state(msg(2, 'me', { thread: summary({ lastReadSeq: 0 }) }), { unreadThreadCount: 1000 })
    expect(applyEvent(capped, ev(3, 'message.created', reply(3, 'me'))).stale.map((x) => x.what)).toEqual(['counts'])
  })

  it('system messages are never unread and move nobody’s cursor', () => {
    const sys = msg(3, 'system', { senderKind: 'system', kind: 'system', system: { event: 'member.joined', actorId: 'bo', targetIds: ['bo'] } })
    const s = applyEvent(state(msg(2, 'me')), ev(3, 'message.created', sys))
    expect(c1(s).conversation).toMatchObject({ lastMessage: sys, membership: { unreadCount: 0, lastReadSeq: 0 } })
  })
})
