import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Agent keys: `pk_agent_` + 32 random bytes. Only their sha256 is stored. */
export const AGENT_KEY_PREFIX = 'pk_agent_'

export const newAgentKey = () => AGENT_KEY_PREFIX + randomBytes(32).toString('base64url')

export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex')

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}
