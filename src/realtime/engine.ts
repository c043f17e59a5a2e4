import type { Logger } from 'pino'
import type { Db } from '../store/db.js'
import type { Bus } from '../events/bus/bus.js'
import type { StoredEvent } from '../events/event-types.js'
import { participantSubject, type ConversationMessage } from '../events/publisher.js'
import { membershipEffect } from '../events/catalogue/index.js'
import { ClusterPresence } from './cluster-presence.js'
import { ControlChannel } from './control.js'
import { Encoders, type EphemeralEvent, type PreparedFrame } from './encoders.js'
import { EphemeralPublisher, ephemeralEvent } from './ephemeral.js'
import { Following } from './following.js'
import { loadMemberships, type Membership } from './memberships.js'
import { PresenceCircle } from './presence-circle.js'
import { Sequencer } from './sequencer.js'
import type { EngineSession, ReadySummary, RevocationReason } from './session.js'

export interface EngineOptions {
  /** This node's name on the bus (presence claims, control echoes). */
  node: string
  /** How often every followed conversation's last seq is compared with what was delivered. */
  resyncMs: number
  heartbeatMs?: number
  /** Drops the node's cached credentials of a participant and their agents (on a revocation). */
  forget?: (participantId: string) => void
}

/** How an adapter attaches a session. */
export interface AttachOptions {
  /**
   * Called once the session is registered and before anything is delivered to it: the adapter
   * writes its ready frame here, so that it precedes every event.
   */
  ready(summary: ReadySummary): void
  /** `engine.revocations` read before the session authenticated (with `recheck`). */
  revocationsSeen?: number
  /** Checks the session's credential again (false: it is no longer valid, and the session was ended). */
  recheck?(): Promise<boolean>
}

/**
 * The delivery engine: committed events, typing, delivery notices and presence reach this
 * node's sessions, whatever protocol each speaks, in seq order per conversation, each seq once,
 * on one node or many. Adapters (src/ws/ is the native one) authenticate and keep the sockets;
 * they hand sessions to `attach` and register an encoder for their protocol. The engine routes
 * strings: each event is encoded once per protocol per fan-out, and never parsed — who joins
 * and leaves comes from the event catalogue (`membershipEffect`).
 *
 * Parts: `Following` (which conversations the node subscribes to, for whom), `Sequencer`
 * (positions, duplicates, gap fill from the log, periodic resync), `PresenceCircle` and
 * `ClusterPresence` (who is online, who may see it), `EphemeralPublisher` (typing, delivery),
 * `ControlChannel` (revocations and closes on every node).
 */
