import { describe, expect, it } from 'vitest'
import { applyEvent, applyEvents, initialState, type ClientState, type ReducibleEvent } from './reducer.js'
import type { Conversation, Message } from './events.js'

const T = '2025-01-01T00:00:00.000Z'
type NotifyLevel = 'all' | 'mentions' | 'none'
const conv = (over: Partial<NonNullable<Conversation['membership']>> = {}, level: NotifyLevel = 'all'): Conversation => ({
  id: 'c1', type: 'group', name: 'g', description: null, visibility: 'private', externalRef: null, metadata: {},
  settings: { maxMembers: 100, locked: false }, agentId: null, createdBy: 'me', memberCount: 2, lastSeq: 1,
  lastActivityAt: T, archivedAt: null, createdAt: T, updatedAt: T, lastMessage: null, access: 'member',
  membership: {
    role: 'member', canPost: true, lastReadSeq: 0, unreadCount: 0, mentionCount: 0, unreadThreadCount: 0, joinedAt: T,
    preferences: { starred: false, muteUntil: null, notifyLevel: level }, ...over,
  },
})
const msg = (seq: number, senderId: string, over: Partial<Message> = {}): Message => ({
  id: `m${seq}`, conversationId: 'c1', seq, senderId, senderKind: 'user', kind: 'text', content: `#${seq}`, clientMsgId: null,
  createdAt: T, editedAt: null, deletedAt: null, replyToId: null, threadRootId: null, forwardOf: null, mentions: [],
  wildcardMention: null, metadata: null, reactions: {}, pinnedAt: null, pinnedBy: null, attachments: [], linkPreviews: [],
  thread: null, system: null, ...over,
})
const ev = (seq: number, event: string, data: unknown): ReducibleEvent => ({ event, conversationId: 'c1', seq, actorId: null, createdAt: T, data })
const tombOf = (m: Message): Message => ({ ...m, content: '', mentions: [], wildcardMention: null, metadata: null, editedAt: null, deletedAt: T, reactions: {}, pinnedAt: null, pinnedBy: null })
const soft = (seq: number, m: Message) => ev(seq, 'message.deleted', { messageId: m.id, seq: m.seq, mode: 'soft', deletedBy: m.senderId, message: tombOf(m) })
const hard = (seq: number, m: Message, lastMessage?: Message | null) =>
  ev(seq, 'message.deleted', { messageId: m.id, seq: m.seq, mode: 'hard', deletedBy: null, ...(lastMessage !== undefined ? { lastMessage } : {}) })

/** A state whose loaded window holds `messages` (seqs 2…), applied as events to a fresh conversation. */
function withMessages(messages: Message[], level: NotifyLevel = 'all'): ClientState {
  const s = initialState('me', [{ conversation: conv({}, level), messages: { data: [], page: { hasBefore: false } } }])
  return applyEvents(s, messages.map((m) => ev(m.seq, 'message.created', m)))
}
const c1 = (s: ClientState) => s.conversations.c1
const counts = (s: ClientState) => {
  const { unreadCount, mentionCount } = c1(s).conversation.membership!
  return { unreadCount, mentionCount }
}

