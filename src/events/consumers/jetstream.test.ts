/**
 * The JetStream domain-event publisher on a real NATS: a private nats-server per suite
 * (test/private-nats.ts), so the outage test can kill it and start it again. Runs when the
 * nats-server binary is installed.
 *
 * The outage lasts PARLEY_TEST_NATS_OUTAGE_MS (default 3,000 ms, to keep the suite fast; set
 * 30000 for the 30-second outage the publisher is specified to ride out).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { createTestDatabase, Harness, storeKinds } from '../../../test/harness.js'
import { natsServerBin, PrivateNats } from '../../../test/private-nats.js'
import { post, startNodeProcess } from '../../../test/node-process.js'
import { range, readStream, streamSeqs, waitForStream, type StreamedEvent } from './test-fixtures.js'

const OUTAGE_MS = Number(process.env.PARLEY_TEST_NATS_OUTAGE_MS ?? 3_000)
const tag = () => randomBytes(4).toString('hex')

/** Each event at most once in the whole stream: dedupe by Nats-Msg-Id held. */
function expectNoDuplicates(got: StreamedEvent[]) {
  const ids = got.map((m) => m.msgId)
  expect(new Set(ids).size).toBe(ids.length)
}

for (const kind of storeKinds) {
  describe.runIf(natsServerBin)(`JetStream domain events [${kind}]`, () => {
    let nats: PrivateNats
    let h: Harness
    const t = tag()
    const stream = `T_${t}`
    const prefix = `t${t}.`
    beforeAll(async () => {
      nats = await PrivateNats.start()
      h = await Harness.start(kind, { natsUrl: nats.url, natsPrefix: `bus${t}.`, eventsStream: stream, eventsSubjectPrefix: prefix, eventsMaxAgeMs: 3_600_000 })
    }, 60_000)
    afterAll(async () => {
      await h?.close()
      await nats?.destroy()
    })

    it('publishes every durable event once, in seq order, with the documented subject, header and payload', async () => {
      const [a, b] = await h.users(2)
      const agent = await h.agent(a)
      const conv = await h.ok('create-conversation', { type: 'group', name: 'js', members: [b.id] }, a.token)
      await h.ok('add-conversation-member', { id: conv.id, userIds: [agent.id] }, h.serverKey)
      await h.ok('send-message', { conversationId: conv.id, content: 'from a' }, a.token)
      await h.ok('send-message', { conversationId: conv.id, content: 'from the agent' }, agent.token)
      await h.ok('send-typing', { conversationId: conv.id }, b.token)
      await h.ok('send-message', { conversationId: conv.id, content: 'from b' }, b.token)
      const logged = h.events.filter((e) => e.conversationId === conv.id)
      const got = await waitForStream(nats.url, stream, (g) => streamSeqs(g, conv.id).length >= logged.length)
      const mine = got.filter((m) => m.event.conversationId === conv.id)
      expect(mine.map((m) => m.event.seq)).toEqual(logged.map((e) => e.seq))
      expectNoDuplicates(got)
      for (const [i, e] of logged.entries()) {
        const m = mine[i]
        expect(m.subject).toBe(prefix + e.type)
        expect(m.msgId).toBe(`${conv.id}:${e.seq}`)
        const kindOf = e.actorId === a.id || e.actorId === b.id ? 'user' : 'agent'
        expect(m.event).toEqual({
          id: `${conv.id}:${e.seq}`,
          type: e.type,
          conversationId: conv.id,
          conversationType: 'group',
          seq: e.seq,
          actor: e.actorId === null ? null : { id: e.actorId, kind: kindOf },
          occurredAt: e.createdAt,
          data: JSON.parse(JSON.stringify(e.data)),
        })
      }
      // The server key added the agent as itself: no actor. Typing is never published.
      expect(mine.find((m) => m.event.type === 'member.added')!.event.actor).toBeNull()
      expect(mine.find((m) => m.event.actor?.kind === 'agent')!.event.type).toBe('message.created')
      expect(got.some((m) => m.subject.includes('typing'))).toBe(false)

      const nc = await connect({ servers: nats.url.replace('nats://', '') })
      const info = await (await jetstreamManager(nc)).streams.info(stream)
      await nc.close()
      expect(info.config).toMatchObject({ subjects: [`${prefix}>`], storage: 'file', retention: 'limits', max_age: 3_600_000 * 1_000_000 })
    })

    it('reports the conversation type as it is when the event is read: a group converted to a channel', async () => {
      const [a] = await h.users(1)
      const conv = await h.ok('create-conversation', { type: 'group', name: 'conv', members: [] }, a.token)
      await h.ok('send-message', { conversationId: conv.id, content: 'as a group' }, a.token)
      await waitForStream(nats.url, stream, (g) => streamSeqs(g, conv.id).length === 2)
      await h.ok('convert-conversation', { id: conv.id }, a.token)
      const m = await h.ok('send-message', { conversationId: conv.id, content: 'as a channel' }, a.token)
      const got = await waitForStream(nats.url, stream, (g) => streamSeqs(g, conv.id).includes(m.seq))
      const mine = got.filter((x) => x.event.conversationId === conv.id)
      expect(mine.find((x) => x.event.seq === 2)!.event.conversationType).toBe('group')
      expect(mine.find((x) => x.event.seq === m.seq)!.event.conversationType).toBe('channel')
      expect(mine.find((x) => x.event.seq === m.seq)!.event.actor).toEqual({ id: a.id, kind: 'user' })
    })

    it(`rides out a NATS outage (${OUTAGE_MS} ms): what committed meanwhile follows, once and in order`, async () => {
      const [a] = await h.users(1)
      const conv = await h.ok('create-conversation', { type: 'group', name: 'outage', members: [] }, a.token)
      await h.ok('send-message', { conversationId: conv.id, content: 'before' }, a.token)
      await waitForStream(nats.url, stream, (g) => streamSeqs(g, conv.id).length === 2)
      await nats.stop()
      const sends = Array.from({ length: 20 }, (_, i) => h.ok('send-message', { conversationId: conv.id, content: `during ${i}` }, a.token))
      const seqs = (await Promise.all(sends)).map((m) => m.seq)
      await new Promise((r) => setTimeout(r, OUTAGE_MS))
      await nats.start()
      const top = Math.max(...seqs)
      const got = await waitForStream(nats.url, stream, (g) => streamSeqs(g, conv.id).length >= top, 20_000)
      expect(streamSeqs(got, conv.id)).toEqual(range(1, top))
      expectNoDuplicates(got)
    }, 30_000 + OUTAGE_MS)
  })
}

