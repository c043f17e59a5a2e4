import type { Db } from '../store/db.js'
import { listMembershipPositions } from '../sync/sync.sql.js'
import type { ReadySummary } from './session.js'

/** A conversation a participant is in, as the engine starts following it. */
export interface Membership {
  conversationId: string
  lastSeq: number
  type: string
  /** Whether the participant engaged there (others may see their presence through it). */
  engaged: boolean
}

/**
 * Reads what a connecting participant is in: where to start delivering from, the presence
 * circle, and the unread summary their client shows before any event arrives. One query.
 */
export async function loadMemberships(db: Db, participantId: string): Promise<{ memberships: Membership[]; ready: ReadySummary }> {
  const rows = await listMembershipPositions(db, participantId)
  return {
    memberships: rows.map((m) => ({ conversationId: m.conversation_id, lastSeq: m.last_seq, type: m.type, engaged: m.shares_presence })),
    ready: {
      unread: rows
        .filter((m) => m.unread_count > 0 || m.unread_thread_count > 0)
        .map((m) => ({
          conversationId: m.conversation_id,
          unreadCount: m.unread_count,
          mentionCount: m.mention_count,
          unreadThreadCount: m.unread_thread_count,
          lastSeq: m.last_seq,
        })),
    },
  }
}
