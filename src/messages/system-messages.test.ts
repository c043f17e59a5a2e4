import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, eventsSince } from '../conversations/test-fixtures.js'
import { systemText } from './system-messages.js'

describeStores('system messages', (h) => {
  const nameOf = (id: string) => `User ${id}`
  /** The system message a change appended, as its message.created carries it. */
  function lastSystem(mark: number, convId: string) {
    const evs = eventsSince(h(), mark, convId)
    return evs.data[evs.types.lastIndexOf('message.created')]
  }

  it('member joined: after member.added, its own seq, never unread', async () => {
    const [a, b, joiner] = await h().users(3)
    const ch = await createChannel(h(), a, [b], { visibility: 'public' })
    const before = (await h().ok('get-conversation', { id: ch.id }, b.token)).membership
    const mark = h().events.length
    // Seen by another member, and by the joiner (whose state the join brings the channel into).
    await verifyAction(h(), b, () =>
      verifyAction(h(), joiner, () => h().ok('join-conversation', { id: ch.id }, joiner.token), { expectStale: [{ conversationId: ch.id, what: 'members' }] }),
    )
    const evs = eventsSince(h(), mark, ch.id)
    expect(evs.types).toEqual(['member.added', 'message.created'])
    expect(evs.seqs[1]).toBe(evs.seqs[0] + 1)
    const msg = evs.data[1]
    expect(msg).toMatchObject({
      seq: evs.seqs[1],
      kind: 'system',
      senderId: 'system',
      senderKind: 'system',
      content: `${nameOf(joiner.id)} joined`,
      mentions: [],
      thread: null,
      system: { event: 'member.joined', actorId: joiner.id, targetIds: [joiner.id] },
    })
    const after = await h().ok('get-conversation', { id: ch.id }, b.token)
    expect(after.membership).toMatchObject({ unreadCount: before.unreadCount, mentionCount: 0, lastReadSeq: before.lastReadSeq })
    expect(after.lastMessage).toEqual(msg)
    expect((await h().ok('get-conversation', { id: ch.id }, joiner.token)).membership.unreadCount).toBe(0)
    expect((await h().ok('list-messages', { conversationId: ch.id }, b.token)).data.at(-1)).toEqual(msg)
  })

  it('member left, added (a batch, by a member or the server key) and removed', async () => {
    const [a, b, c, d, e] = await h().users(5)
    const g = await createGroup(h(), a, [b])
    let mark = h().events.length
    await verifyAction(h(), b, () => h().ok('add-conversation-member', { id: g.id, userIds: [c.id, d.id] }, a.token))
    expect(eventsSince(h(), mark, g.id).types).toEqual(['member.added', 'member.added', 'message.created'])
    expect(lastSystem(mark, g.id)).toMatchObject({
      content: `${nameOf(a.id)} added ${nameOf(c.id)} and ${nameOf(d.id)}`,
      system: { event: 'member.added', actorId: a.id, targetIds: [c.id, d.id] },
    })
    mark = h().events.length
    await verifyAction(h(), b, () => h().ok('add-conversation-member', { id: g.id, userIds: [e.id] }, h().serverKey))
    expect(lastSystem(mark, g.id)).toMatchObject({ content: `${nameOf(e.id)} was added`, system: { event: 'member.added', actorId: null, targetIds: [e.id] } })
    // Nobody new: no event, no system message.
    mark = h().events.length
    await h().ok('add-conversation-member', { id: g.id, userIds: [e.id] }, a.token)
    expect(eventsSince(h(), mark, g.id).types).toEqual([])

    mark = h().events.length
    await verifyAction(h(), b, () => h().ok('remove-conversation-member', { id: g.id, userIds: [c.id, 'nobody'] }, a.token))
    expect(eventsSince(h(), mark, g.id).types).toEqual(['member.removed', 'message.created'])
    expect(lastSystem(mark, g.id)).toMatchObject({ content: `${nameOf(a.id)} removed ${nameOf(c.id)}`, system: { event: 'member.removed', actorId: a.id, targetIds: [c.id] } })
    // The removed member does not receive it (verified as e: the removal is the last event e gets).
    mark = h().events.length
    await verifyAction(h(), e, () => h().ok('remove-conversation-member', { id: g.id, userIds: [e.id] }, h().serverKey))
    expect(lastSystem(mark, g.id)).toMatchObject({ content: `${nameOf(e.id)} was removed`, system: { actorId: null, targetIds: [e.id] } })

    mark = h().events.length
    await verifyAction(h(), b, () => h().ok('leave-conversation', { id: g.id }, d.token))
    expect(eventsSince(h(), mark, g.id).types).toEqual(['member.removed', 'message.created'])
    expect(lastSystem(mark, g.id)).toMatchObject({ content: `${nameOf(d.id)} left`, system: { event: 'member.left', actorId: d.id, targetIds: [d.id] } })
    // The last admin leaving promotes a successor first; the system message comes last.
    mark = h().events.length
    await verifyAction(h(), b, () => h().ok('leave-conversation', { id: g.id }, a.token))
    expect(eventsSince(h(), mark, g.id).types).toEqual(['member.removed', 'member.updated', 'message.created'])
  })

  it('conversation renamed: after conversation.updated; other changes write none', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b], { name: 'Old' })
    let mark = h().events.length
    await verifyAction(h(), b, () => h().ok('update-conversation', { id: g.id, name: 'New' }, a.token))
    expect(eventsSince(h(), mark, g.id).types).toEqual(['conversation.updated', 'message.created'])
    expect(lastSystem(mark, g.id)).toMatchObject({
      content: `${nameOf(a.id)} renamed the group to “New”`,
      system: { event: 'conversation.renamed', actorId: a.id, targetIds: [], name: 'New', previousName: 'Old' },
    })
    mark = h().events.length
    await h().ok('update-conversation', { id: g.id, description: 'about', name: 'New' }, a.token)
    expect(eventsSince(h(), mark, g.id).types).toEqual(['conversation.updated'])
    mark = h().events.length
    await verifyAction(h(), b, () => h().ok('update-conversation', { id: g.id, name: null }, h().serverKey))
    expect(lastSystem(mark, g.id)).toMatchObject({
      content: 'The group name was removed',
      system: { event: 'conversation.renamed', actorId: null, name: null, previousName: 'New' },
    })
  })

  it('cannot be replied to or forwarded; own messages still move the cursor past them', async () => {
    const [a, b, c] = await h().users(3)
    const g = await createGroup(h(), a, [b])
    await h().ok('add-conversation-member', { id: g.id, userIds: [c.id] }, a.token)
    const sys = (await h().ok('list-messages', { conversationId: g.id }, a.token)).data.at(-1)
    expect(sys.kind).toBe('system')
    for (const [body, path] of [
      [{ replyToId: sys.id }, 'replyToId'],
      [{ forwardOf: sys.id }, 'forwardOf'],
    ] as const) {
      const res = await h().call('send-message', { conversationId: g.id, content: 'x', ...body }, b.token)
      expect([res.status, res.body.errors?.[0]?.path]).toEqual([400, path])
    }
    // A client cannot send kind "system".
    expect((await h().call('send-message', { conversationId: g.id, content: 'x', kind: 'system' }, b.token)).status).toBe(400)
    await verifyAction(h(), b, () => h().ok('send-message', { conversationId: g.id, content: 'hi' }, a.token))
    expect((await h().ok('get-conversation', { id: g.id }, b.token)).membership.unreadCount).toBe(1)
  })

  it('English text for every event, lists shortened', () => {
    const g = { type: 'group' as const }
    const t = (targetIds: string[], actorId: string | null = 'ada', event: any = 'member.added') => systemText(g, { event, actorId, targetIds }, (id) => id.toUpperCase())
    expect(t(['b'])).toBe('ADA added B')
    expect(t(['b', 'c', 'd'])).toBe('ADA added B, C and D')
    expect(t(['b', 'c', 'd', 'e'])).toBe('ADA added B, C, D and 1 other')
    expect(t(['b', 'c', 'd', 'e', 'f'], null)).toBe('B, C, D and 2 others were added')
    expect(t(['b', 'c'], null, 'member.removed')).toBe('B and C were removed')
    expect(systemText({ type: 'channel' }, { event: 'conversation.renamed', actorId: null, targetIds: [], name: 'x' }, (id) => id)).toBe('The channel was renamed to “x”')
  })
})

describeStores(
  'system messages off',
  (h) => {
    it('PARLEY_SYSTEM_MESSAGES=off writes none', async () => {
      const [a, b, c] = await h().users(3)
      const ch = await createChannel(h(), a, [b], { visibility: 'public' })
      const mark = h().events.length
      await h().ok('join-conversation', { id: ch.id }, c.token)
      await h().ok('update-conversation', { id: ch.id, name: 'renamed' }, a.token)
      await h().ok('leave-conversation', { id: ch.id }, c.token)
      expect(eventsSince(h(), mark, ch.id).types).toEqual(['member.added', 'conversation.updated', 'member.removed'])
      expect((await h().ok('list-messages', { conversationId: ch.id }, a.token)).data).toEqual([])
    })
  },
  { systemMessages: false },
)
