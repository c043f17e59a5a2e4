import type { Logger } from 'pino'
import type { Db } from '../store/db.js'
import type { Bus } from '../events/bus/bus.js'
import type { StoredEvent } from '../events/event-types.js'
import { toEventFrame } from '../events/event-frame.js'
import { conversationSubject, participantSubject, type ConversationMessage } from '../events/publisher.js'
import { membershipEffect } from '../events/catalogue/index.js'
import { listEventsBetween } from '../events/event-log.sql.js'
import { ClusterPresence } from './cluster-presence.js'
import { findConversationPositions, findConversationType, findLocalCoMembers } from './hub.sql.js'
import { ControlChannel } from './revocation.js'
import { Engagements } from './engagements.js'

/** At most one typing fan-out per participant and conversation this often. */
export const TYPING_EVERY_MS = 1_000

/** What the hub needs of a connected socket. */
export interface HubSession {
  readonly id: string
  readonly participantId: string
  /** The owner, when the participant is an agent (an owner's revocation ends their agents' sessions). */
  readonly ownerId?: string
  /** Sends an already-serialized frame (serialized once per fan-out, not per recipient). */
  sendRaw(frame: string): void
  close(code: number, reason: string): void
  cork?(): void
  uncork?(): void
}

export interface HubOptions {
  /** This node's name on the bus (presence claims). */
  node: string
  /** How often every followed conversation's last seq is compared with what was delivered. */
  resyncMs: number
  heartbeatMs?: number
  /** Drops the node's cached credentials of a participant and their agents (on a revocation). */
  forget?: (participantId: string) => void
}

/**
 * Delivers committed events to this node's sessions, in seq order per conversation, each seq
 * once, on one node or many.
 *
 * The node follows (subscribes on the bus to) exactly the conversations that a participant
 * connected here is in, and keeps per conversation the last seq it delivered. An event at or
 * below it is dropped as a duplicate; one beyond the next is held while the missing seqs are
 * read back from the event log (they are committed: seqs commit in order). Publishes are a fast
 * path that may be lost (a node killed between COMMIT and publish); every `resyncMs`, and after
 * the bus reconnects, the node compares each followed conversation's last seq in the database
 * with what it delivered and reads what is missing from the log. Sessions that connect later
 * catch up with `sync`.
 */
