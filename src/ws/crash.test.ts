import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { createTestDatabase } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import type { ChildProcess } from 'node:child_process'
import { post, startNodeProcess } from '../../test/node-process.js'

const ready = process.env.PARLEY_TEST_DATABASE_URL && process.env.PARLEY_TEST_NATS_URL

const startNode = startNodeProcess

describe.runIf(ready)('a node killed with SIGKILL mid-burst', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  const procs: ChildProcess[] = []
  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
    await db?.drop()
  })

  it('loses no acknowledged send: every connected member gets each exactly once (after sync)', async () => {
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: process.env.PARLEY_TEST_NATS_URL!,
      PARLEY_SERVER_KEY: 'psk_crash_' + randomBytes(6).toString('hex'),
      PARLEY_JWT_SECRET: randomBytes(32).toString('base64url'),
      PARLEY_RESYNC_INTERVAL_MS: '250',
      PARLEY_NATS_PREFIX: `crash${randomBytes(3).toString('hex')}.`,
      // This test is about the real-time path; the JetStream publisher has its own crash test.
      PARLEY_EVENTS_PUBLISH: 'off',
    }
    const victim = await startNode(env)
    const survivor = await startNode(env)
    procs.push(victim.proc, survivor.proc)
    const key = env.PARLEY_SERVER_KEY
    const tokens: Record<string, string> = {}
    for (const id of ['sender', 'm1', 'm2']) {
      await post(survivor.url, '/v1/users/upsert', key, { id, name: id })
      tokens[id] = (await post(survivor.url, '/v1/auth/tokens/create', key, { userId: id })).body.token
    }
    const conv = (await post(survivor.url, '/v1/conversations/create', tokens.sender, { type: 'group', name: 'crash', members: ['m1', 'm2'] })).body
    const members = [(await TestSocket.ready(survivor.url, tokens.m1)).socket, (await TestSocket.ready(survivor.url, tokens.m2)).socket]

    // 16 senders hammer the victim; it is killed once 120 sends are acknowledged.
    const acked: { id: string; seq: number }[] = []
    let killed = false
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; !killed; i++) {
          try {
            const res = await post(victim.url, '/v1/messages/send', tokens.sender, { conversationId: conv.id, content: `w${w} #${i}`, clientMsgId: `w${w}-${i}` })
            if (res.status === 201) acked.push({ id: res.body.id, seq: res.body.seq })
          } catch {
            return // the victim is gone
          }
          if (acked.length >= 120 && !killed) {
            killed = true
            victim.proc.kill('SIGKILL')
          }
        }
      }),
    )
    expect(acked.length).toBeGreaterThanOrEqual(120)

    for (const socket of members) {
      // Live events (from NATS, or read back from the log by the survivor), then a sync as a
      // reconnecting client would do: together, each acknowledged send exactly once.
      const seen = new Map<number, any>()
      const top = Math.max(...acked.map((a) => a.seq))
      while (![...acked].every((a) => seen.has(a.seq))) {
        const e = await socket.event(conv.id, 'message.created')
        expect(seen.has(e.seq)).toBe(false)
        seen.set(e.seq, e)
      }
      const synced = await socket.call('sync', { since: { [conv.id]: Math.max(...seen.keys()) } })
      for (const e of synced.data.data.flatMap((d: any) => d.events)) expect(seen.has(e.seq)).toBe(false)
      for (const a of acked) expect(seen.get(a.seq).data.id).toBe(a.id)
      expect(top).toBeLessThanOrEqual(Math.max(...seen.keys()))
      await socket.close()
    }
  }, 90_000)
})
