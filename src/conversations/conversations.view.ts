import { iso } from '../lib/time.js'
import { toMessageView } from '../messages/messages.sql.js'
import type { Conversation } from './conversations.schemas.js'
import type { AccessKind } from './access.js'
import { mayPost } from './posting-rule.js'
import type { ConversationListRow, MemberRow } from './conversations.sql.js'

export function toConversationView(r: ConversationListRow, access: AccessKind, member?: MemberRow | null): Conversation {
  const m = member ?? r.member ?? null
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    description: r.description,
    visibility: r.visibility,
    externalRef: r.external_ref,
    metadata: r.metadata,
    settings: { maxMembers: r.max_members, locked: r.locked },
    agentId: r.agent_id,
    ...(r.type === 'dm' && r.participants ? { participants: r.participants } : {}),
    createdBy: r.created_by,
    memberCount: r.member_count,
    lastSeq: r.last_seq,
    lastActivityAt: iso(r.last_activity_at)!,
    archivedAt: iso(r.archived_at) ?? null,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    lastMessage: r.last_message ? toMessageView(r.last_message) : null,
    access,
    membership: m
      ? {
          role: m.role,
          canPost: mayPost(r, m),
          lastReadSeq: m.last_read_seq,
          unreadCount: r.unread_count ?? 0,
          mentionCount: r.mention_count ?? 0,
          unreadThreadCount: r.unread_thread_count ?? 0,
          joinedAt: iso(m.joined_at)!,
          preferences: { starred: m.starred, muteUntil: iso(m.mute_until) ?? null, notifyLevel: m.notify_level },
        }
      : null,
  }
}
