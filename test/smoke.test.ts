import { expect, it } from 'vitest'
import { describeStores } from './harness.js'

describeStores('smoke', (h) => {
  it('creates a group, sends, lists', async () => {
    const [a, b] = await h().users(2)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g', members: [b.id] }, a.token)
    expect(conv).toMatchObject({ type: 'group', isNew: true, memberCount: 2, membership: { role: 'admin' } })
    const m = await h().call('send-message', { conversationId: conv.id, content: 'hello' }, b.token)
    expect(m.status).toBe(201)
    expect(m.body).toMatchObject({ seq: 2, content: 'hello', senderId: b.id })
    const list = await h().ok('list-messages', { conversationId: conv.id }, a.token)
    expect(list.data.map((x: any) => x.content)).toEqual(['hello'])
    const convs = await h().ok('list-conversations', {}, a.token)
    expect(convs.data[0]).toMatchObject({ id: conv.id, membership: { unreadCount: 1 }, lastMessage: { content: 'hello' } })
    const dm1 = await h().call('create-conversation', { type: 'dm', members: [b.id] }, a.token)
    const dm2 = await h().call('create-conversation', { type: 'dm', members: [a.id] }, b.token)
    expect([dm1.status, dm2.status]).toEqual([201, 200])
    expect(dm2.body.id).toBe(dm1.body.id)
    expect(dm2.body.participants).toEqual([a.id, b.id].sort())
  })
})
