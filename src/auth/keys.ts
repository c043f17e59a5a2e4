import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Agent keys: `pk_agent_` + 32 random bytes. Only their sha256 is stored. */
export const AGENT_KEY_PREFIX = 'pk_agent_'

export const newAgentKey = () => AGENT_KEY_PREFIX + randomBytes(32).toString('base64url')

export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex')

/**
 * A matcher for one fixed secret: constant-time, whatever the candidate's length (both sides
 * are compared as sha256 digests), hashing the secret once rather than on every request.
 */
export function secretMatcher(secret: string): (candidate: string) => boolean {
  const digest = createHash('sha256').update(secret).digest()
  return (candidate) => timingSafeEqual(createHash('sha256').update(candidate).digest(), digest)
}
