import type { StoredEvent } from '../event-types.js'
import type { ConsumerEvent } from './consumers.sql.js'

/** A durable event as other systems see it on the JetStream stream (docs/domain-events.md). */
export interface DomainEvent {
  /** `<conversationId>:<seq>`: unique, and the stream's dedupe key (Nats-Msg-Id). */
  id: string
  type: StoredEvent['type']
  conversationId: string
  conversationType: string
  seq: number
  /** Who caused it; null when the app's backend (the server key) acted as itself. */
  actor: { id: string; kind: string; via?: string } | null
  occurredAt: string
  /** Exactly the event's data as clients get it over the WebSocket. */
  data: Record<string, unknown>
}

export const domainEventId = (e: Pick<StoredEvent, 'conversationId' | 'seq'>) => `${e.conversationId}:${e.seq}`

/** A stored event as the stream carries it: the envelope facts came with it from the read. */
export function toDomainEvent(e: ConsumerEvent): DomainEvent {
  return {
    id: domainEventId(e),
    type: e.type,
    conversationId: e.conversationId,
    conversationType: e.conversationType,
    seq: e.seq,
    actor: e.actorId === null ? null : { id: e.actorId, kind: e.actorKind ?? 'unknown' },
    occurredAt: e.createdAt,
    data: e.data,
  }
}
