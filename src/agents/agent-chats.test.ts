import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'

describeStores('agents in conversations', (h) => {
  it('an agent key posts as the agent; a dm with agentId is one agent chat per user and agent', async () => {
    const [owner, visitor] = await h().users(2)
    const agent = await h().agent(owner, 'Helper')
    const chat = await h().call('create-conversation', { type: 'dm', agentId: agent.id }, visitor.token)
    expect(chat.status).toBe(201)
    expect(chat.body).toMatchObject({ type: 'dm', agentId: agent.id, participants: [agent.id, visitor.id].sort() })
    // The same chat, however it is asked for.
    const again = await h().call('create-conversation', { type: 'dm', members: [agent.id] }, visitor.token)
    const fromAgent = await h().call('create-conversation', { type: 'dm', members: [visitor.id] }, agent.token)
    expect([again.status, again.body.id, fromAgent.status, fromAgent.body.id]).toEqual([200, chat.body.id, 200, chat.body.id])
    // Another user gets another chat with the same agent.
    const other = await h().ok('create-conversation', { type: 'dm', agentId: agent.id }, owner.token)
    expect(other.id).not.toBe(chat.body.id)

    const q = await h().ok('send-message', { conversationId: chat.body.id, content: 'hi agent' }, visitor.token)
    const a = await h().call('send-message', { conversationId: chat.body.id, content: 'hello, human', replyToId: q.id }, agent.token)
    expect(a.status).toBe(201)
    expect(a.body).toMatchObject({ senderId: agent.id, senderKind: 'agent', replyToId: q.id })
    const agentView = await h().ok('list-conversations', {}, agent.token)
    expect(agentView.data.map((c: any) => c.id).sort()).toEqual([chat.body.id, other.id].sort())
  })

  it('the owner sees every conversation of their agents and reads them, but cannot post as or beside the agent', async () => {
    const [owner, alice, bob, stranger] = await h().users(4)
    const agent = await h().agent(owner, 'Support')
    const second = await h().agent(owner, 'Sales')
    const chat = await h().ok('create-conversation', { type: 'dm', agentId: agent.id }, alice.token)
    const group = await h().ok('create-conversation', { type: 'group', name: 'team', members: [bob.id, agent.id, second.id] }, alice.token)
    await h().ok('send-message', { conversationId: chat.id, content: 'private question' }, alice.token)
    await h().ok('send-message', { conversationId: group.id, content: 'group talk' }, bob.token)

    const view = await h().ok('list-agent-conversations', {}, owner.token)
    expect(view.data.map((c: any) => c.id)).toEqual([group.id, chat.id])
    expect(view.data[0]).toMatchObject({ access: 'agent_owner', membership: null, agentIds: [agent.id, second.id].sort(), lastMessage: { content: 'group talk' } })
    expect(view.data[1]).toMatchObject({ access: 'agent_owner', agentIds: [agent.id] })
    const one = await h().ok('list-agent-conversations', { agentId: second.id }, owner.token)
    expect(one.data.map((c: any) => c.id)).toEqual([group.id])
    const paged = await h().ok('list-agent-conversations', { limit: 1 }, owner.token)
    const rest = await h().ok('list-agent-conversations', { limit: 1, cursor: paged.page.nextCursor }, owner.token)
    expect([...paged.data, ...rest.data].map((c: any) => c.id)).toEqual([group.id, chat.id])
    expect(rest.page.hasMore).toBe(false)

    // Read access to the history…
    const got = await h().ok('get-conversation', { id: chat.id }, owner.token)
    expect(got).toMatchObject({ access: 'agent_owner', membership: null })
    const history = await h().ok('list-messages', { conversationId: chat.id }, owner.token)
    expect(history.data.map((m: any) => m.content)).toEqual(['private question'])
    expect((await h().call('get-message', { id: history.data[0].id }, owner.token)).status).toBe(200)
    // …but read-only.
    const post = await h().call('send-message', { conversationId: chat.id, content: 'owner here' }, owner.token)
    expect([post.status, post.body.code]).toEqual([403, 'forbidden'])

    // Nobody else gets that view.
    expect((await h().ok('list-agent-conversations', {}, stranger.token)).data).toEqual([])
    expect((await h().call('list-agent-conversations', { agentId: agent.id }, stranger.token)).status).toBe(404)
    expect((await h().call('list-agent-conversations', { ownerId: owner.id }, stranger.token)).status).toBe(403)
    expect((await h().call('list-messages', { conversationId: chat.id }, stranger.token)).status).toBe(404)
    expect((await h().call('list-agent-conversations', {}, agent.token)).status).toBe(403)
    const server = await h().ok('list-agent-conversations', { ownerId: owner.id }, h().serverKey)
    expect(server.data.map((c: any) => [c.id, c.access])).toEqual([[group.id, 'server'], [chat.id, 'server']])
    expect((await h().call('list-agent-conversations', {}, h().serverKey)).status).toBe(400)
  })

  it('a deleted agent’s key stops working; its conversations and history stay', async () => {
    const [owner, alice] = await h().users(2)
    const agent = await h().agent(owner)
    const chat = await h().ok('create-conversation', { type: 'dm', agentId: agent.id }, alice.token)
    await h().ok('send-message', { conversationId: chat.id, content: 'before' }, agent.token)
    await h().ok('delete-agent', { id: agent.id }, owner.token)
    expect((await h().call('send-message', { conversationId: chat.id, content: 'after' }, agent.token)).status).toBe(401)
    const history = await h().ok('list-messages', { conversationId: chat.id }, alice.token)
    expect(history.data.map((m: any) => [m.content, m.senderKind])).toEqual([['before', 'agent']])
    expect((await h().ok('list-agent-conversations', {}, owner.token)).data.map((c: any) => c.id)).toEqual([chat.id])
  })
})
