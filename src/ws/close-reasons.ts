import { CloseCode } from '../protocol/frames.js'
import type { EndReason, RevocationReason } from '../realtime/session.js'

/**
 * The close code of each revocation: it tells the client whether to come back (docs/gateway.md,
 * "Close codes"). Deactivated: never with this credential; Unauthorized: with a new one.
 */
const REVOKED: Record<RevocationReason, { code: number; reason: string }> = {
  deactivated: { code: CloseCode.Deactivated, reason: 'the user was deactivated' },
  deleted: { code: CloseCode.Deactivated, reason: 'the agent was deleted' },
  key_rotated: { code: CloseCode.Unauthorized, reason: 'the agent key was rotated' },
}

/** How the native adapter closes a socket the engine ends. */
export function closeFor(end: EndReason): { code: number; reason: string } {
  return end.kind === 'revoked' ? REVOKED[end.reason] : { code: end.code, reason: end.detail }
}
