import type { StoredEvent } from '../events/event-types.js'

/** Events whose actor has, by that event, engaged in the conversation (see sharesPresence). */
const ENGAGING = new Set(['conversation.created', 'message.created', 'read.updated'])

/**
 * Where each participant connected to this node has engaged — created the conversation, sent a
 * message or moved their read cursor there — which is where others may see their presence. The
 * same rule as `sharesPresence` (src/presence/presence.sql.ts), kept in memory so that announcing
 * a local participant's presence costs no query: learned at attach from the memberships query,
 * then kept current from the participant's own events as the engine routes them.
 */
export class Engagements {
  private readonly byParticipant = new Map<string, Set<string>>()

  /** A participant's first session here: what the memberships query said. */
  attach(p: string, memberships: { conversationId: string; engaged?: boolean }[]): void {
    let convs = this.byParticipant.get(p)
    if (!convs) this.byParticipant.set(p, (convs = new Set()))
    for (const m of memberships) if (m.engaged) convs.add(m.conversationId)
  }

  /** An event routed here: its actor, if connected here, engaged in its conversation. */
  learn(e: StoredEvent): void {
    if (!e.actorId || !ENGAGING.has(e.type)) return
    // A system message (member added, renamed…) is Parley's, not a message its actor sent.
    if (e.type === 'message.created' && (e.data as { kind?: string }).kind === 'system') return
    this.byParticipant.get(e.actorId)?.add(e.conversationId)
  }

  has(p: string, conversationId: string): boolean {
    return this.byParticipant.get(p)?.has(conversationId) ?? false
  }

  /** Removed from the conversation: a later re-add starts with a fresh membership. */
  leave(p: string, conversationId: string): void {
    this.byParticipant.get(p)?.delete(conversationId)
  }

  /** The participant's last session here closed. */
  forget(p: string): void {
    this.byParticipant.delete(p)
  }
}
