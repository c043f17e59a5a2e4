import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT, generateKeyPair, type JWTPayload } from 'jose'
import pino from 'pino'
import { describeStores, openTestStore, storeKinds } from '../../test/harness.js'
import { createParley, type Parley } from '../app.js'
import { loadConfig } from '../config.js'
import type { Db } from '../store/db.js'
import { createAuthenticator } from './authenticate.js'

const now = () => Math.floor(Date.now() / 1000)
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

describeStores('auth', (h) => {
  const secret = () => new TextEncoder().encode(h().parley.services.config.jwtSecret!)
  const hs = (payload: JWTPayload, key: Uint8Array = secret(), alg = 'HS256') => new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key)
  /** get-user of the caller's own id: any 200 proves the credential was accepted. */
  const probe = (token: string | undefined, id = 'anyone') => h().call('get-user', { id }, token)

  async function expectUnauthorized(token: string | undefined, detail?: RegExp, id?: string) {
    const res = await probe(token, id)
    expect(res.status, token).toBe(401)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.body).toMatchObject({ type: expect.stringContaining('unauthorized'), title: 'Unauthorized', status: 401, code: 'unauthorized' })
    if (detail) expect(res.body.detail).toMatch(detail)
    return res
  }

  it('refuses a request without credentials, or with another scheme', async () => {
    await expectUnauthorized(undefined, /Bearer/)
    const basic = await h().http('POST', '/v1/users/x/get', { headers: { authorization: 'Basic ' + Buffer.from(`x:${h().serverKey}`).toString('base64') } })
    expect(basic.status).toBe(401)
    expect(basic.body.code).toBe('unauthorized')
    const twoWords = await h().http('POST', '/v1/users/x/get', { headers: { authorization: `Bearer ${h().serverKey} extra` } })
    expect(twoWords.status).toBe(401)
    const bare = await h().http('POST', '/v1/users/x/get', { headers: { authorization: h().serverKey } })
    expect(bare.status).toBe(401)
  })

  it('refuses garbage, near-misses of the server key and of agent keys', async () => {
    for (const t of ['garbage', 'a.b.c', 'x'.repeat(5000), h().serverKey.slice(0, -1), h().serverKey + 'x', 'pk_agent_', 'pk_agent_nope']) {
      await expectUnauthorized(t)
    }
  })

  it('accepts an HS256 token with the shared secret, sub and exp (the baseline of the refusals below)', async () => {
    const u = await h().user()
    const res = await probe(await hs({ sub: u.id, exp: now() + 60 }), u.id)
    expect(res.status).toBe(200)
    expect(res.body.id).toBe(u.id)
  })

  it('refuses alg none, a wrong secret, other HMAC algorithms and a tampered payload', async () => {
    const u = await h().user()
    const claims = { sub: u.id, exp: now() + 600 }
    await expectUnauthorized(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, undefined, u.id)
    await expectUnauthorized(`${b64({ typ: 'JWT' })}.${b64(claims)}.`, undefined, u.id)
    await expectUnauthorized(await hs(claims, new TextEncoder().encode('not-the-secret')), /not valid/, u.id)
    await expectUnauthorized(await hs(claims, secret(), 'HS512'), /HS512/, u.id)
    await expectUnauthorized(await hs(claims, secret(), 'HS384'), undefined, u.id)
    const [head, , sig] = (await hs(claims)).split('.')
    const other = await h().user()
    await expectUnauthorized(`${head}.${b64({ ...claims, sub: other.id })}.${sig}`, undefined, other.id)
  })

  it('refuses expired tokens, tokens without exp or sub, and subs that are no active user', async () => {
    const u = await h().user()
    await expectUnauthorized(await hs({ sub: u.id, exp: now() - 5 }), /expired/, u.id)
    await expectUnauthorized(await hs({ sub: u.id }), undefined, u.id)
    await expectUnauthorized(await hs({ exp: now() + 60 }), undefined, u.id)
    await expectUnauthorized(await hs({ sub: u.id, exp: now() + 60, nbf: now() + 3600 }), undefined, u.id)
    await expectUnauthorized(await hs({ sub: 'never_provisioned', exp: now() + 60 }), /no provisioned user/)
    // An agent's id is not a user: a user token cannot impersonate an agent.
    const { agent } = await h().ok('create-agent', { name: 'Bot' }, u.token)
    await expectUnauthorized(await hs({ sub: agent.id, exp: now() + 60 }), undefined, agent.id)
  })

  it('refuses RS256 tokens when no JWKS is configured', async () => {
    const u = await h().user()
    const { privateKey } = await generateKeyPair('RS256')
    const t = await new SignJWT({ sub: u.id, exp: now() + 60 }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)
    await expectUnauthorized(t, /RS256/, u.id)
  })

  it('create-token mints a working token for an active user, and only for the server key', async () => {
    const u = await h().user()
    const before = Date.now()
    const res = await h().call('create-token', { userId: u.id, ttlSeconds: 120 }, h().serverKey)
    expect(res.status).toBe(201)
    const expiresAt = Date.parse(res.body.expiresAt)
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 120_000)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 120_000)
    expect((await probe(res.body.token, u.id)).status).toBe(200)
    const payload = JSON.parse(Buffer.from(res.body.token.split('.')[1], 'base64url').toString())
    expect(payload).toMatchObject({ sub: u.id, exp: expiresAt / 1000 })
    const dflt = await h().ok('create-token', { userId: u.id }, h().serverKey)
    expect(Date.parse(dflt.expiresAt) - Date.now()).toBeGreaterThan(3590_000)
    expect(Date.parse(dflt.expiresAt) - Date.now()).toBeLessThanOrEqual(3600_000)
    for (const ttlSeconds of [60, 30 * 86_400]) expect((await h().call('create-token', { userId: u.id, ttlSeconds }, h().serverKey)).status).toBe(201)
  })

  it('a look-up still in flight when its participant is forgotten does not put the old answer back in the cache', async () => {
    const u = await h().user()
    const real = h().db
    let read!: () => void
    const wasRead = new Promise<void>((r) => (read = r))
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    let hold = true
    const db: Db = Object.create(real, {
      query: {
        value: async (sql: string, params?: unknown[]) => {
          const rows = await real.query(sql, params)
          if (hold) {
            hold = false
            read()
            await held
          }
          return rows
        },
      },
    })
    const auth = createAuthenticator(db, { serverKey: 'psk_other', jwtSecret: h().parley.services.config.jwtSecret!, jwksAlgorithms: [] })
    const inFlight = auth.authenticate(u.token)
    await wasRead // the status was read while the user was still active…
    await real.query('UPDATE participants SET deactivated_at = now() WHERE id = $1', [u.id])
    auth.forget(u.id) // …and the deactivation is applied before that look-up finishes
    release()
    expect(await inFlight).toEqual({ kind: 'user', id: u.id })
    await expect(auth.authenticate(u.token)).rejects.toMatchObject({ code: 'unauthorized' })
  })

  it('create-token refuses bad input, unknown users and callers other than the server key', async () => {
    const u = await h().user()
    for (const body of [{ userId: u.id, ttlSeconds: 59 }, { userId: u.id, ttlSeconds: 30 * 86_400 + 1 }, { userId: u.id, ttlSeconds: 90.5 }, { userId: u.id, ttlSeconds: '120' }, {}, { userId: 'has space' }, { userId: u.id, extra: 1 }]) {
      const res = await h().call('create-token', body, h().serverKey)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.code).toBe('validation_failed')
    }
    const unknown = await h().call('create-token', { userId: 'never_provisioned' }, h().serverKey)
    expect(unknown.status).toBe(404)
    expect(unknown.body.code).toBe('not_found')
    const { agent, apiKey } = await h().ok('create-agent', { name: 'Bot' }, u.token)
    expect((await h().call('create-token', { userId: agent.id }, h().serverKey)).status).toBe(404)
    for (const token of [u.token, apiKey]) {
      const res = await h().call('create-token', { userId: u.id }, token)
      expect(res.status).toBe(403)
      expect(res.body.code).toBe('forbidden')
    }
    expect((await h().call('create-token', { userId: u.id }, undefined)).status).toBe(401)
  })
})