describe('reducer: edits and deletes', () => {
  it('message.updated replaces the message and the last message, keeping my reactions and the pin', () => {
    const m2 = msg(2, 'bo')
    let s = withMessages([m2])
    s = applyEvent(s, ev(3, 'reaction.added', { messageId: 'm2', emoji: '👍', userId: 'me' }))
    const edited = { ...m2, content: 'edited', editedAt: T, reactions: { '👍': { count: 1, me: false } } }
    s = applyEvent(s, ev(4, 'message.updated', edited))
    expect(c1(s).messages![0]).toEqual({ ...edited, reactions: { '👍': { count: 1, me: true } } })
    expect(c1(s).conversation.lastMessage).toMatchObject({ content: 'edited', reactions: {} })
  })

  it('an edit adds or drops a mention of me (or everyone) on an unread message; notifyLevel none mutes it', () => {
    const m2 = msg(2, 'bo')
    let s = withMessages([m2])
    expect(counts(s)).toEqual({ unreadCount: 1, mentionCount: 0 })
    s = applyEvent(s, ev(3, 'message.updated', { ...m2, mentions: ['me'] }))
    expect(counts(s)).toEqual({ unreadCount: 1, mentionCount: 1 })
    s = applyEvent(s, ev(4, 'message.updated', { ...m2, wildcardMention: 'here' }))
    expect(counts(s)).toEqual({ unreadCount: 1, mentionCount: 1 })
    s = applyEvent(s, ev(5, 'message.updated', { ...m2 }))
    expect(counts(s)).toEqual({ unreadCount: 1, mentionCount: 0 })
    const muted = applyEvent(withMessages([m2], 'none'), ev(3, 'message.updated', { ...m2, wildcardMention: 'all' }))
    expect(counts(muted)).toEqual({ unreadCount: 1, mentionCount: 0 })
    const quiet = applyEvent(withMessages([msg(2, 'bo', { mentions: ['me'] })], 'mentions'), ev(3, 'message.created', msg(3, 'bo', { wildcardMention: 'all' })))
    expect(counts(quiet)).toEqual({ unreadCount: 2, mentionCount: 2 })
  })

  it('an edit of a read message, or of my own, changes no count', () => {
    let s = withMessages([msg(2, 'bo'), msg(3, 'me')])
    s = applyEvent(s, ev(4, 'message.updated', msg(2, 'bo', { mentions: ['me'] })))
    s = applyEvent(s, ev(5, 'message.updated', msg(3, 'me', { wildcardMention: 'all' })))
    expect(counts(s)).toEqual({ unreadCount: 0, mentionCount: 0 })
    expect(s.stale).toEqual([])
  })

  it('soft: the tombstone replaces the message (my thread cursor kept) and it stops counting', () => {
    const m2 = msg(2, 'bo', { mentions: ['me'], thread: { replyCount: 1, lastReplyAt: T, lastReplySeq: 3, participantIds: ['me'], lastReadSeq: 3 } })
    // Events carry the caller-free view: no one's thread cursor.
    const tomb = { ...tombOf(m2), thread: { ...m2.thread!, lastReadSeq: null } }
    const s = applyEvent(withMessages([m2]), ev(3, 'message.deleted', { messageId: 'm2', seq: 2, mode: 'soft', deletedBy: 'bo', message: tomb }))
    expect(c1(s).messages![0]).toEqual({ ...tomb, thread: m2.thread })
    expect(c1(s).conversation.lastMessage).toEqual(tomb)
    expect(counts(s)).toEqual({ unreadCount: 0, mentionCount: 0 })
  })

  it('hard: the message leaves the list, the last message steps back as the event says', () => {
    const [m2, m3] = [msg(2, 'bo'), msg(3, 'bo', { mentions: ['me'] })]
    let s = withMessages([m2, m3])
    s = applyEvent(s, hard(4, m3, m2))
    expect(c1(s).messages!.map((m) => m.id)).toEqual(['m2'])
    expect(c1(s).conversation.lastMessage).toEqual(m2)
    expect(counts(s)).toEqual({ unreadCount: 1, mentionCount: 0 })
    s = applyEvent(s, hard(5, m2, null))
    expect([c1(s).messages, c1(s).conversation.lastMessage, counts(s)]).toEqual([[], null, { unreadCount: 0, mentionCount: 0 }])
    // Hard after soft: the tombstone goes, nothing counts twice.
    let t = applyEvent(withMessages([m2, m3]), soft(4, m2))
    t = applyEvent(t, hard(5, m2))
    expect([c1(t).messages!.map((m) => m.id), counts(t)]).toEqual([['m3'], { unreadCount: 1, mentionCount: 1 }])
  })

  it('a message that is not loaded: a recount when the window tells, stale counts when it does not, nothing when it cannot matter', () => {
    const m2 = msg(2, 'bo')
    // Not loaded, window tells: the loaded messages reach the newest and nothing is older.
    const base = initialState('me', [{ conversation: conv({ unreadCount: 1 }), messages: { data: [], page: { hasBefore: false } } }])
    const told = applyEvent(base, hard(2, m2))
    expect([counts(told), told.stale]).toEqual([{ unreadCount: 0, mentionCount: 0 }, []])
    // Not loaded and older messages exist: the counts are stale.
    const unknown = initialState('me', [{ conversation: { ...conv({ unreadCount: 3 }), lastMessage: msg(9, 'bo') }, messages: { data: [msg(9, 'bo')], page: { hasBefore: true } } }])
    const s = applyEvent(unknown, hard(2, m2))
    expect(s.stale).toEqual([{ conversationId: 'c1', what: 'counts', why: expect.any(String) }])
    // Counts already zero, or a message I had read: nothing to do.
    const zero = initialState('me', [{ conversation: { ...conv(), lastMessage: msg(9, 'bo') }, messages: { data: [msg(9, 'bo')], page: { hasBefore: true } } }])
    expect(applyEvent(zero, hard(2, m2)).stale).toEqual([])
    const read = initialState('me', [{ conversation: { ...conv({ lastReadSeq: 5, unreadCount: 3 }), lastMessage: msg(9, 'bo') }, messages: { data: [msg(9, 'bo')], page: { hasBefore: true } } }])
    expect(applyEvent(read, hard(2, m2)).stale).toEqual([])
  })

  it('counts at the cap: a delete recounts instead of guessing', () => {
    const msgs = [2, 3].map((n) => msg(n, 'bo'))
    let s = withMessages(msgs)
    s = { ...s, conversations: { c1: { ...c1(s), conversation: { ...c1(s).conversation, membership: { ...c1(s).conversation.membership!, unreadCount: 1000 } } } } }
    s = applyEvent(s, soft(4, msgs[0]))
    expect(counts(s)).toEqual({ unreadCount: 1, mentionCount: 0 })
  })
})
