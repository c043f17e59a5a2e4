import type { Db, Queryable } from '../../store/db.js'

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

/** The lowest transaction id still in progress: every id below it has committed or aborted. */
export async function snapshotXmin(db: Queryable): Promise<string> {
  const rows = await db.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin')
  return rows[0].xmin
}

export interface PendingConversation {
  conversationId: string
  position: number
  head: number
  oldest: Date
}

/**
 * Conversations with events written at or after `watermark` that the consumer has not handled.
 * Not bounded above by xmin: what is visible is read at once (a commit of a long transaction
 * elsewhere does not delay the others); the watermark is what only moves up to xmin.
 */
export async function pendingConversations(db: Queryable, name: string, watermark: string, limit: number): Promise<PendingConversation[]> {
  const rows = await db.query<{ conversation_id: string; position: number; head: number; oldest: Date }>(
    `SELECT e.conversation_id, coalesce(p.seq, 0) AS position, max(e.seq) AS head, min(e.created_at) AS oldest
       FROM events e
       LEFT JOIN consumer_positions p ON p.consumer = $1 AND p.conversation_id = e.conversation_id
      WHERE e.tx >= $2::xid8 AND e.seq > coalesce(p.seq, 0)
      GROUP BY e.conversation_id, p.seq
      ORDER BY min(e.created_at)
      LIMIT $3`,
    [name, watermark, limit],
  )
  return rows.map((r) => ({ conversationId: r.conversation_id, position: r.position, head: r.head, oldest: r.oldest }))
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