describe.runIf(natsServerBin && process.env.PARLEY_TEST_DATABASE_URL)('JetStream publisher across a kill -9 of the publishing node [postgres]', () => {
  const procs: ChildProcess[] = []
  let nats: PrivateNats
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  beforeAll(async () => {
    nats = await PrivateNats.start()
    db = await createTestDatabase()
  })
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
    await db?.drop()
    await nats?.destroy()
  })

  it('every acknowledged send reaches the stream once, in order, published by the node that takes over', async () => {
    const t = tag()
    const stream = `K_${t}`
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      PARLEY_NATS_PREFIX: `bus${t}.`,
      PARLEY_EVENTS_STREAM: stream,
      PARLEY_EVENTS_SUBJECT_PREFIX: `k${t}.`,
      PARLEY_SERVER_KEY: 'psk_js_' + randomBytes(6).toString('hex'),
      PARLEY_JWT_SECRET: randomBytes(32).toString('base64url'),
    }
    // The victim starts first, so it takes the lease; the survivor waits on standby.
    const victim = await startNodeProcess(env)
    procs.push(victim.proc)
    const survivor = await startNodeProcess(env)
    procs.push(survivor.proc)
    const key = env.PARLEY_SERVER_KEY
    await post(victim.url, '/v1/users/upsert', key, { id: 'sender', name: 'sender' })
    const token = (await post(victim.url, '/v1/auth/tokens/create', key, { userId: 'sender' })).body.token
    const conv = (await post(victim.url, '/v1/conversations/create', token, { type: 'group', name: 'kill', members: [] })).body

    // Eight senders; the victim is killed the moment 100 sends are acknowledged, so the last
    // commits have not been published by it.
    const acked: number[] = []
    let killed = false
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; !killed; i++) {
          try {
            const res = await post(victim.url, '/v1/messages/send', token, { conversationId: conv.id, content: `w${w} #${i}`, clientMsgId: `w${w}-${i}` })
            if (res.status === 201) acked.push(res.body.seq)
          } catch {
            return
          }
          if (acked.length >= 100 && !killed) {
            killed = true
            victim.proc.kill('SIGKILL')
          }
        }
      }),
    )
    const top = Math.max(...acked)
    const before = streamSeqs(await readStream(nats.url, stream), conv.id).length
    // The survivor takes over once the victim's lease (10 s) has run out.
    const got = await waitForStream(nats.url, stream, (g) => streamSeqs(g, conv.id).length >= top, 25_000)
    const seqs = streamSeqs(got, conv.id)
    expect(seqs.slice(0, top)).toEqual(range(1, top))
    expectNoDuplicates(got)
    for (const s of acked) expect(seqs).toContain(s)
    console.log(`kill -9 test: ${acked.length} acked, ${before} of ${top} in the stream at the kill, the rest published after takeover`)
  }, 60_000)
})
