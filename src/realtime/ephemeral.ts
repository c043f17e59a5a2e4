import type { Bus } from '../events/bus/bus.js'
import { conversationSubject, type ConversationMessage } from '../events/publisher.js'
import type { EphemeralEvent } from './encoders.js'

/** At most one typing fan-out per participant and conversation this often. */
export const TYPING_EVERY_MS = 1_000

/**
 * Publishes the ephemeral events of a conversation — typing and delivery notices — on its
 * subject, for every node that follows it. Never stored, never replayed.
 */
export class EphemeralPublisher {
  private readonly lastTyping = new Map<string, number>()

  constructor(private readonly bus: Bus) {}

  /**
   * Repeats within TYPING_EVERY_MS of the last fan-out from this node are absorbed. A stop
   * (`expiresAt` null) always goes out, and lets the next start go out at once.
   */
  typing(conversationId: string, participantId: string, expiresAt: string | null): void {
    const key = `${conversationId}\u0000${participantId}`
    if (expiresAt === null) {
      this.lastTyping.delete(key)
      return this.publish({ k: 'typing', conversationId, userId: participantId, stopped: true })
    }
    const now = Date.now()
    if (now - (this.lastTyping.get(key) ?? 0) < TYPING_EVERY_MS) return
    if (this.lastTyping.size > 100_000) this.lastTyping.clear()
    this.lastTyping.set(key, now)
    this.publish({ k: 'typing', conversationId, userId: participantId, expiresAt })
  }

  /** A member's delivered cursor moved. */
  delivery(conversationId: string, participantId: string, lastDeliveredSeq: number): void {
    this.publish({ k: 'delivery', conversationId, userId: participantId, lastDeliveredSeq })
  }

  private publish(m: Exclude<ConversationMessage, { k: 'events' }>): void {
    this.bus.publish(conversationSubject(m.conversationId), JSON.stringify(m))
  }
}

/** The event an ephemeral bus message stands for, as the engine hands it to encoders. */
export function ephemeralEvent(m: Exclude<ConversationMessage, { k: 'events' }>): EphemeralEvent {
  if (m.k === 'typing') {
    const data = m.stopped ? { userId: m.userId, stopped: true as const } : { userId: m.userId, expiresAt: m.expiresAt! }
    return { type: 'typing', conversationId: m.conversationId, data }
  }
  return { type: 'delivery', conversationId: m.conversationId, data: { userId: m.userId, lastDeliveredSeq: m.lastDeliveredSeq } }
}
