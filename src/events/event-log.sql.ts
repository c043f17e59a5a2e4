import type { Queryable, Tx } from '../store/db.js'
import { stored as numbered, type NewEvent, type StoredEvent } from './event-types.js'

/** A conversation row held under `SELECT … FOR UPDATE` by the current transaction. */
export interface SeqCursor {
  id: string
  lastSeq: number
}

/**
 * Appends events to a conversation's log with the next gapless seqs. Only catalogue events
 * (src/events/catalogue/) type-check: the payload's shape is fixed by the event's name.
 * Precondition: runs inside the conversation's row lock (see `lockConversation`), which is
 * what makes seqs gapless and commit-ordered. Advances `conv.lastSeq`.
 */
export async function appendEvents(tx: Tx, conv: SeqCursor, events: NewEvent[], at = new Date()): Promise<StoredEvent[]> {
  if (!events.length) return []
  const createdAt = at.toISOString()
  const stored = events.map((e, i) => numbered(e, conv.id, conv.lastSeq + i + 1, createdAt))
  await insertEvents(tx, stored)
  conv.lastSeq += events.length
  await tx.query('UPDATE conversations SET last_seq = $2 WHERE id = $1', [conv.id, conv.lastSeq])
  tx.appended.push(...stored)
  return stored
}

export async function appendEvent(tx: Tx, conv: SeqCursor, event: NewEvent, at?: Date): Promise<StoredEvent> {
  return (await appendEvents(tx, conv, [event], at))[0]
}

/** Inserts already-numbered events (one statement for any number of rows). */
export async function insertEvents(q: Queryable, events: StoredEvent[]): Promise<void> {
  await q.query(
    `INSERT INTO events (conversation_id, seq, type, actor_id, data, created_at)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[]::jsonb[], $6::timestamptz[])`,
    [
      events.map((e) => e.conversationId),
      events.map((e) => e.seq),
      events.map((e) => e.type),
      events.map((e) => e.actorId),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => e.createdAt),
    ],
  )
}

/** An events row as read; `toStoredEvent` turns it into the event (other readers of the log extend it). */
export interface EventRow {
  conversation_id: string
  seq: number
  type: StoredEvent['type']
  actor_id: string | null
  data: Record<string, unknown>
  created_at: Date
}

export const toStoredEvent = (r: EventRow): StoredEvent => ({
  conversationId: r.conversation_id,
  seq: r.seq,
  type: r.type,
  actorId: r.actor_id,
  data: r.data,
  createdAt: r.created_at.toISOString(),
})

/** Events of one conversation after `afterSeq`, in order: what a client that was away missed. */
export async function listEventsAfter(q: Queryable, conversationId: string, afterSeq: number, limit = 500): Promise<StoredEvent[]> {
  const rows = await q.query<EventRow>(
    `SELECT conversation_id, seq, type, actor_id, data, created_at FROM events
      WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [conversationId, afterSeq, limit],
  )
  return rows.map(toStoredEvent)
}

/** Events of one conversation in (after, upTo], in order (what sync and the hub replay). */
export async function listEventsBetween(q: Queryable, conversationId: string, after: number, upTo: number): Promise<StoredEvent[]> {
  const rows = await q.query<EventRow>(
    `SELECT conversation_id, seq, type, actor_id, data, created_at FROM events
      WHERE conversation_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`,
    [conversationId, after, upTo],
  )
  return rows.map(toStoredEvent)
}
