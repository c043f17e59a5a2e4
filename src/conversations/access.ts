import type { Queryable } from '../store/db.js'
import type { Actor } from '../ops/actor.js'
import { conflict, forbidden, notFound } from '../ops/errors.js'
import { isUuid } from '../lib/ids.js'
import { findConversation, findMember, lockConversation, ownsAgentMember, type ConversationRow, type MemberRow } from './conversations.sql.js'

/**
 * How the caller may see a conversation:
 * - `member`: a member (user or agent);
 * - `server`: the server key, which acts as admin everywhere;
 * - `agent_owner`: the owner of an agent that is a member (read-only, API.md owner view);
 * - `public`: anyone, for a public channel they have not joined (read-only).
 */
export type AccessKind = 'member' | 'server' | 'agent_owner' | 'public'

export interface ConversationAccess {
  conv: ConversationRow
  member?: MemberRow
  access: AccessKind
}

/** What the operation needs: to read, to be a member, or to administer. */
export type Need = 'read' | 'member' | 'admin'

const NOT_FOUND = () => notFound('conversation')

async function resolveAccess(q: Queryable, actor: Actor, conv: ConversationRow | undefined): Promise<ConversationAccess> {
  if (!conv) throw NOT_FOUND()
  if (actor.kind === 'server') return { conv, access: 'server' }
  const member = await findMember(q, conv.id, actor.id)
  if (member) return { conv, member, access: 'member' }
  if (conv.type === 'channel' && conv.visibility === 'public') return { conv, access: 'public' }
  if (actor.kind === 'user' && (await ownsAgentMember(q, conv.id, actor.id))) return { conv, access: 'agent_owner' }
  // Invariant 8: a conversation you may not see answers exactly like one that does not exist.
  throw NOT_FOUND()
}

function check(a: ConversationAccess, need: Need): ConversationAccess {
  if (need === 'read') return a
  if (need === 'member') {
    if (a.access !== 'member') throw forbidden('only members may do this')
    return a
  }
  if (a.access === 'server' || a.member?.role === 'admin') return a
  throw forbidden('only admins of the conversation may do this')
}

/** Loads a conversation with the caller's access, refusing what `need` does not allow. */
export async function loadConversationFor(q: Queryable, actor: Actor, id: string, need: Need): Promise<ConversationAccess> {
  if (!isUuid(id)) throw NOT_FOUND()
  return check(await resolveAccess(q, actor, await findConversation(q, id)), need)
}

/**
 * Same, but holding the conversation's row lock for the rest of the transaction (writes that
 * append events). The access is decided on the locked row, so it cannot change under us.
 */
export async function lockConversationFor(tx: Queryable, actor: Actor, id: string, need: Need): Promise<ConversationAccess> {
  if (!isUuid(id)) throw NOT_FOUND()
  return check(await resolveAccess(tx, actor, await lockConversation(tx, id)), need)
}

/** Archived conversations are read-only. */
export function assertWritable(conv: ConversationRow): void {
  if (conv.archived_at) throw conflict('the conversation is archived')
}
