import type { Logger } from 'pino'
import type { Db } from '../store/db.js'
import type { StoredEvent } from '../events/event-types.js'
import { toEventFrame } from '../events/event-frame.js'
import { listEventsBetween } from '../sync/sync.sql.js'

/** At most one typing fan-out per participant and conversation this often. */
export const TYPING_EVERY_MS = 1_000

/** What the hub needs of a connected socket. */
export interface HubSession {
  readonly id: string
  readonly participantId: string
  /** Sends an already-serialized frame (serialized once per fan-out, not per recipient). */
  sendRaw(frame: string): void
  close(code: number, reason: string): void
}

/**
 * Node-local routing of committed events to the sessions of members, in seq order per
 * conversation, each seq once.
 *
 * The hub tracks, per conversation that has a member connected here, the last seq it
 * delivered. An event at or below it is a duplicate and dropped; one beyond the next is held
 * while the missing ones are read back from the event log (they are committed: seqs commit in
 * order). Sessions that connect later catch up with `sync`; the hub only carries what happens
 * while they are connected.
 */
export class Hub {
  private readonly byParticipant = new Map<string, Set<HubSession>>()
  /** conversation → local participants who are members of it. */
  private readonly members = new Map<string, Set<string>>()
  /** participant → conversations they are in (for detaching). */
  private readonly conversationsOf = new Map<string, Set<string>>()
  private readonly delivered = new Map<string, number>()
  private readonly held = new Map<string, Map<number, StoredEvent>>()
  private readonly filling = new Set<string>()
  private readonly lastTyping = new Map<string, number>()
  /** When each participant's last session on this node closed (presence `lastSeenAt`). */
  private readonly lastSeen = new Map<string, string>()

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  get sessionCount(): number {
    let n = 0
    for (const s of this.byParticipant.values()) n += s.size
    return n
  }

  /**
   * Registers a session with the conversations its participant is in and their current last
   * seqs (read by the caller just before). Events after those seqs are delivered from now on.
   */
  attach(session: HubSession, memberships: { conversationId: string; lastSeq: number }[]): void {
    const p = session.participantId
    let sessions = this.byParticipant.get(p)
    const first = !sessions
    if (!sessions) this.byParticipant.set(p, (sessions = new Set()))
    sessions.add(session)
    for (const m of memberships) this.track(p, m.conversationId, m.lastSeq)
    if (first) this.announcePresence(p, true)
  }

  detach(session: HubSession): void {
    const p = session.participantId
    const sessions = this.byParticipant.get(p)
    if (!sessions) return
    sessions.delete(session)
    if (sessions.size) return
    this.lastSeen.set(p, new Date().toISOString())
    this.announcePresence(p, false)
    this.byParticipant.delete(p)
    for (const c of this.conversationsOf.get(p) ?? []) this.untrack(p, c)
    this.conversationsOf.delete(p)
  }

  /** Online here, and when last seen here (for participants with no session now). */
  presenceOf(participantId: string): { online: boolean; lastSeenAt: string | null } {
    const online = this.byParticipant.has(participantId)
    return { online, lastSeenAt: online ? null : (this.lastSeen.get(participantId) ?? null) }
  }

  /**
   * A `typing` event to the sessions here of the conversation's other members. Never stored,
   * never replayed; repeats within TYPING_EVERY_MS of the last fan-out are absorbed.
   */
  typing(conversationId: string, participantId: string, expiresAt: string): void {
    const key = `${conversationId}\u0000${participantId}`
    const now = Date.now()
    if (now - (this.lastTyping.get(key) ?? 0) < TYPING_EVERY_MS) return
    if (this.lastTyping.size > 100_000) this.lastTyping.clear()
    this.lastTyping.set(key, now)
    const frame = JSON.stringify({ type: 'event', event: 'typing', conversationId, data: { userId: participantId, expiresAt } })
    for (const p of this.members.get(conversationId) ?? []) {
      if (p === participantId) continue
      for (const s of this.byParticipant.get(p) ?? []) s.sendRaw(frame)
    }
  }

