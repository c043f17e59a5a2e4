import { afterEach, expect, it } from 'vitest'
import { Registry } from 'prom-client'
import { describeStores } from '../../../test/harness.js'
import { listEventsAfter } from '../event-log.sql.js'
import { currentOwner, listFailures, positionOf, savePosition } from './consumers.sql.js'
import { consumerLagMetrics } from './lag-metrics.js'
import type { ConsumerRunner } from './runner.js'
import { conversation, range, recorder, runner, send, uniqueName, waitFor } from './test-fixtures.js'

const running: ConsumerRunner[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
})
const keep = (r: ConsumerRunner) => (running.push(r), r)

describeStores('durable consumers', (h) => {
  const head = async (id: string) => (await listEventsAfter(h().db, id, 0, 10_000)).length

  it('handles every committed event once, in seq order per conversation, and reports lag', async () => {
    const convs = await Promise.all([conversation(h()), conversation(h()), conversation(h())])
    // Events from before the consumer existed count too: it starts at the beginning.
    await send(h(), convs[0], 3, 'before')
    const rec = recorder(uniqueName('all'), { batchSize: 4 })
    const registry = new Registry()
    keep(runner(h(), rec.def, { lag: consumerLagMetrics(registry) }))
    await Promise.all(convs.map((c, i) => send(h(), c, 10 + i)))
    for (const c of convs) {
      const n = await head(c.id)
      await waitForPosition(h, rec.def.name, c.id, n)
      expect(rec.of(c.id)).toEqual(range(1, n))
    }
    for (const call of rec.calls) {
      expect(call.length).toBeLessThanOrEqual(4)
      expect(new Set(call.map((e) => e.conversationId)).size).toBe(1)
    }
    const text = await registry.metrics()
    expect(text).toMatch(new RegExp(`parley_consumer_lag_events\\{consumer="${rec.def.name}"\\} \\d`))
    expect(text).toMatch(new RegExp(`parley_consumer_lag_seconds\\{consumer="${rec.def.name}"\\} \\d`))
  })

  it('a failing handler keeps its position and retries with backoff, then the events go on in order', async () => {
    const c = await conversation(h())
    let refusals = 0
    const rec = recorder(uniqueName('retry'), { fail: (e) => e.conversationId === c.id && e.seq === 3 && refusals++ < 3, maxAttempts: 10 })
    keep(runner(h(), rec.def))
    await send(h(), c, 5)
    const n = await head(c.id)
    await waitForPosition(h, rec.def.name, c.id, n)
    expect(refusals).toBe(4) // three refusals, then the call that succeeded
    expect(rec.of(c.id)).toEqual(range(1, n))
    // Nothing after seq 2 was handled while seq 3 kept failing.
    const failed = rec.calls.filter((call) => call.some((e) => e.conversationId === c.id && e.seq === 3))
    expect(failed.length).toBe(4)
    expect(await listFailures(h().db, rec.def.name)).toEqual([])
  })

  it('records an event that failed N times, skips it, and the rest go on', async () => {
    const bad = await conversation(h())
    const good = await conversation(h())
    const rec = recorder(uniqueName('poison'), { fail: (e) => e.conversationId === bad.id && e.seq === 2, maxAttempts: 3 })
    keep(runner(h(), rec.def))
    await send(h(), bad, 3)
    await send(h(), good, 3)
    const nBad = await head(bad.id)
    await waitForPosition(h, rec.def.name, bad.id, nBad)
    await waitForPosition(h, rec.def.name, good.id, 4)
    expect(rec.of(bad.id)).toEqual(range(1, nBad).filter((s) => s !== 2))
    expect(rec.of(good.id)).toEqual(range(1, 4))
    const failures = await listFailures(h().db, rec.def.name)
    expect(failures).toEqual([{ conversationId: bad.id, seq: 2, type: 'message.created', attempts: 3, error: `Error: refused ${bad.id}:2` }])
  })

  it('two runners on one database never run the consumer at once; the second takes over when the first stops', async () => {
    const c = await conversation(h())
    const name = uniqueName('single')
    const active = new Map<string, number>()
    const handledBy: string[] = []
    let overlap = false
    const def = (node: string) =>
      recorder(name, {
        fail: () => {
          handledBy.push(node)
          if ([...active].some(([n, k]) => n !== node && k > 0)) overlap = true
          return false
        },
        concurrency: 4,
      }).def
    const wrap = (node: string) => {
      const d = def(node)
      const handle = d.handle
      d.handle = async (events) => {
        active.set(node, (active.get(node) ?? 0) + 1)
        await new Promise((r) => setTimeout(r, 2))
        try {
          await handle(events)
        } finally {
          active.set(node, active.get(node)! - 1)
        }
      }
      return d
    }
    const a = keep(runner(h(), wrap('a'), { node: 'node-a' }))
    const b = keep(runner(h(), wrap('b'), { node: 'node-b' }))
    await waitFor(() => a.isOwner || b.isOwner, 5_000, 'an owner')
    const [first, second] = a.isOwner ? [a, b] : [b, a]
    await send(h(), c, 10)
    await waitForPosition(h, name, c.id, await head(c.id))
    expect(first.isOwner && !second.isOwner).toBe(true)
    expect(await currentOwner(h().db, name)).toBe(first === a ? 'node-a' : 'node-b')
    // A stale owner cannot move positions: the write is fenced on the lease.
    const pos = await positionOf(h().db, name, c.id)
    expect(await savePosition(h().db, name, 'node-stale', c.id, pos + 100)).toBe(false)
    expect(await positionOf(h().db, name, c.id)).toBe(pos)

    await first.close()
    await send(h(), c, 5)
    const n = await head(c.id)
    await waitFor(() => second.isOwner && [...new Set(handledBy)].length === 2, 5_000, 'takeover')
    await waitForPosition(h, name, c.id, n)
    expect(overlap).toBe(false)
  })
})

async function waitForPosition(h: () => import('../../../test/harness.js').Harness, name: string, id: string, n: number) {
  const deadline = Date.now() + 10_000
  while ((await positionOf(h().db, name, id)) < n) {
    if (Date.now() > deadline) throw new Error(`position of ${name} in ${id} did not reach ${n}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
