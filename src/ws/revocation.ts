import type { Authenticator } from '../auth/authenticate.js'
import { CloseCode } from '../protocol/frames.js'
import type { Session } from './session.js'

/**
 * Whether the session's credential is still valid (through the authenticator's cache, so cheap).
 * When it is not, closes the session with the code that tells the client whether to come back:
 * Deactivated (no) or Unauthorized (only with a new credential). The engine's control channel
 * closes sockets when a revocation arrives; this is the backstop when its message was lost.
 */
export async function stillValid(auth: Authenticator, session: Session): Promise<boolean> {
  if (!session.isOpen) return false
  const r = await auth.recheck(session.credential!)
  if (r.ok) return session.isOpen
  session.close(r.deactivated ? CloseCode.Deactivated : CloseCode.Unauthorized, r.detail.slice(0, 120))
  return false
}
