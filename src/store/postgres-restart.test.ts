import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { createParley, type Parley } from '../app.js'
import { loadConfig } from '../config.js'
import { postgresBinDir, startScratchPostgres, type ScratchPostgres } from '../../test/scratch-postgres.js'

/**
 * A PostgreSQL restart under load, on a server of the test's own. Requests in flight and those
 * arriving while it is down must answer 503 `unavailable` with `Retry-After` (never 500, never
 * hang), the pool must recover by itself, and senders that retry with the same clientMsgId must
 * end with every message stored exactly once.
 */
const enabled = !!process.env.PARLEY_TEST_DATABASE_URL && !!postgresBinDir()

describe.runIf(enabled)('PostgreSQL restart under load', () => {
  let pg: ScratchPostgres
  let parley: Parley
  let dataDir: string

  beforeAll(async () => {
    pg = await startScratchPostgres()
    dataDir = mkdtempSync(join(tmpdir(), 'parley-restart-'))
    const config = loadConfig({ PARLEY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: pg.url, PARLEY_DB_POOL_SIZE: '8' })
    parley = await createParley(config, { log: pino({ level: 'silent' }) })
    await parley.app.ready()
  }, 120_000)

  afterAll(async () => {
    await parley?.close()
    pg?.destroy()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  async function call(path: string, token: string, body: unknown) {
    const t0 = performance.now()
    const res = await parley.app.inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) })
    return { status: res.statusCode, body: res.json(), retryAfter: res.headers['retry-after'], ms: performance.now() - t0 }
  }

  it('answers 503 with Retry-After while it restarts, recovers, and loses or doubles nothing', async () => {
    const key = parley.services.config.serverKey!
    for (const id of ['ada', 'bob']) expect((await call('/v1/users/upsert', key, { id, name: id })).status).toBe(200)
    const ada = (await call('/v1/auth/tokens/create', key, { userId: 'ada' })).body.token as string
    const conv = (await call('/v1/conversations/create', ada, { type: 'dm', members: ['bob'] })).body

    const statuses = new Map<number, number>()
    const unavailable: { code: string; retryAfter: unknown }[] = []
    const acknowledged = new Map<string, number>()
    let slowest = 0
    let stop = false
    // Each sender sends its messages in order and retries one until it is acknowledged, as a client would.
    const sender = async (s: number) => {
      for (let n = 0; !stop; n++) {
        const clientMsgId = `s${s}-${n}`
        for (let tries = 0; tries < 400; tries++) {
          const r = await call('/v1/messages/send', ada, { conversationId: conv.id, content: clientMsgId, clientMsgId })
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
          slowest = Math.max(slowest, r.ms)
          if (r.status === 200 || r.status === 201) {
            acknowledged.set(clientMsgId, r.body.seq)
            break
          }
          if (r.status === 503) unavailable.push({ code: r.body.code, retryAfter: r.retryAfter })
          else throw new Error(`send answered ${r.status}: ${JSON.stringify(r.body)}`)
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
      }
    }
    const senders = Array.from({ length: 8 }, (_, s) => sender(s))
    await new Promise((resolve) => setTimeout(resolve, 400))
    await pg.restart()
    await new Promise((resolve) => setTimeout(resolve, 600))
    stop = true
    await Promise.all(senders)

    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([201]))
    expect([...statuses.keys()].every((s) => [200, 201, 503].includes(s)), JSON.stringify([...statuses])).toBe(true)
    expect(unavailable.length, 'the restart was seen by requests in flight').toBeGreaterThan(0)
    for (const u of unavailable) {
      expect(u.code).toBe('unavailable')
      expect(Number(u.retryAfter)).toBeGreaterThanOrEqual(1)
    }
    expect(slowest, 'no request hangs while the server is down').toBeLessThan(15_000)

    // The pool recovered: the history holds every acknowledged message exactly once, seqs gapless.
    const health = await parley.app.inject({ method: 'GET', url: '/v1/health' })
    expect(health.statusCode).toBe(200)
    const stored: { clientMsgId: string; seq: number }[] = []
    let after = 0
    for (;;) {
      const page = (await call('/v1/messages/list', ada, { conversationId: conv.id, after, limit: 200 })).body
      stored.push(...page.data)
      if (!page.page.hasAfter) break
      after = page.data[page.data.length - 1].seq
    }
    const ids = stored.map((m) => m.clientMsgId)
    expect(new Set(ids).size).toBe(ids.length)
    expect(new Set(ids)).toEqual(new Set(acknowledged.keys()))
    for (const m of stored) expect(acknowledged.get(m.clientMsgId)).toBe(m.seq)
    const seqs = stored.map((m) => m.seq)
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i))
  }, 120_000)
})
