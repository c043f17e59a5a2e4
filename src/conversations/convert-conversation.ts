import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { conflict } from '../ops/errors.js'
import { Input, Uuid } from '../ops/schemas.js'
import { transact } from '../ops/transaction.js'
import { revokePostingOfNonAdmins } from '../members/members.sql.js'
import { assertWritable, lockConversationFor } from './access.js'
import { appendConversationUpdated, conversationViewFor } from './conversation-writes.js'
import { Conversation } from './conversations.schemas.js'
import { convertGroupToChannel } from './conversations.sql.js'
import { DEFAULT_MAX_MEMBERS } from './create-conversation.js'

export const convertConversationOp = defineOp({
  id: 'convert-conversation',
  path: '/v1/conversations/{id}/convert',
  tag: 'conversations',
  summary: 'Convert a group into a private channel (admins)',
  description:
    'Admins of the conversation and the server key; groups only (anything else: 409), not archived (409). ' +
    'In the same transaction the group becomes a private channel: admins stay admins (moderators), every ' +
    'other member becomes a subscriber without the right to post (`canPost: false`; an admin may grant it ' +
    'with update-conversation-member), `locked` is dropped (channels use canPost), and a member cap still at ' +
    'the group default (100) becomes the channel default (300). Emits one `conversation.updated` with ' +
    '`changes: { type, visibility, settings? }`; members’ posting rights change with the type, without ' +
    'a member.updated event each (reload the member list).',
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid(), to: Type.Optional(Type.Literal('channel', { description: 'the only conversion there is' })) }),
  output: Conversation,
  async run(ctx, { id }) {
    return transact(ctx, async (tx) => {
      const { conv } = await lockConversationFor(tx, ctx.actor, id, 'admin')
      if (conv.type !== 'group') throw conflict(`only a group can be converted; this is a ${conv.type}`)
      assertWritable(conv)
      const maxMembers = conv.max_members === DEFAULT_MAX_MEMBERS.group ? DEFAULT_MAX_MEMBERS.channel : conv.max_members
      await convertGroupToChannel(tx, conv.id, maxMembers, new Date().toISOString())
      await revokePostingOfNonAdmins(tx, conv.id)
      const settings = {
        ...(maxMembers !== conv.max_members ? { maxMembers } : {}),
        ...(conv.locked ? { locked: false } : {}),
      }
      await appendConversationUpdated(tx, conv, ctx.actor, {
        type: 'channel',
        visibility: 'private',
        ...(Object.keys(settings).length ? { settings } : {}),
      })
      return conversationViewFor(tx, ctx.actor, conv.id)
    })
  },
})
