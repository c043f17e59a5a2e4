import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, eventsSince, lastSeqOf, seqsAfter } from './test-fixtures.js'

describeStores('archive, unarchive and convert', (h) => {
  it('archiving makes a conversation read-only; twice is a no-op; unarchiving restores it', async () => {
    const [a, b, c] = await h().users(3)
    const g = await createGroup(h(), a, [b])
    const seq = await lastSeqOf(h(), g.id)
    const mark = h().events.length
    const { result: archived } = await verifyAction(h(), b, () => h().ok('archive-conversation', { id: g.id }, a.token))
    expect(archived.archivedAt).toEqual(expect.any(String))
    expect(archived.membership.canPost).toBe(false)
    const { result: again, events: none } = await verifyAction(h(), b, () => h().ok('archive-conversation', { id: g.id }, a.token))
    expect(none).toEqual([])
    expect(again.archivedAt).toBe(archived.archivedAt)
    let evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['conversation.updated'])
    expect(evs.seqs).toEqual(seqsAfter(seq, 1))
    expect(evs.data[0].changes).toEqual({ archivedAt: archived.archivedAt })

    const refused: [string, Record<string, unknown>, string | null][] = [
      ['send-message', { conversationId: g.id, content: 'x' }, b.token],
      ['update-conversation', { id: g.id, name: 'x' }, a.token],
      ['convert-conversation', { id: g.id }, a.token],
      ['add-conversation-member', { id: g.id, userIds: [c.id] }, a.token],
      ['remove-conversation-member', { id: g.id, userIds: [b.id] }, a.token],
      ['update-conversation-member', { id: g.id, userId: b.id, role: 'admin' }, h().serverKey],
    ]
    for (const [opId, body, token] of refused) {
      const res = await h().call(opId, body, token ?? undefined)
      expect([res.status, res.body.code, res.body.detail], opId).toEqual([409, 'conflict', 'the conversation is archived'])
    }
    // Still allowed: reading, mark-read, preferences, leaving.
    expect((await h().call('get-conversation', { id: g.id }, b.token)).status).toBe(200)
    expect((await h().call('mark-conversation-read', { id: g.id, seq: 2 }, b.token)).status).toBe(200)
    expect((await h().call('update-conversation-preferences', { id: g.id, notifyLevel: 'none' }, b.token)).status).toBe(200)
    expect((await h().call('leave-conversation', { id: g.id }, b.token)).status).toBe(200)

    const mark2 = h().events.length
    const seq2 = await lastSeqOf(h(), g.id)
    const { result: restored } = await verifyAction(h(), a, () => h().ok('unarchive-conversation', { id: g.id }, h().serverKey))
    expect(restored.archivedAt).toBeNull()
    await h().ok('unarchive-conversation', { id: g.id }, a.token)
    evs = eventsSince(h(), mark2, g.id)
    expect(evs.types).toEqual(['conversation.updated'])
    expect(evs.seqs).toEqual(seqsAfter(seq2, 1))
    expect(evs.data[0].changes).toEqual({ archivedAt: null })
    expect((await h().call('send-message', { conversationId: g.id, content: 'back' }, a.token)).status).toBe(201)
  })

  it('an archived public channel cannot be joined', async () => {
    const [a, x] = await h().users(2)
    const ch = await createChannel(h(), a, [], { visibility: 'public' })
    await h().ok('archive-conversation', { id: ch.id }, a.token)
    const res = await h().call('join-conversation', { id: ch.id }, x.token)
    expect([res.status, res.body.code]).toEqual([409, 'conflict'])
  })

  it('converts a group into a private channel: members become subscribers, the default cap grows', async () => {
    const [a, b, c, owner] = await h().users(4)
    const agent = await h().agent(owner)
    const g = await createGroup(h(), a, [b, c, agent], { settings: { locked: true } })
    await h().ok('update-conversation-member', { id: g.id, userId: c.id, role: 'admin' }, a.token)
    const seq = await lastSeqOf(h(), g.id)
    const mark = h().events.length
    const { result: res } = await verifyAction(h(), b, () => h().call('convert-conversation', { id: g.id, to: 'channel' }, a.token))
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ type: 'channel', visibility: 'private', settings: { maxMembers: 300, locked: false }, memberCount: 4 })
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['conversation.updated'])
    expect(evs.seqs).toEqual(seqsAfter(seq, 1))
    expect(evs.data[0].changes).toEqual({ type: 'channel', visibility: 'private', settings: { maxMembers: 300, locked: false } })
    expect(evs.data[0].conversation).toMatchObject({ type: 'channel', lastSeq: seq + 1 })

    const members = await h().ok('list-conversation-members', { id: g.id }, b.token)
    const canPost = Object.fromEntries(members.data.map((m: any) => [m.userId, m.canPost]))
    expect(canPost).toEqual({ [a.id]: true, [b.id]: false, [c.id]: true, [agent.id]: false })
    expect((await h().call('send-message', { conversationId: g.id, content: 'x' }, b.token)).status).toBe(403)
    expect((await h().call('send-message', { conversationId: g.id, content: 'x' }, agent.token)).status).toBe(403)
    expect((await h().call('send-message', { conversationId: g.id, content: 'x' }, c.token)).status).toBe(201)
    // A channel converts no further.
    const again = await h().call('convert-conversation', { id: g.id }, a.token)
    expect([again.status, again.body.code]).toEqual([409, 'conflict'])
  })

  it('keeps a cap that was set by hand; refuses dms, channels and bad input', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b], { settings: { maxMembers: 50 } })
    const mark = h().events.length
    expect((await h().ok('convert-conversation', { id: g.id }, h().serverKey)).settings.maxMembers).toBe(50)
    expect(eventsSince(h(), mark, g.id).data[0].changes).toEqual({ type: 'channel', visibility: 'private' })
    const dm = await h().ok('create-conversation', { type: 'dm', members: [b.id] }, a.token)
    expect((await h().call('convert-conversation', { id: dm.id }, a.token)).status).toBe(409)
    const ch = await createChannel(h(), a, [])
    expect((await h().call('convert-conversation', { id: ch.id }, a.token)).status).toBe(409)
    const g2 = await createGroup(h(), a, [])
    for (const body of [{ to: 'group' }, { to: 'dm' }, { type: 'channel' }, { to: 1 }]) {
      const res = await h().call('convert-conversation', { id: g2.id, ...body }, a.token)
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'validation_failed'])
    }
    expect((await h().ok('get-conversation', { id: g2.id }, a.token)).type).toBe('group')
  })
})
