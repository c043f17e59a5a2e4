import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { Cursor, Input, Limit, Page, ParticipantId, Uuid } from '../ops/schemas.js'
import { decodeCursor } from '../lib/cursor.js'
import { keysetPage } from '../lib/page.js'
import { iso } from '../lib/time.js'
import { loadConversationFor } from './access.js'
import { Conversation, ConversationType } from './conversations.schemas.js'
import { findConversationDetail, listAllConversations, listConversationsOfMember } from './conversations.sql.js'
import { toConversationView } from './conversations.view.js'
import { createConversationOp } from './create-conversation.js'
import { updateConversationOp } from './update-conversation.js'
import { archiveConversationOp, unarchiveConversationOp } from './archive-conversation.js'
import { convertConversationOp } from './convert-conversation.js'

export const getConversationOp = defineOp({
  id: 'get-conversation',
  path: '/v1/conversations/{id}/get',
  tag: 'conversations',
  summary: 'Get a conversation with the caller’s membership (role, lastReadSeq, unreadCount, preferences)',
  description:
    'Members see their membership; the server key, owners of a member agent (read-only) and, for public ' +
    'channels, anyone see it with `membership: null`. Others get 404, exactly as for a missing conversation.',
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid() }),
  output: Conversation,
  async run(ctx, { id }) {
    const { access, member } = await loadConversationFor(ctx.services.db, ctx.actor, id, 'read')
    const viewer = member ? member.member_id : null
    const detail = (await findConversationDetail(ctx.services.db, id, viewer))!
    return toConversationView(detail, access)
  },
})

export const listConversationsOp = defineOp({
  id: 'list-conversations',
  path: '/v1/conversations/list',
  tag: 'conversations',
  summary: 'The caller’s conversations, most recent activity first, each with unreadCount and lastMessage',
  description:
    'Filters combine. `archived` unset lists both archived and active ones. `agentId` keeps conversations ' +
    'that agent is in. With the server key: every conversation (use `externalRef` to find the one tied to an app object).',
  callers: ['server', 'user', 'agent'],
  input: Input({
    type: Type.Optional(ConversationType),
    archived: Type.Optional(Type.Boolean()),
    starred: Type.Optional(Type.Boolean()),
    externalRef: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    agentId: Type.Optional(ParticipantId()),
    cursor: Type.Optional(Cursor()),
    limit: Type.Optional(Limit(30, 100)),
  }),
  output: Page(Conversation),
  async run(ctx, input) {
    const limit = input.limit ?? 30
    const after = input.cursor ? decodeCursor(input.cursor, ['timestamp', 'uuid'] as const) : undefined
    const filters = { type: input.type, archived: input.archived, starred: input.starred, externalRef: input.externalRef, agentId: input.agentId }
    const db = ctx.services.db
    const rows =
      ctx.actor.kind === 'server'
        ? await listAllConversations(db, filters, after, limit + 1)
        : await listConversationsOfMember(db, ctx.actor.id, filters, after, limit + 1)
    const access = ctx.actor.kind === 'server' ? 'server' : 'member'
    return keysetPage(rows, limit, (r) => toConversationView(r, access), (last) => [iso(last.last_activity_at), last.id])
  },
})

export const conversationsOps = [
  createConversationOp,
  getConversationOp,
  listConversationsOp,
  updateConversationOp,
  archiveConversationOp,
  unarchiveConversationOp,
  convertConversationOp,
]
