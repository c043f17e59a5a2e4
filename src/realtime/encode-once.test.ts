import { afterEach, expect, it, vi } from 'vitest'
import { randomUUID } from 'node:crypto'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import { nativeEncoder } from '../ws/encoder.js'
import type { StoredEvent } from '../events/event-types.js'
import type { EphemeralEvent, ProtocolEncoder } from './encoders.js'
import type { EndReason, EngineSession } from './session.js'

/** A session of a made-up second protocol, as a sibling adapter would hand it to the engine. */
class ToySession implements EngineSession {
  readonly id = randomUUID()
  readonly protocol = 'toy.v0'
  isOpen = true
  readonly frames: string[] = []
  ended?: EndReason
  private waiters: { pred: (f: string) => boolean; resolve: (f: string) => void }[] = []

  constructor(readonly participantId: string) {}

  sendRaw(frame: string): void {
    this.frames.push(frame)
    for (const w of this.waiters.filter((x) => x.pred(frame))) {
      this.waiters.splice(this.waiters.indexOf(w), 1)
      w.resolve(frame)
    }
  }

  end(reason: EndReason): void {
    this.ended = reason
    this.isOpen = false
  }

  next(pred: (f: string) => boolean): Promise<string> {
    const seen = this.frames.find(pred)
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => this.waiters.push({ pred, resolve }))
  }
}

/** The toy protocol's encoder: a line of text per event, counting its calls. */
const toyCalls: { event: StoredEvent[]; ephemeral: EphemeralEvent[] } = { event: [], ephemeral: [] }
const toyEncoder: ProtocolEncoder = {
  protocol: 'toy.v0',
  event: (e) => (toyCalls.event.push(e), `toy ${e.type} ${e.conversationId} ${e.seq}`),
  ephemeral: (e) => (toyCalls.ephemeral.push(e), `toy ${e.type} ${'conversationId' in e ? e.conversationId : '-'} ${e.data.userId}`),
}

afterEach(() => vi.restoreAllMocks())

describeStores('realtime engine: one encoding per protocol per fan-out', (h) => {
  it('fans a committed event and a typing event out to sessions of two protocols, encoding each once per protocol', async () => {
    const engine = h().parley.hub
    if (!engine.encoders.has(toyEncoder.protocol)) engine.encoders.register(toyEncoder)
    const nativeEvent = vi.spyOn(nativeEncoder, 'event')
    const nativeEphemeral = vi.spyOn(nativeEncoder, 'ephemeral')
    const url = await h().listen()
    const [a, b, c] = await h().users(3)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'two protocols', members: [b.id, c.id] }, a.token)

    // Native: a on one socket, b on two. Toy: b on one session, c on two.
    const native = [await TestSocket.ready(url, a.token), await TestSocket.ready(url, b.token), await TestSocket.ready(url, b.token)].map((r) => r.socket)
    const toys = [new ToySession(b.id), new ToySession(c.id), new ToySession(c.id)]
    const summaries: unknown[] = []
    for (const t of toys) expect(await engine.attach(t, { ready: (s) => summaries.push(s) })).toBe(true)
    expect(summaries).toHaveLength(3)

    const sent = await h().ok('send-message', { conversationId: conv.id, content: 'to everyone' }, a.token)
    const live = await Promise.all(native.map((s) => s.event(conv.id, 'message.created')))
    const toyFrames = await Promise.all(toys.map((t) => t.next((f) => f.startsWith('toy message.created'))))
    for (const f of live) expect(f).toMatchObject({ type: 'event', event: 'message.created', seq: sent.seq, data: { content: 'to everyone' } })
    expect(new Set(toyFrames)).toEqual(new Set([`toy message.created ${conv.id} ${sent.seq}`]))
    const ofTheMessage = (e: StoredEvent) => e.conversationId === conv.id && e.seq === sent.seq
    expect(nativeEvent.mock.calls.filter(([e]) => ofTheMessage(e))).toHaveLength(1)
    expect(toyCalls.event.filter(ofTheMessage)).toHaveLength(1)

    // Ephemeral events go through the same registry: b types; a (native) and c (toy, twice) see it once encoded each.
    await h().ok('send-typing', { conversationId: conv.id }, b.token)
    await native[0].next((f) => f.type === 'event' && f.event === 'typing' && f.conversationId === conv.id)
    await Promise.all(toys.slice(1).map((t) => t.next((f) => f.startsWith(`toy typing ${conv.id} ${b.id}`))))
    const typingOf = (e: EphemeralEvent) => e.type === 'typing' && e.conversationId === conv.id
    expect(nativeEphemeral.mock.calls.filter(([e]) => typingOf(e))).toHaveLength(1)
    expect(toyCalls.ephemeral.filter(typingOf)).toHaveLength(1)
    // The typer's own sessions get nothing.
    expect(toys[0].frames.some((f) => f.startsWith('toy typing'))).toBe(false)

    // The engine ends sessions in the adapter's terms: a revocation reaches the toy session as a reason kind.
    await h().ok('deactivate-user', { id: c.id }, h().serverKey)
    expect(toys[1].ended).toEqual({ kind: 'revoked', reason: 'deactivated' })
    expect(toys[2].ended).toEqual({ kind: 'revoked', reason: 'deactivated' })
    for (const t of toys) engine.detach(t)
    for (const s of native) await s.close()
  })

  it('refuses a session whose protocol has no encoder', async () => {
    const [u] = await h().users(1)
    const s = Object.assign(new ToySession(u.id), { protocol: 'nobody.v9' })
    await expect(h().parley.hub.attach(s, { ready: () => undefined })).rejects.toThrow(/no encoder/)
  })
})
