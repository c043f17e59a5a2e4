/**
 * The real-time state machine, deterministically: an in-memory socket the test drives frame by
 * frame and a manual clock. Covers resume ordering, de-duplication, pings, backoff and close codes.
 */
import { describe, expect, it } from 'vitest'
import { ParleyClient } from './client.js'
import { ParleyError } from './errors.js'
import { CloseCode } from './protocol.gen.js'
import { ManualClock, ev, fakeSockets, flush, ready } from './test-fakes.js'

function setup(opts: { positions?: Record<string, number>; getToken?: () => string; token?: string } = {}) {
  const clock = new ManualClock()
  const ws = fakeSockets()
  const client = new ParleyClient({
    baseUrl: 'http://parley.test',
    token: opts.getToken ? opts.token : (opts.token ?? 't1'),
    getToken: opts.getToken,
    WebSocket: ws.WebSocket,
    fetch: () => Promise.reject(new Error('no HTTP in these tests')),
    clock,
    random: () => 0.5,
    positions: opts.positions,
  })
  const seen: string[] = []
  const log: string[] = []
  client.on('message.created', (e) => seen.push(`${e.conversationId}:${e.seq}:${e.source}`))
  client.on('reset', (r) => log.push(`reset ${r.conversationId} ${r.lastSeq}`))
  client.on('disconnected', (d) => log.push(`closed ${d.code} ${d.willReconnect ? 'retry' : 'stop'}`))
  client.on('reconnecting', (r) => log.push(`reconnect #${r.attempt} in ${r.delayMs}`))
  client.on('error', (e) => log.push(`error ${(e as ParleyError).code ?? e}`))
  return { clock, ws, client, seen, log }
}

/** Connects and answers session.ready on the socket just opened. */
async function openReady(t: ReturnType<typeof setup>) {
  await flush()
  const s = t.ws.last()
  s.open()
  s.receive(ready())
  await flush()
  return s
}

describe('first connection', () => {
  it('authenticates with ?token=, resolves on session.ready, no sync without positions, delivers live events once in order', async () => {
    const t = setup()
    const connected = t.client.connect()
    const s = await openReady(t)
    await expect(connected).resolves.toMatchObject({ type: 'session.ready' })
    expect(s.url).toBe('ws://parley.test/v1/ws?protocol=1&token=t1')
    expect(s.calls('sync')).toEqual([])
    for (const seq of [1, 2, 2, 3, 1]) s.receive(ev('c1', seq))
    s.receive(ev('c2', 7))
    expect(t.seen).toEqual(['c1:1:live', 'c1:2:live', 'c1:3:live', 'c2:7:live'])
    expect(t.client.positions()).toEqual({ c1: 3, c2: 7 })
    expect(t.client.connected).toBe(true)
  })

  it('resumes from persisted positions on the first connect, and skips what the app already has', async () => {
    const t = setup({ positions: { c1: 5 } })
    const connected = t.client.connect()
    const s = await openReady(t)
    expect(s.calls('sync')[0].data).toEqual({ since: { c1: 5 } })
    s.answer('sync', { data: [{ conversationId: 'c1', events: [ev('c1', 5), ev('c1', 6)], lastSeq: 6 }], hasMore: false })
    await connected
    expect(t.seen).toEqual(['c1:6:sync'])
  })

  it('typed subscriptions: per event name, `event` for all, typing and presence undeduplicated', async () => {
    const t = setup()
    const all: string[] = []
    const typing: string[] = []
    t.client.on('event', (e) => all.push(e.event))
    t.client.on('typing', (e) => typing.push(String(e.data.userId)))
    void t.client.connect()
    const s = await openReady(t)
    s.receive(ev('c1', 1))
    s.receive({ type: 'event', event: 'typing', conversationId: 'c1', data: { userId: 'u2' } })
    s.receive({ type: 'event', event: 'typing', conversationId: 'c1', data: { userId: 'u2' } })
    s.receive({ type: 'event', event: 'read.updated', conversationId: 'c1', seq: 2, actorId: 'u2', createdAt: 'x', data: { userId: 'u2', lastReadSeq: 1 } })
    expect(all).toEqual(['message.created', 'typing', 'typing', 'read.updated'])
    expect(typing).toEqual(['u2', 'u2'])
  })
})

