import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, eventsSince } from '../conversations/test-fixtures.js'

describeStores('mentions and metadata on send', (h) => {
  const counts = async (conversationId: string, token: string) => {
    const { membership } = await h().ok('get-conversation', { id: conversationId }, token)
    return { unreadCount: membership.unreadCount, mentionCount: membership.mentionCount }
  }

  it('@id tokens of members mention them, with the explicit ones; others are ignored, not refused', async () => {
    const [a, b, c, outsider] = await h().users(4)
    const conv = await createGroup(h(), a, [b, c])
    const { result: msg } = await verifyAction(h(), b, () =>
      h().ok('send-message', { conversationId: conv.id, content: `@${b.id}: ask @${outsider.id}, cc @${c.id}.`, mentions: ['ghost', c.id] }, a.token),
    )
    expect(msg).toMatchObject({ mentions: [c.id, b.id], wildcardMention: null })
    expect(await counts(conv.id, b.token)).toEqual({ unreadCount: 1, mentionCount: 1 })
    expect(await counts(conv.id, c.token)).toEqual({ unreadCount: 1, mentionCount: 1 })
    // Code is not a mention; a forward's copied text mentions no one here.
    const code = await h().ok('send-message', { conversationId: conv.id, content: `run \`notify @${b.id}\`` }, a.token)
    expect(code.mentions).toEqual([])
    const fwd = await h().ok('send-message', { conversationId: conv.id, forwardOf: msg.id }, c.token)
    expect([fwd.content, fwd.mentions]).toEqual([msg.content, []])
  })

  it('@all and @here: everyone in small groups and dms; only admins in channels; counted for every other member', async () => {
    const [a, b, c] = await h().users(3)
    const conv = await createGroup(h(), a, [b, c])
    const { result: all } = await verifyAction(h(), c, () => h().ok('send-message', { conversationId: conv.id, content: 'lunch @here?' }, b.token))
    expect(all).toMatchObject({ mentions: [], wildcardMention: 'here' })
    expect(await counts(conv.id, a.token)).toEqual({ unreadCount: 1, mentionCount: 1 })
    expect(await counts(conv.id, c.token)).toEqual({ unreadCount: 1, mentionCount: 1 })
    expect(await counts(conv.id, b.token)).toEqual({ unreadCount: 0, mentionCount: 0 })
    const channel = await createChannel(h(), a, [b, c])
    await h().ok('update-conversation-member', { id: channel.id, userId: b.id, canPost: true }, a.token)
    const plain = await h().ok('send-message', { conversationId: channel.id, content: '@all look' }, b.token)
    expect(plain.wildcardMention).toBeNull()
    expect(await counts(channel.id, c.token)).toEqual({ unreadCount: 1, mentionCount: 0 })
    const { result: announced } = await verifyAction(h(), c, () => h().ok('send-message', { conversationId: channel.id, content: '@all: release at 5' }, a.token))
    expect(announced.wildcardMention).toBe('all')
    expect(await counts(channel.id, c.token)).toEqual({ unreadCount: 2, mentionCount: 1 })
    // A group of more than 20: admins only.
    const crowd = await h().users(20)
    const big = await createGroup(h(), a, crowd)
    expect((await h().ok('send-message', { conversationId: big.id, content: '@all hi' }, crowd[0].token)).wildcardMention).toBeNull()
    expect((await h().ok('send-message', { conversationId: big.id, content: '@all hi' }, a.token)).wildcardMention).toBe('all')
  })

  it('notifyLevel none mutes mentions (the unread count stays); mentions and all count them', async () => {
    const [a, b, c] = await h().users(3)
    const conv = await createGroup(h(), a, [b, c])
    await h().ok('update-conversation-preferences', { id: conv.id, notifyLevel: 'none' }, b.token)
    await h().ok('update-conversation-preferences', { id: conv.id, notifyLevel: 'mentions' }, c.token)
    await verifyAction(h(), b, () => h().ok('send-message', { conversationId: conv.id, content: `@${b.id} @${c.id}` }, a.token))
    await verifyAction(h(), c, () => h().ok('send-message', { conversationId: conv.id, content: '@all' }, a.token))
    expect(await counts(conv.id, b.token)).toEqual({ unreadCount: 2, mentionCount: 0 })
    expect(await counts(conv.id, c.token)).toEqual({ unreadCount: 2, mentionCount: 2 })
    await h().ok('update-conversation-preferences', { id: conv.id, notifyLevel: 'all' }, b.token)
    expect(await counts(conv.id, b.token)).toEqual({ unreadCount: 2, mentionCount: 2 })
    // list-conversations and sync's positions count the same way.
    const listed = (await h().ok('list-conversations', {}, b.token)).data.find((x: any) => x.id === conv.id)
    expect(listed.membership.mentionCount).toBe(2)
  })

  it('metadata is stored and returned as sent, on every view and in the event; at most 8 KiB', async () => {
    const [a, b] = await h().users(2)
    const conv = await createGroup(h(), a, [b])
    const metadata = { type: 'location', lat: 48.8566, lng: 2.3522, label: 'Paris ✨', nested: { deep: [1, { x: null }] } }
    const mark = h().events.length
    const { result: msg } = await verifyAction(h(), b, () => h().ok('send-message', { conversationId: conv.id, content: 'here', metadata }, a.token))
    expect(msg.metadata).toEqual(metadata)
    expect(eventsSince(h(), mark, conv.id).data[0].metadata).toEqual(metadata)
    expect((await h().ok('get-message', { id: msg.id }, b.token)).metadata).toEqual(metadata)
    expect((await h().ok('list-messages', { conversationId: conv.id }, b.token)).data.at(-1).metadata).toEqual(metadata)
    expect((await h().ok('get-conversation', { id: conv.id }, b.token)).lastMessage.metadata).toEqual(metadata)
    expect((await h().ok('send-message', { conversationId: conv.id, content: 'none' }, a.token)).metadata).toBeNull()
    for (const bad of [{ blob: 'x'.repeat(8 * 1024) }, 'card', [1, 2]]) {
      const res = await h().call('send-message', { conversationId: conv.id, content: 'x', metadata: bad }, a.token)
      expect([res.status, res.body.errors?.[0]?.path]).toEqual([400, 'metadata'])
    }
  })
})
