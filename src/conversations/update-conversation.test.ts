import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, eventsSince, lastSeqOf, seqsAfter } from './test-fixtures.js'

describeStores('update-conversation', (h) => {
  it('changes what is given and emits conversation.updated with only the changes', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b], { description: 'old', metadata: { x: 1, y: { z: 2 } } })
    await h().ok('send-message', { conversationId: g.id, content: 'hello' }, b.token)
    const before = await h().ok('get-conversation', { id: g.id }, a.token)
    const mark = h().events.length
    // b, a member, follows from the event: name, settings and b's own canPost (the lock).
    const { result: res } = await verifyAction(h(), b, () => h().call('update-conversation', { id: g.id, name: 'Renamed', description: null, settings: { maxMembers: 10, locked: true } }, a.token))
    expect(res.status).toBe(200)
    // The new name is also told by a system message (src/messages/system-messages.test.ts), the last message now.
    expect(res.body).toMatchObject({ name: 'Renamed', description: null, settings: { maxMembers: 10, locked: true }, metadata: { x: 1, y: { z: 2 } }, membership: { role: 'admin' }, lastSeq: before.lastSeq + 2 })
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt))
    expect(res.body.lastActivityAt).toBe(res.body.lastMessage.createdAt)
    expect(res.body.lastMessage).toMatchObject({ kind: 'system', system: { event: 'conversation.renamed', name: 'Renamed' } })
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['conversation.updated', 'message.created'])
    expect(evs.seqs).toEqual(seqsAfter(before.lastSeq, 2))
    expect(evs.data[0].changes).toEqual({ name: 'Renamed', description: null, settings: { maxMembers: 10, locked: true } })
    expect(evs.data[0].conversation).toMatchObject({ id: g.id, name: 'Renamed', lastSeq: evs.seqs[0], membership: null, lastMessage: { content: 'hello' } })
    expect(h().events.at(-1)!.actorId).toBe(a.id)
    // Locked: only admins post now.
    expect((await h().call('send-message', { conversationId: g.id, content: 'x' }, b.token)).status).toBe(403)
  })

  it('an update that changes nothing emits nothing', async () => {
    const a = await h().user()
    const g = await createGroup(h(), a, [], { name: 'Same', metadata: { b: 1, a: [1, 2] } })
    const mark = h().events.length
    const same = await h().ok('update-conversation', { id: g.id, name: 'Same', metadata: { a: [1, 2], b: 1 }, settings: { maxMembers: 100 } }, a.token)
    const empty = await h().ok('update-conversation', { id: g.id }, a.token)
    expect(eventsSince(h(), mark, g.id).types).toEqual([])
    expect([same.updatedAt, empty.updatedAt, same.lastSeq]).toEqual([g.updatedAt, g.updatedAt, 1])
  })

  it('replaces metadata as a whole; the server key updates with a null actor', async () => {
    const a = await h().user()
    const g = await createGroup(h(), a, [], { metadata: { keep: false, old: 1 } })
    const mark = h().events.length
    const res = await h().ok('update-conversation', { id: g.id, metadata: { new: true } }, h().serverKey)
    expect(res).toMatchObject({ metadata: { new: true }, access: 'server', membership: null })
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.data[0].changes).toEqual({ metadata: { new: true } })
    expect(h().events.at(-1)!.actorId).toBeNull()
  })

  it('channels: visibility may turn public, a name stays, locked does not apply', async () => {
    const a = await h().user()
    const ch = await createChannel(h(), a, [])
    const mark = h().events.length
    expect((await h().ok('update-conversation', { id: ch.id, visibility: 'public' }, a.token)).visibility).toBe('public')
    expect(eventsSince(h(), mark, ch.id).data[0].changes).toEqual({ visibility: 'public' })
    for (const [body, path] of [
      [{ name: null }, 'name'],
      [{ settings: { locked: false } }, 'settings.locked'],
    ] as const) {
      const res = await h().call('update-conversation', { id: ch.id, ...body }, a.token)
      expect([res.status, res.body.errors?.[0]?.path], path).toEqual([400, path])
    }
  })

  it('groups stay private; a dm only takes metadata', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [])
    const bad = await h().call('update-conversation', { id: g.id, visibility: 'public' }, a.token)
    expect([bad.status, bad.body.errors[0].path]).toEqual([400, 'visibility'])
    expect((await h().call('update-conversation', { id: g.id, visibility: 'private', name: null }, a.token)).status).toBe(200)
    const dm = await h().ok('create-conversation', { type: 'dm', members: [b.id] }, a.token)
    for (const [body, path] of [
      [{ name: 'us' }, 'name'],
      [{ description: 'd' }, 'description'],
      [{ visibility: 'private' }, 'visibility'],
      [{ settings: { maxMembers: 3 } }, 'settings'],
    ] as const) {
      const res = await h().call('update-conversation', { id: dm.id, ...body }, b.token)
      expect([res.status, res.body.code, res.body.errors[0].path], path).toEqual([400, 'validation_failed', path])
    }
    const seq = await lastSeqOf(h(), dm.id)
    const mark = h().events.length
    expect((await h().ok('update-conversation', { id: dm.id, metadata: { topic: 'lunch' } }, b.token)).metadata).toEqual({ topic: 'lunch' })
    expect(eventsSince(h(), mark, dm.id).seqs).toEqual(seqsAfter(seq, 1))
  })

  it('maxMembers may not go below the member count', async () => {
    const [a, b, c] = await h().users(3)
    const g = await createGroup(h(), a, [b, c])
    const res = await h().call('update-conversation', { id: g.id, settings: { maxMembers: 2 } }, a.token)
    expect([res.status, res.body.code]).toEqual([409, 'conflict'])
    expect((await h().ok('update-conversation', { id: g.id, settings: { maxMembers: 3 } }, a.token)).settings.maxMembers).toBe(3)
    expect((await h().call('add-conversation-member', { id: g.id, userIds: [(await h().user()).id] }, a.token)).status).toBe(409)
  })

  it('refuses bad input with field errors and never a 500', async () => {
    const a = await h().user()
    const g = await createGroup(h(), a, [])
    const cases: [Record<string, unknown>, string][] = [
      [{ colour: 'red' }, 'colour'],
      [{ name: 5 }, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(201) }, 'name'],
      [{ description: 'x'.repeat(2001) }, 'description'],
      [{ visibility: 'secret' }, 'visibility'],
      [{ settings: { maxMembers: 'ten' } }, 'settings.maxMembers'],
      [{ settings: { maxMembers: 1 } }, 'settings.maxMembers'],
      [{ settings: { pinned: true } }, 'settings.pinned'],
      [{ metadata: [1, 2] }, 'metadata'],
      [{ metadata: { big: 'y'.repeat(9000) } }, 'metadata'],
      [{ name: 'a\u0000b' }, 'name'],
    ]
    for (const [body, path] of cases) {
      const res = await h().call('update-conversation', { id: g.id, ...body }, a.token)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.errors.map((e: any) => e.path), JSON.stringify(body)).toContain(path)
    }
    const badId = await h().call('update-conversation', { id: 'not-a-uuid', name: 'x' }, a.token)
    expect([badId.status, badId.body.errors[0].path]).toEqual([400, 'id'])
    const raw = await h().http('POST', `/v1/conversations/${g.id}/update`, { token: a.token, rawBody: '{"name":' })
    expect(raw.status).toBe(400)
    const inBody = await h().http('POST', `/v1/conversations/${g.id}/update`, { token: a.token, body: { id: g.id } })
    expect(inBody.status).toBe(400)
    expect((await h().ok('get-conversation', { id: g.id }, a.token)).lastSeq).toBe(1)
  })
})
