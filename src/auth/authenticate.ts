import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose'
import type { Db } from '../store/db.js'
import type { Actor } from '../ops/actor.js'
import { ParleyError, unauthorized, unavailable } from '../ops/errors.js'
import { TtlCache } from '../lib/ttl-cache.js'
import { AGENT_KEY_PREFIX, secretMatcher, sha256Hex } from './keys.js'
import { findAgentByKeyHash, findParticipantStatus } from './auth.sql.js'

export interface AuthOptions {
  serverKey: string
  jwtSecret: string
  jwksUrl?: string
  jwksAlgorithms: string[]
  audience?: string
  issuer?: string
}

export interface Authenticator {
  /** Resolves a bearer token to the actor it stands for, or throws `unauthorized`. */
  authenticate(token: string | undefined): Promise<Actor>
  /**
   * `authenticate`, and when the credential stops being valid by itself: a JWT's `exp` (ms since
   * the epoch), so a long-lived session ends with it. Absent for agent keys and the server key.
   */
  authenticateSession(token: string | undefined): Promise<{ actor: Actor; expiresAt?: number }>
  /** Signs an HS256 user token with the shared secret. */
  mintUserToken(userId: string, ttlSeconds: number): Promise<{ token: string; expiresAt: string }>
  /**
   * Authenticates again a token that was valid when its socket opened, and says why when it no
   * longer is: `deactivated` (user deactivated, agent deleted, agent's owner deactivated) or not
   * (expired, key rotated, anything else). Throws only what does not decide (`unavailable`).
   */
  recheck(token: string): Promise<{ ok: true; actor: Actor } | { ok: false; deactivated: boolean; detail: string }>
  /** Drops what is cached about a participant (deactivated, key rotated, deleted) and their agents. */
  forget(participantId: string): void
}

/** Why a participant credential is refused. */
interface Refusal {
  refused: string
  deactivated: boolean
}

/**
 * How long a positive look-up stays cached. Revocations reach every node's cache at once over
 * the bus (`forget`); this bounds how long one keeps working on a node that missed that message.
 */
const CACHE_MS = 5_000

/**
 * Three kinds of credentials (API.md, Auth): the server key, user JWTs (HS256 with the shared
 * secret, or RS256/ES256 from a JWKS, algorithms pinned, `exp` required) and agent keys.
 */
