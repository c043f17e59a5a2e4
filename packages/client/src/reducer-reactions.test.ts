import { describe, expect, it } from 'vitest'
import { applyEvents, initialState, type ClientState, type Pin, type ReducibleEvent } from './reducer.js'
import type { Conversation, Message } from './events.js'

const T = '2025-01-01T00:00:00.000Z'
const conv: Conversation = {
  id: 'c1', type: 'group', name: 'g', description: null, visibility: 'private', externalRef: null, metadata: {},
  settings: { maxMembers: 100, locked: false }, agentId: null, createdBy: 'me', memberCount: 2, lastSeq: 3,
  lastActivityAt: T, archivedAt: null, createdAt: T, updatedAt: T, lastMessage: null, access: 'member',
  membership: { role: 'member', canPost: true, lastReadSeq: 3, unreadCount: 0, mentionCount: 0, unreadThreadCount: 0, joinedAt: T, preferences: { starred: false, muteUntil: null, notifyLevel: 'all' } },
}
const msg = (seq: number, over: Partial<Message> = {}): Message => ({
  id: `m${seq}`, conversationId: 'c1', seq, senderId: 'bo', senderKind: 'user', kind: 'text', content: `#${seq}`, clientMsgId: null,
  createdAt: T, editedAt: null, deletedAt: null, replyToId: null, threadRootId: null, forwardOf: null, mentions: [], reactions: {},
  pinnedAt: null, pinnedBy: null, attachments: [], linkPreviews: [], thread: null, system: null, wildcardMention: null, metadata: null, ...over,
})
let seq = 3
const ev = (event: string, data: unknown): ReducibleEvent => ({ event, conversationId: 'c1', seq: ++seq, actorId: null, createdAt: T, data })
function state(messages: Message[], pins: Pin[] = []): ClientState {
  seq = conv.lastSeq
  return initialState('me', [{ conversation: { ...conv, lastMessage: messages.at(-1) ?? null }, messages: { data: messages, page: { hasBefore: true } }, pins }])
}
const messages = (s: ClientState) => s.conversations.c1.messages!

describe('reducer: reactions and pins', () => {
  it('counts reactions per emoji, `me` for the viewer’s own; a count at zero drops the emoji; lastMessage is left alone', () => {
    const s = applyEvents(state([msg(3)]), [
      ev('reaction.added', { messageId: 'm3', emoji: '👍', userId: 'bo' }),
      ev('reaction.added', { messageId: 'm3', emoji: '👍', userId: 'me' }),
      ev('reaction.added', { messageId: 'm3', emoji: ':tada:', userId: 'bo' }),
      ev('reaction.removed', { messageId: 'm3', emoji: '👍', userId: 'bo' }),
    ])
    expect(messages(s)[0].reactions).toEqual({ '👍': { count: 1, me: true }, ':tada:': { count: 1, me: false } })
    expect(Object.keys(messages(s)[0].reactions)).toEqual(['👍', ':tada:'])
    expect(s.conversations.c1.conversation.lastMessage!.reactions).toEqual({})
    const gone = applyEvents(s, [ev('reaction.removed', { messageId: 'm3', emoji: '👍', userId: 'me' }), ev('reaction.removed', { messageId: 'm3', emoji: ':tada:', userId: 'bo' })])
    expect(messages(gone)[0].reactions).toEqual({})
    // A reaction to a message that is not loaded moves the seq and nothing else.
    const elsewhere = applyEvents(gone, [ev('reaction.added', { messageId: 'm1', emoji: '👍', userId: 'me' })])
    expect(messages(elsewhere)).toEqual(messages(gone))
    expect(elsewhere.stale).toEqual([])
  })

  it('keeps the pinned list newest first, for loaded messages and others; unpin and delete drop the pin', () => {
    const old: Pin = { messageId: 'm1', pinnedAt: '2024-12-31T00:00:00.000Z', pinnedBy: 'bo' }
    let s = state([msg(3)], [old])
    const at = '2025-01-02T00:00:00.000Z'
    s = applyEvents(s, [ev('message.pinned', { messageId: 'm3', pinnedBy: 'me', pinnedAt: at, message: msg(3, { pinnedAt: at, pinnedBy: 'me' }) })])
    expect(s.conversations.c1.pins).toEqual([{ messageId: 'm3', pinnedAt: at, pinnedBy: 'me' }, old])
    expect(messages(s)[0]).toMatchObject({ pinnedAt: at, pinnedBy: 'me' })
    // A pin whose clock ran behind still lands in list order.
    const early = { messageId: 'm2', pinnedAt: '2024-12-30T00:00:00.000Z', pinnedBy: null }
    s = applyEvents(s, [ev('message.pinned', { ...early, message: msg(2, { pinnedAt: early.pinnedAt }) })])
    expect(s.conversations.c1.pins!.map((p) => p.messageId)).toEqual(['m3', 'm1', 'm2'])
    s = applyEvents(s, [ev('message.unpinned', { messageId: 'm3', unpinnedBy: 'bo', pinnedAt: at })])
    expect(messages(s)[0]).toMatchObject({ pinnedAt: null, pinnedBy: null })
    s = applyEvents(s, [ev('message.deleted', { messageId: 'm1', mode: 'hard', deletedBy: 'bo' })])
    expect(s.conversations.c1.pins).toEqual([early])
    expect(s.stale.filter((x) => x.what === 'events')).toEqual([])
  })
})
