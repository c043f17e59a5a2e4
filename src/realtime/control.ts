import type { Bus } from '../events/bus/bus.js'
import type { EndReason, EngineSession, RevocationReason } from './session.js'

/**
 * What travels on the `control` subject. `revoke`: a credential stopped being valid (user
 * deactivated, agent deleted, agent key rotated); every node forgets what it cached about the
 * participant and ends their sessions and those of the agents they own. `close`: ends the
 * participant's sessions only, credentials untouched.
 */
type ControlMessage = { k: 'close' | 'revoke'; node: string; participantId: string; end: EndReason }

/**
 * The cluster-wide control channel. A message is applied on the node that sends it at once
 * (so the op that revoked answers only once this node is done) and on every other node when it
 * arrives; a node ignores its own echo. The bus may lose a message: authentication caches
 * expire within seconds, and adapters re-check a session's credential on every call.
 */
export class ControlChannel {
  private readonly off: () => void
  /** Revocations applied on this node so far: a connecting session compares it across its authentication. */
  applied = 0

  constructor(
    private readonly bus: Bus,
    private readonly node: string,
    private readonly sessions: ReadonlyMap<string, ReadonlySet<EngineSession>>,
    /** Drops the node's cached credentials of a participant and of the agents they own. */
    private readonly forget: (participantId: string) => void,
  ) {
    this.off = bus.subscribe('control', (payload) => {
      const m = JSON.parse(payload) as ControlMessage
      if (m.node !== this.node) this.apply(m)
    })
  }

  revoke(participantId: string, reason: RevocationReason): void {
    this.send({ k: 'revoke', node: this.node, participantId, end: { kind: 'revoked', reason } })
  }

  close(participantId: string, code: number, detail: string): void {
    this.send({ k: 'close', node: this.node, participantId, end: { kind: 'closed', code, detail } })
  }

  stop(): void {
    this.off()
  }

  private send(m: ControlMessage): void {
    this.apply(m)
    this.bus.publish('control', JSON.stringify(m))
  }

  private apply(m: ControlMessage): void {
    if (m.k === 'revoke') {
      // Forget first: whoever reconnects after the end below authenticates against the database.
      this.forget(m.participantId)
      this.applied++
    }
    for (const s of this.affected(m)) s.end(m.end)
  }

  private affected(m: ControlMessage): EngineSession[] {
    const out = [...(this.sessions.get(m.participantId) ?? [])]
    if (m.k !== 'revoke') return out
    // An owner's revocation ends their agents too. Revocations are rare: a scan beats keeping an owner index.
    for (const sessions of this.sessions.values()) for (const s of sessions) if (s.ownerId === m.participantId) out.push(s)
    return out
  }
}
