import type { Queryable } from '../store/db.js'

/**
 * Reactions: one `message_reactions` row per participant, message and emoji. Every write runs
 * inside the conversation's row lock (the op takes it before reading the message), which is
 * what makes "add the same reaction twice" one row and one event, however many arrive at once.
 */

export interface NewReaction {
  messageId: string
  conversationId: string
  participantId: string
  emoji: string
  at: string
}

/**
 * Adds a reaction in one statement, unless the participant has it already (`had`) or the emoji
 * is new to a message that carries `maxDistinct` different emoji already (neither `added` nor
 * `had`). The outer SELECT reads the snapshot from before the insert, so `had` is the state
 * before. The distinct count (an initplan) only runs when the emoji is new to the message.
 */
export async function insertReaction(q: Queryable, r: NewReaction, maxDistinct: number): Promise<{ added: boolean; had: boolean }> {
  const rows = await q.query<{ added: boolean; had: boolean }>(
    `WITH ins AS (
       INSERT INTO message_reactions (message_id, conversation_id, participant_id, emoji, created_at)
       SELECT $1, $2, $3, $4, $5
        WHERE CASE WHEN EXISTS (SELECT 1 FROM message_reactions WHERE message_id = $1 AND emoji = $4) THEN true
                   ELSE (SELECT count(DISTINCT emoji) FROM message_reactions WHERE message_id = $1) < $6 END
       ON CONFLICT DO NOTHING RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM ins) AS added,
            EXISTS (SELECT 1 FROM message_reactions WHERE message_id = $1 AND participant_id = $3 AND emoji = $4) AS had`,
    [r.messageId, r.conversationId, r.participantId, r.emoji, r.at, maxDistinct],
  )
  return rows[0]
}

/** Removes one reaction; false when there was none. */
export async function deleteReaction(q: Queryable, messageId: string, participantId: string, emoji: string): Promise<boolean> {
  const rows = await q.query(
    'DELETE FROM message_reactions WHERE message_id = $1 AND participant_id = $2 AND emoji = $3 RETURNING 1',
    [messageId, participantId, emoji],
  )
  return rows.length > 0
}

/** Removes a participant's reactions to a message other than `keep`; answers their emoji, oldest first. */
export async function deleteOtherReactions(q: Queryable, messageId: string, participantId: string, keep: string): Promise<string[]> {
  const rows = await q.query<{ emoji: string; created_at: Date }>(
    'DELETE FROM message_reactions WHERE message_id = $1 AND participant_id = $2 AND emoji <> $3 RETURNING emoji, created_at',
    [messageId, participantId, keep],
  )
  return rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.emoji < b.emoji ? -1 : 1)).map((r) => r.emoji)
}

/**
 * Removes every reaction of a message, announcing nothing: for delete-message, in its
 * transaction (a client drops a deleted message's reactions on `message.deleted`).
 */
export async function deleteReactionsOfMessage(q: Queryable, messageId: string): Promise<void> {
  await q.query('DELETE FROM message_reactions WHERE message_id = $1', [messageId])
}

/** One emoji's reactions on one message, as the message views aggregate them. */
export interface ReactionSummaryRow {
  message_id: string
  emoji: string
  count: number
  me: boolean
}

/**
 * The reactions of a page of messages in one query: per message and emoji, how many and
 * whether `viewerId` is among them (false for a null viewer), each message's emoji in the order
 * they were first used.
 */
export async function summarizeReactions(q: Queryable, messageIds: string[], viewerId: string | null): Promise<ReactionSummaryRow[]> {
  return q.query<ReactionSummaryRow>(
    `SELECT message_id, emoji, count(*)::int AS count, coalesce(bool_or(participant_id = $2), false) AS me
       FROM message_reactions WHERE message_id = ANY($1::uuid[])
      GROUP BY message_id, emoji
      ORDER BY message_id, min(created_at), emoji`,
    [messageIds, viewerId],
  )
}

export interface ReactionRow {
  emoji: string
  participant_id: string
  created_at: Date
}

/**
 * A page of a message's reactions, oldest first, keyset-paged on (created_at, participant_id,
 * emoji); `emoji` narrows to one emoji.
 */
export async function listReactions(
  q: Queryable,
  messageId: string,
  emoji: string | null,
  after: [string, string, string] | undefined,
  limit: number,
): Promise<ReactionRow[]> {
  return q.query<ReactionRow>(
    `SELECT emoji, participant_id, created_at FROM message_reactions
      WHERE message_id = $1 AND ($2::text IS NULL OR emoji = $2)
        AND ($3::timestamptz IS NULL OR (created_at, participant_id, emoji) > ($3, $4::text, $5::text))
      ORDER BY created_at, participant_id, emoji LIMIT $6`,
    [messageId, emoji, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, limit],
  )
}