export function createAuthenticator(db: Db, opts: AuthOptions): Authenticator {
  const hsKey = new TextEncoder().encode(opts.jwtSecret)
  const isServerKey = secretMatcher(opts.serverKey)
  const jwks: JWTVerifyGetKey | undefined = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined
  const verified = new TtlCache<{ sub: string; exp?: number }>(60_000)
  const users = new TtlCache<Actor>(CACHE_MS)
  const agents = new TtlCache<Actor>(CACHE_MS)
  const claims = { audience: opts.audience, issuer: opts.issuer, requiredClaims: ['exp', 'sub'] }
  /**
   * Bumped by every `forget`. A look-up that read the database before a forget must not cache
   * what it read after it: that answer may predate the revocation the forget is for.
   */
  let generation = 0

  async function verifyJwt(token: string): Promise<{ sub: string; exp?: number }> {
    const hit = verified.get(token)
    if (hit) return hit
    let alg: string | undefined
    try {
      alg = decodeProtectedHeader(token).alg
    } catch {
      throw unauthorized('the token is not a JWT, a server key or an agent key')
    }
    const viaJwks = alg !== 'HS256'
    try {
      const { payload } =
        alg === 'HS256'
          ? await jwtVerify(token, hsKey, { ...claims, algorithms: ['HS256'] })
          : jwks && alg && opts.jwksAlgorithms.includes(alg)
            ? await jwtVerify(token, jwks, { ...claims, algorithms: opts.jwksAlgorithms })
            : failAlg(alg)
      if (typeof payload.sub !== 'string') throw unauthorized('the token is not valid')
      const claimsOf = { sub: payload.sub, exp: payload.exp }
      verified.set(token, claimsOf, (payload.exp ?? 0) * 1000)
      return claimsOf
    } catch (err) {
      if (err instanceof ParleyError) throw err
      const code = (err as { code?: string }).code
      // An identity provider we cannot reach says nothing about the token: retry, don't log out.
      if (viaJwks && (err instanceof TypeError || ['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC'].includes(code ?? '')))
        throw unavailable('the identity provider’s keys cannot be fetched; retry')
      throw unauthorized(code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : 'the token is not valid')
    }
  }

  async function userActor(id: string): Promise<Actor | Refusal> {
    const hit = users.get(id)
    if (hit) return hit
    const before = generation
    const row = await findParticipantStatus(db, id)
    if (!row || row.kind !== 'user') return { refused: 'the token names no provisioned user', deactivated: false }
    if (row.deactivated_at) return { refused: 'the user is deactivated', deactivated: true }
    const actor: Actor = { kind: 'user', id }
    if (before === generation) users.set(id, actor)
    return actor
  }

  async function agentActor(key: string): Promise<Actor | Refusal> {
    const hash = sha256Hex(key)
    const hit = agents.get(hash)
    if (hit) return hit
    const before = generation
    const row = await findAgentByKeyHash(db, hash)
    // One answer over HTTP for every refused key; `deactivated` only picks a socket's close code.
    if (!row || row.deactivated_at || row.owner_deactivated_at) return { refused: 'the agent key is not valid', deactivated: Boolean(row) }
    const actor: Actor = { kind: 'agent', id: row.id, ownerId: row.owner_id }
    if (before === generation) agents.set(hash, actor)
    return actor
  }

  async function participantActor(token: string): Promise<Actor | Refusal> {
    if (token.startsWith(AGENT_KEY_PREFIX)) return agentActor(token)
    return userActor((await verifyJwt(token)).sub)
  }

  async function authenticate(token: string | undefined): Promise<Actor> {
    if (!token) throw unauthorized('an Authorization: Bearer token is required')
    if (isServerKey(token)) return { kind: 'server' }
    const found = await participantActor(token)
    if ('refused' in found) throw unauthorized(found.refused)
    return found
  }

  return {
    authenticate,
    async authenticateSession(token) {
      // Through the object, not the closure: whoever wraps `authenticate` wraps this too.
      const actor = await this.authenticate(token)
      // Users authenticate only with JWTs; verified just above, so this is a cache hit.
      if (actor.kind !== 'user' || !token) return { actor }
      const { exp } = await verifyJwt(token)
      return exp === undefined ? { actor } : { actor, expiresAt: exp * 1000 }
    },
    async recheck(token) {
      if (isServerKey(token)) return { ok: true, actor: { kind: 'server' } }
      try {
        const found = await participantActor(token)
        if ('refused' in found) return { ok: false, deactivated: found.deactivated, detail: found.refused }
        return { ok: true, actor: found }
      } catch (err) {
        if (err instanceof ParleyError && err.code === 'unauthorized') return { ok: false, deactivated: false, detail: err.detail }
        throw err
      }
    },
    async mintUserToken(userId, ttlSeconds) {
      const exp = Math.floor(Date.now() / 1000) + ttlSeconds
      let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(userId).setIssuedAt().setExpirationTime(exp)
      if (opts.audience) jwt = jwt.setAudience(opts.audience)
      if (opts.issuer) jwt = jwt.setIssuer(opts.issuer)
      return { token: await jwt.sign(hsKey), expiresAt: new Date(exp * 1000).toISOString() }
    },
    forget(participantId) {
      generation++
      users.delete(participantId)
      agents.deleteWhere((a) => a.kind !== 'server' && (a.id === participantId || (a.kind === 'agent' && a.ownerId === participantId)))
    },
  }
}

function failAlg(alg: string | undefined): never {
  throw unauthorized(`tokens signed with ${alg ?? 'no algorithm'} are not accepted`)
}