  /**
   * Tells the participants connected here who share a conversation with `p` that `p` came
   * online or went offline (each of them once, however many conversations they share).
   */
  private announcePresence(p: string, online: boolean): void {
    const frame = JSON.stringify({
      type: 'event',
      event: 'presence',
      data: { userId: p, online, lastSeenAt: online ? null : this.lastSeen.get(p) },
    })
    const told = new Set<string>([p])
    for (const c of this.conversationsOf.get(p) ?? []) {
      for (const other of this.members.get(c) ?? []) {
        if (told.has(other)) continue
        told.add(other)
        for (const s of this.byParticipant.get(other) ?? []) s.sendRaw(frame)
      }
    }
  }

  /** Closes every session of a participant on this node (deactivated, deleted). */
  closeParticipant(participantId: string, code: number, reason: string): void {
    for (const s of [...(this.byParticipant.get(participantId) ?? [])]) s.close(code, reason)
  }

  /** Committed events, in seq order per conversation (the event sink's contract). */
  receive(events: StoredEvent[]): void {
    for (const e of events) this.route(e)
  }

  private track(p: string, conversationId: string, lastSeq: number): void {
    let local = this.members.get(conversationId)
    if (!local) {
      this.members.set(conversationId, (local = new Set()))
      this.delivered.set(conversationId, lastSeq)
    }
    local.add(p)
    let convs = this.conversationsOf.get(p)
    if (!convs) this.conversationsOf.set(p, (convs = new Set()))
    convs.add(conversationId)
  }

  private untrack(p: string, conversationId: string): void {
    this.conversationsOf.get(p)?.delete(conversationId)
    const local = this.members.get(conversationId)
    if (!local) return
    local.delete(p)
    if (local.size) return
    this.members.delete(conversationId)
    this.delivered.delete(conversationId)
    this.held.delete(conversationId)
  }

  private route(e: StoredEvent): void {
    const c = e.conversationId
    let last = this.delivered.get(c)
    if (last === undefined) {
      // Nobody here is in this conversation, unless this very event brings a local participant in.
      const joining = joiners(e).filter((p) => this.byParticipant.has(p))
      if (!joining.length) return
      this.delivered.set(c, (last = e.seq - 1))
      this.members.set(c, new Set())
    }
    if (e.seq <= last) return
    if (e.seq > last + 1) {
      let held = this.held.get(c)
      if (!held) this.held.set(c, (held = new Map()))
      held.set(e.seq, e)
      this.fillGap(c)
      return
    }
    this.deliver(e)
    // Deliver whatever was held and is now next.
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
    this.delivered.set(c, e.seq)
    for (const p of joiners(e)) if (this.byParticipant.has(p)) this.track(p, c, e.seq - 1)
    const frame = JSON.stringify(toEventFrame(e))
    for (const p of this.members.get(c) ?? []) for (const s of this.byParticipant.get(p) ?? []) s.sendRaw(frame)
    // A removed member gets the event about their own removal, and nothing after it.
    if (e.type === 'member.removed') {
      const gone = (e.data as { memberId?: string }).memberId
      if (gone && this.members.get(c)?.has(gone)) this.untrack(gone, c)
    }
  }

  /** Reads the missing seqs of a conversation back from the log and routes them. */
  private fillGap(conversationId: string): void {
    if (this.filling.has(conversationId)) return
    this.filling.add(conversationId)
    // Let events already on their way in this turn arrive first; most gaps close by themselves.
    setImmediate(async () => {
      try {
        const from = this.delivered.get(conversationId)
        const held = this.held.get(conversationId)
        if (from === undefined || !held?.size) return
        const upTo = Math.max(...held.keys())
        for (const e of await listEventsBetween(this.db, conversationId, from, upTo)) this.route(e)
      } catch (err) {
        this.log.warn({ err, conversationId }, 'could not fill a gap in delivered events; clients will sync')
      } finally {
        this.filling.delete(conversationId)
        if (this.held.get(conversationId)?.size) this.fillGap(conversationId)
      }
    })
  }
}

/** Participants an event makes members of its conversation. */
function joiners(e: StoredEvent): string[] {
  if (e.type === 'member.added') {
    const m = (e.data as { member?: { userId?: string } }).member
    return m?.userId ? [m.userId] : []
  }
  if (e.type === 'conversation.created') {
    return ((e.data as { members?: { id: string }[] }).members ?? []).map((m) => m.id)
  }
  return []
}
