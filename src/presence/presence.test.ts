import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'

describeStores('typing and presence', (h) => {
  it('typing reaches the other members’ sockets, not the typist’s, is never stored, and repeats are absorbed', async () => {
    const url = await h().listen()
    const [a, b, c] = await h().users(3)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g', members: [b.id] }, a.token)
    const sa = (await TestSocket.ready(url, a.token)).socket
    const sb = (await TestSocket.ready(url, b.token)).socket
    const sc = (await TestSocket.ready(url, c.token)).socket
    const before = await h().db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE conversation_id = $1', [conv.id])
    const res = await sa.call('send-typing', { conversationId: conv.id })
    expect(res.ok).toBe(true)
    const typing = await sb.next((f) => f.event === 'typing')
    expect(typing).toEqual({ type: 'event', event: 'typing', conversationId: conv.id, data: { userId: a.id, expiresAt: res.data.expiresAt } })
    expect(typing.seq).toBeUndefined()
    expect(Date.parse(res.data.expiresAt) - Date.now()).toBeGreaterThan(3000)
    // Absorbed repeat, then a marker: b sees no second typing event before the marker.
    await h().ok('send-typing', { conversationId: conv.id }, a.token)
    await h().ok('send-message', { conversationId: conv.id, content: 'marker' }, a.token)
    await sb.event(conv.id, 'message.created')
    expect(sb.drain((f) => f.event === 'typing')).toEqual([])
    expect(sa.drain((f) => f.event === 'typing')).toEqual([])
    expect(sc.drain((f) => f.event === 'typing')).toEqual([])
    const after = await h().db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE conversation_id = $1', [conv.id])
    expect(after[0].n).toBe(before[0].n + 1)
    // Who may type: those who may post.
    expect((await h().call('send-typing', { conversationId: conv.id }, c.token)).status).toBe(404)
    expect((await h().call('send-typing', { conversationId: conv.id }, h().serverKey)).status).toBe(403)
    expect((await h().call('send-typing', { conversationId: 'nope' }, a.token)).status).toBe(400)
    await Promise.all([sa, sb, sc].map((s) => s.close()))
  })

  it('a user is online while any device is connected; co-members hear of it; strangers learn nothing', async () => {
    const url = await h().listen()
    const [a, b, stranger] = await h().users(3)
    await h().ok('create-conversation', { type: 'dm', members: [b.id] }, a.token)
    const watcher = (await TestSocket.ready(url, b.token)).socket
    expect((await h().ok('get-presence', { userIds: [a.id] }, b.token)).data).toEqual([{ userId: a.id, online: false, lastSeenAt: null }])
    const phone = (await TestSocket.ready(url, a.token)).socket
    expect(await watcher.next((f) => f.event === 'presence')).toMatchObject({ data: { userId: a.id, online: true } })
    const laptop = (await TestSocket.ready(url, a.token)).socket
    await phone.close()
    expect((await h().ok('get-presence', { userIds: [a.id] }, b.token)).data[0]).toMatchObject({ online: true })
    await laptop.close()
    const off = await watcher.next((f) => f.event === 'presence')
    expect(off).toMatchObject({ data: { userId: a.id, online: false } })
    expect(Date.parse(off.data.lastSeenAt)).toBeLessThanOrEqual(Date.now())
    expect((await h().ok('get-presence', { userIds: [a.id] }, b.token)).data[0]).toEqual({ userId: a.id, online: false, lastSeenAt: off.data.lastSeenAt })
    expect((await h().ok('get-presence', { userIds: [a.id] }, stranger.token)).data).toEqual([{ userId: a.id, online: null, lastSeenAt: null }])
    expect((await h().ok('get-presence', { userIds: [a.id] }, h().serverKey)).data[0].online).toBe(false)
    expect((await h().call('get-presence', { userIds: [] }, b.token)).status).toBe(400)
    await watcher.close()
  })

  it('presence travels through dms and groups, not channels', async () => {
    const url = await h().listen()
    const [owner, sub1, sub2] = await h().users(3)
    const channel = await h().ok('create-conversation', { type: 'channel', name: 'news', members: [sub1.id, sub2.id] }, owner.token)
    const s1 = (await TestSocket.ready(url, sub1.token)).socket
    const s2 = (await TestSocket.ready(url, sub2.token)).socket
    await h().ok('send-message', { conversationId: channel.id, content: 'marker' }, owner.token)
    await s1.event(channel.id, 'message.created')
    expect(s1.drain((f) => f.event === 'presence')).toEqual([])
    expect((await h().ok('get-presence', { userIds: [sub2.id] }, sub1.token)).data[0].online).toBeNull()
    await s1.close()
    await s2.close()
  })
})
