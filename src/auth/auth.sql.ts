import type { Queryable } from '../store/db.js'

export async function findParticipantStatus(q: Queryable, id: string) {
  const rows = await q.query<{ kind: string; deactivated_at: Date | null }>(
    'SELECT kind, deactivated_at FROM participants WHERE id = $1',
    [id],
  )
  return rows[0]
}

export async function findAgentByKeyHash(q: Queryable, hash: string) {
  const rows = await q.query<{ id: string; owner_id: string; deactivated_at: Date | null; owner_deactivated_at: Date | null }>(
    `SELECT a.id, a.owner_id, a.deactivated_at, o.deactivated_at AS owner_deactivated_at
       FROM participants a JOIN participants o ON o.id = a.owner_id
      WHERE a.key_hash = $1 AND a.kind = 'agent'`,
    [hash],
  )
  return rows[0]
}
