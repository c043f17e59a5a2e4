/**
 * The fenced chain on a real nats-server (a private one per suite): publishes sent without
 * waiting for acks still never land after a message the stream did not store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream'
import { natsServerBin, PrivateNats } from '../../../test/private-nats.js'
import { FencedPublisher } from './fenced-publisher.js'

describe.runIf(natsServerBin)('FencedPublisher', () => {
  let nats: PrivateNats
  let nc: NatsConnection
  let js: JetStreamClient
  let n = 0
  beforeAll(async () => {
    nats = await PrivateNats.start()
    nc = await connect({ servers: nats.url.replace('nats://', '') })
    js = jetstream(nc)
  }, 60_000)
  afterAll(async () => {
    await nc?.close()
    await nats?.destroy()
  })

  /** A fresh stream that refuses messages over 256 bytes, headers included (the refusal we break a chain with). */
  async function stream() {
    const name = `F${++n}`
    await (await jetstreamManager(nc)).streams.add({ name, subjects: [`${name}.>`], max_msg_size: 256, duplicate_window: 60e9 })
    const stored = async () => {
      const out: string[] = []
      const jsm = await jetstreamManager(nc)
      const last = (await jsm.streams.info(name)).state.last_seq
      for (let seq = 1; seq <= last; seq++) out.push((await jsm.streams.getMessage(name, { seq }))!.header!.get('Nats-Msg-Id'))
      return out
    }
    return { subject: `${name}.x`, stored }
  }

  const settle = (ps: Promise<unknown>[]) => Promise.allSettled(ps).then((rs) => rs.map((r) => r.status))
  const big = 'x'.repeat(400)

  it('sends a batch in one go and keeps its order', async () => {
    const s = await stream()
    const p = new FencedPublisher(js, 2_000)
    const ids = Array.from({ length: 50 }, (_, i) => `c:${i + 1}`)
    const acks = await Promise.all(ids.map((id) => p.publish(s.subject, 'e', id)))
    expect(acks.every((a) => !a.duplicate)).toBe(true)
    expect(await s.stored()).toEqual(ids)
  })

  it('after a message the stream refuses, nothing later in the chain lands; the retry restores order', async () => {
    const s = await stream()
    const p = new FencedPublisher(js, 2_000)
    // Two conversations interleaved; a:2 is refused (too large).
    const first = [p.publish(s.subject, 'e', 'a:1'), p.publish(s.subject, 'e', 'b:1'), p.publish(s.subject, big, 'a:2'), p.publish(s.subject, 'e', 'b:2'), p.publish(s.subject, 'e', 'a:3')]
    expect(await settle(first)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected'])
    expect(await s.stored()).toEqual(['a:1', 'b:1'])
    // The runner retries each conversation from its first unstored event (a:2 now fits).
    const retry = [p.publish(s.subject, 'e', 'b:2'), p.publish(s.subject, 'e', 'a:2'), p.publish(s.subject, 'e', 'a:3')]
    expect(await settle(retry)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
    expect(await s.stored()).toEqual(['a:1', 'b:1', 'b:2', 'a:2', 'a:3'])
  })

  it('without the fence the same batch lands out of order (what the fence prevents)', async () => {
    const s = await stream()
    const naive = (id: string, data = 'e') => js.publish(s.subject, data, { msgID: id })
    expect(await settle([naive('a:1'), naive('a:2', big), naive('a:3')])).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(await s.stored()).toEqual(['a:1', 'a:3'])
  })

  it('a retry of what landed is a duplicate, and the chain forms again after it', async () => {
    const s = await stream()
    const p = new FencedPublisher(js, 2_000)
    await Promise.all(['a:1', 'a:2'].map((id) => p.publish(s.subject, 'e', id)))
    // As after a crash: the new owner republishes from an older stored position.
    const again = new FencedPublisher(js, 2_000)
    const acks = await Promise.all(['a:1', 'a:2', 'a:3', 'a:4'].map((id) => again.publish(s.subject, 'e', id)))
    expect(acks.map((a) => a.duplicate)).toEqual([true, true, false, false])
    expect(await s.stored()).toEqual(['a:1', 'a:2', 'a:3', 'a:4'])
  })

  it('another writer breaks the chain: slower, never out of order', async () => {
    const s = await stream()
    const p = new FencedPublisher(js, 2_000)
    await p.publish(s.subject, 'e', 'a:1')
    await js.publish(s.subject, 'e', { msgID: 'other:1' })
    const r = await settle([p.publish(s.subject, 'e', 'a:2'), p.publish(s.subject, 'e', 'a:3')])
    expect(r).toEqual(['rejected', 'rejected'])
    await Promise.all(['a:2', 'a:3'].map((id) => p.publish(s.subject, 'e', id)))
    expect(await s.stored()).toEqual(['a:1', 'other:1', 'a:2', 'a:3'])
  })
})
