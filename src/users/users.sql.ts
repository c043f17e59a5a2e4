import type { Queryable } from '../store/db.js'
import { iso } from '../lib/time.js'
import type { Participant } from './users.schemas.js'

export interface ParticipantRow {
  id: string
  kind: 'user' | 'agent'
  name: string
  avatar_url: string | null
  metadata: Record<string, unknown>
  owner_id: string | null
  description: string | null
  webhook_url: string | null
  deactivated_at: Date | null
  created_at: Date
  updated_at: Date
}

const COLUMNS = 'id, kind, name, avatar_url, metadata, owner_id, description, webhook_url, deactivated_at, created_at, updated_at'

export function toParticipantView(r: ParticipantRow): Participant {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    avatarUrl: r.avatar_url,
    metadata: r.metadata,
    ...(r.kind === 'agent' ? { ownerId: r.owner_id ?? undefined, description: r.description } : {}),
    deactivatedAt: iso(r.deactivated_at) ?? null,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  }
}

export async function findParticipant(q: Queryable, id: string): Promise<ParticipantRow | undefined> {
  return (await q.query<ParticipantRow>(`SELECT ${COLUMNS} FROM participants WHERE id = $1`, [id]))[0]
}

/**
 * The directory rule (docs/api.md, Directory), written once and used by every look-up of a
 * participant for a participant caller: the viewer in the SQL parameter `viewer` (e.g. `$1`)
 * sees themself, their agents, their owner (an agent's) and everyone who is now a member of a
 * conversation they are a member of. Anything else is hidden and answers like an unknown id.
 *
 * A NULL viewer means no restriction (the server key, or the `open` directory): the condition
 * is then true, and PostgreSQL folds it away when it plans with the parameter's value.
 */
export function visibleTo(viewer: string, alias = 'p'): string {
  return `(${viewer}::text IS NULL OR ${alias}.id IN (
      SELECT ${viewer}::text
      UNION ALL SELECT own.id FROM participants own WHERE own.owner_id = ${viewer}::text
      UNION ALL SELECT me.owner_id FROM participants me WHERE me.id = ${viewer}::text AND me.owner_id IS NOT NULL
      UNION ALL SELECT theirs.member_id FROM members mine
                  JOIN members theirs ON theirs.conversation_id = mine.conversation_id
                 WHERE mine.member_id = ${viewer}::text))`
}

/** The participants among `ids` that `viewerId` may see (null: all); a hidden id is simply absent. */
export async function findVisibleParticipants(q: Queryable, viewerId: string | null, ids: string[]): Promise<ParticipantRow[]> {
  if (!ids.length) return []
  return q.query<ParticipantRow>(
    `SELECT ${COLUMNS} FROM participants p WHERE p.id = ANY($2::text[]) AND ${visibleTo('$1')}`,
    [viewerId, ids],
  )
}

export async function findVisibleParticipant(q: Queryable, viewerId: string | null, id: string): Promise<ParticipantRow | undefined> {
  return (await findVisibleParticipants(q, viewerId, [id]))[0]
}

/**
 * Creates or updates a user. Returns undefined when the id belongs to an agent, which the
 * caller reports as a conflict.
 */
export async function upsertUser(
  q: Queryable,
  u: { id: string; name: string; avatarUrl?: string | null; metadata?: Record<string, unknown> },
): Promise<{ row: ParticipantRow; created: boolean } | undefined> {
  const rows = await q.query<ParticipantRow & { inserted: boolean }>(
    `INSERT INTO participants (id, kind, name, avatar_url, metadata)
     VALUES ($1, 'user', $2, $3, COALESCE($4::jsonb, '{}'))
     ON CONFLICT (id) DO UPDATE SET
       name = EXCLUDED.name,
       avatar_url = CASE WHEN $5 THEN EXCLUDED.avatar_url ELSE participants.avatar_url END,
       metadata = CASE WHEN $4::jsonb IS NULL THEN participants.metadata ELSE EXCLUDED.metadata END,
       updated_at = now()
     WHERE participants.kind = 'user'
     RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
    [u.id, u.name, u.avatarUrl ?? null, u.metadata === undefined ? null : JSON.stringify(u.metadata), u.avatarUrl !== undefined],
  )
  return rows[0] ? { row: rows[0], created: rows[0].inserted } : undefined
}

export async function deactivateParticipant(q: Queryable, id: string): Promise<ParticipantRow | undefined> {
  const rows = await q.query<ParticipantRow>(
    `UPDATE participants SET deactivated_at = COALESCE(deactivated_at, now()), updated_at = now()
      WHERE id = $1 AND kind = 'user' RETURNING ${COLUMNS}`,
    [id],
  )
  return rows[0]
}

/**
 * Prefix search on name and id, case-insensitive, keyset-paged by (lower(name), id), among the
 * participants `viewerId` may see (the directory rule; null: everyone).
 */
export async function searchParticipants(
  q: Queryable,
  opts: { prefix?: string; kind?: 'user' | 'agent'; after?: [string, string]; limit: number; includeDeactivated: boolean; viewerId: string | null },
): Promise<ParticipantRow[]> {
  const prefix = opts.prefix ? opts.prefix.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%' : null
  return q.query<ParticipantRow>(
    `SELECT ${COLUMNS} FROM participants p
      WHERE ($1::text IS NULL OR lower(name) LIKE $1 OR lower(id) LIKE $1)
        AND ($2::text IS NULL OR kind = $2)
        AND ($3::text IS NULL OR (lower(name), id) > ($3, $4))
        AND ($6 OR deactivated_at IS NULL)
        AND ${visibleTo('$7')}
      ORDER BY lower(name), id LIMIT $5`,
    [prefix, opts.kind ?? null, opts.after?.[0] ?? null, opts.after?.[1] ?? null, opts.limit, opts.includeDeactivated, opts.viewerId],
  )
}
