import type { Bus } from './bus/bus.js'
import { subjectToken } from './bus/subjects.js'
import type { EventSink } from './event-sink.js'
import type { StoredEvent } from './event-types.js'
import { membershipEffect } from './catalogue/index.js'

/** The bus subject of a conversation: its durable events and its typing indicators. */
export const conversationSubject = (conversationId: string) => `conv.${subjectToken(conversationId)}`

/**
 * A participant's own subject: the events that make them a member of a conversation
 * (conversation.created, member.added), so the node they are connected to starts following it.
 */
export const participantSubject = (participantId: string) => `user.${subjectToken(participantId)}`

/** What travels on a conversation's subject (and, for joins, on the joiner's). */
export type ConversationMessage =
  | { k: 'events'; events: StoredEvent[] }
  | { k: 'typing'; conversationId: string; userId: string; expiresAt?: string; stopped?: true }
  | { k: 'delivery'; conversationId: string; userId: string; lastDeliveredSeq: number }

/**
 * Publishes every committed event of this node on its conversation's subject, one message per
 * conversation per commit, serialized once. This is the fast path: an event whose publish is
 * lost (the node died between COMMIT and here) is found by the other nodes in the event log.
 */
export function publishCommittedEvents(sink: EventSink, bus: Bus): () => void {
  return sink.subscribe((events) => {
    const byConversation = new Map<string, StoredEvent[]>()
    for (const e of events) {
      const list = byConversation.get(e.conversationId)
      if (list) list.push(e)
      else byConversation.set(e.conversationId, [e])
    }
    for (const [id, evs] of byConversation) {
      const message: ConversationMessage = { k: 'events', events: evs }
      bus.publish(conversationSubject(id), JSON.stringify(message))
    }
    for (const e of events) {
      for (const joiner of membershipEffect(e).added) {
        const message: ConversationMessage = { k: 'events', events: [e] }
        bus.publish(participantSubject(joiner), JSON.stringify(message))
      }
    }
  })
}
