import type { EventType, NewEvent } from './catalogue/index.js'

/** Durable event names and the events to append are the catalogue's (src/events/catalogue/). */
export type { EventData, EventType, NewEvent } from './catalogue/index.js'

/**
 * An event as committed to the log. Loosely typed on purpose: it is also what is read back
 * from the log and the bus; appends are typed by `NewEvent`, and the harness checks every
 * committed payload against the catalogue.
 */
export interface StoredEvent {
  type: EventType
  actorId: string | null
  data: Record<string, unknown>
  conversationId: string
  seq: number
  createdAt: string
}

/** The numbered form of an appended event (what `appendEvents` and the send queue announce). */
export const stored = (e: NewEvent, conversationId: string, seq: number, createdAt: string): StoredEvent => ({
  type: e.type,
  actorId: e.actorId,
  data: e.data as Record<string, unknown>,
  conversationId,
  seq,
  createdAt,
})
