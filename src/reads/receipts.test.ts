import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { TestSocket } from '../../test/ws-client.js'

describeStores('delivery receipts', (h) => {
  it('a sender sees sent → delivered → read, derived from the others’ cursors', async () => {
    const url = await h().listen()
    const [a, b, c, stranger] = await h().users(4)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g', members: [b.id, c.id] }, a.token)
    const sa = (await TestSocket.ready(url, a.token)).socket
    const sb = (await TestSocket.ready(url, b.token)).socket
    const m = await h().ok('send-message', { conversationId: conv.id, content: 'did you get this?' }, a.token)
    const status = async () => (await h().ok('list-messages', { conversationId: conv.id }, a.token)).receipts
    expect(await status()).toEqual({ deliveredUpTo: 0, readUpTo: 0, others: 2, delivered: [0, 0], read: [0, 0] })

    // b's device received it and acknowledges: a hears of it at once (ephemeral, no seq).
    const got = await sb.event(conv.id, 'message.created')
    // Ephemeral: no durable event, and no member's fetched state changes (receipts are not state).
    const { result: ack, allEvents } = await verifyAction(h(), a, () => sb.call('mark-conversation-delivered', { id: conv.id, seq: got.seq }))
    expect(allEvents).toEqual([])
    expect(ack).toMatchObject({ ok: true, data: { lastDeliveredSeq: m.seq } })
    const note = await sa.next((f) => f.event === 'delivery')
    expect(note).toEqual({ type: 'event', event: 'delivery', conversationId: conv.id, data: { userId: b.id, lastDeliveredSeq: m.seq } })
    expect(await status()).toMatchObject({ deliveredUpTo: 0, delivered: [0, m.seq] })
    // c reads (which implies delivery): now delivered to everyone, read by one.
    await h().ok('mark-conversation-read', { id: conv.id, seq: m.seq }, c.token)
    expect(await status()).toEqual({ deliveredUpTo: m.seq, readUpTo: 0, others: 2, delivered: [m.seq, m.seq], read: [0, m.seq] })
    await h().ok('mark-conversation-read', { id: conv.id, seq: m.seq }, b.token)
    expect((await status()).readUpTo).toBe(m.seq)

    // Forward only, clamped, no second announcement; members only; never an event in the log.
    expect((await h().ok('mark-conversation-delivered', { id: conv.id, seq: 1 }, b.token)).lastDeliveredSeq).toBe(m.seq)
    const log = await h().db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE conversation_id = $1 AND type NOT IN ('conversation.created','message.created','read.updated')", [conv.id])
    expect(log[0].n).toBe(0)
    expect((await h().call('mark-conversation-delivered', { id: conv.id, seq: 1 }, stranger.token)).status).toBe(404)
    expect((await h().call('mark-conversation-delivered', { id: conv.id, seq: -1 }, b.token)).status).toBe(400)
    expect((await h().call('mark-conversation-delivered', { id: conv.id, seq: 1 }, h().serverKey)).status).toBe(403)
    await sa.close()
    await sb.close()
  })
})
