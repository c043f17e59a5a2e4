import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { Harness, storeKinds, type TestUser } from '../../test/harness.js'

const AUDIENCE = 'parley-test'
const ISSUER = 'https://issuer.test'
const now = () => Math.floor(Date.now() / 1000)

interface SigningKey {
  kid: string
  alg: 'RS256' | 'ES256'
  privateKey: CryptoKey
  publicKey: CryptoKey
}

async function signingKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  return { kid, alg, ...(await generateKeyPair(alg)) }
}

/** A JWKS endpoint on 127.0.0.1, as an identity provider would serve it; counts its fetches. */
async function serveJwks(keys: SigningKey[]): Promise<{ url: string; fetches: () => number; close(): Promise<void> }> {
  const jwks = { keys: await Promise.all(keys.map(async (k): Promise<JWK> => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: k.alg, use: 'sig' }))) }
  let fetches = 0
  const server: Server = createServer((_req, res) => {
    fetches++
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** Claims the configured harness accepts, for `sub`; override any of them. */
const claims = (sub: string, over: JWTPayload = {}): JWTPayload => ({ sub, aud: AUDIENCE, iss: ISSUER, exp: now() + 300, ...over })

const sign = (k: SigningKey, payload: JWTPayload, header: Record<string, unknown> = {}) =>
  new SignJWT(payload).setProtectedHeader({ alg: k.alg, kid: k.kid, typ: 'JWT', ...header }).sign(k.privateKey)

for (const kind of storeKinds) {
  describe(`auth with a JWKS [${kind}]`, () => {
    let rsa: SigningKey, ec: SigningKey, stranger: SigningKey, impostor: SigningKey
    let jwks: Awaited<ReturnType<typeof serveJwks>>
    let h: Harness
    let u: TestUser

    beforeAll(async () => {
      rsa = await signingKey('RS256', 'rsa-1')
      ec = await signingKey('ES256', 'ec-1')
      stranger = await signingKey('RS256', 'stranger-1') // a kid the JWKS does not list
      impostor = await signingKey('RS256', 'rsa-1') // the JWKS's kid, another key
      jwks = await serveJwks([rsa, ec])
      h = await Harness.start(kind, { jwksUrl: jwks.url, jwksAlgorithms: ['RS256', 'ES256'], jwtAudience: AUDIENCE, jwtIssuer: ISSUER })
      u = await h.user()
    }, 60_000)
    afterAll(async () => {
      await h?.close()
      await jwks?.close()
    })

    const probe = (token: string) => h.call('get-user', { id: u.id }, token)
    async function expectUnauthorized(token: string, detail?: RegExp) {
      const res = await probe(token)
      expect(res.status).toBe(401)
      expect(res.body.code).toBe('unauthorized')
      if (detail) expect(res.body.detail).toMatch(detail)
    }

    it('accepts RS256 and ES256 tokens signed by keys of the JWKS', async () => {
      for (const k of [rsa, ec]) {
        const res = await probe(await sign(k, claims(u.id)))
        expect(res.status, k.alg).toBe(200)
        expect(res.body.id).toBe(u.id)
      }
      expect(jwks.fetches()).toBeGreaterThan(0)
    })

    it('checks audience, issuer, expiry and subject on JWKS tokens', async () => {
      await expectUnauthorized(await sign(rsa, claims(u.id, { aud: 'someone-else' })))
      await expectUnauthorized(await sign(rsa, claims(u.id, { aud: undefined })))
      await expectUnauthorized(await sign(ec, claims(u.id, { iss: 'https://evil.test' })))
      await expectUnauthorized(await sign(ec, claims(u.id, { iss: undefined })))
      await expectUnauthorized(await sign(rsa, claims(u.id, { exp: now() - 5 })), /expired/)
      await expectUnauthorized(await sign(rsa, claims(u.id, { exp: undefined })))
      await expectUnauthorized(await sign(rsa, claims('never_provisioned')))
    })

    it('refuses tokens signed by keys the JWKS does not hold', async () => {
      await expectUnauthorized(await sign(stranger, claims(u.id)))
      await expectUnauthorized(await sign(impostor, claims(u.id)))
      await expectUnauthorized(await sign(stranger, claims(u.id), { kid: undefined }))
      // A good token whose kid is swapped for the other key's.
      await expectUnauthorized(await sign(rsa, claims(u.id), { kid: 'ec-1' }))
    })

    it('refuses algorithm confusion: HS256 keyed with the public key, and algorithms not pinned', async () => {
      const pem = new TextEncoder().encode(await exportSPKI(rsa.publicKey))
      const jwk = new TextEncoder().encode(JSON.stringify(await exportJWK(rsa.publicKey)))
      for (const key of [pem, jwk]) {
        const t = await new SignJWT(claims(u.id)).setProtectedHeader({ alg: 'HS256', kid: rsa.kid, typ: 'JWT' }).sign(key)
        await expectUnauthorized(t, /not valid/)
      }
      const ps = await generateKeyPair('PS256')
      const t = await new SignJWT(claims(u.id)).setProtectedHeader({ alg: 'PS256', kid: rsa.kid }).sign(ps.privateKey)
      await expectUnauthorized(t, /PS256/)
    })

    it('still accepts its own HS256 tokens, which carry the configured audience and issuer', async () => {
      const { token } = await h.ok('create-token', { userId: u.id }, h.serverKey)
      const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
      expect(payload).toMatchObject({ aud: AUDIENCE, iss: ISSUER, sub: u.id })
      expect((await probe(token)).status).toBe(200)
      const secret = new TextEncoder().encode(h.parley.services.config.jwtSecret!)
      const noAudience = await new SignJWT({ sub: u.id, iss: ISSUER, exp: now() + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(secret)
      await expectUnauthorized(noAudience)
    })
  })
}

describe('auth with an unreachable JWKS', () => {
  let h: Harness
  let broken: Server
  let brokenUrl: string
  beforeAll(async () => {
    // A provider that answers 500, and (after it is closed) one that refuses connections.
    broken = createServer((_req, res) => res.writeHead(500).end('down'))
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve))
    brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/jwks.json`
    h = await Harness.start('pglite', { jwksUrl: brokenUrl, jwksAlgorithms: ['RS256'] })
  }, 60_000)
  afterAll(async () => {
    await h?.close()
    if (broken.listening) await new Promise((resolve) => broken.close(resolve))
  })

  it('answers 503 unavailable (retry) rather than 401, so clients keep good tokens', async () => {
    const key = await signingKey('RS256', 'k1')
    const u = await h.user()
    const token = await sign(key, { sub: u.id, exp: now() + 60 })
    const down = await h.call('get-user', { id: u.id }, token)
    expect([down.status, down.body.code]).toEqual([503, 'unavailable'])
    await new Promise((resolve) => broken.close(resolve))
    const refused = await h.call('get-user', { id: u.id }, await sign(key, { sub: u.id, exp: now() + 61 }))
    expect([refused.status, refused.body.code]).toEqual([503, 'unavailable'])
    // The shared-secret path does not depend on the provider.
    const { token: own } = await h.ok('create-token', { userId: u.id }, h.serverKey)
    expect((await h.call('get-user', { id: u.id }, own)).status).toBe(200)
  })
})
