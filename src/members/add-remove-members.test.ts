import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, deactivatedUser, eventsSince, lastSeqOf, memberIdsOf, seqsAfter } from '../conversations/test-fixtures.js'

describeStores('add and remove members', (h) => {
  it('adds users and agents, skips members, one member.added each in order', async () => {
    const [a, b, c, owner] = await h().users(4)
    const agent = await h().agent(owner)
    const g = await createGroup(h(), a, [b])
    const seq = await lastSeqOf(h(), g.id)
    const mark = h().events.length
    const { result: res } = await verifyAction(h(), b, () => h().call('add-conversation-member', { id: g.id, userIds: [c.id, b.id, agent.id, c.id] }, a.token))
    expect(res.status).toBe(200)
    expect(res.body.alreadyMembers).toEqual([b.id])
    expect(res.body.added.map((m: any) => [m.userId, m.kind, m.role, m.canPost])).toEqual([
      [c.id, 'user', 'member', true],
      [agent.id, 'agent', 'member', true],
    ])
    const evs = eventsSince(h(), mark, g.id)
    // Then one system message for the batch (src/messages/system-messages.test.ts).
    expect(evs.types).toEqual(['member.added', 'member.added', 'message.created'])
    expect(evs.seqs).toEqual(seqsAfter(seq, 3))
    expect(evs.data.slice(0, 2).map((d) => [d.member.userId, d.by])).toEqual([[c.id, a.id], [agent.id, a.id]])
    // Each carries the conversation as of its own seq, so whoever it brings in starts from there.
    expect(evs.data.slice(0, 2).map((d) => [d.conversation.lastSeq, d.conversation.memberCount, d.conversation.membership])).toEqual([[seq + 1, 3, null], [seq + 2, 4, null]])
    expect((await h().ok('get-conversation', { id: g.id }, c.token)).memberCount).toBe(4)
    expect((await h().call('send-message', { conversationId: g.id, content: 'hi' }, agent.token)).status).toBe(201)
  })

  it('channel members are added as subscribers; the server key adds with a null by', async () => {
    const [a, b] = await h().users(2)
    const ch = await createChannel(h(), a, [])
    const mark = h().events.length
    // b's client builds the channel from member.added; the other members' views are not in the event.
    const { result: res } = await verifyAction(h(), b, () => h().ok('add-conversation-member', { id: ch.id, userIds: [b.id] }, h().serverKey), {
      expectStale: [{ conversationId: ch.id, what: 'members' }],
    })
    expect(res.added[0]).toMatchObject({ userId: b.id, canPost: false })
    const [data] = eventsSince(h(), mark, ch.id).data
    expect(data.by).toBeNull()
    expect(data.conversation).toMatchObject({ id: ch.id, type: 'channel', memberCount: 2, lastSeq: 2, access: 'member', membership: null })
  })

  it('enforces the cap for the whole batch', async () => {
    const [a, b, c, d] = await h().users(4)
    const g = await createGroup(h(), a, [b], { settings: { maxMembers: 3 } })
    const mark = h().events.length
    const res = await h().call('add-conversation-member', { id: g.id, userIds: [c.id, d.id] }, a.token)
    expect([res.status, res.body.code]).toEqual([409, 'conflict'])
    expect(res.body.detail).toContain('cap of 3')
    expect(eventsSince(h(), mark, g.id).types).toEqual([])
    expect(await memberIdsOf(h(), g.id)).toEqual([a.id, b.id].sort())
    expect((await h().ok('add-conversation-member', { id: g.id, userIds: [c.id, b.id] }, a.token)).added).toHaveLength(1)
  })

  it('refuses unknown and deactivated ids, dms, and malformed batches', async () => {
    const [a, b] = await h().users(2)
    const gone = await deactivatedUser(h())
    const g = await createGroup(h(), a, [])
    const bad = await h().call('add-conversation-member', { id: g.id, userIds: [b.id, 'nobody', gone.id] }, a.token)
    expect(bad.status).toBe(400)
    expect(bad.body.errors.map((e: any) => e.path)).toEqual(['userIds.1', 'userIds.2'])
    expect(await memberIdsOf(h(), g.id)).toEqual([a.id])
    const dm = await h().ok('create-conversation', { type: 'dm', members: [b.id] }, a.token)
    for (const op of ['add-conversation-member', 'remove-conversation-member']) {
      const res = await h().call(op, { id: dm.id, userIds: [b.id] }, a.token)
      expect([res.status, res.body.code], op).toEqual([409, 'conflict'])
    }
    for (const userIds of [[], Array.from({ length: 101 }, (_, i) => `u${i}`), ['has space'], 'b', [5]]) {
      for (const op of ['add-conversation-member', 'remove-conversation-member']) {
        const res = await h().call(op, { id: g.id, userIds }, a.token)
        expect([res.status, res.body.code], `${op} ${JSON.stringify(userIds).slice(0, 40)}`).toEqual([400, 'validation_failed'])
      }
    }
    const extra = await h().call('add-conversation-member', { id: g.id, userIds: [b.id], role: 'admin' }, a.token)
    expect(extra.body.errors[0].path).toBe('role')
  })

  it('removes members, reports non-members, and the removed stop seeing the room', async () => {
    const [a, b, c, x] = await h().users(4)
    const g = await createGroup(h(), a, [b, c])
    const seq = await lastSeqOf(h(), g.id)
    const mark = h().events.length
    // The removed member's client drops the room on the event about them, and receives nothing after it.
    const { result: res, events: seen } = await verifyAction(h(), b, () => h().ok('remove-conversation-member', { id: g.id, userIds: [x.id, b.id, c.id, b.id] }, a.token))
    expect(seen.map((e) => e.type)).toEqual(['member.removed'])
    expect(res).toEqual({ removed: [b.id, c.id], notMembers: [x.id] })
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['member.removed', 'member.removed', 'message.created'])
    expect(evs.seqs).toEqual(seqsAfter(seq, 3))
    expect(evs.data[0]).toEqual({ memberId: b.id, by: a.id, reason: 'removed' })
    expect((await h().ok('get-conversation', { id: g.id }, a.token)).memberCount).toBe(1)
    expect((await h().call('get-conversation', { id: g.id }, b.token)).status).toBe(404)
    expect((await h().call('send-message', { conversationId: g.id, content: 'x' }, c.token)).status).toBe(404)
    const nothing = await h().ok('remove-conversation-member', { id: g.id, userIds: [b.id] }, a.token)
    expect(nothing).toEqual({ removed: [], notMembers: [b.id] })
  })

  it('never leaves members without an admin', async () => {
    const [a, b, c] = await h().users(3)
    const g = await createGroup(h(), a, [b, c])
    const self = await h().call('remove-conversation-member', { id: g.id, userIds: [a.id] }, a.token)
    expect([self.status, self.body.code]).toEqual([409, 'conflict'])
    expect((await h().call('remove-conversation-member', { id: g.id, userIds: [a.id, b.id] }, h().serverKey)).status).toBe(409)
    await h().ok('update-conversation-member', { id: g.id, userId: b.id, role: 'admin' }, a.token)
    expect((await h().call('remove-conversation-member', { id: g.id, userIds: [a.id, b.id] }, a.token)).status).toBe(409)
    expect((await h().ok('remove-conversation-member', { id: g.id, userIds: [a.id] }, a.token)).removed).toEqual([a.id])
    // Removing everyone leaves nobody to administer: allowed.
    expect((await h().ok('remove-conversation-member', { id: g.id, userIds: [b.id, c.id] }, h().serverKey)).removed).toEqual([b.id, c.id])
    expect((await h().ok('get-conversation', { id: g.id }, h().serverKey)).memberCount).toBe(0)
  })
})
