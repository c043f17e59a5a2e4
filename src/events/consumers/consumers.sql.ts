import type { Db, Queryable } from '../../store/db.js'
import type { StoredEvent } from '../event-types.js'
import { toStoredEvent, type EventRow } from '../event-log.sql.js'

/**
 * SQL of durable consumers (migration 0004). Transaction ids (xid8) travel as text: they are
 * 64-bit and only ever compared by PostgreSQL.
 *
 * Ownership is a lease in the `consumers` row, taken and renewed with the database's clock, so
 * the nodes' clocks do not matter. Every write of progress is fenced: it happens only while the
 * writer still owns the row, and it locks the row (FOR SHARE) so that it cannot interleave
 * with a takeover — a takeover UPDATE waits for it, or it waits for the takeover and then
 * finds itself no longer the owner.
 */

/** Takes or renews the lease: succeeds when free, expired, or already ours. Answers the watermark. */
export async function acquireLease(db: Queryable, name: string, owner: string, leaseMs: number): Promise<{ watermark: string } | undefined> {
  await db.query('INSERT INTO consumers (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name])
  const rows = await db.query<{ watermark: string }>(
    `UPDATE consumers SET owner = $2, lease_until = now() + $3 * interval '1 millisecond', updated_at = now()
      WHERE name = $1 AND (owner = $2 OR owner IS NULL OR lease_until < now())
      RETURNING watermark::text AS watermark`,
    [name, owner, leaseMs],
  )
  return rows[0]
}

/** Gives the lease up (a clean shutdown), so another node takes over at once. */
export async function releaseLease(db: Queryable, name: string, owner: string): Promise<void> {
  await db.query('UPDATE consumers SET owner = NULL, lease_until = NULL WHERE name = $1 AND owner = $2', [name, owner])
}

export interface PendingConversation {
  conversationId: string
  position: number
  head: number
  oldest: Date
}

/**
 * A stored event with what the log does not hold but a consumer may want (the domain-event
 * envelope): the conversation's type now (convert-conversation changes it) and the actor's kind,
 * both read in the same query as the event.
 */
export interface ConsumerEvent extends StoredEvent {
  conversationType: string
  /** null when the server key acted as itself. */
  actorKind: string | null
}

interface ConsumerEventRow extends EventRow {
  conversation_type: string | null
  actor_kind: string | null
}

const toConsumerEvent = (r: ConsumerEventRow): ConsumerEvent => ({
  ...toStoredEvent(r),
  conversationType: r.conversation_type ?? 'unknown',
  actorKind: r.actor_id === null ? null : (r.actor_kind ?? 'unknown'),
})

const EVENT_COLUMNS = `e.conversation_id, e.seq, e.type, e.actor_id, e.data, e.created_at,
       (SELECT c.type FROM conversations c WHERE c.id = e.conversation_id) AS conversation_type,
       (SELECT a.kind FROM participants a WHERE a.id = e.actor_id) AS actor_kind`

/** Events of one conversation after `afterSeq`, in order, with their envelope facts. */
export async function consumerEventsAfter(q: Queryable, conversationId: string, afterSeq: number, limit: number): Promise<ConsumerEvent[]> {
  const rows = await q.query<ConsumerEventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.conversation_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3`,
    [conversationId, afterSeq, limit],
  )
  return rows.map(toConsumerEvent)
}

export interface PassStart {
  /** pg_snapshot_xmin of the snapshot discovery and the reads saw. */
  xmin: string
  pending: PendingConversation[]
  /** The first events of each pending conversation not excluded (may be fewer than there are). */
  events: Map<string, ConsumerEvent[]>
  /** Most events read per conversation: a conversation with that many may have more. */
  perConversation: number
}

/**
 * The start of a pass in ONE statement, one snapshot: its xmin, discovery (the
 * conversations with events written at or after `watermark` that the consumer has not handled;
 * not bounded above by xmin, so a long transaction elsewhere delays no one: only the watermark
 * moves no further than xmin), and the first events after each pending conversation's position
 * (not for those in `exclude`), at most `batchSize` each and about `maxEvents` in all. xmin and
 * discovery come from the same snapshot: every transaction below xmin had finished when it
 * was taken, so their events are visible to this very discovery.
 */
export async function startPass(
  db: Queryable,
  name: string,
  watermark: string,
  limit: number,
  opts: { batchSize: number; maxEvents: number; exclude: string[] },
): Promise<PassStart> {
  const rows = await db.query<
    Partial<ConsumerEventRow> & { xmin: string; pconv: string | null; position: number; head: number; oldest: Date; per_conv: number }
  >(
    `WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin),
     pend AS (
       SELECT e.conversation_id AS pconv, coalesce(p.seq, 0) AS position, max(e.seq) AS head, min(e.created_at) AS oldest
         FROM events e
         LEFT JOIN consumer_positions p ON p.consumer = $1 AND p.conversation_id = e.conversation_id
        WHERE e.tx >= $2::xid8 AND e.seq > coalesce(p.seq, 0)
        GROUP BY e.conversation_id, p.seq
        ORDER BY min(e.created_at)
        LIMIT $3),
     per AS (SELECT greatest(1, least($4::int, $5::int / greatest(1, count(*))))::int AS n FROM pend)
     SELECT snap.xmin, per.n AS per_conv, pend.*, ev.*
       FROM snap CROSS JOIN per
       LEFT JOIN pend ON true
       LEFT JOIN LATERAL (
         SELECT ${EVENT_COLUMNS} FROM events e
          WHERE e.conversation_id = pend.pconv AND e.seq > pend.position AND NOT (pend.pconv = ANY ($6::uuid[]))
          ORDER BY e.seq LIMIT (SELECT n FROM per)) ev ON true
      ORDER BY pend.oldest, pend.pconv, ev.seq`,
    [name, watermark, limit, opts.batchSize, opts.maxEvents, opts.exclude],
  )
  const pending: PendingConversation[] = []
  const events = new Map<string, ConsumerEvent[]>()
  for (const r of rows) {
    if (r.pconv == null) continue
    let list = events.get(r.pconv)
    if (!list) {
      pending.push({ conversationId: r.pconv, position: r.position, head: r.head, oldest: r.oldest })
      events.set(r.pconv, (list = []))
    }
    if (r.seq != null) list.push(toConsumerEvent(r as ConsumerEventRow))
  }
  return { xmin: rows[0].xmin, pending, events, perConversation: rows[0].per_conv }
}

/**
 * The end of a pass in ONE fenced statement: moves the positions of many conversations forward
 * and, when given, the watermark. The UPDATE of the consumer's row is the fence (it runs only
 * while the row names us, and locks it, so it cannot interleave with a takeover); positions
 * and watermark commit together. False: we are no longer the owner (nothing was written).
 */
export async function savePass(
  db: Queryable,
  name: string,
  owner: string,
  positions: Array<{ conversationId: string; seq: number }>,
  watermark: string | null,
): Promise<boolean> {
  const rows = await db.query<{ owned: boolean }>(
    `WITH fence AS (
       UPDATE consumers SET watermark = GREATEST(watermark, $5::xid8), updated_at = now()
        WHERE name = $1 AND owner = $2 RETURNING 1),
     saved AS (
       INSERT INTO consumer_positions (consumer, conversation_id, seq)
       SELECT $1, p.id, p.seq FROM unnest($3::uuid[], $4::bigint[]) AS p(id, seq), fence
       ON CONFLICT (consumer, conversation_id) DO UPDATE SET seq = GREATEST(consumer_positions.seq, EXCLUDED.seq)
       RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM fence) AS owned, (SELECT count(*) FROM saved) AS saved`,
    [name, owner, positions.map((p) => p.conversationId), positions.map((p) => p.seq), watermark],
  )
  return rows[0].owned
}

/** The lowest transaction id among a conversation's events after `position` (null if none). */
export async function lowestPendingTx(db: Queryable, conversationId: string, position: number): Promise<string | null> {
  const rows = await db.query<{ tx: string | null }>('SELECT min(tx)::text AS tx FROM events WHERE conversation_id = $1 AND seq > $2', [conversationId, position])
  return rows[0]?.tx ?? null
}

/** Moves a conversation's position forward, fenced on ownership. False: we are no longer the owner. */
export async function savePosition(db: Queryable, name: string, owner: string, conversationId: string, seq: number): Promise<boolean> {
  const rows = await db.query(
    `WITH fence AS (SELECT 1 FROM consumers WHERE name = $1 AND owner = $2 FOR SHARE)
     INSERT INTO consumer_positions (consumer, conversation_id, seq)
     SELECT $1, $3, $4 FROM fence
     ON CONFLICT (consumer, conversation_id) DO UPDATE SET seq = GREATEST(consumer_positions.seq, EXCLUDED.seq)
     RETURNING 1`,
    [name, owner, conversationId, seq],
  )
  return rows.length > 0
}

/** Moves the watermark forward, fenced on ownership. */
export async function saveWatermark(db: Queryable, name: string, owner: string, watermark: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE consumers SET watermark = GREATEST(watermark, $3::xid8), updated_at = now()
      WHERE name = $1 AND owner = $2 RETURNING 1`,
    [name, owner, watermark],
  )
  return rows.length > 0
}