export class Hub {
  private readonly byParticipant = new Map<string, Set<HubSession>>()
  /** conversation → local participants who are members of it. */
  private readonly members = new Map<string, Set<string>>()
  /** participant → conversations they are in (for detaching). */
  private readonly conversationsOf = new Map<string, Set<string>>()
  private readonly delivered = new Map<string, number>()
  private readonly subscriptions = new Map<string, () => void>()
  /** participant → their own subject's subscription (joins reach the node they are on). */
  private readonly personal = new Map<string, () => void>()
  private readonly held = new Map<string, Map<number, StoredEvent>>()
  /** Type of each followed conversation: presence travels through dms and groups only. */
  private readonly types = new Map<string, string>()
  private readonly filling = new Set<string>()
  private readonly lastTyping = new Map<string, number>()
  private readonly presence: ClusterPresence
  /** Where each local participant engaged: where others may see their presence. */
  private readonly engaged = new Engagements()
  private readonly control: ControlChannel
  private readonly cleanups: (() => void)[] = []

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: Logger,
    opts: HubOptions,
  ) {
    this.presence = new ClusterPresence(
      bus,
      opts.node,
      () => this.byParticipant.keys(),
      (p) => this.byParticipant.has(p),
      (p, online, lastSeenAt) => void this.announcePresence(p, online, lastSeenAt),
      opts.heartbeatMs,
    )
    this.control = new ControlChannel(bus, opts.node, this.byParticipant, opts.forget ?? (() => undefined))
    this.cleanups.push(
      () => this.control.close(),
      bus.onReconnect(() => void this.resync([...this.delivered.keys()])),
      () => this.presence.close(),
    )
    const timer = setInterval(() => void this.resync([...this.delivered.keys()]), opts.resyncMs)
    timer.unref()
    this.cleanups.push(() => clearInterval(timer))
  }

  get sessionCount(): number {
    let n = 0
    for (const s of this.byParticipant.values()) n += s.size
    return n
  }

  close(): void {
    for (const c of this.cleanups.splice(0)) c()
    for (const off of [...this.subscriptions.values(), ...this.personal.values()]) off()
    this.subscriptions.clear()
    this.personal.clear()
  }

  /**
   * Once subscriptions made just now are live on the bus, reads from the log what those
   * conversations committed in between: nothing falls between "followed" and "subscribed".
   */
  private settle(conversationIds: string[]): void {
    if (conversationIds.length) void this.bus.flush().then(() => this.resync(conversationIds), () => undefined)
  }

  /**
   * Registers a session with the conversations its participant is in and their last seqs
   * (read just before). Events after those seqs are delivered from now on; once the new
   * subscriptions are live on the bus, the log is checked for anything committed in between.
   */
  attach(session: HubSession, memberships: { conversationId: string; lastSeq: number; type?: string; engaged?: boolean }[]): void {
    const p = session.participantId
    let sessions = this.byParticipant.get(p)
    const first = !sessions
    if (!sessions) this.byParticipant.set(p, (sessions = new Set()))
    sessions.add(session)
    if (first) {
      this.personal.set(p, this.bus.subscribe(participantSubject(p), (payload) => this.onConversationMessage(payload)))
    }
    for (const m of memberships) if (m.type) this.types.set(m.conversationId, m.type)
    this.engaged.attach(p, memberships)
    const fresh = memberships.filter((m) => this.track(p, m.conversationId, m.lastSeq)).map((m) => m.conversationId)
    this.settle(fresh)
    if (first) this.presence.localUp(p)
  }

  detach(session: HubSession): void {
    const p = session.participantId
    const sessions = this.byParticipant.get(p)
    if (!sessions) return
    sessions.delete(session)
    if (sessions.size) return
    this.byParticipant.delete(p)
    this.personal.get(p)?.()
    this.personal.delete(p)
    this.presence.localDown(p)
    for (const c of this.conversationsOf.get(p) ?? []) this.untrack(p, c)
    this.conversationsOf.delete(p)
    this.engaged.forget(p)
  }

  /** Closes every session of a participant, on every node; their credentials stay valid. */
  closeParticipant(participantId: string, code: number, reason: string): void {
    this.control.send('close', participantId, code, reason)
  }

  /**
   * A participant's credential stopped being valid: every node (this one before this returns)
   * forgets it and closes the sessions of the participant and of the agents they own.
   */
  revoke(participantId: string, code: number, reason: string): void {
    this.control.send('revoke', participantId, code, reason)
  }

  /** How many revocations this node has applied (a connecting socket re-checks when it moved). */
  get revocations(): number {
    return this.control.applied
  }

  presenceOf(participantId: string): { online: boolean; lastSeenAt: string | null } {
    return this.presence.presenceOf(participantId)
  }

  /**
   * A `typing` event for the conversation's other members, on every node. Never stored, never
   * replayed; repeats within TYPING_EVERY_MS of the last fan-out from this node are absorbed.
   * A stop (`expiresAt` null) always goes out, and lets the next start go out at once.
   */
  typing(conversationId: string, participantId: string, expiresAt: string | null): void {
    const key = `${conversationId}\u0000${participantId}`
    if (expiresAt === null) {
      this.lastTyping.delete(key)
      const stop: ConversationMessage = { k: 'typing', conversationId, userId: participantId, stopped: true }
      return this.bus.publish(conversationSubject(conversationId), JSON.stringify(stop))
    }
    const now = Date.now()
    if (now - (this.lastTyping.get(key) ?? 0) < TYPING_EVERY_MS) return
    if (this.lastTyping.size > 100_000) this.lastTyping.clear()
    this.lastTyping.set(key, now)
    const m: ConversationMessage = { k: 'typing', conversationId, userId: participantId, expiresAt }
    this.bus.publish(conversationSubject(conversationId), JSON.stringify(m))
  }

  /** An ephemeral `delivery` event (a member's delivered cursor moved) for the other members, on every node. */
  announceDelivery(conversationId: string, participantId: string, lastDeliveredSeq: number): void {
    const m: ConversationMessage = { k: 'delivery', conversationId, userId: participantId, lastDeliveredSeq }
    this.bus.publish(conversationSubject(conversationId), JSON.stringify(m))
  }

  /** Sessions written to while a batch of events is being routed; uncorked once it is done. */
  private corked?: Set<HubSession>

  /** Committed events, in seq order per conversation. A batch reaches each session in one write. */
  receive(events: StoredEvent[]): void {
    const outer = !this.corked
    if (outer) this.corked = new Set()
    try {
      for (const e of events) this.route(e)
    } finally {
      if (outer) {
        for (const s of this.corked!) s.uncork?.()
        this.corked = undefined
      }
    }
  }

  private write(s: HubSession, frame: string): void {
    if (this.corked && !this.corked.has(s)) {
      this.corked.add(s)
      s.cork?.()
    }
    s.sendRaw(frame)
  }

  private onConversationMessage(payload: string): void {
    const m = JSON.parse(payload) as ConversationMessage
    if (m.k === 'events') return this.receive(m.events)
    const frame = JSON.stringify(
      m.k === 'typing'
        ? { type: 'event', event: 'typing', conversationId: m.conversationId, data: m.stopped ? { userId: m.userId, stopped: true } : { userId: m.userId, expiresAt: m.expiresAt } }
        : { type: 'event', event: 'delivery', conversationId: m.conversationId, data: { userId: m.userId, lastDeliveredSeq: m.lastDeliveredSeq } },
    )
    for (const p of this.members.get(m.conversationId) ?? []) {
      if (p === m.userId) continue
      for (const s of this.byParticipant.get(p) ?? []) s.sendRaw(frame)
    }
  }

  /** Follows a conversation for a local participant; true when the node did not follow it yet. */
  private track(p: string, conversationId: string, lastSeq: number): boolean {
    let local = this.members.get(conversationId)
    const fresh = !local
    if (!local) {
      this.members.set(conversationId, (local = new Set()))
      this.delivered.set(conversationId, lastSeq)
      this.subscriptions.set(
        conversationId,
        this.bus.subscribe(conversationSubject(conversationId), (payload) => this.onConversationMessage(payload)),
      )
    }
    local.add(p)
    let convs = this.conversationsOf.get(p)
    if (!convs) this.conversationsOf.set(p, (convs = new Set()))
    convs.add(conversationId)
    return fresh
  }

  private untrack(p: string, conversationId: string): void {
    this.conversationsOf.get(p)?.delete(conversationId)
    this.engaged.leave(p, conversationId)
    const local = this.members.get(conversationId)
    if (!local) return
    local.delete(p)
    if (local.size) return
    this.members.delete(conversationId)
    this.delivered.delete(conversationId)
    this.held.delete(conversationId)
    this.types.delete(conversationId)
    this.subscriptions.get(conversationId)?.()
    this.subscriptions.delete(conversationId)
  }

  private route(e: StoredEvent): void {
    const c = e.conversationId
    let last = this.delivered.get(c)
    if (last === undefined) {
      // Not followed here, unless this very event brings a local participant in.
      const joining = membershipEffect(e).added.filter((p) => this.byParticipant.has(p))
      if (!joining.length) return
      last = e.seq - 1
    }
    if (e.seq <= last) return
    if (e.seq > last + 1) {
      let held = this.held.get(c)
      if (!held) this.held.set(c, (held = new Map()))
      held.set(e.seq, e)
      this.fill(c, Math.max(...held.keys()))
      return
    }
    this.deliver(e)
    const held = this.held.get(c)
    while (held?.size) {
      const next = held.get(this.delivered.get(c)! + 1)
      if (!next) break
      held.delete(next.seq)
      this.deliver(next)
    }
    if (held && !held.size) this.held.delete(c)
  }

  private deliver(e: StoredEvent): void {
    const c = e.conversationId
    const effect = membershipEffect(e)
    for (const p of effect.added) {
      if (!this.byParticipant.has(p) || !this.track(p, c, e.seq - 1)) continue
      this.settle([c])
      this.learnType(c, e)
    }
    if (!this.members.has(c)) return
    this.delivered.set(c, e.seq)
    this.engaged.learn(e)
    const frame = JSON.stringify(toEventFrame(e))
    for (const p of this.members.get(c) ?? []) for (const s of this.byParticipant.get(p) ?? []) this.write(s, frame)
    // A removed member gets the event about their own removal, and nothing after it.
    for (const gone of effect.removed) if (this.members.get(c)?.has(gone)) this.untrack(gone, c)
  }

  /** Compares followed conversations' last seqs in the log with what was delivered; fills the difference. */
  private async resync(conversationIds: string[]): Promise<void> {
    if (!conversationIds.length) return
    try {
      for (const { id, last_seq } of await findConversationPositions(this.db, conversationIds)) {
        const delivered = this.delivered.get(id)
        if (delivered !== undefined && last_seq > delivered) this.fill(id, last_seq)
      }
    } catch (err) {
      this.log.warn({ err }, 'could not compare delivered positions with the log; will retry')
    }
  }

  /** Reads a conversation's events after what was delivered, up to `upTo`, from the log, and routes them. */
  private fill(conversationId: string, upTo: number): void {
    if (this.filling.has(conversationId)) return
    this.filling.add(conversationId)
    // Let events already on their way in this turn arrive first; most gaps close by themselves.
    setImmediate(async () => {
      try {
        const from = this.delivered.get(conversationId)
        if (from === undefined || from >= upTo) return
        for (const e of await listEventsBetween(this.db, conversationId, from, upTo)) this.route(e)
      } catch (err) {
        this.log.warn({ err, conversationId }, 'could not fill a gap in delivered events; clients will sync')
      } finally {
        this.filling.delete(conversationId)
        const held = this.held.get(conversationId)
        if (held?.size) this.fill(conversationId, Math.max(...held.keys()))
      }
    })
  }

  /** Tells the participants connected here who may see `p`'s presence (sharesPresence) that `p` came online or went offline. */
  private async announcePresence(p: string, online: boolean, lastSeenAt: string | null): Promise<void> {
    try {
      // Someone connected here: their circle is in the hub's maps. Someone elsewhere: ask the database.
      const coMembers = this.conversationsOf.has(p)
        ? this.localCoMembers(p)
        : this.byParticipant.size
          ? await findLocalCoMembers(this.db, p, [...this.byParticipant.keys()])
          : new Set<string>()
      if (!coMembers.size) return
      const frame = JSON.stringify({ type: 'event', event: 'presence', data: { userId: p, online, lastSeenAt } })
      for (const other of coMembers) for (const s of this.byParticipant.get(other) ?? []) s.sendRaw(frame)
    } catch (err) {
      this.log.warn({ err }, 'could not announce presence')
    }
  }

  /** Participants connected here who share with `p` a dm or a group where `p` engaged. */
  private localCoMembers(p: string): Set<string> {
    const out = new Set<string>()
    for (const c of this.conversationsOf.get(p) ?? []) {
      const type = this.types.get(c)
      if ((type !== 'dm' && type !== 'group') || !this.engaged.has(p, c)) continue
      for (const other of this.members.get(c) ?? []) if (other !== p) out.add(other)
    }
    return out
  }

  /** The type of a conversation followed because of an event: from the event when it says, else the log. */
  private learnType(c: string, e: StoredEvent): void {
    const said = (e.data as { conversation?: { type?: string } }).conversation?.type
    if (said) return void this.types.set(c, said)
    findConversationType(this.db, c).then(
      (t) => t && this.members.has(c) && this.types.set(c, t),
      () => undefined,
    )
  }
}
