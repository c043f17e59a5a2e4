import type { Bus } from '../events/bus/bus.js'

type PresenceMessage =
  | { k: 'presence'; node: string; userId: string; online: boolean; lastSeenAt: string | null }
  | { k: 'heartbeat'; node: string; users: string[] }

/**
 * Who is online anywhere in the cluster: a participant is online while any node has a session
 * of theirs. Each node announces its own transitions and, every `heartbeatMs`, the list of its
 * online participants; a node that stops heartbeating (crashed) has its entries expire after
 * three periods. Memory only: presence never touches the database.
 */
export class ClusterPresence {
  /** Most `lastSeenAt` entries kept; the oldest are forgotten first (it is memory only anyway). */
  private static readonly LAST_SEEN_MAX = 100_000
  /** participant → node → expiry (ms) of that node's claim. */
  private readonly remote = new Map<string, Map<string, number>>()
  private readonly lastSeen = new Map<string, string>()
  private readonly timer: NodeJS.Timeout
  private readonly off: () => void

  constructor(
    private readonly bus: Bus,
    private readonly node: string,
    private readonly localOnline: () => Iterable<string>,
    private readonly isLocal: (participantId: string) => boolean,
    /** Called when a participant's cluster-wide state flips. */
    private readonly changed: (participantId: string, online: boolean, lastSeenAt: string | null) => void,
    private readonly heartbeatMs = 10_000,
  ) {
    this.off = bus.subscribe('presence', (payload) => this.receive(JSON.parse(payload) as PresenceMessage))
    this.timer = setInterval(() => this.beat(), heartbeatMs)
    this.timer.unref()
  }

  online(p: string): boolean {
    return this.isLocal(p) || (this.remote.get(p)?.size ?? 0) > 0
  }

  presenceOf(p: string): { online: boolean; lastSeenAt: string | null } {
    const online = this.online(p)
    return { online, lastSeenAt: online ? null : (this.lastSeen.get(p) ?? null) }
  }

  /** This node's first session of `p` opened (call after registering it locally). */
  localUp(p: string): void {
    const before = (this.remote.get(p)?.size ?? 0) > 0
    this.publish({ k: 'presence', node: this.node, userId: p, online: true, lastSeenAt: null })
    if (!before) this.changed(p, true, null)
  }

  /** This node's last session of `p` closed (call after unregistering it locally). */
  localDown(p: string): void {
    const at = new Date().toISOString()
    this.remember(p, at)
    this.publish({ k: 'presence', node: this.node, userId: p, online: false, lastSeenAt: at })
    if (!this.online(p)) this.changed(p, false, at)
  }

  close(): void {
    clearInterval(this.timer)
    this.off()
  }

  private publish(m: PresenceMessage): void {
    this.bus.publish('presence', JSON.stringify(m))
  }

  private beat(): void {
    this.publish({ k: 'heartbeat', node: this.node, users: [...this.localOnline()] })
    // Claims of nodes that stopped beating run out: their participants go offline here.
    const now = Date.now()
    for (const [p, nodes] of this.remote) {
      for (const [node, expires] of nodes) if (expires < now) this.drop(p, node, new Date().toISOString())
    }
  }

  private receive(m: PresenceMessage): void {
    if (m.node === this.node) return
    const expires = Date.now() + this.heartbeatMs * 3
    if (m.k === 'heartbeat') {
      for (const p of m.users) this.claim(p, m.node, expires)
      return
    }
    if (m.online) this.claim(m.userId, m.node, expires)
    else this.drop(m.userId, m.node, m.lastSeenAt ?? new Date().toISOString())
  }

  private claim(p: string, node: string, expires: number): void {
    const before = this.online(p)
    let nodes = this.remote.get(p)
    if (!nodes) this.remote.set(p, (nodes = new Map()))
    nodes.set(node, expires)
    if (!before) this.changed(p, true, null)
  }

  private drop(p: string, node: string, lastSeenAt: string): void {
    const nodes = this.remote.get(p)
    if (!nodes?.delete(node)) return
    if (!nodes.size) this.remote.delete(p)
    if (!this.online(p)) {
      this.remember(p, lastSeenAt)
      this.changed(p, false, lastSeenAt)
    }
  }

  private remember(p: string, at: string): void {
    this.lastSeen.delete(p)
    this.lastSeen.set(p, at)
    if (this.lastSeen.size > ClusterPresence.LAST_SEEN_MAX) this.lastSeen.delete(this.lastSeen.keys().next().value!)
  }
}