describe('reconnect and resume', () => {
  it('after the server drops the socket: backoff, sync from the positions seen, live events during sync held, each seq once and in order', async () => {
    const t = setup()
    void t.client.connect()
    let s = await openReady(t)
    s.receive(ev('c1', 1))
    s.receive(ev('c1', 2))
    s.serverClose(CloseCode.GoingAway, 'restart')
    expect(t.log).toEqual(['closed 1001 retry', 'reconnect #1 in 125'])
    await t.clock.advance(124)
    expect(t.ws.sockets).toHaveLength(1)
    await t.clock.advance(1)
    s = await openReady(t)
    expect(s.calls('sync')[0].data).toEqual({ since: { c1: 2 } })
    // Live events race the sync answer: 4 and 5 arrive before it, and sync overlaps them.
    s.receive(ev('c1', 4))
    s.receive(ev('c1', 5))
    expect(t.seen).toEqual(['c1:1:live', 'c1:2:live'])
    s.answer('sync', { data: [{ conversationId: 'c1', events: [ev('c1', 3), ev('c1', 4)], lastSeq: 4 }, { conversationId: 'c9', events: [ev('c9', 1)], lastSeq: 1 }], hasMore: false })
    await flush()
    s.receive(ev('c1', 6))
    expect(t.seen).toEqual(['c1:1:live', 'c1:2:live', 'c1:3:sync', 'c1:4:sync', 'c9:1:sync', 'c1:5:live', 'c1:6:live'])
  })

  it('pages while hasMore, each page from the new positions', async () => {
    const t = setup({ positions: { c1: 0 } })
    const connected = t.client.connect()
    const s = await openReady(t)
    s.answer('sync', { data: [{ conversationId: 'c1', events: [ev('c1', 1), ev('c1', 2)], lastSeq: 3 }], hasMore: true })
    await flush()
    expect(s.calls('sync')[1].data).toEqual({ since: { c1: 2 } })
    s.answer('sync', { data: [{ conversationId: 'c1', events: [ev('c1', 3)], lastSeq: 3 }], hasMore: false })
    await connected
    expect(t.seen).toEqual(['c1:1:sync', 'c1:2:sync', 'c1:3:sync'])
  })

  it('reset: tells the app to reload, then carries on after lastSeq', async () => {
    const t = setup({ positions: { c1: 1 } })
    const connected = t.client.connect()
    const s = await openReady(t)
    s.receive(ev('c1', 900))
    s.receive(ev('c1', 901))
    s.answer('sync', { data: [{ conversationId: 'c1', events: [], reset: true, lastSeq: 900 }], hasMore: false })
    await connected
    expect(t.log).toContain('reset c1 900')
    expect(t.seen).toEqual(['c1:901:live'])
  })

  it('a drop during sync discards the held live events; the next sync brings them', async () => {
    const t = setup({ positions: { c1: 1 } })
    void t.client.connect()
    let s = await openReady(t)
    s.receive(ev('c1', 2))
    s.serverClose(1006)
    await t.clock.advance(125)
    s = await openReady(t)
    expect(s.calls('sync')[0].data).toEqual({ since: { c1: 1 } })
    s.answer('sync', { data: [{ conversationId: 'c1', events: [ev('c1', 2)], lastSeq: 2 }], hasMore: false })
    await flush()
    expect(t.seen).toEqual(['c1:2:sync'])
  })

  it('no pong: the socket is given up without waiting for a closing handshake, then reconnects', async () => {
    const t = setup()
    void t.client.connect()
    const s = await openReady(t)
    await t.clock.advance(25_000)
    expect(s.sent.at(-1)).toEqual({ type: 'ping' })
    s.receive({ type: 'pong' })
    await t.clock.advance(25_000 + 9_999)
    expect(s.terminated).toBe(false)
    await t.clock.advance(1)
    expect(s.terminated).toBe(true)
    expect(t.log).toEqual(['closed 4000 retry', 'reconnect #1 in 125'])
    await t.clock.advance(125)
    expect(t.ws.sockets).toHaveLength(2)
  })

  it('backoff: full jitter under a doubling ceiling, capped at 30 s, reset after a stable connection', async () => {
    const t = setup()
    void t.client.connect()
    await flush()
    for (let i = 0; i < 9; i++) {
      t.ws.last().serverClose(1006)
      await t.clock.advance(t.clock.pending()[0])
    }
    const delays = t.log.filter((l) => l.startsWith('reconnect')).map((l) => Number(l.split(' in ')[1]))
    expect(delays).toEqual([125, 250, 500, 1000, 2000, 4000, 8000, 15000, 15000])
    // A connection that stays up 10 s resets the backoff; a shorter one does not.
    await openReady(t)
    await t.clock.advance(10_000)
    t.ws.last().serverClose(CloseCode.ServerError)
    expect(t.log.at(-1)).toBe('reconnect #1 in 125')
  })

  it('close codes that say "do not reconnect" stop, and connect() rejects', async () => {
    for (const code of [CloseCode.ForbiddenOrigin, CloseCode.Deactivated, CloseCode.Unauthorized]) {
      const t = setup()
      const connected = t.client.connect()
      await flush()
      t.ws.last().open()
      t.ws.last().serverClose(code)
      await expect(connected).rejects.toBeInstanceOf(ParleyError)
      expect(t.clock.pending()).toEqual([])
      expect(t.log[0]).toBe(`closed ${code} stop`)
    }
  })

  it('Unauthorized with getToken: a fresh token, then reconnect; twice in a row gives up', async () => {
    let n = 0
    const t = setup({ getToken: () => `tok${++n}` })
    const connected = t.client.connect()
    await flush()
    expect(t.ws.last().url).toMatch(/token=tok1$/)
    t.ws.last().serverClose(CloseCode.Unauthorized)
    await flush()
    await t.clock.advance(t.clock.pending()[0])
    expect(t.ws.last().url).toMatch(/token=tok2$/)
    t.ws.last().open()
    t.ws.last().serverClose(CloseCode.Unauthorized)
    await expect(connected).rejects.toMatchObject({ code: 'unauthorized' })
    expect(t.ws.sockets).toHaveLength(2)
  })
})

