import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, eventsSince, lastSeqOf, seqsAfter } from '../conversations/test-fixtures.js'

const tick = () => new Promise((r) => setTimeout(r, 3))

describeStores('update and list members', (h) => {
  it('promotes and demotes, emitting member.updated with only the changes', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const seq = await lastSeqOf(h(), g.id)
    const mark = h().events.length
    const { result: promoted } = await verifyAction(h(), b, () => h().call('update-conversation-member', { id: g.id, userId: b.id, role: 'admin', canPost: true }, a.token))
    expect(promoted.status).toBe(200)
    expect(promoted.body).toMatchObject({ userId: b.id, kind: 'user', role: 'admin', canPost: true })
    const same = await h().ok('update-conversation-member', { id: g.id, userId: b.id, role: 'admin' }, a.token)
    expect(same.role).toBe('admin')
    await verifyAction(h(), a, () => h().ok('update-conversation-member', { id: g.id, userId: a.id, role: 'member' }, b.token))
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['member.updated', 'member.updated'])
    expect(evs.seqs).toEqual(seqsAfter(seq, 2))
    expect(evs.data[0]).toMatchObject({ member: { userId: b.id, role: 'admin' }, changes: { role: 'admin' } })
    expect(evs.data[1]).toMatchObject({ member: { userId: a.id, role: 'member' }, changes: { role: 'member' } })
    expect(Object.keys(evs.data[0].changes)).toEqual(['role'])
    expect((await h().call('update-conversation', { id: g.id, name: 'x' }, a.token)).status).toBe(403)
  })

  it('the last admin cannot be demoted', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const res = await h().call('update-conversation-member', { id: g.id, userId: a.id, role: 'member' }, a.token)
    expect([res.status, res.body.code]).toEqual([409, 'conflict'])
    expect((await h().call('update-conversation-member', { id: g.id, userId: a.id, role: 'member' }, h().serverKey)).status).toBe(409)
    expect((await h().ok('get-conversation', { id: g.id }, a.token)).membership.role).toBe('admin')
  })

  it('grants and takes the right to post in a channel', async () => {
    const [a, b] = await h().users(2)
    const ch = await createChannel(h(), a, [b])
    const mark = h().events.length
    const { result: granted } = await verifyAction(h(), b, () => h().ok('update-conversation-member', { id: ch.id, userId: b.id, canPost: true }, a.token))
    expect(granted).toMatchObject({ role: 'member', canPost: true })
    expect(eventsSince(h(), mark, ch.id).data[0].changes).toEqual({ canPost: true })
    expect((await h().call('send-message', { conversationId: ch.id, content: 'now I can' }, b.token)).status).toBe(201)
    await h().ok('update-conversation-member', { id: ch.id, userId: b.id, canPost: false }, h().serverKey)
    expect((await h().call('send-message', { conversationId: ch.id, content: 'not any more' }, b.token)).status).toBe(403)
  })

  it('answers 404 for a non-member, 409 for a dm, 400 for bad input', async () => {
    const [a, b, x] = await h().users(3)
    const g = await createGroup(h(), a, [b])
    const missing = await h().call('update-conversation-member', { id: g.id, userId: x.id, role: 'admin' }, a.token)
    expect([missing.status, missing.body.code, missing.body.detail]).toEqual([404, 'not_found', 'member not found'])
    const dm = await h().ok('create-conversation', { type: 'dm', members: [b.id] }, a.token)
    expect((await h().call('update-conversation-member', { id: dm.id, userId: b.id, role: 'member' }, a.token)).status).toBe(409)
    for (const [body, path] of [
      [{ role: 'admin' }, 'userId'],
      [{ userId: b.id, role: 'owner' }, 'role'],
      [{ userId: b.id, canPost: 'yes' }, 'canPost'],
      [{ userId: 'has space' }, 'userId'],
      [{ userId: b.id, muted: true }, 'muted'],
    ] as const) {
      const res = await h().call('update-conversation-member', { id: g.id, ...body }, a.token)
      expect([res.status, res.body.errors?.map((e: any) => e.path)], JSON.stringify(body)).toEqual([400, expect.arrayContaining([path])])
    }
  })

  it('lists members oldest first, paged, filtered by role, with effective rights', async () => {
    const [a, owner, ...rest] = await h().users(5)
    const agent = await h().agent(owner)
    const ch = await createChannel(h(), a, [])
    const order = [a.id]
    for (const p of [...rest, agent]) {
      await tick()
      await h().ok('add-conversation-member', { id: ch.id, userIds: [p.id] }, a.token)
      order.push(p.id)
    }
    await h().ok('update-conversation-member', { id: ch.id, userId: rest[1].id, role: 'admin' }, a.token)
    const hi = await h().ok('send-message', { conversationId: ch.id, content: 'hi' }, a.token)
    const seen: any[] = []
    let cursor: string | undefined
    const more: boolean[] = []
    do {
      const page = await h().ok('list-conversation-members', { id: ch.id, limit: 2, ...(cursor ? { cursor } : {}) }, rest[0].token)
      seen.push(...page.data)
      more.push(page.page.hasMore)
      cursor = page.page.nextCursor
    } while (cursor)
    expect(seen.map((m) => m.userId)).toEqual(order)
    expect(more).toEqual([true, true, false])
    expect(seen[0]).toEqual({ userId: a.id, kind: 'user', name: expect.stringContaining(a.id), avatarUrl: null, role: 'admin', canPost: true, joinedAt: ch.createdAt, lastReadSeq: hi.seq })
    expect(seen.find((m) => m.userId === agent.id)).toMatchObject({ kind: 'agent', role: 'member', canPost: false, lastReadSeq: 0 })
    expect(seen.find((m) => m.userId === rest[1].id)).toMatchObject({ role: 'admin', canPost: true })
    const admins = await h().ok('list-conversation-members', { id: ch.id, role: 'admin' }, h().serverKey)
    expect(admins.data.map((m: any) => m.userId)).toEqual([a.id, rest[1].id])
    // The owner of a member agent reads the list too.
    expect((await h().ok('list-conversation-members', { id: ch.id }, owner.token)).data).toHaveLength(5)
  })

  it('refuses bad list input', async () => {
    const a = await h().user()
    const g = await createGroup(h(), a, [])
    const bogus = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url')
    for (const body of [{ limit: 0 }, { limit: 201 }, { limit: 'ten' }, { role: 'owner' }, { cursor: 'garbage!' }, { cursor: bogus }, { sort: 'name' }]) {
      const res = await h().call('list-conversation-members', { id: g.id, ...body }, a.token)
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'validation_failed'])
    }
  })
})