export class RealtimeEngine {
  /** The encoders of the protocols this engine serves; an adapter registers its own. */
  readonly encoders = new Encoders()
  private readonly sessions = new Map<string, Set<EngineSession>>()
  /** participant → their own subject's subscription (joins reach the node they are on). */
  private readonly personal = new Map<string, () => void>()
  private readonly following: Following
  private readonly sequencer: Sequencer
  private readonly circle: PresenceCircle
  private readonly presence: ClusterPresence
  private readonly ephemeral: EphemeralPublisher
  private readonly control: ControlChannel
  private readonly cleanups: (() => void)[] = []
  /** Sessions written to while a batch of events is being routed; uncorked once it is done. */
  private corked?: Set<EngineSession>

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    log: Logger,
    opts: EngineOptions,
  ) {
    const onMessage = (payload: string) => this.onConversationMessage(payload)
    this.following = new Following(bus, onMessage)
    this.sequencer = new Sequencer(
      db,
      log,
      (e) => this.deliver(e),
      (e) => membershipEffect(e).added.some((p) => this.sessions.has(p)),
    )
    this.circle = new PresenceCircle(db, log, this.following, () => [...this.sessions.keys()])
    this.presence = new ClusterPresence(
      bus,
      opts.node,
      () => this.sessions.keys(),
      (p) => this.sessions.has(p),
      (p, online, lastSeenAt) => this.announcePresence(p, online, lastSeenAt),
      opts.heartbeatMs,
    )
    this.ephemeral = new EphemeralPublisher(bus)
    this.control = new ControlChannel(bus, opts.node, this.sessions, opts.forget ?? (() => undefined))
    const resyncAll = () => void this.sequencer.resync(this.sequencer.conversations())
    const timer = setInterval(resyncAll, opts.resyncMs)
    timer.unref()
    this.cleanups.push(
      () => this.control.stop(),
      bus.onReconnect(resyncAll),
      () => this.presence.close(),
      () => clearInterval(timer),
    )
  }

  get sessionCount(): number {
    let n = 0
    for (const s of this.sessions.values()) n += s.size
    return n
  }

  /** How many revocations this node has applied (a connecting session re-checks when it moved). */
  get revocations(): number {
    return this.control.applied
  }

  close(): void {
    for (const c of this.cleanups.splice(0)) c()
    this.following.close()
    for (const off of this.personal.values()) off()
    this.personal.clear()
  }

  /**
   * Registers an authenticated session: reads the conversations its participant is in and
   * their last seqs, hands the ready summary to `opts.ready`, and delivers what follows from
   * now on. False when the session ended meanwhile. Once the new subscriptions are live on the
   * bus, the log is checked for anything committed in between.
   */
  async attach(session: EngineSession, opts: AttachOptions): Promise<boolean> {
    if (!this.encoders.has(session.protocol)) throw new Error(`no encoder is registered for protocol ${session.protocol}`)
    const { memberships, ready } = await loadMemberships(this.db, session.participantId)
    // A revocation applied here since authenticating found no session to end: check again,
    // until none landed meanwhile. From registration on, a revocation finds and ends the session.
    if (opts.recheck && opts.revocationsSeen !== undefined) {
      let seen = opts.revocationsSeen
      while (seen !== this.control.applied) {
        seen = this.control.applied
        if (!(await opts.recheck())) return false
      }
    }
    if (!session.isOpen) return false
    this.register(session, memberships, () => opts.ready(ready))
    return true
  }

  detach(session: EngineSession): void {
    const p = session.participantId
    const sessions = this.sessions.get(p)
    if (!sessions) return
    sessions.delete(session)
    if (sessions.size) return
    this.sessions.delete(p)
    this.personal.get(p)?.()
    this.personal.delete(p)
    this.presence.localDown(p)
    for (const c of this.following.leaveAll(p)) this.unfollow(p, c)
    this.circle.forget(p)
  }

  /** Ends every session of a participant, on every node; their credentials stay valid. */
  closeParticipant(participantId: string, code: number, detail: string): void {
    this.control.close(participantId, code, detail)
  }

  /**
   * A participant's credential stopped being valid: every node (this one before this returns)
   * forgets it and ends the sessions of the participant and of the agents they own.
   */
  revoke(participantId: string, reason: RevocationReason): void {
    this.control.revoke(participantId, reason)
  }

  presenceOf(participantId: string): { online: boolean; lastSeenAt: string | null } {
    return this.presence.presenceOf(participantId)
  }

  /** A `typing` event for the conversation's other members, on every node (throttled; `null` = stopped). */
  typing(conversationId: string, participantId: string, expiresAt: string | null): void {
    this.ephemeral.typing(conversationId, participantId, expiresAt)
  }

  /** An ephemeral `delivery` event (a member's delivered cursor moved) for the other members, on every node. */
  announceDelivery(conversationId: string, participantId: string, lastDeliveredSeq: number): void {
    this.ephemeral.delivery(conversationId, participantId, lastDeliveredSeq)
  }

  /** Committed events, in seq order per conversation. A batch reaches each session in one write. */
  receive(events: StoredEvent[]): void {
    const outer = !this.corked
    if (outer) this.corked = new Set()
    try {
      for (const e of events) this.sequencer.route(e)
    } finally {
      if (outer) {
        for (const s of this.corked!) s.uncork?.()
        this.corked = undefined
      }
    }
  }

  private register(session: EngineSession, memberships: Membership[], ready: () => void): void {
    const p = session.participantId
    let sessions = this.sessions.get(p)
    const first = !sessions
    if (!sessions) this.sessions.set(p, (sessions = new Set()))
    sessions.add(session)
    ready()
    if (first) this.personal.set(p, this.bus.subscribe(participantSubject(p), (payload) => this.onConversationMessage(payload)))
    this.circle.attach(p, memberships)
    const fresh = memberships.filter((m) => this.follow(p, m.conversationId, m.lastSeq)).map((m) => m.conversationId)
    this.settle(fresh)
    if (first) this.presence.localUp(p)
  }

  /** Follows a conversation for a local participant from a position; true when the node did not follow it yet. */
  private follow(p: string, c: string, lastSeq: number): boolean {
    const fresh = this.following.follow(p, c)
    if (fresh) this.sequencer.start(c, lastSeq)
    return fresh
  }

  private unfollow(p: string, c: string): void {
    this.circle.leave(p, c)
    if (!this.following.unfollow(p, c)) return
    this.sequencer.stop(c)
    this.circle.unfollowed(c)
  }

  /**
   * Once subscriptions made just now are live on the bus, reads from the log what those
   * conversations committed in between: nothing falls between "followed" and "subscribed".
   */
  private settle(conversationIds: string[]): void {
    if (conversationIds.length) void this.bus.flush().then(() => this.sequencer.resync(conversationIds), () => undefined)
  }

  private onConversationMessage(payload: string): void {
    const m = JSON.parse(payload) as ConversationMessage
    if (m.k === 'events') return this.receive(m.events)
    const e = ephemeralEvent(m)
    const frame = this.prepareEphemeral(e)
    for (const p of this.following.membersOf(m.conversationId)) {
      if (p === m.userId) continue
      for (const s of this.sessions.get(p) ?? []) s.sendRaw(frame.for(s.protocol))
    }
  }

  /** The next event of a conversation in seq order (the sequencer's callback). */
  private deliver(e: StoredEvent): void {
    const c = e.conversationId
    const effect = membershipEffect(e)
    for (const p of effect.added) {
      if (!this.sessions.has(p) || !this.follow(p, c, e.seq - 1)) continue
      this.settle([c])
      this.circle.learnType(c, e)
    }
    if (!this.following.isFollowed(c)) return
    this.circle.learn(e)
    const frame = this.encoders.prepare((enc) => enc.event(e))
    for (const p of this.following.membersOf(c)) for (const s of this.sessions.get(p) ?? []) this.write(s, frame)
    // A removed member gets the event about their own removal, and nothing after it.
    for (const gone of effect.removed) if (this.following.isMember(gone, c)) this.unfollow(gone, c)
  }

  private write(s: EngineSession, frame: PreparedFrame): void {
    if (this.corked && !this.corked.has(s)) {
      this.corked.add(s)
      s.cork?.()
    }
    s.sendRaw(frame.for(s.protocol))
  }

  /** Tells the participants connected here who may see `p`'s presence that `p` came online or went offline. */
  private announcePresence(p: string, online: boolean, lastSeenAt: string | null): void {
    const send = (viewers: Set<string>) => {
      if (!viewers.size) return
      const frame = this.prepareEphemeral({ type: 'presence', data: { userId: p, online, lastSeenAt } })
      for (const other of viewers) for (const s of this.sessions.get(other) ?? []) s.sendRaw(frame.for(s.protocol))
    }
    const viewers = this.circle.viewersOf(p)
    if (viewers instanceof Set) send(viewers)
    else void viewers.then(send)
  }

  private prepareEphemeral(e: EphemeralEvent): PreparedFrame {
    return this.encoders.prepare((enc) => enc.ephemeral(e))
  }
}
