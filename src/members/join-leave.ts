import { defineOp } from '../ops/define-op.js'
import { isParticipant, type Actor, type ParticipantActor } from '../ops/context.js'
import { conflict, forbidden } from '../ops/errors.js'
import { Input, Uuid } from '../ops/schemas.js'
import { transact } from '../ops/transaction.js'
import { assertWritable, lockConversationFor } from '../conversations/access.js'
import { conversationViewFor } from '../conversations/conversation-writes.js'
import { Conversation } from '../conversations/conversations.schemas.js'
import type { NewEvent } from '../events/event-types.js'
import { LeaveResult } from './members.schemas.js'
import { deleteMembers, findSuccessorAdmin, insertMembers, listAdminIds, updateMemberRights } from './members.sql.js'
import { appendMemberEvents, loadMemberViews, memberAddedEvents, memberRemoved, memberUpdated } from './members.view.js'
import { appendSystemMessage } from '../messages/system-messages.js'

/** Joining and leaving are for participants; the server key is refused by `callers` already. */
function participant(actor: Actor): ParticipantActor {
  if (!isParticipant(actor)) throw forbidden('the server key is not a participant')
  return actor
}

export const joinConversationOp = defineOp({
  id: 'join-conversation',
  path: '/v1/conversations/{id}/join',
  tag: 'members',
  summary: 'Join a public channel',
  description:
    'Users and agents join public channels as subscribers (role `member`, `canPost: false`). A conversation ' +
    'the caller cannot see answers 404 like a missing one; one they may only read (as owner of a member agent) ' +
    'answers 403: groups and private channels are joined by being added. Joining again answers the ' +
    'conversation unchanged (no event); a dm the caller is in answers 409. A full channel (member cap) or an ' +
    'archived one answers 409. Emits `member.added` `{ member, by, conversation }`, then a system message "… joined" ' +
    '(unless PARLEY_SYSTEM_MESSAGES=off). Answers the conversation with the ' +
    'caller’s membership.',
  callers: ['user', 'agent'],
  input: Input({ id: Uuid() }),
  output: Conversation,
  async run(ctx, { id }) {
    const actor = participant(ctx.actor)
    return transact(ctx, async (tx) => {
      const { conv, member, access } = await lockConversationFor(tx, actor, id, 'read')
      if (member) {
        if (conv.type === 'dm') throw conflict('a dm cannot be joined: its two participants are in it')
        return conversationViewFor(tx, actor, conv.id)
      }
      if (access !== 'public') throw forbidden('only public channels can be joined; ask an admin to add you')
      assertWritable(conv)
      if (conv.member_count >= conv.max_members) throw conflict(`the channel is full: its cap is ${conv.max_members} members`)
      await insertMembers(tx, conv.id, [{ id: actor.id, role: 'member', canPost: false }], new Date().toISOString())
      const views = await loadMemberViews(tx, conv, [actor.id])
      await appendMemberEvents(tx, conv, await memberAddedEvents(tx, actor, conv, views))
      await appendSystemMessage(ctx, tx, conv, { event: 'member.joined', actorId: actor.id, targetIds: [actor.id] })
      return conversationViewFor(tx, actor, conv.id)
    })
  },
})

export const leaveConversationOp = defineOp({
  id: 'leave-conversation',
  path: '/v1/conversations/{id}/leave',
  tag: 'members',
  summary: 'Leave a group or channel',
  description:
    'Members only (a reader who is not a member: 403); a dm cannot be left (409). Leaving works in archived ' +
    'conversations too. The membership is deleted: afterwards the caller sees the conversation as any ' +
    'non-member does (404 for a private one). Emits `member.removed` `{ memberId, by, reason: "left" }`, then a ' +
    'system message "… left" (unless PARLEY_SYSTEM_MESSAGES=off). ' +
    'When the last admin leaves and members remain, the longest-standing member (people before agents) ' +
    'becomes admin in the same transaction, with a `member.updated` `{ member, changes: { role } }` event; ' +
    'the answer names them in `promotedAdminId`.',
  callers: ['user', 'agent'],
  input: Input({ id: Uuid() }),
  output: LeaveResult,
  async run(ctx, { id }) {
    const actor = participant(ctx.actor)
    return transact(ctx, async (tx) => {
      const { conv, member } = await lockConversationFor(tx, actor, id, 'member')
      if (conv.type === 'dm') throw conflict('a dm cannot be left')
      await deleteMembers(tx, conv.id, [actor.id])
      const events: NewEvent[] = [memberRemoved(actor, actor.id, 'left')]
      let promotedAdminId: string | null = null
      if (member!.role === 'admin' && !(await listAdminIds(tx, conv.id)).length) {
        const successor = await findSuccessorAdmin(tx, conv.id)
        if (successor) {
          await updateMemberRights(tx, conv.id, successor.member_id, 'admin', successor.can_post)
          const views = await loadMemberViews(tx, conv, [successor.member_id])
          events.push(memberUpdated(actor, views[0], { role: 'admin' }))
          promotedAdminId = successor.member_id
        }
      }
      await appendMemberEvents(tx, conv, events)
      await appendSystemMessage(ctx, tx, conv, { event: 'member.left', actorId: actor.id, targetIds: [actor.id] })
      return { conversationId: conv.id, promotedAdminId }
    })
  },
})
