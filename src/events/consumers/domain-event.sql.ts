import type { Queryable } from '../../store/db.js'

/** Types of conversations by id (dm, group, channel) now; convert-conversation changes them. */
export async function conversationTypes(q: Queryable, ids: string[]): Promise<Map<string, string>> {
  const rows = await q.query<{ id: string; type: string }>('SELECT id, type FROM conversations WHERE id = ANY ($1::uuid[])', [ids])
  return new Map(rows.map((r) => [r.id, r.type]))
}

/** Kinds of participants by id ('user' | 'agent'); immutable, so callers cache them. */
export async function participantKinds(q: Queryable, ids: string[]): Promise<Map<string, string>> {
  const rows = await q.query<{ id: string; kind: string }>('SELECT id, kind FROM participants WHERE id = ANY ($1::text[])', [ids])
  return new Map(rows.map((r) => [r.id, r.kind]))
}
