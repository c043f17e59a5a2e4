import type { Queryable } from '../store/db.js'
import { mentionCandidates, parseMentions, resolveMentions, type MentionScope, type ResolvedMentions } from './mentions.js'

const none = (): ResolvedMentions => ({ mentions: [], wildcardMention: null })

/**
 * The conversation's type and size, the sender's role, and which candidates are members: all
 * that resolving mentions needs, in one query. Undefined when the conversation does not exist.
 */
export async function findMentionScope(q: Queryable, conversationId: string, senderId: string, candidates: string[]): Promise<MentionScope | undefined> {
  const rows = await q.query<{ type: MentionScope['type']; member_count: number; sender_role: MentionScope['senderRole']; members: string[] }>(
    `SELECT c.type, c.member_count, s.role AS sender_role,
            ARRAY(SELECT m.member_id FROM members m WHERE m.conversation_id = c.id AND m.member_id = ANY ($3::text[])) AS members
       FROM conversations c LEFT JOIN members s ON s.conversation_id = c.id AND s.member_id = $2
      WHERE c.id = $1`,
    [conversationId, senderId, candidates],
  )
  const r = rows[0]
  return r && { type: r.type, memberCount: r.member_count, senderRole: r.sender_role, members: new Set(r.members) }
}

/**
 * What a message by `senderId` mentions: the members among `explicit` and among the `@id`
 * tokens of `content` (null: the content is not the sender's own, e.g. a forward's copy), and
 * the wildcard if the sender may use it. No query when there is nothing to resolve. Under the
 * conversation's row lock (edits) the answer is exact; before a send it may be a moment old,
 * which only decides whom a message names, never who may read it.
 */
export async function resolveMentionsIn(
  q: Queryable,
  conversationId: string,
  senderId: string,
  content: string | null,
  explicit: readonly string[],
): Promise<ResolvedMentions> {
  const parsed = content === null ? { tokens: [], wildcard: null } : parseMentions(content)
  const candidates = mentionCandidates(parsed, explicit)
  if (!candidates.length && !parsed.wildcard) return none()
  const scope = await findMentionScope(q, conversationId, senderId, candidates)
  return scope ? resolveMentions(parsed, explicit, scope) : none()
}
