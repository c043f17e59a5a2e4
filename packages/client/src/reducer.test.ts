import { describe, expect, it } from 'vitest'
import { applyEvent, applyEvents, conversationList, initialState, type ClientState, type Member, type ReducibleEvent } from './reducer.js'
import type { Conversation, Message } from './events.js'

const T = '2025-01-01T00:00:00.000Z'
const conv = (over: Partial<Conversation> = {}): Conversation => ({
  id: 'c1', type: 'group', name: 'g', description: null, visibility: 'private', externalRef: null, metadata: {},
  settings: { maxMembers: 100, locked: false }, agentId: null, createdBy: 'me', memberCount: 2, lastSeq: 1,
  lastActivityAt: T, archivedAt: null, createdAt: T, updatedAt: T, lastMessage: null, access: 'member',
  membership: { role: 'member', canPost: true, lastReadSeq: 0, unreadCount: 0, mentionCount: 0, unreadThreadCount: 0, joinedAt: T, preferences: { starred: false, muteUntil: null, notifyLevel: 'all' } },
  ...over,
})
const msg = (seq: number, senderId: string, over: Partial<Message> = {}): Message => ({
  id: `m${seq}`, conversationId: 'c1', seq, senderId, senderKind: 'user', kind: 'text', content: `#${seq}`, clientMsgId: null,
  createdAt: `2025-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`, editedAt: null, deletedAt: null, replyToId: null,
  threadRootId: null, forwardOf: null, mentions: [], reactions: {}, pinnedAt: null, pinnedBy: null, attachments: [], linkPreviews: [], thread: null, system: null, wildcardMention: null, metadata: null, ...over,
})
const member = (userId: string, over: Partial<Member> = {}): Member => ({ userId, kind: 'user', name: userId, avatarUrl: null, role: 'member', canPost: true, joinedAt: T, lastReadSeq: 0, ...over })
const ev = (seq: number, event: string, data: unknown, conversationId = 'c1'): ReducibleEvent => ({ event, conversationId, seq, actorId: null, createdAt: T, data })

function loaded(over: Partial<Conversation> = {}, members = [member('me'), member('bo')]): ClientState {
  return initialState('me', [{ conversation: conv(over), messages: { data: [], page: { hasBefore: false } }, members }])
}
const c1 = (s: ClientState) => s.conversations.c1

