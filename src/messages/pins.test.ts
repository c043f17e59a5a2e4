import { expect, it } from 'vitest'
import { describeStores, type Harness, type TestUser } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, eventsSince } from '../conversations/test-fixtures.js'
import { deletePinOfMessage } from './pins.sql.js'
import { MAX_PINS } from './pins.ops.js'

const send = (h: Harness, conversationId: string, by: TestUser, content = 'hello') => h.ok('send-message', { conversationId, content }, by.token)
const pin = (h: Harness, id: string, by: { token: string }) => h.call('pin-message', { id }, by.token)
const unpin = (h: Harness, id: string, by: { token: string }) => h.call('unpin-message', { id }, by.token)
const pinnedIds = async (h: Harness, conversationId: string, by: { token: string }) =>
  (await h.ok('list-pinned-messages', { id: conversationId, limit: 100 }, by.token)).data.map((m: any) => m.id)

describeStores('pins', (h) => {
  it('pins and unpins; pinnedAt and pinnedBy on views; events keep another member’s messages and pinned list current', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const m1 = await send(h(), g.id, a, 'first')
    const m2 = await send(h(), g.id, b, 'second')
    await h().ok('add-reaction', { id: m1.id, emoji: '👍' }, a.token)
    const mark = h().events.length
    const { result } = await verifyAction(h(), a, () => pin(h(), m1.id, b))
    expect(result.status).toBe(200)
    expect(result.body).toMatchObject({ id: m1.id, pinnedBy: b.id, pinnedAt: expect.any(String), reactions: { '👍': { count: 1, me: false } } })
    const [pinned] = eventsSince(h(), mark, g.id).data
    expect(pinned).toMatchObject({ messageId: m1.id, pinnedBy: b.id, pinnedAt: result.body.pinnedAt })
    // The event carries the message for a pinned bar: caller-free, so `me` is false.
    expect(pinned.message).toMatchObject({ id: m1.id, content: 'first', pinnedAt: result.body.pinnedAt, pinnedBy: b.id, reactions: { '👍': { count: 1, me: false } } })
    await verifyAction(h(), b, () => pin(h(), m2.id, a))

    // Newest pin first; views carry the pin everywhere.
    const list = await h().ok('list-pinned-messages', { id: g.id }, b.token)
    expect(list.data.map((m: any) => [m.id, m.pinnedBy])).toEqual([[m2.id, a.id], [m1.id, b.id]])
    expect(list.data[1].reactions).toEqual({ '👍': { count: 1, me: false } })
    expect(list.page).toEqual({ hasMore: false })
    expect((await h().ok('get-message', { id: m1.id }, a.token)).reactions['👍'].me).toBe(true)
    expect((await h().ok('list-messages', { conversationId: g.id }, a.token)).data.map((m: any) => m.pinnedBy)).toEqual([b.id, a.id])

    // Pinning a pinned message is a no-op, however many times.
    const before = h().events.length
    const again = await Promise.all([pin(h(), m1.id, a), pin(h(), m1.id, b)])
    expect(again.map((r) => r.body.pinnedBy)).toEqual([b.id, b.id])
    expect(h().events.length).toBe(before)

    const { result: un } = await verifyAction(h(), b, () => unpin(h(), m1.id, a))
    expect(un.body).toMatchObject({ pinnedAt: null, pinnedBy: null })
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['message.pinned', 'message.pinned', 'message.unpinned'])
    expect(evs.data[2]).toEqual({ messageId: m1.id, unpinnedBy: a.id, pinnedAt: result.body.pinnedAt })
    expect(await pinnedIds(h(), g.id, a)).toEqual([m2.id])
    // Unpinning what is not pinned is a no-op.
    const before2 = h().events.length
    expect((await unpin(h(), m1.id, b)).status).toBe(200)
    expect(h().events.length).toBe(before2)
  })

  it('who may pin: any member of a dm or group (locked too); channel admins and posters; the server key', async () => {
    const [a, b, c, outsider, owner] = await h().users(5)
    const dm = await h().ok('create-conversation', { type: 'dm', members: [b.id] }, a.token)
    const inDm = await send(h(), dm.id, a)
    await verifyAction(h(), a, () => pin(h(), inDm.id, b))

    const g = await createGroup(h(), a, [b], { settings: { locked: true } })
    const inGroup = await send(h(), g.id, a)
    expect((await pin(h(), inGroup.id, b)).status).toBe(200)
    expect((await pin(h(), inGroup.id, outsider)).status).toBe(404)
    expect((await h().call('list-pinned-messages', { id: g.id }, outsider.token)).status).toBe(404)

    // Channel members do not post unless allowed: b is, c is not.
    const ch = await createChannel(h(), a, [b, c], { visibility: 'public' })
    await h().ok('update-conversation-member', { id: ch.id, userId: b.id, canPost: true }, a.token)
    const post = await send(h(), ch.id, a)
    const readOnly = await pin(h(), post.id, c)
    expect(readOnly.status).toBe(403)
    expect(readOnly.body.code).toBe('forbidden')
    expect((await unpin(h(), post.id, c)).status).toBe(403)
    expect((await pin(h(), post.id, outsider)).status).toBe(403)
    expect((await pin(h(), post.id, b)).status).toBe(200)
    expect((await unpin(h(), post.id, a)).status).toBe(200)
    // Readers see the pins: a read-only member and a public non-member alike.
    expect((await pin(h(), post.id, a)).status).toBe(200)
    expect(await pinnedIds(h(), ch.id, c)).toEqual([post.id])
    expect(await pinnedIds(h(), ch.id, outsider)).toEqual([post.id])

    // The server key pins with a null pinnedBy.
    const other = await send(h(), ch.id, b)
    const { result: byServer } = await verifyAction(h(), c, () => pin(h(), other.id, { token: h().serverKey }))
    expect(byServer.body).toMatchObject({ pinnedBy: null, pinnedAt: expect.any(String) })
    expect(h().events.at(-1)).toMatchObject({ type: 'message.pinned', actorId: null, data: { pinnedBy: null } })

    // An agent member may pin; its owner, who only reads through it, may not (but may list).
    const agent = await h().agent(owner)
    await h().ok('add-conversation-member', { id: g.id, userIds: [agent.id] }, a.token)
    const forAgent = await send(h(), g.id, a)
    expect((await pin(h(), forAgent.id, agent)).body.pinnedBy).toBe(agent.id)
    expect((await unpin(h(), forAgent.id, owner)).status).toBe(403)
    expect(await pinnedIds(h(), g.id, owner)).toEqual([forAgent.id, inGroup.id])

    // A removed member is an outsider.
    await h().ok('remove-conversation-member', { id: g.id, userIds: [b.id] }, a.token)
    expect((await unpin(h(), inGroup.id, b)).status).toBe(404)
  })

  it('refuses deleted messages (409), archived conversations (409), bad input (400)', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const m = await send(h(), g.id, a)
    const kept = await send(h(), g.id, a)
    await pin(h(), kept.id, a)
    await h().db.query('UPDATE messages SET deleted_at = now() WHERE id = $1', [m.id])
    const mark = h().events.length
    const res = await pin(h(), m.id, a)
    expect(res.status).toBe(409)
    expect(res.body.code).toBe('conflict')
    expect((await unpin(h(), m.id, a)).status).toBe(200)
    expect((await h().call('pin-message', { id: m.id, extra: true }, a.token)).status).toBe(400)
    expect((await h().call('pin-message', { id: 'x' }, a.token)).status).toBe(400)
    expect((await h().call('list-pinned-messages', { id: g.id, cursor: 'nope' }, a.token)).status).toBe(400)
    expect((await h().call('list-pinned-messages', { id: g.id, limit: MAX_PINS + 1 }, a.token)).status).toBe(400)
    expect((await pin(h(), '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', a)).status).toBe(404)
    await h().ok('archive-conversation', { id: g.id }, a.token)
    const mark2 = h().events.length
    expect((await unpin(h(), kept.id, a)).status).toBe(409)
    expect((await pin(h(), kept.id, b)).status).toBe(409)
    expect(h().events.length).toBe(mark2)
    expect(eventsSince(h(), mark, g.id).types).toEqual(['conversation.updated'])
    // delete-message's helper removes a pin without an event.
    await deletePinOfMessage(h().db, kept.id)
    expect(await pinnedIds(h(), g.id, a)).toEqual([])
  })

  it(`at most ${MAX_PINS} pins per conversation (409 beyond, also when racing); list-pinned-messages pages newest first`, async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const ms: { id: string }[] = []
    for (let i = 0; i < MAX_PINS + 3; i += 20) {
      ms.push(...(await Promise.all(Array.from({ length: Math.min(20, MAX_PINS + 3 - i) }, (_, j) => send(h(), g.id, a, `m${i + j}`)))))
    }
    for (const m of ms.slice(0, MAX_PINS - 1)) expect((await pin(h(), m.id, a)).status).toBe(200)
    // Four race for the last place: exactly one wins.
    const race = await Promise.all(ms.slice(MAX_PINS - 1).map((m) => pin(h(), m.id, b)))
    expect(race.map((r) => r.status).sort()).toEqual([200, 409, 409, 409])
    expect(race.find((r) => r.status === 409)!.body.code).toBe('conflict')
    // Re-pinning a pinned message at the cap is still a no-op, not a conflict.
    expect((await pin(h(), ms[0].id, a)).status).toBe(200)

    const all: any[] = []
    let cursor: string | undefined
    do {
      const page = await h().ok('list-pinned-messages', { id: g.id, limit: 30, ...(cursor ? { cursor } : {}) }, b.token)
      all.push(...page.data)
      cursor = page.page.nextCursor
    } while (cursor)
    expect(all).toHaveLength(MAX_PINS)
    const order = all.map((m) => [m.pinnedAt, m.id])
    expect(order).toEqual([...order].sort((x, y) => (x[0] === y[0] ? (x[1] < y[1] ? 1 : -1) : x[0] < y[0] ? 1 : -1)))
    expect(all.at(-1).id).toBe(ms[0].id)
    // One unpinned makes room.
    await unpin(h(), ms[5].id, a)
    const loser = ms.slice(MAX_PINS - 1).find((m) => !all.some((x) => x.id === m.id))!
    expect((await pin(h(), loser.id, a)).status).toBe(200)
  })
})
