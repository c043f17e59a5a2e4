import type { Logger } from 'pino'
import type { Db } from '../store/db.js'
import type { StoredEvent } from '../events/event-types.js'
import { conversationTypeOf } from '../events/catalogue/index.js'
import { Engagements } from './engagements.js'
import type { Following } from './following.js'
import { findConversationType, findLocalCoMembers } from './realtime.sql.js'

/**
 * Who among the participants connected here may see a participant's presence: those who share
 * with them a dm or a group where they engaged (the rule of `sharesPresence`,
 * src/presence/presence.sql.ts). For participants connected here it is answered from memory —
 * the types of followed conversations and where each engaged — so announcing costs no query;
 * for participants connected elsewhere, from the database.
 */
export class PresenceCircle {
  /** Type of each followed conversation: presence travels through dms and groups only. */
  private readonly types = new Map<string, string>()
  private readonly engaged = new Engagements()

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly following: Following,
    /** Participants with a session here. */
    private readonly connected: () => string[],
  ) {}

  /** A participant's first session here, with what the memberships query said. */
  attach(p: string, memberships: { conversationId: string; type?: string; engaged?: boolean }[]): void {
    for (const m of memberships) if (m.type) this.types.set(m.conversationId, m.type)
    this.engaged.attach(p, memberships)
  }

  /** A delivered event: its actor may have engaged (by its type and actor, never its data). */
  learn(e: StoredEvent): void {
    this.engaged.learn(e)
  }

  /** The type of a conversation followed because of an event: from the catalogue's reading of it when it says, else the log. */
  learnType(c: string, e: StoredEvent): void {
    const said = conversationTypeOf(e)
    if (said) return void this.types.set(c, said)
    findConversationType(this.db, c).then(
      (t) => t && this.following.isFollowed(c) && this.types.set(c, t),
      () => undefined,
    )
  }

  /** `p` was removed from the conversation (a later re-add starts with a fresh membership). */
  leave(p: string, c: string): void {
    this.engaged.leave(p, c)
  }

  /** The node stopped following the conversation. */
  unfollowed(c: string): void {
    this.types.delete(c)
  }

  /** The participant's last session here closed. */
  forget(p: string): void {
    this.engaged.forget(p)
  }

  /**
   * Participants connected here who may see `p`'s presence. Synchronous when `p` is connected
   * here, so an announcement leaves in the same turn as the transition that caused it.
   */
  viewersOf(p: string): Set<string> | Promise<Set<string>> {
    // Someone connected here: their circle is in memory. Someone elsewhere: ask the database.
    if (this.following.conversationsOfParticipant(p)) return this.localViewers(p)
    const here = this.connected()
    if (!here.length) return new Set()
    return findLocalCoMembers(this.db, p, here).catch((err) => {
      this.log.warn({ err }, 'could not announce presence')
      return new Set<string>()
    })
  }

  private localViewers(p: string): Set<string> {
    const out = new Set<string>()
    for (const c of this.following.conversationsOfParticipant(p) ?? []) {
      const type = this.types.get(c)
      if ((type !== 'dm' && type !== 'group') || !this.engaged.has(p, c)) continue
      for (const other of this.following.membersOf(c)) if (other !== p) out.add(other)
    }
    return out
  }
}
