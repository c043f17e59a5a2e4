import type { Queryable } from '../../store/db.js'
import type { StoredEvent } from '../event-types.js'
import type { ConsumerEvent } from './consumers.sql.js'
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

/** Participant kinds never change, so a bounded cache serves them. */
const CACHE_MAX = 50_000

/**
 * Turns stored events into domain events. What the log does not hold comes with the event when
 * the runner read it (`conversationType`, `actorKind`: one query, no look-up); otherwise it is
 * looked up. A conversation's type is not cached: convert-conversation changes it.
 */
export function domainEvents(db: Queryable) {
  const kinds = new Map<string, string>()
  return async (events: ConsumerEvent[]): Promise<DomainEvent[]> => {
    const missingConvs = [...new Set(events.filter((e) => e.conversationType === undefined).map((e) => e.conversationId))]
    const convTypes = missingConvs.length ? await conversationTypes(db, missingConvs) : new Map<string, string>()
    const missingActors = [
      ...new Set(events.filter((e) => e.actorKind === undefined && e.actorId !== null && !kinds.has(e.actorId)).map((e) => e.actorId as string)),
    ]
    if (missingActors.length) {
      const found = await participantKinds(db, missingActors)
      if (kinds.size + found.size > CACHE_MAX) kinds.clear()
      for (const [k, v] of found) kinds.set(k, v)
    }
    return events.map((e) => ({
      id: domainEventId(e),
      type: e.type,
      conversationId: e.conversationId,
      conversationType: e.conversationType ?? convTypes.get(e.conversationId) ?? 'unknown',
      seq: e.seq,
      actor: e.actorId === null ? null : { id: e.actorId, kind: e.actorKind ?? kinds.get(e.actorId) ?? 'unknown' },
      occurredAt: e.createdAt,
      data: e.data,
    }))
  }
}
