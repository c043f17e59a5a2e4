/**
 * The rows of the authorization matrix: the callers, and what each may expect of an operation.
 * Derived from the registry wherever it can be: no or bad credentials are 401 for every
 * operation, a caller kind missing from `op.callers` is 403; only what the registry cannot say
 * (membership, ownership) comes from the fixture's profile.
 */
import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import type { AnyOp } from '../../src/ops/define-op.js'
import type { CallerKind } from '../../src/ops/context.js'
import type { Profile } from './fixtures.js'
import type { World } from './world.js'

export type Role = 'anonymous' | 'badToken' | 'server' | 'admin' | 'member' | 'agent' | 'owner' | 'stranger' | 'removed' | 'otherAgent' | 'deactivated'
export const ROLES: Role[] = ['anonymous', 'badToken', 'server', 'admin', 'member', 'agent', 'owner', 'stranger', 'removed', 'otherAgent', 'deactivated']

/** The roles that can open a socket session (the server key and bad credentials cannot). */
export const PARTICIPANT_ROLES = ['admin', 'member', 'agent', 'owner', 'stranger', 'removed', 'otherAgent'] as const satisfies readonly Role[]

/** `2xx` or the one error code expected. */
export type Outcome = '2xx' | 'unauthorized' | 'forbidden' | 'not_found'

/** Which `callers` entry a role's credentials stand for; null: they stand for no one. */
const KIND: Record<Role, CallerKind | null> = {
  anonymous: null,
  badToken: null,
  deactivated: null,
  server: 'server',
  admin: 'user',
  member: 'user',
  owner: 'user',
  stranger: 'user',
  removed: 'user',
  agent: 'agent',
  otherAgent: 'agent',
}

/** Departures from "2xx" per profile, for the callers the registry lets through (fixtures.ts). */
const PROFILES: Record<Profile, Partial<Record<Role, Outcome>>> = {
  open: {},
  // A removed member and another owner's agent are strangers now: what they may not see is absent.
  read: { stranger: 'not_found', removed: 'not_found', otherAgent: 'not_found' },
  member: { server: 'forbidden', owner: 'forbidden', stranger: 'not_found', removed: 'not_found', otherAgent: 'not_found' },
  'member-or-server': { owner: 'forbidden', stranger: 'not_found', removed: 'not_found', otherAgent: 'not_found' },
  admin: { member: 'forbidden', agent: 'forbidden', owner: 'forbidden', stranger: 'not_found', removed: 'not_found', otherAgent: 'not_found' },
  agent: { admin: 'not_found', member: 'not_found', stranger: 'not_found', removed: 'not_found', otherAgent: 'not_found' },
  // The owner is named in the input, not looked up: naming another is refused, not hidden.
  'owner-only': { admin: 'forbidden', member: 'forbidden', stranger: 'forbidden', removed: 'forbidden' },
}

export function expectedOutcome(op: AnyOp, profile: Profile, role: Role): Outcome {
  const kind = KIND[role]
  if (kind === null) return 'unauthorized'
  if (!op.callers.includes(kind)) return 'forbidden'
  return PROFILES[profile][role] ?? '2xx'
}

/** The token each role calls with (`badToken` has several: see badCredentials). */
export function tokenOf(w: World, role: Exclude<Role, 'anonymous' | 'badToken'>): string {
  switch (role) {
    case 'server':
      return w.serverKey
    case 'agent':
      return w.agent.token
    case 'otherAgent':
      return w.otherAgent.token
    default:
      return w[role].token
  }
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

/**
 * Authorization header values that must all be 401: malformed, forged, expired, for nobody.
 * Signed ones use the service's real secret where the point is another flaw than the signature.
 */
export async function badCredentials(w: World): Promise<{ name: string; authorization: string }[]> {
  const secret = new TextEncoder().encode(w.h.parley.services.config.jwtSecret!)
  const now = Math.floor(Date.now() / 1000)
  const jwt = (claims: Record<string, unknown>, key: Uint8Array = secret) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key)
  const bearer = (t: string) => `Bearer ${t}`
  return [
    { name: 'garbage', authorization: bearer('not-a-token') },
    { name: 'wrong key', authorization: bearer(await jwt({ sub: w.admin.id, exp: now + 3600 }, randomBytes(32))) },
    { name: 'expired', authorization: bearer(await jwt({ sub: w.admin.id, exp: now - 60 })) },
    { name: 'no exp', authorization: bearer(await jwt({ sub: w.admin.id })) },
    { name: 'unknown user', authorization: bearer(await jwt({ sub: `nobody_${randomBytes(4).toString('hex')}`, exp: now + 3600 })) },
    { name: 'agent id as sub', authorization: bearer(await jwt({ sub: w.agent.id, exp: now + 3600 })) },
    { name: 'alg none', authorization: bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: w.admin.id, exp: now + 3600 })}.`) },
    { name: 'unknown agent key', authorization: bearer(`pk_agent_${randomBytes(32).toString('base64url')}`) },
    { name: 'server key + 1 char', authorization: bearer(`${w.serverKey}x`) },
    { name: 'empty bearer', authorization: 'Bearer ' },
    { name: 'basic scheme', authorization: `Basic ${Buffer.from(`admin:${w.serverKey}`).toString('base64')}` },
  ]
}
