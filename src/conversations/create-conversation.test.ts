import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { deactivatedUser, eventsSince, memberIdsOf } from './test-fixtures.js'

describeStores('create-conversation', (h) => {
  it('creates a group: creator admin, others members who may post, conversation.created at seq 1', async () => {
    const [a, b, c] = await h().users(3)
    const mark = h().events.length
    // b's client follows from the event alone, member list included.
    const { result: res } = await verifyAction(h(), b, () => h().call('create-conversation', { type: 'group', name: 'Launch', members: [b.id, c.id, b.id, a.id], metadata: { k: 1 } }, a.token))
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      type: 'group', name: 'Launch', visibility: 'private', memberCount: 3, lastSeq: 1, isNew: true, createdBy: a.id,
      settings: { maxMembers: 100, locked: false }, metadata: { k: 1 }, access: 'member',
      membership: { role: 'admin', canPost: true, lastReadSeq: 0, unreadCount: 0, preferences: { starred: false, muteUntil: null, notifyLevel: 'all' } },
    })
    const evs = eventsSince(h(), mark, res.body.id)
    expect(evs.types).toEqual(['conversation.created'])
    expect(evs.seqs).toEqual([1])
    expect(evs.data[0].members).toEqual([
      { id: a.id, role: 'admin', canPost: true, kind: 'user', name: `User ${a.id}`, avatarUrl: null },
      { id: b.id, role: 'member', canPost: true, kind: 'user', name: `User ${b.id}`, avatarUrl: null },
      { id: c.id, role: 'member', canPost: true, kind: 'user', name: `User ${c.id}`, avatarUrl: null },
    ])
    expect(await memberIdsOf(h(), res.body.id)).toEqual([a.id, b.id, c.id].sort())
  })

  it('creates channels private by default with a 300 cap; subscribers may not post', async () => {
    const [a, b] = await h().users(2)
    const ch = await h().ok('create-conversation', { type: 'channel', name: 'news', members: [b.id] }, a.token)
    expect(ch).toMatchObject({ type: 'channel', visibility: 'private', settings: { maxMembers: 300 } })
    expect((await h().call('send-message', { conversationId: ch.id, content: 'hi' }, b.token)).status).toBe(403)
    expect((await h().call('send-message', { conversationId: ch.id, content: 'hi' }, a.token)).status).toBe(201)
    const pub = await h().ok('create-conversation', { type: 'channel', name: 'open', visibility: 'public' }, a.token)
    expect(pub.visibility).toBe('public')
  })

  it('with the server key there is no creator and nobody is admin', async () => {
    const [a, b] = await h().users(2)
    const g = await h().ok('create-conversation', { type: 'group', members: [a.id, b.id], externalRef: h().uid('match') }, h().serverKey)
    expect(g).toMatchObject({ createdBy: null, memberCount: 2, access: 'server', membership: null })
    const mine = await h().ok('get-conversation', { id: g.id }, a.token)
    expect(mine.membership.role).toBe('member')
  })

  it('refuses rooms that break the rules', async () => {
    const [a, b, c, d] = await h().users(4)
    const cases: [Record<string, unknown>, number, string | undefined][] = [
      [{ type: 'group', members: [b.id, c.id, d.id], settings: { maxMembers: 3 } }, 409, undefined],
      [{ type: 'channel', members: [b.id] }, 400, 'name'],
      [{ type: 'group', visibility: 'public' }, 400, 'visibility'],
      [{ type: 'channel', name: 'x', settings: { locked: true } }, 400, 'settings.locked'],
      [{ type: 'group', members: [b.id, 'nobody-here'] }, 400, 'members.1'],
      [{ type: 'group', agentId: b.id }, 400, 'agentId'],
      [{ type: 'room' }, 400, 'type'],
      [{ type: 'group', colour: 'red' }, 400, 'colour'],
      [{ type: 'group', settings: { maxMembers: 1 } }, 400, 'settings.maxMembers'],
      [{ type: 'group', members: 'b' }, 400, 'members'],
      [{ type: 'group', name: '' }, 400, 'name'],
    ]
    for (const [body, status, path] of cases) {
      const res = await h().call('create-conversation', body, a.token)
      expect(res.status, JSON.stringify(body)).toBe(status)
      if (path) expect(res.body.errors.map((e: any) => e.path), JSON.stringify(body)).toContain(path)
      else expect(res.body.code).toBe('conflict')
    }
    expect((await h().call('create-conversation', { type: 'group', members: [b.id, c.id], settings: { maxMembers: 3 } }, a.token)).status).toBe(201)
    const gone = await deactivatedUser(h())
    const res = await h().call('create-conversation', { type: 'group', members: [gone.id] }, a.token)
    expect(res.body.errors).toEqual([{ path: 'members.0', message: `${gone.id} is deactivated` }])
  })

  it('dm get-or-create: one conversation per pair, even under 10 concurrent creates', async () => {
    const [a, b] = await h().users(2)
    const mark = h().events.length
    // b's client builds the dm from the one conversation.created (its participants from the event's members).
    const { result: results } = await verifyAction(h(), b, () => Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h().call('create-conversation', i % 2 ? { type: 'dm', members: [a.id] } : { type: 'dm', members: [b.id] }, i % 2 ? b.token : a.token),
      ),
    ))
    const ids = new Set(results.map((r) => r.body.id))
    expect(ids.size).toBe(1)
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201])
    expect(results.filter((r) => r.body.isNew)).toHaveLength(1)
    const id = [...ids][0]
    expect(eventsSince(h(), mark, id).types).toEqual(['conversation.created'])
    expect(results[0].body).toMatchObject({ type: 'dm', memberCount: 2, participants: [a.id, b.id].sort(), settings: { maxMembers: 2 }, membership: { role: 'admin' } })
  })

  it('refuses a dm with yourself, with nobody, with a stranger id, or with extras', async () => {
    const [a, b, c] = await h().users(3)
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'dm', members: [a.id] }, 'members.0'],
      [{ type: 'dm', members: ['ghost-user'] }, 'members.0'],
      [{ type: 'dm' }, 'members'],
      [{ type: 'dm', members: [b.id, c.id] }, 'members'],
      [{ type: 'dm', members: [b.id], name: 'us' }, 'name'],
      [{ type: 'dm', members: [b.id], settings: { maxMembers: 5 } }, 'settings'],
      [{ type: 'dm', members: [b.id], agentId: c.id }, 'members'],
      [{ type: 'dm', agentId: b.id }, 'agentId'],
    ]
    for (const [body, path] of cases) {
      const res = await h().call('create-conversation', body, a.token)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.errors.map((e: any) => e.path), JSON.stringify(body)).toContain(path)
    }
    const server = await h().call('create-conversation', { type: 'dm', members: [b.id] }, h().serverKey)
    expect(server.status).toBe(403)
  })

  it('agent chats: one per (user, agent), whoever starts it and however it is asked for', async () => {
    const [owner, u, v] = await h().users(3)
    const agent = await h().agent(owner)
    const first = await h().call('create-conversation', { type: 'dm', agentId: agent.id }, u.token)
    expect(first.status).toBe(201)
    expect(first.body).toMatchObject({ type: 'dm', agentId: agent.id, participants: [agent.id, u.id].sort(), isNew: true })
    const viaMembers = await h().ok('create-conversation', { type: 'dm', members: [agent.id] }, u.token)
    const fromAgent = await h().ok('create-conversation', { type: 'dm', members: [u.id] }, agent.token)
    expect([viaMembers.id, fromAgent.id]).toEqual([first.body.id, first.body.id])
    expect([viaMembers.isNew, fromAgent.isNew]).toEqual([false, false])
    const other = await h().ok('create-conversation', { type: 'dm', agentId: agent.id }, v.token)
    expect(other.id).not.toBe(first.body.id)
    // The owner sees the chats of their agent, read-only.
    const seen = await h().ok('get-conversation', { id: first.body.id }, owner.token)
    expect(seen).toMatchObject({ access: 'agent_owner', membership: null })
    expect((await h().call('send-message', { conversationId: first.body.id, content: 'hi' }, owner.token)).status).toBe(403)
  })
})
