import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import { validateEvent } from '../events/catalogue/validate.js'

describeStores('typing stop', (h) => {
  it('fans out stopped: true at once, never absorbed, and lets the next start through', async () => {
    const url = await h().listen()
    const [a, b] = await h().users(2)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g', members: [b.id] }, a.token)
    const sa = (await TestSocket.ready(url, a.token)).socket
    const sb = (await TestSocket.ready(url, b.token)).socket
    const isTyping = (f: any) => f.event === 'typing'

    const start = await sa.call('send-typing', { conversationId: conv.id })
    expect((await sb.next(isTyping)).data).toEqual({ userId: a.id, expiresAt: start.data.expiresAt })
    // Within the throttle window: a stop still goes out, with no expiry.
    const stop = await sa.call('send-typing', { conversationId: conv.id, stopped: true })
    expect(stop).toMatchObject({ ok: true, data: { expiresAt: null } })
    const stopped = await sb.next(isTyping)
    expect(stopped).toEqual({ type: 'event', event: 'typing', conversationId: conv.id, data: { userId: a.id, stopped: true } })
    expect(validateEvent('typing', stopped.data)).toEqual([])
    // A second stop is not absorbed either, and a start right after a stop goes out.
    await sa.call('send-typing', { conversationId: conv.id, stopped: true })
    expect((await sb.next(isTyping)).data).toEqual({ userId: a.id, stopped: true })
    const again = await sa.call('send-typing', { conversationId: conv.id })
    expect((await sb.next(isTyping)).data).toEqual({ userId: a.id, expiresAt: again.data.expiresAt })
    expect(validateEvent('typing', { userId: a.id, expiresAt: again.data.expiresAt })).toEqual([])
    expect(sa.drain(isTyping)).toEqual([])

    // stopped takes only `true`; the same rights as a start.
    expect((await h().call('send-typing', { conversationId: conv.id, stopped: false }, a.token)).status).toBe(400)
    expect((await h().call('send-typing', { conversationId: conv.id, stopped: true }, h().serverKey)).status).toBe(403)
    await Promise.all([sa.close(), sb.close()])
  })
})