/** A Parley whose logs, at the most verbose level, are kept in memory. */
async function startWithCapturedLogs(kind: (typeof storeKinds)[number]) {
  const lines: string[] = []
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'))
  const store = await openTestStore(kind)
  const config = loadConfig({ PARLEY_DATA_DIR: dataDir, LOG_LEVEL: 'trace' })
  const parley: Parley = await createParley(config, { db: store.db, log: pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) }) })
  await parley.app.ready()
  return {
    parley,
    lines,
    async close() {
      await parley.close()
      await store.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

for (const kind of storeKinds) {
  describe(`auth logs [${kind}]`, () => {
    let s: Awaited<ReturnType<typeof startWithCapturedLogs>>
    beforeAll(async () => void (s = await startWithCapturedLogs(kind)), 60_000)
    afterAll(async () => s?.close())

    it('never contain a token, an agent key, the server key or the JWT secret', async () => {
      const { serverKey, jwtSecret } = s.parley.services.config
      const call = async (url: string, token: string | undefined, body: unknown = {}) => {
        const res = await s.parley.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload: JSON.stringify(body) })
        return { status: res.statusCode, body: JSON.parse(res.body) }
      }
      expect((await call('/v1/users/upsert', serverKey, { id: 'log_u', name: 'Logged' })).status).toBe(200)
      const { body: minted } = await call('/v1/auth/tokens/create', serverKey, { userId: 'log_u' })
      const token: string = minted.token
      expect((await call('/v1/users/log_u/get', token)).status).toBe(200)
      const { body: made } = await call('/v1/agents/create', token, { name: 'Logged bot' })
      const apiKey: string = made.apiKey
      expect((await call('/v1/users/log_u/get', apiKey)).status).toBe(200)
      // Failures: a mangled token, a forbidden call, bad input carrying the token, an unknown route with it in the query.
      expect((await call('/v1/users/log_u/get', token.slice(0, -3) + 'abc')).status).toBe(401)
      expect((await call('/v1/users/upsert', token, { id: 'x', name: 'x' })).status).toBe(403)
      expect((await call('/v1/users/upsert', serverKey, { id: token, name: apiKey })).status).toBe(400)
      expect((await call(`/v1/nowhere?token=${token}&key=${apiKey}`, token)).status).toBe(404)
      const logged = s.lines.join('')
      // The capture works: the requests above were logged.
      expect(logged).toContain('"status":401')
      expect(logged).toContain('"status":403')
      expect(logged).toContain('"op":"create-agent"')
      for (const secretText of [token, token.split('.')[2], apiKey, serverKey!, jwtSecret!]) expect(logged).not.toContain(secretText)
    })
  })
}
