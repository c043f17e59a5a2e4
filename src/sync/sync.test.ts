import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import { listEventsAfter } from '../events/event-log.sql.js'

describeStores('sync (resume)', (h) => {
  it('after a disconnect, sync answers exactly the events missed, in order, in the live frames’ shape', async () => {
    const url = await h().listen()
    const [a, b] = await h().users(2)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g', members: [b.id] }, a.token)
    const { socket } = await TestSocket.ready(url, b.token)
    await h().ok('send-message', { conversationId: conv.id, content: 'seen' }, a.token)
    const seen = await socket.event(conv.id, 'message.created')
    await socket.close()

    const missed = []
    for (let i = 0; i < 12; i++) missed.push(await h().ok('send-message', { conversationId: conv.id, content: `away ${i}` }, a.token))
    await h().ok('update-conversation', { id: conv.id, name: 'renamed' }, a.token)

    const back = (await TestSocket.ready(url, b.token)).socket
    const res = await back.call('sync', { since: { [conv.id]: seen.seq } })
    expect(res.ok).toBe(true)
    expect(res.data.hasMore).toBe(false)
    const entry = res.data.data.find((d: any) => d.conversationId === conv.id)
    // The rename also writes its system message (src/messages/system-messages.test.ts).
    expect(entry.events.map((e: any) => e.seq)).toEqual(Array.from({ length: 14 }, (_, i) => seen.seq + 1 + i))
    expect(entry.events.slice(0, 12).map((e: any) => e.data.content)).toEqual(missed.map((m) => m.content))
    expect(entry.events[12]).toMatchObject({ type: 'event', event: 'conversation.updated', conversationId: conv.id })
    expect(entry.events[13]).toMatchObject({ type: 'event', event: 'message.created', data: { kind: 'system' } })
    expect(Object.keys(entry.events[0]).sort()).toEqual(Object.keys(seen).sort())
    // Nothing changed since: nothing to answer.
    const none = await back.call('sync', { since: { [conv.id]: entry.lastSeq } })
    expect(none.data.data.filter((d: any) => d.conversationId === conv.id)).toEqual([])
    await back.close()
  })

  it('events arriving while sync runs are neither lost nor doubled for a client that skips seqs it has', async () => {
    const url = await h().listen()
    const [a, b] = await h().users(2)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g', members: [b.id] }, a.token)
    for (let i = 0; i < 20; i++) await h().ok('send-message', { conversationId: conv.id, content: `before ${i}` }, a.token)
    const { socket } = await TestSocket.ready(url, b.token)
    // Sends keep going while the client syncs from seq 1.
    const during = Promise.all(Array.from({ length: 40 }, (_, i) => h().ok('send-message', { conversationId: conv.id, content: `during ${i}` }, a.token)))
    const res = await socket.call('sync', { since: { [conv.id]: 1 } })
    await during
    const last = (await h().ok('get-conversation', { id: conv.id }, b.token)).lastSeq
    // The client: apply sync's events, then live ones, skipping any seq already applied.
    const applied = new Map<number, any>()
    let top = 1
    const apply = (e: any) => {
      if (e.seq <= top) return
      expect(e.seq).toBe(top + 1)
      applied.set(e.seq, e)
      top = e.seq
    }
    for (const e of res.data.data.find((d: any) => d.conversationId === conv.id).events) apply(e)
    while (top < last) apply(await socket.event(conv.id))
    const truth = await listEventsAfter(h().db, conv.id, 1, 1000)
    expect([...applied.keys()]).toEqual(truth.map((e) => e.seq))
    expect([...applied.values()].map((e) => e.data)).toEqual(truth.map((e) => e.data))
    await socket.close()
  })

  it('brings conversations joined while away, and the removal from ones left while away', async () => {
    const url = await h().listen()
    const [a, b] = await h().users(2)
    const kept = await h().ok('create-conversation', { type: 'group', name: 'kept', members: [b.id] }, a.token)
    const lost = await h().ok('create-conversation', { type: 'group', name: 'lost', members: [b.id] }, a.token)
    const positions = { [kept.id]: kept.lastSeq, [lost.id]: lost.lastSeq }
    // While b is away: added to a new group, removed from another (which then goes on without b).
    const joined = await h().ok('create-conversation', { type: 'group', name: 'joined', members: [b.id] }, a.token)
    await h().ok('send-message', { conversationId: joined.id, content: 'hi newcomer' }, a.token)
    await h().ok('send-message', { conversationId: lost.id, content: 'last one b may see' }, a.token)
    await h().ok('remove-conversation-member', { id: lost.id, userIds: [b.id] }, a.token)
    await h().ok('send-message', { conversationId: lost.id, content: 'after b left' }, a.token)

    const res = await h().ok('sync', { since: positions }, b.token)
    const byId = new Map(res.data.map((d: any) => [d.conversationId, d]))
    expect((byId.get(joined.id) as any).events.map((e: any) => e.event)).toEqual(['conversation.created', 'message.created'])
    const gone = byId.get(lost.id) as any
    expect(gone.events.map((e: any) => e.event)).toEqual(['message.created', 'member.removed'])
    expect(gone.events[1].data.memberId).toBe(b.id)
    expect(JSON.stringify(gone)).not.toContain('after b left')
    expect(byId.has(kept.id)).toBe(false)
    // A stranger naming a conversation learns nothing about it.
    const stranger = await h().user()
    expect((await h().ok('sync', { since: { [lost.id]: 0 } }, stranger.token)).data).toEqual([])
    void url
  })

})

describeStores('sync limits', (h) => {
  it('answers reset for a conversation too far behind, and refuses bad positions', async () => {
    const [a] = await h().users(1)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'long' }, a.token)
    for (let i = 0; i < 8; i++) await h().ok('send-message', { conversationId: conv.id, content: `m${i}` }, a.token)
    const res = await h().ok('sync', { since: { [conv.id]: 0 } }, a.token)
    expect(res.data).toEqual([{ conversationId: conv.id, events: [], reset: true, lastSeq: 9 }])
    const near = await h().ok('sync', { since: { [conv.id]: 5 } }, a.token)
    expect(near.data[0].events.map((e: any) => e.seq)).toEqual([6, 7, 8, 9])
    expect((await h().call('sync', { since: { 'not-a-uuid': 1 } }, a.token)).status).toBe(400)
    expect((await h().call('sync', { since: { [conv.id]: -1 } }, a.token)).status).toBe(400)
    expect((await h().call('sync', {}, a.token)).status).toBe(400)
    expect((await h().call('sync', { since: {} }, h().serverKey)).status).toBe(403)
  })
}, { syncMaxEventsPerConversation: 5 })
