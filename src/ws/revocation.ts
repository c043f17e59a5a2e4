import type { Bus } from '../events/bus/bus.js'
import type { Authenticator } from '../auth/authenticate.js'
import { CloseCode } from '../protocol/frames.js'
import type { HubSession } from './hub.js'
import type { Session } from './session.js'

/**
 * What travels on the `control` subject. `revoke`: a credential stopped being valid (user
 * deactivated, agent deleted, agent key rotated); every node forgets what it cached about the
 * participant and closes their sessions and those of the agents they own. `close`: closes the
 * participant's sessions only, credentials untouched.
 */
type ControlMessage = { k: 'close' | 'revoke'; node: string; participantId: string; code: number; reason: string }

/**
 * The cluster-wide control channel. A message is applied on the node that sends it at once
 * (so the op that revoked answers only once this node is done) and on every other node when it
 * arrives; a node ignores its own echo. The bus may lose a message: authentication caches
 * expire within seconds, and socket calls re-check their credential (`stillValid`).
 */
export class ControlChannel {
  private readonly off: () => void
  /** Revocations applied on this node so far: a connecting socket compares it across its authentication. */
  applied = 0

  constructor(
    private readonly bus: Bus,
    private readonly node: string,
    private readonly sessions: ReadonlyMap<string, ReadonlySet<HubSession>>,
    /** Drops the node's cached credentials of a participant and of the agents they own. */
    private readonly forget: (participantId: string) => void,
  ) {
    this.off = bus.subscribe('control', (payload) => {
      const m = JSON.parse(payload) as ControlMessage
      if (m.node !== this.node) this.apply(m)
    })
  }

  send(k: ControlMessage['k'], participantId: string, code: number, reason: string): void {
    const m: ControlMessage = { k, node: this.node, participantId, code, reason }
    this.apply(m)
    this.bus.publish('control', JSON.stringify(m))
  }

  close(): void {
    this.off()
  }

  private apply(m: ControlMessage): void {
    if (m.k === 'revoke') {
      // Forget first: whoever reconnects after the close below authenticates against the database.
      this.forget(m.participantId)
      this.applied++
    }
    for (const s of this.affected(m)) s.close(m.code, m.reason)
  }

  private affected(m: ControlMessage): HubSession[] {
    const out = [...(this.sessions.get(m.participantId) ?? [])]
    if (m.k !== 'revoke') return out
    // An owner's revocation ends their agents too. Revocations are rare: a scan beats keeping an owner index.
    for (const sessions of this.sessions.values()) for (const s of sessions) if (s.ownerId === m.participantId) out.push(s)
    return out
  }
}

/**
 * Whether the session's credential is still valid (through the authenticator's cache, so cheap).
 * When it is not, closes the session with the code that tells the client whether to come back:
 * Deactivated (no) or Unauthorized (only with a new credential).
 */
export async function stillValid(auth: Authenticator, session: Session): Promise<boolean> {
  if (!session.isOpen) return false
  const r = await auth.recheck(session.credential!)
  if (r.ok) return session.isOpen
  session.close(r.deactivated ? CloseCode.Deactivated : CloseCode.Unauthorized, r.detail.slice(0, 120))
  return false
}
