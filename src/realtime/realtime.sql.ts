import type { Queryable } from '../store/db.js'
import { sharesPresence } from '../presence/presence.sql.js'

/** The last seq of each of these conversations (what the engine compares with what it delivered). */
export async function findConversationPositions(q: Queryable, ids: string[]) {
  return q.query<{ id: string; last_seq: number }>('SELECT id, last_seq FROM conversations WHERE id = ANY($1::uuid[])', [ids])
}

/** Which of `candidates` may see the presence of `participantId` (the circle presence reaches; see sharesPresence). */
export async function findLocalCoMembers(q: Queryable, participantId: string, candidates: string[]): Promise<Set<string>> {
  const rows = await q.query<{ member_id: string }>(
    `SELECT DISTINCT o.member_id FROM members mine
       JOIN conversations c ON c.id = mine.conversation_id AND ${sharesPresence('mine', 'c')}
       JOIN members o ON o.conversation_id = mine.conversation_id
      WHERE mine.member_id = $1 AND o.member_id = ANY($2::text[]) AND o.member_id <> $1`,
    [participantId, candidates],
  )
  return new Set(rows.map((r) => r.member_id))
}

export async function findConversationType(q: Queryable, id: string): Promise<string | undefined> {
  return (await q.query<{ type: string }>('SELECT type FROM conversations WHERE id = $1', [id]))[0]?.type
}
