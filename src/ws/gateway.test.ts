import { expect, it } from 'vitest'
import { SignJWT } from 'jose'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import { CloseCode } from '../protocol/frames.js'

describeStores('websocket gateway', (h) => {
  it('authenticates with ?token= or a first auth frame, and greets with session.ready and the unread summary', async () => {
    const url = await h().listen()
    const [a, b] = await h().users(2)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g', members: [b.id] }, a.token)
    await h().ok('send-message', { conversationId: conv.id, content: 'one' }, a.token)
    await h().ok('send-message', { conversationId: conv.id, content: 'two, @b', mentions: [b.id] }, a.token)
    const { socket, ready } = await TestSocket.ready(url, b.token)
    expect(ready).toMatchObject({ protocol: 1, participant: { id: b.id, kind: 'user' }, unread: [{ conversationId: conv.id, unreadCount: 2, mentionCount: 1, unreadThreadCount: 0, lastSeq: 3 }] })
    const seenByB = await h().ok('get-conversation', { id: conv.id }, b.token)
    expect(seenByB.membership).toMatchObject({ unreadCount: 2, mentionCount: 1 })
    await h().ok('mark-conversation-read', { id: conv.id, seq: 3 }, b.token)
    expect((await h().ok('get-conversation', { id: conv.id }, b.token)).membership).toMatchObject({ unreadCount: 0, mentionCount: 0 })
    expect(ready.limits.idleTimeoutMs).toBe(60_000)
    await socket.close()

    const viaFrame = await TestSocket.open(url)
    viaFrame.send({ type: 'auth', token: a.token })
    const r2 = await viaFrame.next((f) => f.type === 'session.ready')
    expect(r2.participant.id).toBe(a.id)
    expect(r2.unread).toEqual([])
    await viaFrame.close()
  })

  it('refuses bad credentials and foreign origins with close codes that say whether to reconnect', async () => {
    const url = await h().listen()
    const u = await h().user()
    const bad = await TestSocket.open(url, { token: 'garbage' })
    expect((await bad.closed).code).toBe(CloseCode.Unauthorized)
    const expired = await new SignJWT({ sub: u.id, exp: Math.floor(Date.now() / 1000) - 10 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(h().parley.services.config.jwtSecret!))
    const exp = await TestSocket.open(url, { token: expired })
    expect(await exp.closed).toEqual({ code: CloseCode.Unauthorized, reason: 'the token has expired' })
    // A token that expires while the socket is open closes it then.
    const shortLived = await new SignJWT({ sub: u.id, exp: Math.floor(Date.now() / 1000) + 1 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(h().parley.services.config.jwtSecret!))
    const brief = (await TestSocket.ready(url, shortLived)).socket
    expect(await brief.closed).toEqual({ code: CloseCode.Unauthorized, reason: 'the token has expired' })
    const server = await TestSocket.open(url, { token: h().serverKey })
    expect((await server.closed).code).toBe(CloseCode.Unauthorized)
    const foreign = await TestSocket.open(url, { token: u.token, origin: 'https://evil.example' })
    expect(await foreign.closed).toEqual({ code: CloseCode.ForbiddenOrigin, reason: 'origin not allowed' })
    const own = await TestSocket.open(url, { token: u.token, origin: url })
    await own.next((f) => f.type === 'session.ready')
    await own.close()
    const early = await TestSocket.open(url)
    early.send({ type: 'call', id: 'x', op: 'list-users', data: {} })
    expect((await early.closed).code).toBe(CloseCode.Unauthorized)
  })

  it('calls operations over the socket with the same validation, authorization and errors as HTTP', async () => {
    const url = await h().listen()
    const [a, b, stranger] = await h().users(3)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g', members: [b.id] }, a.token)
    const { socket } = await TestSocket.ready(url, a.token)
    const sent = await socket.call('send-message', { conversationId: conv.id, content: 'over ws', clientMsgId: 'w1' })
    expect(sent).toMatchObject({ ok: true, data: { content: 'over ws', senderId: a.id } })
    const again = await socket.call('send-message', { conversationId: conv.id, content: 'over ws', clientMsgId: 'w1' })
    expect(again.data.id).toBe(sent.data.id)
    const got = await socket.call('get-conversation', { id: conv.id })
    expect(got.data.lastSeq).toBe(sent.data.seq)
    const invalid = await socket.call('send-message', { conversationId: conv.id, content: '', extra: 1 })
    expect(invalid).toMatchObject({ ok: false, error: { code: 'validation_failed', retryable: false } })
    expect(invalid.error.errors.map((e: any) => e.path).sort()).toEqual(['extra'])
    expect(await socket.call('no-such-op', {})).toMatchObject({ ok: false, error: { code: 'not_found' } })
    expect(await socket.call('upsert-user', { id: 'x', name: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    const { socket: s2 } = await TestSocket.ready(url, stranger.token)
    expect(await s2.call('list-messages', { conversationId: conv.id })).toMatchObject({ ok: false, error: { code: 'not_found' } })
    socket.send('not json')
    expect(await socket.next((f) => f.type === 'error')).toMatchObject({ error: { code: 'validation_failed' } })
    socket.send({ type: 'ping' })
    expect(await socket.next((f) => f.type === 'pong')).toEqual({ type: 'pong' })
    await socket.close()
    await s2.close()
  })

  it('delivers every event of a member’s conversations to each of their devices, in seq order, and nothing to others', async () => {
    const url = await h().listen()
    const [a, b, outsider] = await h().users(3)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g', members: [b.id] }, a.token)
    const phone = (await TestSocket.ready(url, b.token)).socket
    const laptop = (await TestSocket.ready(url, b.token)).socket
    const sender = (await TestSocket.ready(url, a.token)).socket
    const other = (await TestSocket.ready(url, outsider.token)).socket
    const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => h().ok('send-message', { conversationId: conv.id, content: `m${i}` }, i % 2 ? a.token : b.token)))
    const expected = sent.map((m) => m.seq).sort((x, y) => x - y)
    for (const device of [phone, laptop, sender]) {
      const seqs: number[] = []
      for (let i = 0; i < 30; i++) seqs.push((await device.event(conv.id, 'message.created')).seq)
      expect(seqs).toEqual(expected)
    }
    // The outsider's own conversation is the marker: by the time its event arrives, anything else would have too.
    const mine = await h().ok('create-conversation', { type: 'group', name: 'mine' }, outsider.token)
    await h().ok('send-message', { conversationId: mine.id, content: 'marker' }, outsider.token)
    await other.event(mine.id, 'message.created')
    expect(other.drain((f) => f.type === 'event' && f.conversationId === conv.id)).toEqual([])
    await Promise.all([phone, laptop, sender, other].map((s) => s.close()))
  })

  it('being added starts delivery at once; being removed ends it right after the member.removed about oneself', async () => {
    const url = await h().listen()
    const [admin, c] = await h().users(2)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g' }, admin.token)
    const cs = (await TestSocket.ready(url, c.token)).socket
    await h().ok('add-conversation-member', { id: conv.id, userIds: [c.id] }, admin.token)
    expect(await cs.event(conv.id, 'member.added')).toMatchObject({ data: { member: { userId: c.id } } })
    // The add's system message, then a message of the admin's.
    expect((await cs.event(conv.id, 'message.created')).data.kind).toBe('system')
    await h().ok('send-message', { conversationId: conv.id, content: 'welcome' }, admin.token)
    expect((await cs.event(conv.id, 'message.created')).data.content).toBe('welcome')
    await h().ok('remove-conversation-member', { id: conv.id, userIds: [c.id] }, admin.token)
    expect(await cs.event(conv.id, 'member.removed')).toMatchObject({ data: { memberId: c.id } })
    await h().ok('send-message', { conversationId: conv.id, content: 'secret' }, admin.token)
    const marker = await h().ok('create-conversation', { type: 'dm', members: [admin.id] }, c.token)
    await h().ok('send-message', { conversationId: marker.id, content: 'marker' }, admin.token)
    await cs.event(marker.id, 'message.created')
    expect(cs.drain((f) => f.conversationId === conv.id)).toEqual([])
    await cs.close()
  })

  it('deactivating a user closes their sockets with Deactivated', async () => {
    const url = await h().listen()
    const u = await h().user()
    const s = (await TestSocket.ready(url, u.token)).socket
    await h().ok('deactivate-user', { id: u.id }, h().serverKey)
    expect((await s.closed).code).toBe(CloseCode.Deactivated)
    const again = await TestSocket.open(url, { token: u.token })
    expect((await again.closed).code).toBe(CloseCode.Unauthorized)
  })

  it('an agent connects with its key and receives its conversations’ events', async () => {
    const url = await h().listen()
    const owner = await h().user()
    const agent = await h().agent(owner)
    const chat = await h().ok('create-conversation', { type: 'dm', agentId: agent.id }, owner.token)
    const { socket, ready } = await TestSocket.ready(url, agent.token)
    expect(ready.participant).toEqual({ id: agent.id, kind: 'agent' })
    await h().ok('send-message', { conversationId: chat.id, content: 'hello agent' }, owner.token)
    expect((await socket.event(chat.id, 'message.created')).data).toMatchObject({ content: 'hello agent', senderId: owner.id })
    const reply = await socket.call('send-message', { conversationId: chat.id, content: 'hello human' })
    expect(reply.data.senderKind).toBe('agent')
    await h().ok('rotate-agent-key', { id: agent.id }, owner.token)
    expect((await socket.closed).code).toBe(CloseCode.Unauthorized)
  })
})

describeStores('websocket limits', (h) => {
  it('closes a silent socket after the idle timeout, and one that floods, and one that cannot keep up', async () => {
    const url = await h().listen()
    const u = await h().user()
    const silent = (await TestSocket.ready(url, u.token)).socket
    expect((await silent.closed).code).toBe(CloseCode.IdleTimeout)

    const flood = (await TestSocket.ready(url, u.token)).socket
    for (let i = 0; i < 50; i++) flood.send({ type: 'ping' })
    expect((await flood.closed).code).toBe(CloseCode.PolicyViolation)

    const conv = await h().ok('create-conversation', { type: 'group', name: 'big' }, u.token)
    const slow = (await TestSocket.ready(url, u.token)).socket
    await h().ok('send-message', { conversationId: conv.id, content: 'x'.repeat(5000) }, u.token)
    expect((await slow.closed).code).toBe(CloseCode.SlowConsumer)

    const unauth = await TestSocket.open(url)
    expect((await unauth.closed).code).toBe(CloseCode.AuthTimeout)

    const big = (await TestSocket.ready(url, u.token)).socket
    big.send({ type: 'call', id: 'big', op: 'send-message', data: { conversationId: conv.id, content: 'y'.repeat(3000) } })
    expect((await big.closed).code).toBe(1009)
  })
}, { wsIdleTimeoutMs: 400, wsFramesPerSecond: 10, wsMaxBufferedBytes: 4096, wsAuthTimeoutMs: 300, wsMaxFrameBytes: 2048 })
