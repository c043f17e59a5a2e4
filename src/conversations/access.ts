import type { Queryable } from '../store/db.js'
import type { Actor } from '../ops/context.js'
import { conflict, forbidden, notFound, ParleyError } from '../ops/errors.js'
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

/** Why a participant may not post; null when they may. */
export type PostingVerdict = 'not_a_member' | 'archived' | 'locked' | 'cannot_post' | null

/**
 * Who may post (API.md rules): any member of a dm; in a group, any member unless `locked`
 * (then admins only); in a channel, admins and members with `canPost`; nobody in an archived
 * conversation. The send batch applies the same rule in SQL (`parley_posting_verdict` in
 * migration 0002); a test checks the two agree on every combination.
 */
export function postingVerdict(
  conv: { type: string; locked: boolean; archived: boolean },
  member: { role: string; can_post: boolean } | undefined,
): PostingVerdict {
  if (!member) return 'not_a_member'
  if (conv.archived) return 'archived'
  if (member.role === 'admin' || conv.type === 'dm') return null
  if (conv.type === 'group') return conv.locked ? 'locked' : null
  return member.can_post ? null : 'cannot_post'
}

/** The error each refusal answers with, in one place. */
export function refusalError(verdict: Exclude<PostingVerdict, null> | 'not_found'): ParleyError {
  switch (verdict) {
    case 'not_found':
      return notFound('conversation')
    case 'not_a_member':
      return new ParleyError('forbidden', 'only members may post', { reason: 'not_a_member' })
    case 'archived':
      return conflict('the conversation is archived')
    case 'locked':
      return forbidden('the group is locked: only admins may post')
    case 'cannot_post':
      return forbidden('only admins and members allowed to post may post in this channel')
  }
}

export function postingRefusal(conv: Pick<ConversationRow, 'type' | 'locked' | 'archived_at'>, member: Pick<MemberRow, 'role' | 'can_post'> | undefined) {
  const verdict = postingVerdict({ type: conv.type, locked: conv.locked, archived: conv.archived_at !== null && conv.archived_at !== undefined }, member)
  return verdict ? refusalError(verdict) : undefined
}

/** Whether a member may post, as the API reports it in membership views. */
export const mayPost = (conv: ConversationRow, member: MemberRow) => postingRefusal(conv, member) === undefined
