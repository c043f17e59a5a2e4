import type { Queryable } from '../store/db.js'
import { DETAIL } from '../conversations/conversations.sql.js'
import type { ConversationListRow } from '../conversations/conversations.sql.js'

/**
 * Every conversation that an agent of `ownerId` (or the one agent `agentId`) is in, most
 * recent activity first, with which of those agents are members. Driven from the members
 * index of the agents, so it costs what the agents' memberships cost, not a scan of all
 * conversations. `viewerId` (the owner, or null for the server key) decides `m`.
 */
export async function listConversationsOfAgents(
  q: Queryable,
  opts: { ownerId: string | null; agentId: string | null; viewerId: string | null; after?: [string, string]; limit: number },
) {
  return q.query<ConversationListRow & { agent_ids: string[] }>(
    `WITH mine AS (
       SELECT id FROM participants
        WHERE kind = 'agent' AND ($1::text IS NULL OR owner_id = $1) AND ($2::text IS NULL OR id = $2)
     ), convs AS (
       SELECT am.conversation_id AS id, array_agg(am.member_id ORDER BY am.member_id) AS agent_ids
         FROM members am WHERE am.member_id IN (SELECT id FROM mine)
        GROUP BY am.conversation_id
     )
     SELECT ${DETAIL}, convs.agent_ids
       FROM convs JOIN conversations c ON c.id = convs.id
       LEFT JOIN members m ON m.conversation_id = c.id AND m.member_id = $3
      WHERE ($4::timestamptz IS NULL OR (c.last_activity_at, c.id) < ($4, $5::uuid))
      ORDER BY c.last_activity_at DESC, c.id DESC
      LIMIT $6`,
    [opts.ownerId, opts.agentId, opts.viewerId, opts.after?.[0] ?? null, opts.after?.[1] ?? null, opts.limit],
  )
}
