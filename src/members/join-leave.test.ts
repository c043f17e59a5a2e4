import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, eventsSince, lastSeqOf, memberIdsOf, seqsAfter } from '../conversations/test-fixtures.js'

const tick = () => new Promise((r) => setTimeout(r, 3))

describeStores('join and leave', (h) => {
  it('anyone joins a public channel as a subscriber, once', async () => {
    const [a, x, owner] = await h().users(3)
    const agent = await h().agent(owner)
    const ch = await createChannel(h(), a, [], { visibility: 'public' })
    const mark = h().events.length
    const { result: res } = await verifyAction(h(), a, () => h().call('join-conversation', { id: ch.id }, x.token))
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: ch.id, memberCount: 2, access: 'member', membership: { role: 'member', canPost: false, lastReadSeq: 0 } })
    const { result: again, events: none } = await verifyAction(h(), x, () => h().ok('join-conversation', { id: ch.id }, x.token))
    expect(none).toEqual([])
    expect(again.memberCount).toBe(2)
    await h().ok('join-conversation', { id: ch.id }, agent.token)
    const evs = eventsSince(h(), mark, ch.id)
    // Each join is followed by its system message (src/messages/system-messages.test.ts).
    expect(evs.types).toEqual(['member.added', 'message.created', 'member.added', 'message.created'])
    expect(evs.seqs).toEqual(seqsAfter(1, 4))
    expect(evs.data[0]).toEqual({ member: { userId: x.id, kind: 'user', name: expect.any(String), avatarUrl: null, role: 'member', canPost: false, joinedAt: expect.any(String), lastReadSeq: 0 }, by: x.id, conversation: expect.objectContaining({ id: ch.id, memberCount: 2, lastSeq: 2, membership: null }) })
    expect(evs.data[2]).toMatchObject({ member: { userId: agent.id, kind: 'agent' }, by: agent.id })
    expect(await memberIdsOf(h(), ch.id)).toEqual([a.id, x.id, agent.id].sort())
    expect((await h().call('send-message', { conversationId: ch.id, content: 'hi' }, x.token)).status).toBe(403)
  })

  it('only public channels: private rooms answer 404 to strangers; a dm one is in answers 409', async () => {
    const [a, b, x] = await h().users(3)
    const priv = await createChannel(h(), a, [b])
    const group = await createGroup(h(), a, [b])
    const dm = await h().ok('create-conversation', { type: 'dm', members: [b.id] }, a.token)
    for (const c of [priv, group, dm]) {
      const res = await h().call('join-conversation', { id: c.id }, x.token)
      expect([res.status, res.body.code]).toEqual([404, 'not_found'])
    }
    expect((await h().call('join-conversation', { id: dm.id }, a.token)).status).toBe(409)
    // A group one is in already: nothing to do.
    expect((await h().call('join-conversation', { id: group.id }, b.token)).status).toBe(200)
    expect((await h().call('join-conversation', { id: group.id }, h().serverKey)).status).toBe(403)
  })

  it('respects the member cap', async () => {
    const [a, b, x] = await h().users(3)
    const ch = await createChannel(h(), a, [b], { visibility: 'public', settings: { maxMembers: 2 } })
    const res = await h().call('join-conversation', { id: ch.id }, x.token)
    expect([res.status, res.body.code]).toEqual([409, 'conflict'])
    expect(res.body.detail).toContain('2')
    await h().ok('leave-conversation', { id: ch.id }, b.token)
    expect((await h().call('join-conversation', { id: ch.id }, x.token)).status).toBe(200)
  })

  it('leaving removes the membership: the private room disappears for the leaver', async () => {
    const [a, b, c] = await h().users(3)
    const g = await createGroup(h(), a, [b, c])
    const seq = await lastSeqOf(h(), g.id)
    const mark = h().events.length
    const { result: res } = await verifyAction(h(), b, () => h().call('leave-conversation', { id: g.id }, b.token))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ conversationId: g.id, promotedAdminId: null })
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['member.removed', 'message.created'])
    expect(evs.seqs).toEqual(seqsAfter(seq, 2))
    expect(evs.data[0]).toEqual({ memberId: b.id, by: b.id, reason: 'left' })
    expect((await h().ok('get-conversation', { id: g.id }, a.token)).memberCount).toBe(2)
    expect((await h().call('get-conversation', { id: g.id }, b.token)).status).toBe(404)
    expect((await h().ok('list-conversations', {}, b.token)).data.map((x: any) => x.id)).not.toContain(g.id)
    expect((await h().call('leave-conversation', { id: g.id }, b.token)).status).toBe(404)
    expect((await h().call('send-message', { conversationId: g.id, content: 'x' }, b.token)).status).toBe(404)
  })

  it('a dm cannot be left', async () => {
    const [a, b] = await h().users(2)
    const dm = await h().ok('create-conversation', { type: 'dm', members: [b.id] }, a.token)
    const res = await h().call('leave-conversation', { id: dm.id }, a.token)
    expect([res.status, res.body.code]).toEqual([409, 'conflict'])
  })

  it('when the last admin leaves, the longest-standing person becomes admin', async () => {
    const [a, early, late, owner] = await h().users(4)
    const agent = await h().agent(owner)
    const g = await createGroup(h(), a, [agent]) // the agent is the oldest member
    await tick()
    await h().ok('add-conversation-member', { id: g.id, userIds: [early.id] }, a.token)
    await tick()
    await h().ok('add-conversation-member', { id: g.id, userIds: [late.id] }, a.token)
    const seq = await lastSeqOf(h(), g.id)
    const mark = h().events.length
    // The promoted member's client learns its new role from member.updated.
    const { result: res } = await verifyAction(h(), early, () => h().ok('leave-conversation', { id: g.id }, a.token))
    expect(res.promotedAdminId).toBe(early.id)
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['member.removed', 'member.updated', 'message.created'])
    expect(evs.seqs).toEqual(seqsAfter(seq, 3))
    expect(evs.data[1]).toMatchObject({ member: { userId: early.id, role: 'admin', canPost: true }, changes: { role: 'admin' } })
    expect((await h().ok('get-conversation', { id: g.id }, early.token)).membership.role).toBe('admin')
    expect((await h().call('update-conversation', { id: g.id, name: 'mine' }, early.token)).status).toBe(200)
  })

  it('no promotion while another admin remains, nor when nobody remains', async () => {
    const [a, b, c] = await h().users(3)
    const g = await createGroup(h(), a, [b, c])
    await h().ok('update-conversation-member', { id: g.id, userId: b.id, role: 'admin' }, a.token)
    const mark = h().events.length
    expect((await h().ok('leave-conversation', { id: g.id }, a.token)).promotedAdminId).toBeNull()
    expect(eventsSince(h(), mark, g.id).types).toEqual(['member.removed', 'message.created'])
    const solo = await createGroup(h(), a, [])
    expect((await h().ok('leave-conversation', { id: solo.id }, a.token)).promotedAdminId).toBeNull()
    expect((await h().ok('get-conversation', { id: solo.id }, h().serverKey)).memberCount).toBe(0)
  })

  it('refuses bad ids without a 500', async () => {
    const a = await h().user()
    for (const op of ['join-conversation', 'leave-conversation']) {
      expect((await h().call(op, { id: 'nope' }, a.token)).status).toBe(400)
      expect((await h().call(op, { id: '01900000-0000-7000-8000-000000000000' }, a.token)).status).toBe(404)
      const g = await createGroup(h(), a, [])
      const extra = await h().http('POST', `/v1/conversations/${g.id}/${op.split('-')[0]}`, { token: a.token, body: { please: true } })
      expect([extra.status, extra.body.errors[0].path]).toEqual([400, 'please'])
    }
  })
})
