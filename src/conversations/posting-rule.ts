import { conflict, forbidden, notFound, ParleyError } from '../ops/errors.js'

/**
 * Who may post, as a pure rule: no SQL, no services. Access checks (access.ts), the send queue
 * (which answers the SQL function's verdicts) and the views (effective `canPost`) all use it,
 * and none of them needs the others to do so. The SDK's reducer mirrors it
 * (packages/client/src/reducer-rules.ts).
 */

/** Why a participant may not post; null when they may. */
export type PostingVerdict = 'not_a_member' | 'archived' | 'locked' | 'cannot_post' | null

/** The parts of a conversation row the rule reads. */
export interface PostingConversation {
  type: string
  locked: boolean
  archived_at: Date | string | null
}

/** The parts of a member row the rule reads. */
export interface PostingMember {
  role: string
  can_post: boolean
}

/**
 * Who may post (API.md rules): any member of a dm; in a group, any member unless `locked`
 * (then admins only); in a channel, admins and members with `canPost`; nobody in an archived
 * conversation. The send batch applies the same rule in SQL (`parley_posting_verdict` in
 * migration 0002); a test checks the two agree on every combination.
 */
export function postingVerdict(
  conv: { type: string; locked: boolean; archived: boolean },
  member: PostingMember | undefined,
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

/** The error a participant's post would get; undefined when they may post. */
export function postingRefusal(conv: PostingConversation, member: PostingMember | undefined): ParleyError | undefined {
  const verdict = postingVerdict({ type: conv.type, locked: conv.locked, archived: conv.archived_at !== null && conv.archived_at !== undefined }, member)
  return verdict ? refusalError(verdict) : undefined
}

/** Whether a member may post, as the API reports it in membership views. */
export const mayPost = (conv: PostingConversation, member: PostingMember) => postingRefusal(conv, member) === undefined
