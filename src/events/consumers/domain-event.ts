import type { Queryable } from '../../store/db.js'
import type { StoredEvent } from '../event-types.js'
import { conversationTypes, participantKinds } from './domain-event.sql.js'

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

/** Conversation types and participant kinds never change, so a bounded cache serves them. */
const CACHE_MAX = 50_000

/** Turns stored events into domain events; looks up (and caches) what the log does not hold. */
export function domainEvents(db: Queryable) {
  const convTypes = new Map<string, string>()
  const kinds = new Map<string, string>()
  const remember = (cache: Map<string, string>, found: Map<string, string>) => {
    if (cache.size + found.size > CACHE_MAX) cache.clear()
    for (const [k, v] of found) cache.set(k, v)
  }
  return async (events: StoredEvent[]): Promise<DomainEvent[]> => {
    const missingConvs = [...new Set(events.map((e) => e.conversationId))].filter((id) => !convTypes.has(id))
    if (missingConvs.length) remember(convTypes, await conversationTypes(db, missingConvs))
    const missingActors = [...new Set(events.map((e) => e.actorId).filter((id): id is string => id !== null))].filter((id) => !kinds.has(id))
    if (missingActors.length) remember(kinds, await participantKinds(db, missingActors))
    return events.map((e) => ({
      id: domainEventId(e),
      type: e.type,
      conversationId: e.conversationId,
      conversationType: convTypes.get(e.conversationId) ?? 'unknown',
      seq: e.seq,
      actor: e.actorId === null ? null : { id: e.actorId, kind: kinds.get(e.actorId) ?? 'unknown' },
      occurredAt: e.createdAt,
      data: e.data,
    }))
  }
}
