/**
 * The SDK against a real server over real sockets (issue 3: "reconnect and resume after the
 * server drops the socket"): while another user keeps sending over HTTP, the server drops the
 * SDK's socket, and the app still receives every message exactly once, in order.
 */
import { expect, it } from 'vitest'
import WebSocket from 'ws'
import { describeStores, type Harness } from '../../../test/harness.js'
import { CloseCode, ParleyClient, type ParleyClientOptions } from './index.js'

/** Resolves when `pred` holds; polls (no fixed sleeps), fails after `ms`. */
async function until(pred: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** `ws` constructor that remembers every socket it opens (to drop them from the client side). */
function trackedWebSocket() {
  const sockets: WebSocket[] = []
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url)
      sockets.push(this)
    }
  }
  return { WebSocket: Tracked as unknown as ParleyClientOptions['WebSocket'], sockets }
}

async function setup(h: Harness) {
  const baseUrl = await h.listen()
  const [alice, bob] = await h.users(2)
  const conv = await h.ok('create-conversation', { type: 'group', name: 'resume', members: [bob.id] }, alice.token)
  const sender = new ParleyClient({ baseUrl, token: alice.token })
  const tracked = trackedWebSocket()
  // Jitter pinned near the ceiling: each reconnect waits ~100–200 ms, so sends land while away.
  const opts: ParleyClientOptions = { baseUrl, token: bob.token, WebSocket: tracked.WebSocket, reconnect: { baseMs: 100, capMs: 200 }, random: () => 0.99 }
  const received: { seq: number; content: string; source: 'live' | 'sync' }[] = []
  const track = (client: ParleyClient) =>
    client.on('message.created', (e) => {
      if (e.conversationId === conv.id) received.push({ seq: e.seq, content: e.data.content, source: e.source })
    })
  return { baseUrl, alice, bob, conv, sender, tracked, opts, received, track }
}

describeStores('SDK real time against a real server', (h) => {
  it('reconnects and resumes after the server drops the socket: every message once, in order', async () => {
    const { bob, conv, sender, tracked, opts, received, track } = await setup(h())
    const client = new ParleyClient(opts)
    track(client)
    let syncs = 0
    client.on('synced', () => syncs++)
    await client.connect()

    const N = 60
    const contents = Array.from({ length: N }, (_, i) => `m${i}`)
    for (let i = 0; i < N; i++) {
      // Mid-burst: the server drops every socket of bob's (twice), then one dies on the client side;
      // the next sends happen while bob is away.
      if (i % 15 === 0 && i > 0) {
        await until(() => client.connected, 5000, 'the resume')
        if (i < 45) h().parley.hub.closeParticipant(bob.id, CloseCode.GoingAway, 'test drop')
        else tracked.sockets.at(-1)!.terminate()
        await until(() => !client.connected, 5000, 'the drop to be seen')
      }
      await sender.ops.sendMessage({ conversationId: conv.id, content: contents[i], clientMsgId: `k${i}` })
    }
    await until(() => received.length >= N && client.connected, 15_000, `${N} messages (have ${received.length})`)
    expect(received.map((r) => r.content)).toEqual(contents)
    const seqs = received.map((r) => r.seq)
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
    expect(new Set(seqs).size).toBe(N)
    expect(tracked.sockets.length).toBeGreaterThanOrEqual(4)
    expect(syncs).toBeGreaterThanOrEqual(3)
    // Some came live, some were replayed by sync after a drop.
    expect(new Set(received.map((r) => r.source))).toEqual(new Set(['live', 'sync']))
    expect(client.positions()[conv.id]).toBe(seqs.at(-1))

    // Calls over the socket work after the resumes, errors included.
    await expect(client.ops.getConversation({ id: conv.id }, { via: 'socket' })).resolves.toMatchObject({ id: conv.id })
    await expect(client.ops.getMessage({ id: '01900000-0000-7000-8000-000000000000' }, { via: 'socket' })).rejects.toMatchObject({
      code: 'not_found',
      retryable: false,
    })
    client.disconnect()
  })

  it('persisted positions: a new client resumes where the old one stopped, with nothing twice', async () => {
    const { conv, sender, opts, received, track } = await setup(h())
    const first = new ParleyClient(opts)
    track(first)
    await first.connect()
    await sender.ops.sendMessage({ conversationId: conv.id, content: 'before' })
    await until(() => received.length === 1, 5000, 'the first message')
    first.disconnect()
    const saved = first.positions()

    await sender.ops.sendMessage({ conversationId: conv.id, content: 'away 1' })
    await sender.ops.sendMessage({ conversationId: conv.id, content: 'away 2' })

    const second = new ParleyClient({ ...opts, positions: saved })
    track(second)
    await second.connect()
    await sender.ops.sendMessage({ conversationId: conv.id, content: 'after' })
    await until(() => received.length >= 4, 5000, 'four messages')
    expect(received.map((r) => r.content)).toEqual(['before', 'away 1', 'away 2', 'after'])
    second.disconnect()
  })

  it('a refused token: connect() rejects with unauthorized and does not retry', async () => {
    const baseUrl = await h().listen()
    const tracked = trackedWebSocket()
    const client = new ParleyClient({ baseUrl, token: 'garbage', WebSocket: tracked.WebSocket })
    await expect(client.connect()).rejects.toMatchObject({ code: 'unauthorized' })
    expect(tracked.sockets).toHaveLength(1)
  })
})

describeStores('SDK delivery acknowledgements against a real server', (h) => {
  it('acknowledges received events by itself, and a sender hears of it and sees the receipt', async () => {
    const { alice, bob, conv, sender, opts } = await setup(h())
    const receiver = new ParleyClient({ ...opts, ackDelayMs: 20 })
    const watcher = new ParleyClient({ baseUrl: opts.baseUrl, token: alice.token, WebSocket: opts.WebSocket })
    const deliveries: { userId: unknown; lastDeliveredSeq: unknown }[] = []
    watcher.on('delivery', (e) => deliveries.push(e.data as never))
    await receiver.connect()
    await watcher.connect()
    const m = await sender.ops.sendMessage({ conversationId: conv.id, content: 'did it arrive?' })
    await until(() => deliveries.some((d) => d.userId === bob.id && d.lastDeliveredSeq === m.seq), 10_000, 'the delivery event')
    const page = await sender.ops.listMessages({ conversationId: conv.id })
    expect(page.receipts.deliveredUpTo).toBe(m.seq)
    expect(page.receipts.readUpTo).toBe(0)
    receiver.disconnect()
    watcher.disconnect()
  })
})
