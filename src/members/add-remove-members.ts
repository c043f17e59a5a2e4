import { defineOp } from '../ops/define-op.js'
import { conflict } from '../ops/errors.js'
import { transact } from '../ops/transaction.js'
import { assertWritable, lockConversationFor } from '../conversations/access.js'
import type { ConversationRow } from '../conversations/conversations.sql.js'
import { AddMembersResult, MemberBatchInput, RemoveMembersResult } from './members.schemas.js'
import { deleteMembers, findMemberDetails, insertMembers, listAdminIds, loadActiveParticipants } from './members.sql.js'
import { appendMemberEvents, loadMemberViews, memberAddedEvents, memberRemoved } from './members.view.js'
import { directoryViewer } from '../users/directory.js'
import { actorIdOf } from '../conversations/conversation-writes.js'
import { appendSystemMessage } from '../messages/system-messages.js'

/** Membership of a dm is fixed, and an archived conversation is read-only. */
function assertMembersChangeable(conv: ConversationRow): void {
  if (conv.type === 'dm') throw conflict('a dm has exactly its two participants; its members cannot change')
  assertWritable(conv)
}

export const addConversationMemberOp = defineOp({
  id: 'add-conversation-member',
  path: '/v1/conversations/{id}/members/add',
  tag: 'members',
  summary: 'Add users and agents to a group or channel (admins)',
  description:
    'Admins of the conversation and the server key. `userIds`: 1 to 100 ids of active users or agents ' +
    '(unknown or deactivated ones: 400 with `errors[].path` `userIds.<i>`; with `PARLEY_DIRECTORY=shared`, an id ' +
    'the caller may not see answers exactly like an unknown one). Ids that are members already are ' +
    'skipped and listed in `alreadyMembers`. New members get role `member`; in a group they may post, in a ' +
    'channel they join as subscribers (`canPost: false`). The member cap (group default 100, channel 300) is ' +
    'enforced: a batch that would exceed it adds no one (409). Not for dms (409) or archived conversations ' +
    '(409). Emits one `member.added` `{ member, by, conversation }` per added member, in the order given; ' +
    '`conversation` is the view as of that event, with no membership; then one system message "… added …" for ' +
    'the whole batch (unless PARLEY_SYSTEM_MESSAGES=off).',
  callers: ['server', 'user', 'agent'],
  input: MemberBatchInput,
  output: AddMembersResult,
  async run(ctx, { id, userIds }) {
    const ids = [...new Set(userIds)]
    return transact(ctx, async (tx) => {
      const { conv } = await lockConversationFor(tx, ctx.actor, id, 'admin')
      assertMembersChangeable(conv)
      await loadActiveParticipants(tx, userIds, 'userIds', directoryViewer(ctx))
      const existing = new Set((await findMemberDetails(tx, conv.id, ids)).map((m) => m.member_id))
      const fresh = ids.filter((m) => !existing.has(m))
      if (conv.member_count + fresh.length > conv.max_members) {
        throw conflict(`the ${conv.type} would have ${conv.member_count + fresh.length} members, over its cap of ${conv.max_members}`)
      }
      const canPost = conv.type === 'group'
      const added = await insertMembers(tx, conv.id, fresh.map((m) => ({ id: m, role: 'member' as const, canPost })), new Date().toISOString())
      const views = await loadMemberViews(tx, conv, added)
      await appendMemberEvents(tx, conv, await memberAddedEvents(tx, ctx.actor, conv, views))
      if (views.length) await appendSystemMessage(ctx, tx, conv, { event: 'member.added', actorId: actorIdOf(ctx.actor), targetIds: views.map((v) => v.userId) })
      return { added: views, alreadyMembers: ids.filter((m) => existing.has(m)) }
    })
  },
})

export const removeConversationMemberOp = defineOp({
  id: 'remove-conversation-member',
  path: '/v1/conversations/{id}/members/remove',
  tag: 'members',
  summary: 'Remove members from a group or channel (admins)',
  description:
    'Admins of the conversation and the server key. `userIds`: 1 to 100 ids; those that are not members are ' +
    'listed in `notMembers`, not refused. A removal that would leave members but no admin answers 409 and ' +
    'removes no one (promote someone first); so an admin may remove themselves only while another admin ' +
    'remains. Not for dms (409) or archived conversations (409). A removed member stops seeing a private ' +
    'conversation at once. Emits one `member.removed` `{ memberId, by, reason: "removed" }` per removed member, ' +
    'then one system message "… removed …" (unless PARLEY_SYSTEM_MESSAGES=off).',
  callers: ['server', 'user', 'agent'],
  input: MemberBatchInput,
  output: RemoveMembersResult,
  async run(ctx, { id, userIds }) {
    const ids = [...new Set(userIds)]
    return transact(ctx, async (tx) => {
      const { conv } = await lockConversationFor(tx, ctx.actor, id, 'admin')
      assertMembersChangeable(conv)
      const present = new Set((await findMemberDetails(tx, conv.id, ids)).map((m) => m.member_id))
      const admins = await listAdminIds(tx, conv.id)
      const adminsLeft = admins.filter((a) => !present.has(a))
      if (admins.length && !adminsLeft.length && conv.member_count > present.size) {
        throw conflict('that would remove the last admin while members remain; make another member admin first')
      }
      const removed = await deleteMembers(tx, conv.id, ids.filter((m) => present.has(m)))
      await appendMemberEvents(tx, conv, removed.map((m) => memberRemoved(ctx.actor, m, 'removed')))
      if (removed.length) await appendSystemMessage(ctx, tx, conv, { event: 'member.removed', actorId: actorIdOf(ctx.actor), targetIds: removed })
      return { removed, notMembers: ids.filter((m) => !present.has(m)) }
    })
  },
})