describe('reducer', () => {
  it('message.created from someone else appends, counts unread and mentions, moves the sender’s cursor', () => {
    const s = applyEvents(loaded(), [ev(2, 'message.created', msg(2, 'bo')), ev(3, 'message.created', msg(3, 'bo', { mentions: ['me'] }))])
    expect(c1(s).messages!.map((m) => m.seq)).toEqual([2, 3])
    expect(c1(s).conversation).toMatchObject({ lastSeq: 3, lastMessage: { id: 'm3' }, lastActivityAt: msg(3, 'bo').createdAt, membership: { unreadCount: 2, mentionCount: 1 } })
    expect(c1(s).members!.find((m) => m.userId === 'bo')!.lastReadSeq).toBe(3)
  })

  it('is idempotent: a seq at or below lastSeq changes nothing', () => {
    const once = applyEvent(loaded(), ev(2, 'message.created', msg(2, 'bo')))
    expect(applyEvent(once, ev(2, 'message.created', msg(2, 'bo')))).toBe(once)
    expect(applyEvent(once, ev(1, 'member.removed', { memberId: 'me' }))).toBe(once)
  })

  it('never mutates its input', () => {
    const s = loaded()
    const copy = JSON.parse(JSON.stringify(s))
    applyEvents(s, [ev(2, 'message.created', msg(2, 'bo')), ev(3, 'member.added', { member: member('cy') })])
    expect(s).toEqual(copy)
  })

  it('caps the counts at 1000, like the server', () => {
    const s = loaded({ membership: { ...conv().membership!, unreadCount: 1000, mentionCount: 1000 } })
    expect(c1(applyEvent(s, ev(2, 'message.created', msg(2, 'bo', { mentions: ['me'] })))).conversation.membership).toMatchObject({ unreadCount: 1000, mentionCount: 1000 })
  })

  it('my own message moves my cursor and clears unread', () => {
    let s = applyEvent(loaded(), ev(2, 'message.created', msg(2, 'bo', { mentions: ['me'] })))
    s = applyEvent(s, ev(3, 'message.created', msg(3, 'me')))
    expect(c1(s).conversation.membership).toMatchObject({ lastReadSeq: 3, unreadCount: 0, mentionCount: 0 })
  })

  it('read.updated by me recounts from loaded messages; without them it names the counts stale', () => {
    const s = applyEvents(loaded(), [2, 3, 4].map((n) => ev(n, 'message.created', msg(n, 'bo', { mentions: n === 4 ? ['me'] : [] }))))
    const read = applyEvent(s, ev(5, 'read.updated', { userId: 'me', lastReadSeq: 3 }))
    expect(c1(read).conversation.membership).toMatchObject({ lastReadSeq: 3, unreadCount: 1, mentionCount: 1 })
    expect(c1(read).members!.find((m) => m.userId === 'me')!.lastReadSeq).toBe(3)
    const partial = initialState('me', [{ conversation: conv({ lastSeq: 9, lastMessage: msg(9, 'bo'), membership: { ...conv().membership!, unreadCount: 5 } }), messages: { data: [msg(9, 'bo')], page: { hasBefore: true } } }])
    const after = applyEvent(partial, ev(10, 'read.updated', { userId: 'me', lastReadSeq: 4 }))
    expect(after.stale).toEqual([{ conversationId: 'c1', what: 'counts', why: expect.any(String) }])
    expect(c1(applyEvent(partial, ev(10, 'read.updated', { userId: 'me', lastReadSeq: 9 }))).conversation.membership).toMatchObject({ unreadCount: 0 })
  })

  it('member.removed of me drops the conversation; of another shrinks the list', () => {
    expect(applyEvent(loaded(), ev(2, 'member.removed', { memberId: 'me', by: 'bo', reason: 'removed' })).conversations).toEqual({})
    const s = applyEvent(loaded(), ev(2, 'member.removed', { memberId: 'bo', by: 'bo', reason: 'left' }))
    expect([c1(s).conversation.memberCount, c1(s).members!.map((m) => m.userId)]).toEqual([1, ['me']])
  })

  it('conversation.created with me builds the view and the member list from the event', () => {
    const view = { ...conv({ id: 'c2', type: 'dm', membership: null }), participants: undefined }
    const members = [
      { id: 'me', role: 'admin', canPost: true, kind: 'user', name: 'Me', avatarUrl: null },
      { id: 'ab', role: 'admin', canPost: true, kind: 'agent', name: 'Bot', avatarUrl: 'https://x/a.png' },
    ]
    const s = applyEvent(initialState('me', []), ev(1, 'conversation.created', { conversation: view, members }, 'c2'))
    expect(s.conversations.c2.conversation).toMatchObject({ participants: ['ab', 'me'], membership: { role: 'admin', canPost: true, joinedAt: T }, lastSeq: 1 })
    expect(s.conversations.c2.members).toEqual([
      member('ab', { kind: 'agent', name: 'Bot', avatarUrl: 'https://x/a.png', role: 'admin' }),
      member('me', { name: 'Me', role: 'admin' }),
    ])
    expect(s.stale).toEqual([])
    expect(applyEvent(initialState('me', []), ev(1, 'conversation.created', { conversation: view, members: [{ ...members[0], id: 'x' }] }, 'c2')).conversations).toEqual({})
  })

  it('conversation.created of a locked group lists members with their effective canPost', () => {
    const view = conv({ id: 'c3', settings: { maxMembers: 100, locked: true }, membership: null })
    const members = [
      { id: 'ad', role: 'admin', canPost: true, kind: 'user', name: 'Ad', avatarUrl: null },
      { id: 'me', role: 'member', canPost: true, kind: 'user', name: 'Me', avatarUrl: null },
    ]
    const s = applyEvent(initialState('me', []), ev(1, 'conversation.created', { conversation: view, members }, 'c3'))
    expect(s.conversations.c3.members!.map((m) => [m.userId, m.canPost])).toEqual([['ad', true], ['me', false]])
    expect(s.conversations.c3.conversation.membership!.canPost).toBe(false)
  })

  it('member.added of me builds the conversation from the event; other members are named stale', () => {
    const view = conv({ id: 'c9', lastSeq: 4, memberCount: 3, membership: null })
    const s = applyEvent(initialState('me', []), ev(4, 'member.added', { member: member('me', { joinedAt: '2025-02-01T00:00:00.000Z' }), by: 'bo', conversation: view }, 'c9'))
    expect(s.conversations.c9.conversation).toEqual({
      ...view,
      membership: { role: 'member', canPost: true, lastReadSeq: 0, unreadCount: 0, mentionCount: 0, unreadThreadCount: 0, joinedAt: '2025-02-01T00:00:00.000Z', preferences: { starred: false, muteUntil: null, notifyLevel: 'all' } },
    })
    expect(s.conversations.c9.messages).toEqual([])
    expect(s.stale).toEqual([{ conversationId: 'c9', what: 'members', why: expect.any(String) }])
    // Alone in it: the member list is known too.
    const alone = applyEvent(initialState('me', []), ev(2, 'member.added', { member: member('me'), by: null, conversation: { ...view, memberCount: 1 } }, 'c9'))
    expect([alone.conversations.c9.members, alone.stale]).toEqual([[member('me')], []])
  })

  it('member.added of me to a conversation with history names its messages and counts stale', () => {
    const view = conv({ id: 'c9', lastSeq: 8, memberCount: 1, lastMessage: msg(7, 'bo'), membership: null })
    const s = applyEvent(initialState('me', []), ev(8, 'member.added', { member: member('me'), by: 'bo', conversation: view }, 'c9'))
    expect(s.conversations.c9.messages).toBeUndefined()
    expect(s.stale.map((x) => x.what).sort()).toEqual(['counts', 'messages'])
  })

  it('member.added of me without a conversation (an older server) names it stale', () => {
    const s = applyEvent(initialState('me', []), ev(4, 'member.added', { member: member('me'), by: 'bo' }, 'c9'))
    expect(s.stale).toEqual([{ conversationId: 'c9', what: 'conversation', why: expect.any(String) }])
  })

  it('archiving a channel hides posting rights, unarchiving restores them', () => {
    const ch = { type: 'channel' as const, settings: { maxMembers: 300, locked: false } }
    const s = loaded({ ...ch, membership: { ...conv().membership!, canPost: false } }, [member('me', { canPost: false }), member('bo', { canPost: true }), member('ad', { role: 'admin' })])
    const archived = applyEvent(s, ev(2, 'conversation.updated', { changes: { archivedAt: T }, conversation: conv({ ...ch, archivedAt: T, membership: null }) }))
    expect(c1(archived).members!.map((m) => m.canPost)).toEqual([false, false, false])
    const back = applyEvent(archived, ev(3, 'conversation.updated', { changes: { archivedAt: null }, conversation: conv({ ...ch, membership: null }) }))
    expect(c1(back).members!.map((m) => m.canPost)).toEqual([false, true, true])
    expect(back.stale).toEqual([])
  })

  it('converting a group takes the right to post from non-admins', () => {
    const s = loaded({}, [member('me'), member('ad', { role: 'admin' })])
    const after = applyEvent(s, ev(2, 'conversation.updated', { changes: { type: 'channel', visibility: 'private' }, conversation: conv({ type: 'channel', membership: null }) }))
    expect([c1(after).conversation.membership!.canPost, c1(after).members!.map((m) => m.canPost)]).toEqual([false, [false, true]])
  })

  it('member.updated of me changes my role; replies count on their loaded root', () => {
    let s = applyEvent(loaded(), ev(2, 'member.updated', { member: member('me', { role: 'admin' }), changes: { role: 'admin' } }))
    expect(c1(s).conversation.membership!.role).toBe('admin')
    s = applyEvents(s, [ev(3, 'message.created', msg(3, 'bo')), ev(4, 'message.created', msg(4, 'bo', { replyToId: 'm3', threadRootId: 'm3' }))])
    expect(c1(s).messages![0].thread).toEqual({ replyCount: 1, lastReplyAt: msg(4, 'bo').createdAt, lastReplySeq: 4, participantIds: ['bo'], lastReadSeq: null })
  })

  it('lists conversations by last activity, newest first', () => {
    const s = initialState('me', [{ conversation: conv({ id: 'a', lastActivityAt: T }) }, { conversation: conv({ id: 'b', lastActivityAt: '2026-01-01T00:00:00.000Z' }) }])
    expect(conversationList(s).map((c) => c.id)).toEqual(['b', 'a'])
  })

  it('message.deleted tombstones the loaded message and it stops counting (more in reducer-edits.test.ts)', () => {
    const s = applyEvent(loaded(), ev(2, 'message.created', msg(2, 'bo')))
    const tomb = { ...msg(2, 'bo'), content: '', deletedAt: T }
    const d = applyEvent(s, ev(3, 'message.deleted', { messageId: 'm2', seq: 2, mode: 'soft', deletedBy: 'bo', message: tomb }))
    expect(c1(d).messages![0]).toMatchObject({ content: '', deletedAt: T })
    expect(c1(d).conversation.membership!.unreadCount).toBe(0)
  })
})
