import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { conflict, notFound } from '../ops/errors.js'
import { Input, ParticipantId, Uuid } from '../ops/schemas.js'
import { transact } from '../ops/transaction.js'
import { assertWritable, lockConversationFor } from '../conversations/access.js'
import { findMember } from '../conversations/conversations.sql.js'
import { Role } from '../conversations/conversations.schemas.js'
import { Member } from './members.schemas.js'
import { listAdminIds, updateMemberRights } from './members.sql.js'
import { appendMemberEvents, loadMemberViews, memberUpdated } from './members.view.js'
import type { EventData } from '../events/event-types.js'

export const updateConversationMemberOp = defineOp({
  id: 'update-conversation-member',
  path: '/v1/conversations/{id}/members/update',
  tag: 'members',
  summary: 'Change a member’s role or right to post (admins)',
  description:
    'Admins of the conversation and the server key. `role`: `admin` (in a channel: a moderator) or `member`; ' +
    '`canPost`: the right to post in a channel (in a group posting follows the role and `locked`; the flag is ' +
    'kept but has no effect). A `userId` that is not a member answers 404 ("member not found"). Demoting the ' +
    'last admin answers 409. Not for dms or archived conversations (409). Emits `member.updated` ' +
    '`{ member, changes }` with only what changed (`changes.canPost` is the stored right; `member.canPost` ' +
    'is effective); a change to nothing emits nothing. Answers the member.',
  callers: ['server', 'user', 'agent'],
  input: Input({
    id: Uuid(),
    userId: ParticipantId('the member to change'),
    role: Type.Optional(Role),
    canPost: Type.Optional(Type.Boolean()),
  }),
  output: Member,
  async run(ctx, input) {
    return transact(ctx, async (tx) => {
      const { conv } = await lockConversationFor(tx, ctx.actor, input.id, 'admin')
      if (conv.type === 'dm') throw conflict('both participants of a dm are admins; that cannot change')
      assertWritable(conv)
      const target = await findMember(tx, conv.id, input.userId)
      if (!target) throw notFound('member')
      const role = input.role ?? target.role
      const canPost = input.canPost ?? target.can_post
      const changes: EventData<'member.updated'>['changes'] = {}
      if (role !== target.role) changes.role = role
      if (canPost !== target.can_post) changes.canPost = canPost
      if (changes.role === 'member' && (await listAdminIds(tx, conv.id)).length <= 1) {
        throw conflict('this is the last admin; make another member admin first')
      }
      if (Object.keys(changes).length) await updateMemberRights(tx, conv.id, target.member_id, role, canPost)
      const [view] = await loadMemberViews(tx, conv, [target.member_id])
      if (Object.keys(changes).length) await appendMemberEvents(tx, conv, [memberUpdated(ctx.actor, view, changes)])
      return view
    })
  },
})