describe('calls over the socket', () => {
  it('result ok, result error as ParleyError, timeout, and in-flight calls fail with disconnected', async () => {
    const t = setup()
    void t.client.connect()
    const s = await openReady(t)
    const ok = t.client.call('get-user', { id: 'u2' }, { via: 'socket' })
    s.answer('get-user', { id: 'u2' })
    await expect(ok).resolves.toEqual({ id: 'u2' })

    const bad = t.client.call('get-user', { id: 'nope' }, { via: 'socket' })
    const id = s.calls('get-user').at(-1).id
    s.receive({ type: 'result', id, ok: false, error: { code: 'not_found', detail: 'user not found', retryable: false } })
    await expect(bad).rejects.toMatchObject({ name: 'ParleyError', code: 'not_found', status: 404, retryable: false })

    const slow = t.client.call('get-user', { id: 'u3' }, { via: 'socket' })
    await t.clock.advance(30_000)
    await expect(slow).rejects.toMatchObject({ code: 'timeout', retryable: true })

    const lost = t.client.call('get-user', { id: 'u4' }, { via: 'socket' })
    s.serverClose(1006)
    await expect(lost).rejects.toMatchObject({ code: 'disconnected', retryable: true })
  })

  it('disconnect() closes, stops reconnecting and rejects calls', async () => {
    const t = setup()
    void t.client.connect()
    const s = await openReady(t)
    const pending = t.client.call('get-user', { id: 'u2' }, { via: 'socket' })
    t.client.disconnect()
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' })
    expect(s.closedByClient).toEqual({ code: 1000, reason: 'client closed' })
    expect(t.clock.pending()).toEqual([])
    await expect(t.client.call('get-user', { id: 'u2' }, { via: 'socket' })).rejects.toMatchObject({ code: 'disconnected' })
  })
})