export interface FailedEvent {
  conversationId: string
  seq: number
  type: string
  attempts: number
  error: string
}

/** Records an event given up on and moves the position past it, in one fenced transaction. */
export async function recordFailure(db: Db, name: string, owner: string, f: FailedEvent): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await savePosition(tx, name, owner, f.conversationId, f.seq))) return false
    await tx.query(
      `INSERT INTO consumer_failures (consumer, conversation_id, seq, type, attempts, error) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (consumer, conversation_id, seq) DO UPDATE SET attempts = EXCLUDED.attempts, error = EXCLUDED.error, failed_at = now()`,
      [name, f.conversationId, f.seq, f.type, f.attempts, f.error],
    )
    return true
  })
}

/** The events a consumer gave up on, oldest first (operators; tests). */
export async function listFailures(db: Queryable, name: string): Promise<FailedEvent[]> {
  const rows = await db.query<{ conversation_id: string; seq: number; type: string; attempts: number; error: string }>(
    'SELECT conversation_id, seq, type, attempts, error FROM consumer_failures WHERE consumer = $1 ORDER BY failed_at, conversation_id, seq',
    [name],
  )
  return rows.map((r) => ({ conversationId: r.conversation_id, seq: r.seq, type: r.type, attempts: r.attempts, error: r.error }))
}

/** Where a consumer stands in one conversation (0: nothing handled yet). */
export async function positionOf(db: Queryable, name: string, conversationId: string): Promise<number> {
  const rows = await db.query<{ seq: number }>('SELECT seq FROM consumer_positions WHERE consumer = $1 AND conversation_id = $2', [name, conversationId])
  return rows[0]?.seq ?? 0
}

/** Who holds a consumer's lease now (null: nobody, or expired). */
export async function currentOwner(db: Queryable, name: string): Promise<string | null> {
  const rows = await db.query<{ owner: string | null }>('SELECT CASE WHEN lease_until > now() THEN owner END AS owner FROM consumers WHERE name = $1', [name])
  return rows[0]?.owner ?? null
}
