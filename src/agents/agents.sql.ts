import type { Queryable } from '../store/db.js'
import { iso } from '../lib/time.js'
import type { ParticipantRow } from '../users/users.sql.js'
import type { Agent } from './agents.schemas.js'

/** An agent's participant row; `cursor_ts` is its created_at at full (microsecond) precision. */
export type AgentRow = ParticipantRow & { cursor_ts?: string }

const COLUMNS = 'id, kind, name, avatar_url, metadata, owner_id, description, webhook_url, deactivated_at, created_at, updated_at'

/**
 * Who may touch an agent, as a WHERE parameter: an owner's id (a user caller) or null (the
 * server key, any owner). Every write below is scoped by it, so the permission check and the
 * write are one statement and cannot race.
 */
export type OwnerScope = string | null

/** Live (not deleted) agents only; deleted ones count as gone for every agent operation. */
const LIVE_AGENT = `kind = 'agent' AND deactivated_at IS NULL AND ($2::text IS NULL OR owner_id = $2)`

export function toAgentView(r: AgentRow): Agent {
  return {
    id: r.id,
    kind: 'agent',
    name: r.name,
    avatarUrl: r.avatar_url,
    metadata: r.metadata,
    ownerId: r.owner_id!,
    description: r.description,
    webhookUrl: r.webhook_url,
    deactivatedAt: iso(r.deactivated_at) ?? null,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  }
}

/**
 * Reads the would-be owner and holds a share lock on its row until the transaction ends, so a
 * concurrent deactivate-user waits and cannot slip between the check and the insert.
 */
export async function lockOwner(q: Queryable, id: string): Promise<{ kind: string; deactivated_at: Date | null } | undefined> {
  const rows = await q.query<{ kind: string; deactivated_at: Date | null }>(
    'SELECT kind, deactivated_at FROM participants WHERE id = $1 FOR SHARE',
    [id],
  )
  return rows[0]
}

/** Inserts an agent; undefined when the id is already used by any participant (even a deleted one). */
export async function insertAgent(
  q: Queryable,
  a: {
    id: string
    ownerId: string
    name: string
    avatarUrl?: string
    webhookUrl?: string
    description?: string
    metadata?: Record<string, unknown>
    keyHash: string
  },
): Promise<AgentRow | undefined> {
  const rows = await q.query<AgentRow>(
    `INSERT INTO participants (id, kind, owner_id, name, avatar_url, webhook_url, description, metadata, key_hash)
     VALUES ($1, 'agent', $2, $3, $4, $5, $6, COALESCE($7::jsonb, '{}'), $8)
     ON CONFLICT (id) DO NOTHING
     RETURNING ${COLUMNS}`,
    [a.id, a.ownerId, a.name, a.avatarUrl ?? null, a.webhookUrl ?? null, a.description ?? null, a.metadata === undefined ? null : JSON.stringify(a.metadata), a.keyHash],
  )
  return rows[0]
}

/**
 * Live agents, optionally of one owner, keyset-paged by (created_at, id). The cursor keeps
 * created_at at microsecond precision: a millisecond ISO string would sort before the row it
 * came from and repeat it on the next page.
 */
export async function listLiveAgents(q: Queryable, opts: { ownerId?: string; after?: [string, string]; limit: number }): Promise<AgentRow[]> {
  return q.query<AgentRow>(
    `SELECT ${COLUMNS}, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
       FROM participants
      WHERE kind = 'agent' AND deactivated_at IS NULL
        AND ($1::text IS NULL OR owner_id = $1)
        AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::text))
      ORDER BY created_at, id
      LIMIT $4`,
    [opts.ownerId ?? null, opts.after?.[0] ?? null, opts.after?.[1] ?? null, opts.limit],
  )
}

/** Applies the given fields (undefined keeps the stored value, null clears it). */
export async function updateAgent(
  q: Queryable,
  id: string,
  scope: OwnerScope,
  p: { name?: string; avatarUrl?: string | null; webhookUrl?: string | null; description?: string | null; metadata?: Record<string, unknown> },
): Promise<AgentRow | undefined> {
  const rows = await q.query<AgentRow>(
    `UPDATE participants SET
       name        = COALESCE($3, name),
       avatar_url  = CASE WHEN $4 THEN $5 ELSE avatar_url END,
       webhook_url = CASE WHEN $6 THEN $7 ELSE webhook_url END,
       description = CASE WHEN $8 THEN $9 ELSE description END,
       metadata    = COALESCE($10::jsonb, metadata),
       updated_at  = now()
     WHERE id = $1 AND ${LIVE_AGENT}
     RETURNING ${COLUMNS}`,
    [
      id,
      scope,
      p.name ?? null,
      p.avatarUrl !== undefined,
      p.avatarUrl ?? null,
      p.webhookUrl !== undefined,
      p.webhookUrl ?? null,
      p.description !== undefined,
      p.description ?? null,
      p.metadata === undefined ? null : JSON.stringify(p.metadata),
    ],
  )
  return rows[0]
}

/** Replaces the stored key hash: the old key matches no row from this statement on. */
export async function replaceAgentKeyHash(q: Queryable, id: string, scope: OwnerScope, keyHash: string): Promise<AgentRow | undefined> {
  const rows = await q.query<AgentRow>(
    `UPDATE participants SET key_hash = $3, updated_at = now() WHERE id = $1 AND ${LIVE_AGENT} RETURNING ${COLUMNS}`,
    [id, scope, keyHash],
  )
  return rows[0]
}

/**
 * Soft delete: the row stays (messages and memberships refer to it, and its id stays taken),
 * the key hash goes so that no key can ever authenticate as the agent again.
 */
export async function softDeleteAgent(q: Queryable, id: string, scope: OwnerScope): Promise<AgentRow | undefined> {
  const rows = await q.query<AgentRow>(
    `UPDATE participants SET deactivated_at = now(), key_hash = NULL, updated_at = now()
      WHERE id = $1 AND ${LIVE_AGENT} RETURNING ${COLUMNS}`,
    [id, scope],
  )
  return rows[0]
}
