/**
 * The bus contract: every implementation passes the same tests. MemoryBus always; NatsBus
 * when PARLEY_TEST_NATS_URL is set, with a separate connection per node. "Nodes" of the
 * memory bus are MemoryBuses on one hub.
 *
 * Deterministic: tests await conditions (waitFor), never sleep. To show that something did
 * NOT arrive, they send a later marker on the same path and wait for it: once the marker is
 * in, anything sent before it would have been too.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Bus } from './bus.js'
import { busImpls, collector, recordingLog, waitFor, type BusCluster } from './test-fixtures.js'

describe.each(busImpls)('bus contract: $name', (impl) => {
  let cluster: BusCluster
  afterEach(async () => {
    await cluster?.closeAll()
  })
  async function nodes(n: number): Promise<Bus[]> {
    cluster = impl.cluster()
    const out: Bus[] = []
    for (let i = 0; i < n; i++) out.push(await cluster.node())
    return out
  }

  it('has the kind of its implementation', async () => {
    const [a] = await nodes(1)
    expect(a.kind).toBe(impl.name)
  })

  it('delivers a payload, unchanged and with its subject, to a subscriber on the same node', async () => {
    const [a] = await nodes(1)
    const c = collector()
    a.subscribe('conv.c1', c.handler)
    await a.flush()
    const payload = JSON.stringify({ text: 'héllo 👋 \u0000 "quoted"', n: 1 })
    a.publish('conv.c1', payload)
    await waitFor(() => c.got.length === 1)
    expect(c.got).toEqual([{ subject: 'conv.c1', payload }])
  })

  it('never calls a handler inside publish', async () => {
    const [a] = await nodes(1)
    let inPublish = false
    let calledInside = false
    const c = collector()
    a.subscribe('s', (p, s) => {
      calledInside ||= inPublish
      c.handler(p, s)
    })
    await a.flush()
    inPublish = true
    a.publish('s', 'x')
    inPublish = false
    await waitFor(() => c.got.length === 1)
    expect(calledInside).toBe(false)
  })

  it('delivers what node B publishes to a subscriber on node A, and back', async () => {
    const [a, b] = await nodes(2)
    const onA = collector()
    const onB = collector()
    a.subscribe('conv.x', onA.handler)
    b.subscribe('conv.y', onB.handler)
    await Promise.all([a.flush(), b.flush()])
    b.publish('conv.x', 'from b')
    a.publish('conv.y', 'from a')
    await waitFor(() => onA.got.length === 1 && onB.got.length === 1)
    expect(onA.payloads()).toEqual(['from b'])
    expect(onB.payloads()).toEqual(['from a'])
  })

  it('keeps publish order per subject under 10,000 rapid publishes, across nodes and on the same node', async () => {
    const [a, b] = await nodes(2)
    const n = 10_000
    const remote1 = collector()
    const remote2 = collector()
    const local = collector()
    a.subscribe('order.one', remote1.handler)
    a.subscribe('order.two', remote2.handler)
    b.subscribe('order.one', local.handler)
    await Promise.all([a.flush(), b.flush()])
    for (let i = 0; i < n; i++) {
      b.publish('order.one', String(i))
      b.publish('order.two', String(-i))
    }
    await b.flush()
    await waitFor(() => remote1.got.length >= n && remote2.got.length >= n && local.got.length >= n, 20_000, `${n} messages each`)
    const expected = Array.from({ length: n }, (_, i) => String(i))
    expect(remote1.payloads()).toEqual(expected)
    expect(local.payloads()).toEqual(expected)
    expect(remote2.payloads()).toEqual(expected.map((s) => String(-Number(s))))
  })

  it('matches wildcards * and > exactly like NATS', async () => {
    const [a, b] = await nodes(2)
    // The expectations are written out by hand, not computed by subjectMatches.
    const table: Record<string, string[]> = {
      'a.*': ['a.b'],
      'a.>': ['a.b', 'a.b.c', 'a.x.c', 'a.b.c.d'],
      '*.b': ['a.b', 'x.b'],
      'a.*.c': ['a.b.c', 'a.x.c'],
      '*.*.*': ['a.b.c', 'a.x.c'],
      '*.>': ['a.b', 'a.b.c', 'a.x.c', 'x.b', 'a.b.c.d'],
      'a.b': ['a.b'],
      '*': ['a', 'end'],
      '>': ['a', 'a.b', 'a.b.c', 'a.x.c', 'x.b', 'a.b.c.d', 'end'],
    }
    const collectors = Object.entries(table).map(([pattern, expected]) => {
      const c = collector()
      a.subscribe(pattern, c.handler)
      return { pattern, expected, c }
    })
    const end = collector()
    a.subscribe('end', end.handler)
    await a.flush()
    for (const subject of ['a', 'a.b', 'a.b.c', 'a.x.c', 'x.b', 'a.b.c.d', 'end']) b.publish(subject, subject)
    await waitFor(() => end.got.length === 1 && collectors.every(({ c, expected }) => c.got.length >= expected.length))
    for (const { pattern, expected, c } of collectors) {
      expect({ pattern, subjects: c.subjects() }).toEqual({ pattern, subjects: expected })
      expect(c.payloads()).toEqual(expected)
    }
  })

  it('refuses invalid subjects and patterns the same way', async () => {
    const [a] = await nodes(1)
    for (const bad of ['', 'a..b', '.a', 'a.', 'a b', 'a\tb', 'a.*', 'a.>', '*', '>', 'a*', 'a.b>']) {
      expect(() => a.publish(bad, 'x'), `publish ${JSON.stringify(bad)}`).toThrow(TypeError)
    }
    for (const bad of ['', 'a..b', 'a.>.b', '>.a', 'a*', 'a.*b', 'a b']) {
      expect(() => a.subscribe(bad, () => {}), `subscribe ${JSON.stringify(bad)}`).toThrow(TypeError)
    }
  })

  it('stops delivery once unsubscribed, also when other handlers share the subject', async () => {
    const [a, b] = await nodes(2)
    const gone = collector()
    const stays = collector()
    const offGone = a.subscribe('u', gone.handler)
    a.subscribe('u', stays.handler)
    await a.flush()
    b.publish('u', '1')
    await waitFor(() => gone.got.length === 1 && stays.got.length === 1)
    offGone()
    offGone() // idempotent
    b.publish('u', '2')
    await waitFor(() => stays.got.length === 2)
    expect(gone.payloads()).toEqual(['1'])
  })

  it('stops delivery to a handler unsubscribed from inside another handler', async () => {
    const [a] = await nodes(1)
    const victim = collector()
    let offVictim = () => {}
    const marker = collector()
    a.subscribe('k', () => offVictim())
    offVictim = a.subscribe('k', victim.handler)
    a.subscribe('k.end', marker.handler)
    await a.flush()
    a.publish('k', '1')
    a.publish('k', '2')
    a.publish('k.end', 'end')
    await waitFor(() => marker.got.length === 1)
    // The first message may reach the victim before or after the unsubscriber runs; the second never.
    expect(victim.payloads()).not.toContain('2')
  })

  it('subscribes again after the last unsubscribe of a pattern', async () => {
    const [a, b] = await nodes(2)
    const first = collector()
    a.subscribe('again', first.handler)()
    const second = collector()
    a.subscribe('again', second.handler)
    await a.flush()
    b.publish('again', 'x')
    await waitFor(() => second.got.length === 1)
    expect(first.got).toEqual([])
  })

  it('gives each of many subscribers, on both nodes, each message exactly once', async () => {
    const [a, b] = await nodes(2)
    const subs = Array.from({ length: 100 }, (_, i) => {
      const c = collector()
      ;(i % 2 ? a : b).subscribe(i % 3 ? 'many' : '*', c.handler)
      return c
    })
    await Promise.all([a.flush(), b.flush()])
    b.publish('many', 'one')
    a.publish('many', 'two')
    await waitFor(() => subs.every((c) => c.got.length >= 2))
    b.publish('many', 'three')
    await waitFor(() => subs.every((c) => c.got.length >= 3))
    for (const c of subs) expect(c.payloads().sort()).toEqual(['one', 'three', 'two'])
  })

  it('logs a throwing handler and keeps delivering to it and to the others', async () => {
    cluster = impl.cluster()
    const log = recordingLog()
    const a = await cluster.node(log)
    const ok = collector()
    let calls = 0
    a.subscribe('boom', () => {
      calls++
      throw new Error('handler bug')
    })
    a.subscribe('boom', ok.handler)
    await a.flush()
    a.publish('boom', '1')
    a.publish('boom', '2')
    await waitFor(() => ok.got.length === 2 && calls === 2)
    expect(log.entries.filter((e) => e.level === 'error' && e.msg === 'bus handler threw')).toHaveLength(2)
  })

  it('logs and drops a payload over 1 MiB without throwing', async () => {
    cluster = impl.cluster()
    const log = recordingLog()
    const a = await cluster.node(log)
    const c = collector()
    a.subscribe('big', c.handler)
    await a.flush()
    const nearLimit = 'x'.repeat(512 * 1024)
    expect(() => a.publish('big', 'é'.repeat(600 * 1024))).not.toThrow() // 1.2 MB in UTF-8
    a.publish('big', nearLimit)
    await waitFor(() => c.got.length === 1)
    expect(c.got[0].payload.length).toBe(nearLimit.length)
    expect(log.entries.some((e) => e.level === 'error')).toBe(true)
  })

  it('resolves flush, with and without traffic', async () => {
    const [a, b] = await nodes(2)
    await a.flush()
    const c = collector()
    a.subscribe('f', c.handler)
    await a.flush()
    for (let i = 0; i < 100; i++) b.publish('f', String(i))
    await b.flush()
    await waitFor(() => c.got.length === 100)
  })

  it('delivers nothing once close() is entered, even mid-stream, and is inert afterwards', async () => {
    const [a, b] = await nodes(2)
    const got: string[] = []
    let closing: Promise<void> | undefined
    a.subscribe('stream', (p) => {
      got.push(p)
      if (got.length === 10) closing = a.close()
    })
    const watcher = collector()
    b.subscribe('stream', watcher.handler)
    await Promise.all([a.flush(), b.flush()])
    for (let i = 0; i < 1000; i++) b.publish('stream', String(i))
    await waitFor(() => watcher.got.length === 1000)
    await closing
    expect(got).toHaveLength(10)
    // Closed: everything is a no-op, nothing throws, close is idempotent.
    a.publish('stream', 'late')
    const off = a.subscribe('stream', () => got.push('after close'))
    off()
    await a.flush()
    await a.close()
    b.publish('stream', 'after')
    await waitFor(() => watcher.got.length === 1001)
    expect(got).toHaveLength(10)
  })

  it('hands on what was published before close() to the other nodes', async () => {
    const [a, b] = await nodes(2)
    const c = collector()
    a.subscribe('last', c.handler)
    await a.flush()
    for (let i = 0; i < 500; i++) b.publish('last', String(i))
    await b.close()
    await waitFor(() => c.got.length === 500)
    expect(c.payloads()).toEqual(Array.from({ length: 500 }, (_, i) => String(i)))
  })

  it('lets onReconnect listeners be added and removed', async () => {
    const [a] = await nodes(1)
    const off = a.onReconnect(() => {})
    expect(typeof off).toBe('function')
    off()
  })
})
